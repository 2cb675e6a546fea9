/**
 * Layers with weights as quantizers (larq's `test_layer_as_quantizer`): a plain tf.layers.Layer and a
 * Quantizer subclass with a trainable scale, passed as inputQuantizer / kernelQuantizer. Their weights
 * become the quantized layer's, are built on the right shapes, trained by model.fit (checked against
 * gradients worked out by hand), saved and loaded with the layer.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { saveAndLoad } from "../quantizers/model_io.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";

/** Shapes every instance of the test classes was built on, by layer name. */
const builtOn = new Map<string, unknown>();

/** larq's DummyTrainableQuantizer: y = w·x with one trainable scalar w (initial value `init`). */
class DummyTrainableQuantizer extends tfl.layers.Layer {
  static className = "DummyTrainableQuantizer";
  readonly init: number;
  weight: tfl.LayerVariable | null = null;

  constructor(args: { init?: number; name?: string; trainable?: boolean } = {}) {
    super(args);
    this.init = args.init ?? 1;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    builtOn.set(this.name, inputShape);
    this.weight = this.addWeight("dummy_weight", [], "float32", tfl.initializers.constant({ value: this.init }), undefined, true);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(this.weight!.read(), Array.isArray(inputs) ? inputs[0] : inputs));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), init: this.init };
  }
}
tf.serialization.registerClass(DummyTrainableQuantizer);

/** A scale quantizer: y = s·sign(x) (straight-through for x), with a trainable scalar s. */
class ScaleSign extends lq.quantizers.Quantizer {
  static className = "TestScaleSign";
  readonly init: number;
  scale: tfl.LayerVariable | null = null;

  constructor(args: { init?: number; name?: string } = {}) {
    super({ name: args.name });
    this.init = args.init ?? 1;
  }

  get precision(): number {
    return 1;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    builtOn.set(this.name, inputShape);
    this.scale = this.addWeight("scale", [], "float32", tfl.initializers.constant({ value: this.init }), undefined, true);
    this.built = true;
  }

  quantize(x: tf.Tensor): tf.Tensor {
    return tf.mul(this.scale!.read(), lq.quantizers.steSign(x));
  }

  protected quantizerConfig(): tf.serialization.ConfigDict {
    return { init: this.init };
  }
}
tf.serialization.registerClass(ScaleSign);

const signJs = (v: number) => (v < 0 ? -1 : 1);
const X = [
  [0.5, -1.2, 0.3],
  [-0.7, 0.9, 2.0],
];
const W = [0.4, -0.8, 1.5];
const T = [0.25, -1];
const LR = 0.1;

