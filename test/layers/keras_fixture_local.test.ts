/**
 * Loads test/fixtures/keras_larq_local_model: a hand-written tensorflowjs_converter output of a Python
 * Keras 2 model with larq's QuantSeparableConv1D, QuantLocallyConnected1D (implementation 1) and
 * QuantLocallyConnected2D (implementation 2) in Keras' weight layouts, and checks its predictions
 * against a slow computation from the raw weights.
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

const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures", "keras_larq_local_model");

const sgn = (v: number) => (v < 0 ? -1 : 1);

function rawWeights(): Map<string, Float32Array> {
  const json = JSON.parse(readFileSync(join(fixtureDir, "model.json"), "utf8"));
  const group = json.weightsManifest[0];
  const bytes = readFileSync(join(fixtureDir, group.paths[0]));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of group.weights) {
    const size = spec.shape.reduce((a: number, b: number) => a * b, 1);
    out.set(spec.name.split("/").slice(-2).join("/"), all.slice(offset, offset + size));
    offset += size;
  }
  return out;
}

/** One sample [7, 3] → 8 outputs, following Keras' definitions of each layer. */
function referenceSample(x: (t: number, c: number) => number, w: Map<string, Float32Array>): number[] {
  // QuantSeparableConv1D: "same" with pad_values 1 (one step each side), depth multiplier 2, sign kernels.
  const dw = w.get("quant_separable_conv1d/depthwise_kernel")!.map(sgn); // [3, 3, 2]
  const pw = w.get("quant_separable_conv1d/pointwise_kernel")!.map(sgn); // [1, 6, 4]
  const b1 = w.get("quant_separable_conv1d/bias")!;
  const xp = (t: number, c: number) => (t < 1 || t > 7 ? 1 : x(t - 1, c));
  const y1: number[][] = [];
  for (let t = 0; t < 7; t++) {
    const z: number[] = [];
    for (let c = 0; c < 3; c++)
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let i = 0; i < 3; i++) s += xp(t + i, c) * dw[(i * 3 + c) * 2 + j];
        z.push(s);
      }
    y1.push([0, 1, 2, 3].map((f) => b1[f] + z.reduce((s, v, n) => s + v * pw[n * 4 + f], 0)));
  }
  // QuantLocallyConnected1D, implementation 1: kernel [3 positions, (k=2)·(C=4), 2], stride 2; sign input and kernel.
  const k2 = w.get("quant_locally_connected1d/kernel")!.map(sgn);
  const b2 = w.get("quant_locally_connected1d/bias")!;
  const y2: number[][] = [];
  for (let p = 0; p < 3; p++) {
    y2.push(
      [0, 1].map((f) => {
        let s = b2[p * 2 + f];
        for (let i = 0; i < 2; i++) for (let c = 0; c < 4; c++) s += sgn(y1[2 * p + i][c]) * k2[(p * 8 + i * 4 + c) * 2 + f];
        return s;
      }),
    );
  }
  // Reshape [3, 2] → [3, 2, 1]; QuantLocallyConnected2D, implementation 2: dense kernel
  // [3, 2, 1, 2, 2, 2] where only the 2x1 receptive field of each output position counts.
  const k3 = w.get("quant_locally_connected2d/kernel")!.map(sgn);
  const b3 = w.get("quant_locally_connected2d/bias")!;
  const out: number[] = [];
  for (let r = 0; r < 2; r++)
    for (let c = 0; c < 2; c++)
      for (let f = 0; f < 2; f++) {
        let s = b3[(r * 2 + c) * 2 + f];
        for (let ir = r; ir < r + 2; ir++) s += sgn(y2[ir][c]) * k3[(((ir * 2 + c) * 1 + 0) * 2 * 2 + r * 2 + c) * 2 + f];
        out.push(s);
      }
  return out;
}

describe("Python Keras 2 model with QuantSeparableConv1D / QuantLocallyConnected1D / QuantLocallyConnected2D", () => {
  before(() => useBackend("cpu"));

  it("loads with tf.loadLayersModel('file://…') and predicts like the reference from its raw weights", async () => {
    const model = await tfl.loadLayersModel(`file://${join(fixtureDir, "model.json")}`);
    const layers = model.layers as unknown as Array<tfl.layers.Layer & Record<string, unknown>>;
    assert.deepEqual(
      layers.map((l) => l.getClassName()),
      ["InputLayer", "QuantSeparableConv1D", "QuantLocallyConnected1D", "Reshape", "QuantLocallyConnected2D", "Flatten"],
    );
    assert.equal(layers[1].padValues, 1);
    assert.equal(layers[1].depthMultiplier, 2);
    assert.equal(layers[1].inputQuantizer, null);
    assert.ok((layers[1].pointwiseQuantizer as lq.quantizers.SteSign).clipValue === 1);
    assert.equal(layers[2].implementation, 1);
    assert.equal(layers[4].implementation, 2);
    assert.ok(layers[4].inputQuantizer instanceof lq.quantizers.SteSign);

    const batch = 3;
    const x = new Float32Array(batch * 7 * 3).map((_, i) => Math.sin(1.7 * i + 0.3) * 2);
    const w = rawWeights();
    const expected = Array.from({ length: batch }, (_, b) => referenceSample((t, c) => x[(b * 7 + t) * 3 + c], w)).flat();
    const xt = tf.tensor(x, [batch, 7, 3]);
    const y = model.predict(xt) as tf.Tensor;
    assert.deepEqual(y.shape, [batch, 8]);
    assertClose(y, expected, 1e-4);
    tf.dispose([xt, y]);
    model.dispose();
  });
});
