/**
 * lq.engine.convert on random models of every supported layer mix: the engine equals `model.predict` on the tfjs
 * cpu backend within float rounding, and unsupported layers are named.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { mulberry32 } from "../../examples/data/mnist.js";
import * as lq from "../../src/index.js";
import { assertClose, useBackend } from "../helpers.js";
import { randomizeWeights } from "./model_fixtures.js";

type ST = tfl.SymbolicTensor;
const bin = (args: Record<string, unknown>) =>
  lq.layers.quantConv2d({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);
const bdense = (args: Record<string, unknown>) =>
  lq.layers.quantDense({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);
const ap = (layer: { apply(x: ST | ST[]): unknown }, x: ST | ST[]) => layer.apply(x) as ST;

/** Input with exact zeros (larq's sign(0) = +1) and both signs. */
function inputFor(shape: number[], seed: number): tf.Tensor {
  const rnd = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() < 0.1 ? 0 : (rnd() * 2 - 1) * 2;
  return tf.tensor(a, shape);
}

async function check(
  model: tfl.LayersModel,
  seed: number,
  expectOps: string[],
  spread: number,
  batch = 2,
  options: lq.engine.EngineModelOptions = {},
): Promise<lq.engine.EngineModel> {
  randomizeWeights(model, seed, (layer) => (layer.getClassName() === "BatchNormalization" ? spread : 1));
  const em = await lq.engine.convert(model, options);
  const ops = em.graph.nodes.map((n) => `${n.op}:${n.dtype}`);
  for (const op of expectOps) assert.ok(ops.includes(op), `expected ${op} in ${ops.join(" ")}`);
  const x = inputFor([batch, ...(model.inputs[0].shape.slice(1) as number[])], seed + 1);
  const expected = model.predict(x) as tf.Tensor;
  const actual = em.predict(x);
  assertClose(actual, expected, 2e-4);
  tf.dispose([x, expected, actual]);
  return em;
}