/** Dense(1, no bias) on X with kernel W and the given quantizer; one SGD step of model.fit on MSE. */
async function trainOneStep(
  arg: "inputQuantizer" | "kernelQuantizer",
  quantizer: tfl.layers.Layer,
): Promise<{
  model: tfl.LayersModel;
  layer: lq.layers.QuantDense;
}> {
  const input = tfl.input({ shape: [3] });
  const layer = lq.layers.quantDense({ units: 1, useBias: false, [arg]: quantizer });
  const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
  layer.setWeights([tf.tensor2d(W, [3, 1]), ...layer.getWeights().slice(1)]);
  model.compile({ optimizer: tf.train.sgd(LR), loss: "meanSquaredError" });
  await model.fit(tf.tensor2d(X), tf.tensor2d(T, [2, 1]), { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
  return { model, layer };
}

/**
 * Value after one SGD step of the scalar s in out_b = s·Σ_j u_bj·v_j, with loss (1/B)·Σ_b (out_b − t_b)²:
 * ∂L/∂s = (2/B)·Σ_b (out_b − t_b)·Σ_j u_bj·v_j.
 */
function expectedScalar(s: number, u: number[][], v: number[]): number {
  const dots = u.map((row) => row.reduce((acc, x, j) => acc + x * v[j], 0));
  const grad = (2 / u.length) * dots.reduce((acc, d, b) => acc + (s * d - T[b]) * d, 0);
  return s - LR * grad;
}

function scalarOf(variable: tfl.LayerVariable | null): number {
  return variable!.read().dataSync()[0];
}

describe("layers with weights as quantizers", () => {
  before(() => useBackend("cpu"));

  it("a plain tf.layers.Layer is accepted as inputQuantizer and kernelQuantizer, wrapped as a LayerQuantizer", () => {
    const iq = new DummyTrainableQuantizer();
    const kq = new DummyTrainableQuantizer();
    const layer = lq.layers.quantDense({ units: 2, inputQuantizer: iq, kernelQuantizer: kq });
    assert.ok(layer.inputQuantizer instanceof lq.quantizers.LayerQuantizer);
    assert.equal((layer.inputQuantizer as lq.quantizers.LayerQuantizer).layer, iq);
    assert.equal((layer.kernelQuantizer as lq.quantizers.LayerQuantizer).layer, kq);
    assert.equal(lq.quantizers.get(iq), layer.inputQuantizer, "the same wrapper for the same layer");
    assert.equal(lqi.quantizers.precisionOf(layer.inputQuantizer), 32, "no precision field: full precision");
    assert.deepEqual(lq.quantizers.serialize(layer.inputQuantizer), { className: "DummyTrainableQuantizer", config: iq.getConfig() });
    // As larq's get_kernel_quantizer, a Keras layer does not take the metrics of the scope.
    const scoped = lq.context.metricsScope(["flip_ratio"], () =>
      lq.layers.quantDense({ units: 1, kernelQuantizer: new DummyTrainableQuantizer() }),
    );
    assert.deepEqual((scoped.kernelQuantizer as lq.quantizers.LayerQuantizer).metrics, []);
    assert.deepEqual(
      (lq.context.metricsScope(["flip_ratio"], () => lqi.quantizers.getKernelQuantizer("ste_sign")) as lq.quantizers.SteSign).metrics,
      ["flip_ratio"],
    );
  });

  for (const arg of ["inputQuantizer", "kernelQuantizer"] as const) {
    it(`larq's test_layer_as_quantizer (${arg}): model.fit trains the layer's weight by the hand-computed gradient`, async () => {
      const dummy = new DummyTrainableQuantizer({ init: 1.5 });
      const { model } = await trainOneStep(arg, dummy);
      assert.ok(
        model.trainableWeights.some((w) => w.name.includes("dummy_weight")),
        "dummy_weight is trainable",
      );
      // y_b = w·Σ_j x_bj·W_j whether w scales the input or the kernel.
      assertClose(scalarOf(dummy.weight), expectedScalar(1.5, X, W), 1e-5);
    });

    it(`a Quantizer subclass with a weight (${arg}): y = s·sign(·) and s is trained by the hand-computed gradient`, async () => {
      const scale = new ScaleSign({ init: 0.5 });
      const { model, layer } = await trainOneStep(arg, scale);
      assert.equal(layer[arg], scale, "a Quantizer is used as is");
      assert.ok(
        model.trainableWeights.some((w) => w.name.endsWith("/scale")),
        "scale is trainable",
      );
      // inputQuantizer: Σ_j s·sign(x_bj)·W_j; kernelQuantizer: Σ_j x_bj·s·sign(W_j).
      const expected =
        arg === "inputQuantizer"
          ? expectedScalar(
              0.5,
              X.map((r) => r.map(signJs)),
              W,
            )
          : expectedScalar(0.5, X, W.map(signJs));
      assertClose(scalarOf(scale.scale), expected, 1e-5);
      assert.ok(Math.abs(expected - 0.5) > 1e-2, "the step really moves s");
    });
  }

  it("quantizers are built on the input shape and on the kernel's shape when the layer is built", () => {
    const iq = new ScaleSign({ name: "conv_iq" });
    const kq = new DummyTrainableQuantizer({ name: "conv_kq" });
    const input = tfl.input({ shape: [5, 5, 2] });
    const conv = lq.layers.quantConv2d({ filters: 4, kernelSize: 3, inputQuantizer: iq, kernelQuantizer: kq });
    conv.apply(input);
    assert.deepEqual(builtOn.get("conv_iq"), [null, 5, 5, 2]);
    assert.deepEqual(builtOn.get("conv_kq"), [3, 3, 2, 4]);
    assert.equal(iq.inboundNodes.length, 0, "building leaves no graph node on the quantizer");
    assert.equal(kq.inboundNodes.length, 0);
  });

  it("weights are listed after the layer's own, kernel quantizers first (Keras's order), named <layer>/<quantizer>/<weight>", () => {
    const layer = lq.layers.quantDense({
      units: 2,
      name: "dense_with_scales",
      inputQuantizer: new ScaleSign({ name: "iq", init: 2 }),
      kernelQuantizer: new DummyTrainableQuantizer({ name: "kq", init: 3 }),
    });
    tf.dispose(layer.apply(tf.ones([1, 3])) as tf.Tensor);
    assert.deepEqual(
      layer.weights.map((w) => w.originalName),
      ["dense_with_scales/kernel", "dense_with_scales/bias", "dense_with_scales/kq/dummy_weight", "dense_with_scales/iq/scale"],
    );
    assert.equal(layer.trainableWeights.length, 4);
    assert.equal(layer.countParams(), 3 * 2 + 2 + 1 + 1);
    const values = layer.getWeights();
    assert.deepEqual([values[2].dataSync()[0], values[3].dataSync()[0]], [3, 2]);
    layer.setWeights([values[0], values[1], tf.scalar(-1), tf.scalar(0.25)]);
    // y = Σ_j 0.25·sign(1)·(−1)·W_j + b.
    const expected = tf.add(tf.mul(-0.25, tf.sum(values[0], 0, true)), values[1]);
    assertClose(layer.apply(tf.ones([1, 3])) as tf.Tensor, expected, 1e-6);
    // A frozen layer freezes its quantizers' weights too.
    layer.trainable = false;
    assert.equal(layer.trainableWeights.length, 0);
    assert.equal(layer.nonTrainableWeights.length, 4);
  });

  it("the quantizer weights are saved with the layer and restored on load (custom classes registered with tf.serialization)", async () => {
    const input = tfl.input({ shape: [3] });
    const layer = lq.layers.quantDense({
      units: 2,
      inputQuantizer: new ScaleSign({ init: 0.75 }),
      kernelQuantizer: new DummyTrainableQuantizer({ init: -1.25 }),
    });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const { topology, loaded } = await saveAndLoad(model);
    assert.match(topology, /"input_quantizer":\{"class_name":"TestScaleSign","config":\{[^}]*"init":0.75/);
    assert.match(topology, /"kernel_quantizer":\{"class_name":"DummyTrainableQuantizer","config":\{[^}]*"init":-1.25/);
    const copy = loaded.layers[1] as lq.layers.QuantDense;
    assert.ok(copy.inputQuantizer instanceof ScaleSign);
    assert.ok((copy.kernelQuantizer as lq.quantizers.LayerQuantizer).layer instanceof DummyTrainableQuantizer);
    assert.deepEqual(
      loaded.weights.map((w) => w.originalName),
      model.weights.map((w) => w.originalName),
    );
    // Values come from the file, not from the initializers: change them before saving again.
    model.setWeights(model.getWeights().map((w, i) => (i >= 2 ? tf.scalar(i === 2 ? 0.5 : 3) : w)));
    const again = (await saveAndLoad(model)).loaded;
    assert.deepEqual(
      again
        .getWeights()
        .slice(2)
        .map((w) => w.dataSync()[0]),
      [0.5, 3],
    );
    const x = tf.tensor2d([[0.3, -0.6, 1.1]]);
    assertClose(again.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6);
  });

  it("a quantizer layer inside a frozen or trained model does not leak tensors", () => {
    const layer = lq.layers.quantConv1d({
      filters: 2,
      kernelSize: 2,
      inputQuantizer: new ScaleSign(),
      kernelQuantizer: new DummyTrainableQuantizer(),
    });
    const x = tf.randomNormal([1, 4, 3]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    assert.equal(vars.length, 4);
    assertNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars);
      for (const v of vars) assert.ok(grads[v.name], `gradient for ${v.name}`);
      tf.dispose([value, ...Object.values(grads)]);
    });
  });
});
