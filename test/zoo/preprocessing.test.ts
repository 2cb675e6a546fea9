/**
 * preprocessInput / resizeBicubic / decodePredictions against closed-form references: the cubic
 * convolution kernel (a = −0.75) at exactly representable offsets, the crop geometry of larq-zoo's
 * `_center_crop`, and the ImageNet class list.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as zoo from "../../src/zoo/index.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";

/** Keys' cubic convolution kernel with a = −0.75 (TensorFlow's legacy bicubic). */
function keys(d: number): number {
  const a = -0.75;
  const t = Math.abs(d);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/**
 * Slow 1-D reference: out[o] = Σ_k keys(δ + 1 − k) · in[clamp(⌊o·s⌋ + k − 1)] with the fractional
 * position δ rounded to 1/1024 as TensorFlow's weight table does.
 */
function resize1d(values: number[], outSize: number): number[] {
  const scale = values.length / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    const loc = o * scale;
    const base = Math.floor(loc);
    const delta = Math.round((loc - base) * 1024) / 1024;
    let acc = 0;
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(Math.max(base - 1 + k, 0), values.length - 1);
      acc += keys(delta + 1 - k) * values[idx];
    }
    return acc;
  });
}

describe("resizeBicubic (TensorFlow legacy bicubic)", () => {
  before(() => useBackend("cpu"));

  it("upsampling a ramp 4 → 8 gives the closed-form cubic-convolution values", () => {
    const img = tf.tensor3d([0, 1, 2, 3], [1, 4, 1]);
    const out = zoo.resizeBicubic(img, [1, 8]);
    // Midpoints use the weights (−0.09375, 0.59375, 0.59375, −0.09375); the borders are clamped.
    assertClose(out, [0, 0.40625, 1, 1.5, 2, 2.59375, 3, 3.09375], 1e-6);
    tf.dispose([img, out]);
  });

  it("downsampling by 2 picks every other pixel (the kernel is 1 at 0 and 0 at ±1, ±2)", () => {
    const values = Array.from({ length: 8 * 6 * 2 }, (_, i) => (i * 37) % 11);
    const img = tf.tensor3d(values, [8, 6, 2]);
    const out = zoo.resizeBicubic(img, [4, 3]);
    const expected: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 2; c++) expected.push(values[(2 * y * 6 + 2 * x) * 2 + c]);
    assertClose(out, expected, 1e-5);
    tf.dispose([img, out]);
  });

  it("is separable and matches the slow reference on a 2-D image (5x7 → 9x4)", () => {
    const h = 5;
    const w = 7;
    const values = Array.from({ length: h * w }, (_, i) => Math.sin(i) * 100);
    const rows = Array.from({ length: h }, (_, y) => values.slice(y * w, (y + 1) * w));
    const alongW = rows.map((r) => resize1d(r, 4));
    const expected: number[][] = Array.from({ length: 9 }, () => []);
    for (let x = 0; x < 4; x++) {
      const column = resize1d(
        alongW.map((r) => r[x]),
        9,
      );
      column.forEach((v, y) => (expected[y][x] = v));
    }
    const out = zoo.resizeBicubic(tf.tensor3d(values, [h, w, 1]), [9, 4]);
    assertClose(out, expected.flat(), 1e-4);
    out.dispose();
  });

  it("keeps a constant image constant and leaks nothing", () => {
    const img = tf.fill([13, 17, 3], 42);
    const out = zoo.resizeBicubic(img as tf.Tensor3D, [224, 224]);
    assertClose(out, new Array(224 * 224 * 3).fill(42), 1e-5);
    out.dispose();
    assertNoTensorLeak(() => zoo.resizeBicubic(img as tf.Tensor3D, [5, 5]).dispose());
    img.dispose();
  });
});