describe("lq.engine.convert: layer mixes", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("binary convs: padValues 0/1/-1, same/valid, strides, dilation, bias, BN, bits through max pool, float first layer", async () => {
    const input = tfl.input({ shape: [11, 10, 5] });
    let x = ap(tfl.layers.conv2d({ filters: 7, kernelSize: 3, padding: "same", activation: "relu" }), input);
    x = ap(bin({ filters: 33, kernelSize: 3, padding: "same", useBias: true }), x); // padValues 0: border correction
    x = ap(tfl.layers.batchNormalization({}), x);
    x = ap(bin({ filters: 65, kernelSize: [3, 2], padding: "same", padValues: -1, dilationRate: 2, useBias: false }), x);
    x = ap(tfl.layers.maxPooling2d({ poolSize: 2, padding: "same" }), x);
    x = ap(tfl.layers.batchNormalization({ center: false }), x);
    x = ap(bin({ filters: 64, kernelSize: 3, padding: "same", padValues: 1, strides: 2, useBias: false }), x);
    x = ap(tfl.layers.batchNormalization({ scale: false }), x);
    x = ap(bin({ filters: 9, kernelSize: 2, padding: "valid", strides: 1, activation: "relu" }), x);
    x = ap(tfl.layers.globalAveragePooling2d({}), x);
    x = ap(tfl.layers.dense({ units: 4, activation: "softmax" }), x);
    const model = tfl.model({ inputs: input, outputs: x });
    for (const seed of [1, 2, 3]) {
      const em = await check(model, seed, ["conv2d:float32", "bconv2d:bits", "bconv2d:float32", "globalavg:float32"], 6);
      em.dispose();
    }
    // The scalar (no-SIMD) module and the forced SIMD GEMM kernel give the same results.
    const scalar = await lq.engine.loadEngine({ simd: false });
    const simd = await lq.engine.loadEngine({ gemmKernel: "simd" });
    for (const engine of [scalar, simd]) {
      const em = await check(model, 4, ["bconv2d:bits"], 6, 2, { engine });
      em.dispose();
    }
    // chainBits: false keeps float outputs (and float max pooling) between binary layers.
    const noChain = await check(model, 5, ["bconv2d:float32", "maxpool:float32", "signpack:bits"], 6, 2, { chainBits: false });
    assert.ok(noChain.graph.nodes.every((n) => n.op !== "bconv2d" || n.dtype === "float32"));
    noChain.dispose();
    model.dispose();
  });

  it("positive BN multipliers chain bits through max pooling (bmaxpool); negative ones fall back to float pooling", async () => {
    const build = () => {
      const input = tfl.input({ shape: [8, 8, 3] });
      let x = ap(bin({ filters: 40, kernelSize: 3, padding: "same" }), input);
      x = ap(tfl.layers.maxPooling2d({ poolSize: 2 }), x);
      x = ap(tfl.layers.batchNormalization({}), x);
      x = ap(bin({ filters: 6, kernelSize: 3 }), x);
      x = ap(tfl.layers.flatten({}), x);
      return tfl.model({ inputs: input, outputs: x });
    };
    const model = build();
    randomizeWeights(model, 11, () => 5);
    const bn = model.layers[3];
    const [g, b, m, v] = bn.getWeights();
    const positive = tf.abs(g);
    bn.setWeights([positive, b, m, v]);
    const em = await lq.engine.convert(model);
    assert.ok(em.graph.nodes.some((n) => n.op === "bmaxpool"));
    const x = inputFor([3, 8, 8, 3], 5);
    assertClose(em.predict(x), model.predict(x) as tf.Tensor, 1e-5);
    em.dispose();
    bn.setWeights([tf.neg(positive), b, m, v]);
    const em2 = await lq.engine.convert(model);
    assert.ok(!em2.graph.nodes.some((n) => n.op === "bmaxpool"));
    assert.ok(em2.graph.nodes.some((n) => n.op === "maxpool"));
    assertClose(em2.predict(x), model.predict(x) as tf.Tensor, 1e-5);
    em2.dispose();
    tf.dispose([x, positive]); // g, b, m, v are the layer's variables
    model.dispose();
  });

  it("depthwise, add, concat, average pooling, other sign quantizers, MagnitudeAwareSign, binary dense, PReLU", async () => {
    const input = tfl.input({ shape: [9, 9, 6] });
    let x = ap(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", depthMultiplier: 2 }), input);
    x = ap(tfl.layers.batchNormalization({}), x);
    const a = ap(
      lq.layers.quantConv2d({
        filters: 12,
        kernelSize: 3,
        padding: "same",
        padValues: 1,
        inputQuantizer: "approx_sign",
        kernelQuantizer: "swish_sign",
        activation: "relu",
      } as never),
      x,
    );
    const bnA = ap(tfl.layers.batchNormalization({}), a);
    const sum = ap(tfl.layers.add({}), [bnA, x]);
    const c = ap(
      lq.layers.quantConv2d({ filters: 5, kernelSize: 1, inputQuantizer: "ste_sign", kernelQuantizer: "magnitude_aware_sign" } as never),
      sum,
    );
    let y = ap(tfl.layers.concatenate({}), [sum, c]);
    y = ap(tfl.layers.averagePooling2d({ poolSize: 2, padding: "same" }), y);
    y = ap(tfl.layers.prelu({}), y);
    y = ap(tfl.layers.flatten({}), y);
    y = ap(bdense({ units: 20 }), y);
    y = ap(tfl.layers.batchNormalization({}), y);
    y = ap(tfl.layers.dropout({ rate: 0.5 }), y);
    y = ap(bdense({ units: 7, useBias: true, kernelQuantizer: "magnitude_aware_sign" }), y);
    y = ap(tfl.layers.activation({ activation: "softmax" }), y);
    const model = tfl.model({ inputs: input, outputs: y });
    for (const seed of [4, 5]) {
      const em = await check(
        model,
        seed,
        ["depthwise:float32", "add:float32", "concat:float32", "avgpool:float32", "prelu:float32", "bdense:bits", "bdense:float32"],
        4,
        3,
      );
      em.dispose();
    }
    model.dispose();
  });

  it("Sequential with binary dense layers and tanh / hard_tanh (folded clamp) / sigmoid activations", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [4, 5, 2] }),
        bdense({ units: 70, useBias: true }),
        tfl.layers.batchNormalization({}),
        tfl.layers.activation({ activation: "tanh" }),
        bdense({ units: 130, activation: "relu" }),
        bdense({ units: 3 }),
        tfl.layers.activation({ activation: "hard_tanh" as never }),
        tfl.layers.activation({ activation: "sigmoid" }),
      ],
    });
    const em = await check(model, 9, ["bdense:bits", "bdense:float32", "activation:float32"], 4, 4);
    const last = em.graph.nodes.filter((n) => n.op === "bdense").pop()!;
    assert.deepEqual([last.attrs.clampMin, last.attrs.clampMax], [-1, 1], "hard_tanh folded as a clamp");
    em.dispose();
    model.dispose();
  });

  it("global max pooling, reshape, concat on an inner axis, LeakyReLU / ELU / ReLU(6) layers, softplus and selu", async () => {
    const input = tfl.input({ shape: [6, 6, 4] });
    const x = ap(tfl.layers.leakyReLU({ alpha: 0.2 }), ap(tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same" }), input));
    const g = ap(tfl.layers.concatenate({}), [ap(tfl.layers.globalMaxPooling2d({}), x), ap(tfl.layers.globalAveragePooling2d({}), x)]);
    const r = ap(tfl.layers.reshape({ targetShape: [2, 8] }), g);
    let y = ap(tfl.layers.concatenate({ axis: 1 }), [r, ap(tfl.layers.activation({ activation: "softplus" }), r)]);
    y = ap(tfl.layers.flatten({}), y);
    y = ap(tfl.layers.dense({ units: 6, activation: "selu" }), y);
    y = ap(tfl.layers.elu({}), y);
    y = ap(tfl.layers.reLU({ maxValue: 6 }), ap(tfl.layers.dense({ units: 3 }), y));
    const model = tfl.model({ inputs: input, outputs: y });
    const em = await check(model, 17, ["globalmax:float32", "concat:float32", "reshape:float32", "activation:float32"], 1, 2);
    em.dispose();
    model.dispose();
  });

  it("leaks no tensors and frees all wasm memory on dispose; batch sizes can change between calls", async () => {
    const model = tfl.sequential({
      layers: [
        lq.layers.quantConv2d({ filters: 8, kernelSize: 3, inputShape: [6, 6, 3], padding: "same" }),
        tfl.layers.batchNormalization({}),
        bin({ filters: 5, kernelSize: 3 }),
        tfl.layers.flatten({}),
      ],
    });
    randomizeWeights(model, 13, () => 2);
    const engine = await lq.engine.loadEngine();
    const bytesBefore = engine.allocatedBytes;
    const tensorsBefore = tf.memory().numTensors;
    const em = await lq.engine.convert(model);
    assert.equal(tf.memory().numTensors, tensorsBefore, "convert leaks no tensors");
    for (const batch of [1, 4, 2]) {
      const x = inputFor([batch, 6, 6, 3], batch);
      const before = tf.memory().numTensors;
      const y = em.predict(x);
      assert.equal(tf.memory().numTensors, before + 1, "predict creates only its output");
      const expected = model.predict(x) as tf.Tensor;
      assertClose(y, expected, 1e-4);
      tf.dispose([x, y, expected]);
    }
    em.dispose();
    assert.equal(engine.allocatedBytes, bytesBefore, "dispose frees all wasm memory");
    model.dispose();
  });

  it("unsupported layers are named with their class, bad arguments are reported", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [5, 3], name: "my_conv1d" })] });
    await assert.rejects(lq.engine.convert(model), /unsupported layer "my_conv1d" \(Conv1D\)/);
    model.dispose();
    await assert.rejects(lq.engine.convert({} as never), /model/);
    const magnitudeInput = tfl.sequential({
      layers: [
        lq.layers.quantDense({
          units: 2,
          inputShape: [3],
          inputQuantizer: "magnitude_aware_sign",
          kernelQuantizer: "ste_sign",
          name: "mag_in",
        } as never),
      ],
    });
    await assert.rejects(
      lq.engine.convert(magnitudeInput),
      /unsupported layer "mag_in" \(QuantDense\): input quantizer magnitudeawaresign/,
    );
    magnitudeInput.dispose();
    const em = await lq.engine.convert(tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] }));
    assert.throws(() => em.predict(tf.zeros([1, 4])), /input shape/);
    assert.throws(() => em.predict(new Float32Array(5), [1, 3]), /input.length/);
    em.dispose();
    assert.throws(() => em.predict(new Float32Array(3)), /disposed/);
  });
});
