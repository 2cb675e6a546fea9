/**
 * Loads test/fixtures/keras_larq_model: a hand-written model.json in the format tensorflowjs_converter
 * produces for a Python Keras 2 (TF 2.x) model with larq layers, plus deterministic weights
 * (generate_weights.mjs), and checks the predictions against a slow computation from the raw weights.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { assertClose, useBackend } from "../helpers.js";

// build/test/layers → test/fixtures (fixtures are read from the source tree).
const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures", "keras_larq_model");

const sgn = (v: number) => (v < 0 ? -1 : 1);

function rawWeights(): Map<string, Float32Array> {
  const json = JSON.parse(readFileSync(join(fixtureDir, "model.json"), "utf8"));
  const out = new Map<string, Float32Array>();
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p: string) => readFileSync(join(fixtureDir, p))));
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    let offset = 0;
    for (const spec of group.weights) {
      const size = spec.shape.reduce((a: number, b: number) => a * b, 1);
      out.set(spec.name, all.slice(offset, offset + size));
      offset += size;
    }
  }
  return out;
}

function inputValues(n: number): Float32Array {
  const out = new Float32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) / 2 ** 24) * 4 - 2;
  }
  return out;
}

/** NHWC convolution with HWIO kernel on explicitly padded input. */
function conv(
  x: Float32Array,
  [B, H, W, C]: number[],
  k: Float32Array,
  [kh, kw, , F]: number[],
  stride: number,
  pad: [number, number],
  padValue: number,
): { y: Float32Array; shape: number[] } {
  const Hp = H + pad[0] + pad[1];
  const Wp = W + pad[0] + pad[1];
  const oH = Math.floor((Hp - kh) / stride) + 1;
  const oW = Math.floor((Wp - kw) / stride) + 1;
  const y = new Float32Array(B * oH * oW * F);
  const at = (b: number, r: number, c: number, ch: number) => {
    const rr = r - pad[0];
    const cc = c - pad[0];
    return rr < 0 || cc < 0 || rr >= H || cc >= W ? padValue : x[((b * H + rr) * W + cc) * C + ch];
  };
  for (let b = 0; b < B; b++)
    for (let r = 0; r < oH; r++)
      for (let c = 0; c < oW; c++)
        for (let f = 0; f < F; f++) {
          let sum = 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              for (let ch = 0; ch < C; ch++) sum += at(b, r * stride + i, c * stride + j, ch) * k[((i * kw + j) * C + ch) * F + f];
          y[((b * oH + r) * oW + c) * F + f] = sum;
        }
  return { y, shape: [B, oH, oW, F] };
}

function batchNorm(x: Float32Array, F: number, beta: Float32Array, mean: Float32Array, variance: Float32Array): Float32Array {
  return x.map((v, i) => (v - mean[i % F]) / Math.sqrt(variance[i % F] + 0.001) + beta[i % F]);
}

function reference(x: Float32Array, batch: number, w: Map<string, Float32Array>): Float32Array {
  // quant_conv2d: no input quantizer, ste_sign kernel, "same" padding with pad_values 1 (1 on each side).
  const c1 = conv(x, [batch, 6, 6, 2], w.get("quant_conv2d/kernel")!.map(sgn), [3, 3, 2, 4], 1, [1, 1], 1);
  const b1 = batchNorm(
    c1.y,
    4,
    w.get("batch_normalization/beta")!,
    w.get("batch_normalization/moving_mean")!,
    w.get("batch_normalization/moving_variance")!,
  );
  // quant_conv2d_1: ste_sign input and kernel, "valid", stride 2.
  const c2 = conv(b1.map(sgn), c1.shape, w.get("quant_conv2d_1/kernel")!.map(sgn), [3, 3, 4, 3], 2, [0, 0], 0);
  const b2 = batchNorm(
    c2.y,
    3,
    w.get("batch_normalization_1/beta")!,
    w.get("batch_normalization_1/moving_mean")!,
    w.get("batch_normalization_1/moving_variance")!,
  );
  // flatten (h, w, c) → quant_dense with ste_sign input and kernel → softmax.
  const kernel = w.get("quant_dense/kernel")!.map(sgn);
  const bias = w.get("quant_dense/bias")!;
  const out = new Float32Array(batch * 5);
  for (let b = 0; b < batch; b++) {
    const logits = new Array<number>(5).fill(0).map((_, u) => {
      let sum = bias[u];
      for (let i = 0; i < 12; i++) sum += sgn(b2[b * 12 + i]) * kernel[i * 5 + u];
      return sum;
    });
    const max = Math.max(...logits);
    const exps = logits.map((v) => Math.exp(v - max));
    const total = exps.reduce((a, v) => a + v, 0);
    exps.forEach((v, u) => (out[b * 5 + u] = v / total));
  }
  return out;
}