describe("preprocessInput", () => {
  before(() => useBackend("cpu"));

  it("centre-crops ⌊0.875·min(h,w)⌋ at larq-zoo's offsets, then normalises per channel", () => {
    // 300x256 image whose channel values encode the row, the column and a constant.
    const h = 300;
    const w = 256;
    const data = new Float32Array(h * w * 3);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        data.set([r, c, 100], (r * w + c) * 3);
      }
    }
    const image = tf.tensor3d(data, [h, w, 3]);
    const x = zoo.preprocessInput(image);
    assert.deepEqual(x.shape, [224, 224, 3]);
    assert.equal(x.dtype, "float32");
    // side = ⌊0.875·256⌋ = 224 (the resize is then the identity); top = ⌊(300−224+1)/2⌋ = 38, left = 16.
    const values = x.arraySync() as number[][][];
    const mean = [0.485 * 255, 0.456 * 255, 0.406 * 255];
    const std = [0.229 * 255, 0.224 * 255, 0.225 * 255];
    for (const [i, j] of [
      [0, 0],
      [0, 223],
      [223, 0],
      [111, 57],
      [223, 223],
    ]) {
      assertClose(values[i][j], [(38 + i - mean[0]) / std[0], (16 + j - mean[1]) / std[1], (100 - mean[2]) / std[2]], 1e-5);
    }
    tf.dispose([image, x]);
  });

  it("accepts int32 images, rejects other shapes", () => {
    const img = tf.fill([40, 30, 3], 128, "int32");
    const x = zoo.preprocessInput(img);
    assertClose(
      x,
      new Array(224 * 224 * 3).fill(0).map((_, i) => (128 - zoo.MEAN_RGB[i % 3]) / zoo.STDDEV_RGB[i % 3]),
      1e-4,
    );
    tf.dispose([img, x]);
    assert.throws(() => zoo.preprocessInput(tf.zeros([1, 8, 8, 3])), /image/);
    assert.throws(() => zoo.preprocessInput(tf.zeros([8, 8, 4])), /image/);
  });
});

describe("decodePredictions and the ImageNet classes", () => {
  before(() => useBackend("cpu"));

  it("the class list: 1000 distinct WordNet ids in sorted order (the ILSVRC index order)", () => {
    assert.equal(zoo.IMAGENET_CLASSES.length, 1000);
    const ids = zoo.IMAGENET_CLASSES.map(([id]) => id);
    assert.equal(new Set(ids).size, 1000);
    assert.deepEqual([...ids].sort(), ids);
    assert.ok(ids.every((id) => /^n\d{8}$/.test(id)));
    assert.deepEqual(zoo.IMAGENET_CLASSES[0], ["n01440764", "tench"]);
    assert.deepEqual(zoo.IMAGENET_CLASSES[281], ["n02123045", "tabby"]);
    assert.deepEqual(zoo.IMAGENET_CLASSES[999], ["n15075141", "toilet_tissue"]);
  });

  it("returns the top classes per image in decreasing order", () => {
    const row0 = new Array(1000).fill(0);
    row0[281] = 0.6;
    row0[285] = 0.3;
    row0[0] = 0.1;
    const row1 = new Array(1000).fill(0.001);
    row1[999] = 0.5;
    const preds = tf.tensor2d([row0, row1]);
    const decoded = zoo.decodePredictions(preds, 3);
    assert.equal(decoded.length, 2);
    assert.deepEqual(
      decoded[0].map(([id, name]) => [id, name]),
      [
        ["n02123045", "tabby"],
        ["n02124075", "Egyptian_cat"],
        ["n01440764", "tench"],
      ],
    );
    assertClose(
      decoded[0].map(([, , s]) => s),
      [0.6, 0.3, 0.1],
      1e-6,
    );
    assert.equal(decoded[1][0][1], "toilet_tissue");
    assert.equal(zoo.decodePredictions([row0]).length, 1);
    assert.equal(zoo.decodePredictions([row0])[0].length, 5, "default top = 5");
    preds.dispose();
  });

  it("rejects predictions that are not [batch, 1000] and bad `top`", () => {
    assert.throws(() => zoo.decodePredictions(tf.zeros([2, 10])), /preds/);
    assert.throws(() => zoo.decodePredictions(tf.zeros([1000])), /preds/);
    assert.throws(() => zoo.decodePredictions([new Array(1000).fill(0)], 0), /top/);
  });
});
