/**
 * Quantizers declare their inference form (`Quantizer.inferenceForm()`, a function's `inferenceForm`), and the
 * converter reads it instead of class names: a user-written sign quantizer that opts in becomes a bitpacked layer
 * equal to `model.predict`; one that does not is not taken for a sign.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";

type ST = tfl.SymbolicTensor;

/** A user's own sign quantizer (forward: x ≥ 0 ? 1 : −1), optionally declaring its form. */
class MySign extends lq.quantizers.Quantizer {
  static className = "MySign";
  constructor(private readonly declare: boolean) {
    super({});
  }
  get precision(): number {
    return 1;
  }
  quantize(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.where(tf.greaterEqual(x, 0), tf.onesLike(x), tf.fill(x.shape, -1)));
  }
  protected quantizerConfig(): tf.serialization.ConfigDict {
    return {};
  }
  override inferenceForm(): lq.quantizers.InferenceForm | undefined {
    return this.declare ? { kind: "sign", zero: "positive" } : undefined;
  }
}

function model(inputQ: unknown, kernelQ: unknown): tfl.LayersModel {
  const input = tfl.input({ shape: [5, 5, 3] });
  let x = lq.layers
    .quantConv2d({ filters: 6, kernelSize: 3, inputQuantizer: inputQ, kernelQuantizer: kernelQ, useBias: false } as never)
    .apply(input) as ST;
  x = tfl.layers.flatten({}).apply(x) as ST;
  const m = tfl.model({ inputs: input, outputs: x });
  const shape = m.layers[1].weights[0].shape as number[];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 12.9898) * 0.5);
  const t = tf.tensor(data, shape);
  m.layers[1].setWeights([t]);
  t.dispose();
  return m;
}

describe("quantizer inference forms in lq.engine.convert", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("larq-ts's quantizers declare theirs (classes and functions)", () => {
    const sign = { kind: "sign", zero: "positive" };
    for (const q of [new lq.quantizers.SteSign(), new lq.quantizers.ApproxSign(), new lq.quantizers.SwishSign()])
      assert.deepEqual(q.inferenceForm(), sign);
    assert.deepEqual(new lq.quantizers.MagnitudeAwareSign().inferenceForm(), {
      kind: "scaledSign",
      scale: "meanAbsPerChannel",
      zero: "positive",
    });
    assert.deepEqual(lq.quantizers.inferenceFormOf(lq.quantizers.steSign), sign);
    assert.equal(new lq.quantizers.SteHeaviside().inferenceForm(), undefined);
    assert.equal(new lq.quantizers.DoReFa().inferenceForm(), undefined);
    assert.equal(lq.quantizers.inferenceFormOf(null), undefined);
  });

  it("a user sign quantizer that declares the sign form becomes a bitpacked layer equal to model.predict", async () => {
    const mySignFn = Object.assign((x: tf.Tensor) => lq.math.sign(x), { precision: 1, inferenceForm: lq.quantizers.SIGN_FORM });
    lq.quantizers.registerQuantizerFunction("my_sign_fn", mySignFn);
    const fn = mySignFn;
    const m = model(new MySign(true), fn);
    const em = await lq.engine.convert(m);
    assert.ok(
      em.graph.nodes.some((n) => n.op === "bconv2d"),
      em.graph.nodes.map((n) => n.op).join(" "),
    );
    const x = tf.tensor(
      Float32Array.from({ length: 2 * 75 }, (_, i) => (i % 7 === 0 ? 0 : Math.cos(i * 3.7))),
      [2, 5, 5, 3],
    );
    const want = m.predict(x) as tf.Tensor;
    const got = em.predict(x);
    assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
    tf.dispose([x, want, got]);
    em.dispose();
  });

  it("the same quantizer without a declared form is not taken for a sign (named in the error)", async () => {
    await assert.rejects(
      lq.engine.convert(model(new MySign(false), "ste_sign")),
      /unsupported layer "quant_conv2d[^"]*" \(QuantConv2D\): input quantizer mysign/,
    );
  });
});