describe("Python Keras 2 + larq model converted by tensorflowjs_converter", () => {
  before(() => useBackend("cpu"));

  it("loads with tf.loadLayersModel('file://…') and predicts like the reference computed from its raw weights", async () => {
    const model = await tfl.loadLayersModel(`file://${join(fixtureDir, "model.json")}`);
    assert.deepEqual(
      model.layers.map((l) => l.getClassName()),
      ["InputLayer", "QuantConv2D", "BatchNormalization", "QuantConv2D", "BatchNormalization", "Flatten", "QuantDense", "Activation"],
    );
    const batch = 3;
    const x = inputValues(batch * 6 * 6 * 2);
    const expected = reference(x, batch, rawWeights());
    const xt = tf.tensor(x, [batch, 6, 6, 2]);
    const y = model.predict(xt) as tf.Tensor;
    assert.deepEqual(y.shape, [batch, 5]);
    assertClose(y, expected, 1e-4);
    tf.dispose([xt, y]);
    model.dispose();
  });

  it("resolves larq's snake_case config: quantizers, WeightClip, pad_values", async () => {
    const model = await tfl.loadLayersModel(`file://${join(fixtureDir, "model.json")}`);
    const [, conv1, , conv2, bn2, , dense] = model.layers as unknown as Array<Record<string, unknown> & tfl.layers.Layer>;
    assert.equal(conv1.inputQuantizer, null);
    assert.ok(conv1.kernelQuantizer !== null);
    assert.equal(conv1.padValues, 1);
    assert.equal(conv2.padValues, 0);
    const q = conv2.inputQuantizer as lq.quantizers.SteSign;
    assert.ok(q instanceof lq.quantizers.SteSign);
    assert.equal(q.clipValue, 1);
    assert.ok(dense.inputQuantizer !== null && dense.kernelQuantizer !== null);
    const constraint = conv1.kernelConstraint as lq.constraints.WeightClip;
    assert.ok(constraint instanceof lq.constraints.WeightClip);
    assert.equal(constraint.clipValue, 1);
    assert.equal((bn2.getConfig() as { scale: boolean }).scale, false);
    assert.deepEqual(
      model.weights.map((w) => w.originalName).sort(),
      [
        "quant_conv2d/kernel",
        "batch_normalization/beta",
        "batch_normalization/moving_mean",
        "batch_normalization/moving_variance",
        "quant_conv2d_1/kernel",
        "batch_normalization_1/beta",
        "batch_normalization_1/moving_mean",
        "batch_normalization_1/moving_variance",
        "quant_dense/kernel",
        "quant_dense/bias",
      ].sort(),
    );
    // Inside quantizedScope(true) the kernels read as exact ±1 (the binary weights one would export).
    const quantized = lq.context.quantizedScope(true, () => model.getWeights());
    const kernelIndices = model.weights.flatMap((w, i) => (w.originalName.endsWith("/kernel") ? [i] : []));
    assert.equal(kernelIndices.length, 3);
    for (const i of kernelIndices) assert.ok(Array.from(quantized[i].dataSync()).every((v) => v === 1 || v === -1));
    // (getWeights returns the variables themselves for unquantized weights: dispose only the new tensors.)
    tf.dispose(kernelIndices.map((i) => quantized[i]));
    model.dispose();
  });
});
