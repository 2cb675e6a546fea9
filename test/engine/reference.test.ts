/**
 * The TS reference ops against tfjs float ops fed larq-sign-ed inputs and weights (cpu backend).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { packBits, packDenseWeights, packFilter, unpackBits } from "../../src/engine/bitpacking.js";
import { computeThresholds, resolveTransform } from "../../src/engine/ops.js";
import { referenceBConv2D, referenceBDense, referenceBMaxPool } from "../../src/engine/reference.js";
import { assertClose, useBackend } from "../helpers.js";
import { larqSign, transformArrays, valuesWithZeros } from "./fixtures.js";

/** tfjs "same" padding amounts, written out independently of the engine's geometry code. */
function samePads(size: number, k: number, s: number, d: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

interface ConvCase {
  shape: [number, number, number, number];
  k: [number, number];
  cout: number;
  stride: number;
  dilation: number;
  padding: "same" | "valid";
  padValue: 0 | 1 | -1;
}

const CASES: ConvCase[] = [
  { shape: [1, 5, 5, 3], k: [3, 3], cout: 4, stride: 1, dilation: 1, padding: "same", padValue: 0 },
  { shape: [2, 7, 6, 33], k: [3, 3], cout: 5, stride: 2, dilation: 1, padding: "same", padValue: 0 },
  { shape: [1, 7, 7, 65], k: [3, 2], cout: 3, stride: 1, dilation: 2, padding: "same", padValue: 0 },
  { shape: [1, 6, 5, 31], k: [2, 3], cout: 6, stride: 2, dilation: 1, padding: "same", padValue: 1 },
  { shape: [1, 5, 7, 64], k: [3, 3], cout: 2, stride: 1, dilation: 2, padding: "same", padValue: -1 },
  { shape: [1, 9, 8, 2], k: [5, 5], cout: 3, stride: 1, dilation: 1, padding: "same", padValue: -1 },
  { shape: [2, 6, 7, 32], k: [3, 3], cout: 4, stride: 2, dilation: 1, padding: "valid", padValue: 0 },
  { shape: [1, 8, 8, 5], k: [3, 3], cout: 4, stride: 1, dilation: 3, padding: "valid", padValue: 1 },
];

/** The float convolution of sign(x) and sign(w) as tfjs computes it, with the padding value applied. */
function tfConv(x: Float32Array, w: Float32Array, c: ConvCase): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, wd, cin] = c.shape;
    let xs = tf.tensor4d(larqSign(x), c.shape);
    const ws = tf.tensor4d(larqSign(w), [c.k[0], c.k[1], cin, c.cout]);
    let padding: "same" | "valid" = c.padding;
    if (c.padding === "same" && c.padValue !== 0) {
      const py = samePads(h, c.k[0], c.stride, c.dilation);
      const px = samePads(wd, c.k[1], c.stride, c.dilation);
      xs = tf.pad(xs, [[0, 0], py, px, [0, 0]], c.padValue);
      padding = "valid";
    }
    return tf.conv2d(xs, ws, c.stride, padding, "NHWC", c.dilation);
  });
}

describe("engine reference ops vs tfjs float ops on sign-ed values", () => {
  before(async () => {
    await useBackend("cpu");
  });

  for (const [i, c] of CASES.entries()) {
    const label = `${c.shape} k${c.k} s${c.stride} d${c.dilation} ${c.padding} pad${c.padValue} -> ${c.cout}`;
    const params = {
      kernelSize: c.k,
      inChannels: c.shape[3],
      outChannels: c.cout,
      strides: [c.stride, c.stride] as [number, number],
      dilations: [c.dilation, c.dilation] as [number, number],
      padding: c.padding,
      padValue: c.padValue,
    };
    const x = valuesWithZeros(
      c.shape.reduce((a, b) => a * b),
      100 + i,
    );
    const w = valuesWithZeros(c.k[0] * c.k[1] * c.shape[3] * c.cout, 200 + i);
    const px = packBits(x, c.shape);
    const pw = packFilter(w, [c.k[0], c.k[1], c.shape[3], c.cout]);

    it(`BConv2D raw dot ${label}`, () => {
      const expected = tfConv(x, w, c);
      const got = referenceBConv2D(px, c.shape, pw, params);
      assert.deepEqual(got.shape, expected.shape);
      assertClose(got.data as Float32Array, expected, 0);
      expected.dispose();
    });

    it(`BConv2D float transform (multiplier, bias, clamp) and bits transform ${label}`, () => {
      const { multiplier, bias } = transformArrays(c.cout, 300 + i);
      const conv = tfConv(x, w, c);
      const affine = tf.tidy(() => tf.add(tf.mul(conv, tf.tensor1d(multiplier)), tf.tensor1d(bias)));
      const clamped = tf.tidy(() => tf.clipByValue(affine, -1, 2.5));
      const f = referenceBConv2D(px, c.shape, pw, {
        ...params,
        transform: { kind: "float", multiplier, bias, clampMin: -1, clampMax: 2.5 },
      });
      assertClose(f.data as Float32Array, clamped, 0);
      const b = referenceBConv2D(px, c.shape, pw, { ...params, transform: { kind: "bits", multiplier, bias } });
      const signs = larqSign(affine.dataSync());
      assert.deepEqual(Array.from(unpackBits(b.data as Uint32Array, b.shape)), Array.from(signs));
      tf.dispose([conv, affine, clamped]);
    });
  }

  for (const [cin, cout, batch] of [
    [1, 3, 2],
    [33, 7, 3],
    [64, 65, 1],
    [129, 10, 2],
  ]) {
    it(`BDense ${batch}x${cin} -> ${cout} (raw dot and folded transform)`, () => {
      const x = valuesWithZeros(batch * cin, cin);
      const w = valuesWithZeros(cin * cout, cout + 7);
      const px = packBits(x, [batch, cin]);
      const pw = packDenseWeights(w, [cin, cout]);
      const expected = tf.tidy(() => tf.matMul(tf.tensor2d(larqSign(x), [batch, cin]), tf.tensor2d(larqSign(w), [cin, cout])));
      const got = referenceBDense(px, [batch, cin], pw, { inChannels: cin, outChannels: cout });
      assert.deepEqual(got.shape, [batch, cout]);
      assertClose(got.data as Float32Array, expected, 0);
      const { multiplier, bias } = transformArrays(cout, cin);
      const affine = tf.tidy(() => tf.add(tf.mul(expected, tf.tensor1d(multiplier)), tf.tensor1d(bias)));
      const f = referenceBDense(px, [batch, cin], pw, {
        inChannels: cin,
        outChannels: cout,
        transform: { kind: "float", multiplier, bias },
      });
      assertClose(f.data as Float32Array, affine, 0);
      tf.dispose([expected, affine]);
    });
  }

  for (const [shape, pool, stride, padding] of [
    [[1, 5, 5, 33], [2, 2], [2, 2], "valid"],
    [[2, 5, 7, 64], [3, 3], [2, 2], "same"],
    [[1, 4, 6, 65], [2, 3], [1, 1], "same"],
  ] as const) {
    it(`BMaxPool ${shape} pool ${pool} stride ${stride} ${padding}`, () => {
      // Mostly-negative inputs so that all-negative windows (output −1) occur.
      const x = valuesWithZeros(
        shape.reduce((a: number, b: number) => a * b, 1),
        77,
      ).map((v, j) => (j % 4 === 0 ? v : -1));
      const expected = tf.tidy(() => tf.maxPool(tf.tensor4d(larqSign(x), [...shape]), [...pool], [...stride], padding));
      const got = referenceBMaxPool(packBits(x, shape), shape, { poolSize: pool, strides: stride, padding });
      assert.deepEqual(got.shape, expected.shape);
      assertClose(unpackBits(got.data as Uint32Array, got.shape), expected, 0);
      expected.dispose();
    });
  }

  it("computes LCE thresholds matching the float sign, negating filters for negative multipliers", () => {
    const t = resolveTransform({ kind: "bits", multiplier: [0.5, -2, 0, 0, 1], bias: [-1, 3, -1, 1, 100] }, 5);
    const { thresholds, negate } = computeThresholds(t, 10);
    // 0.5·d − 1 ≥ 0 ⇔ d ≥ 2; −2·d + 3 with d = −d' : 2d' + 3 ≥ 0 ⇔ d' ≥ −1; m = 0: constant sign of the bias.
    assert.deepEqual(Array.from(thresholds), [2, -1, 11, -10, -10]);
    assert.deepEqual(Array.from(negate), [0, 1, 0, 0, 0]);
  });

  it("rejects bad op records and inputs, naming the argument", () => {
    const px = packBits(new Float32Array(9), [1, 3, 3, 1]);
    const pw = packFilter(new Float32Array(9), [3, 3, 1, 1]);
    const base = { kernelSize: [3, 3] as [number, number], inChannels: 1, outChannels: 1 };
    assert.throws(() => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, kernelSize: [0, 3] }), /Invalid kernelSize/);
    assert.throws(() => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, padValue: 2 as never }), /Invalid padValue.*received 2/);
    assert.throws(() => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, padding: "full" as never }), /Invalid padding.*"full"/);
    assert.throws(() => referenceBConv2D(px, [1, 3, 3, 2], pw, base), /inputShape\[3\].*received 2/);
    assert.throws(() => referenceBConv2D(px, [1, 2, 2, 1], pw, base), /input\.length/);
    assert.throws(
      () => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, strides: [1, 1], padding: "valid", kernelSize: [5, 5] }),
      /filter\.length|input size/,
    );
    assert.throws(
      () => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, transform: { kind: "float", multiplier: [1, 2] } }),
      /transform\.multiplier\.length.*received 2/,
    );
    assert.throws(
      () => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, transform: { kind: "bits", clampMin: 0 } as never }),
      /Invalid transform/,
    );
    assert.throws(() => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, transform: { kind: "int" } as never }), /Invalid transform/);
    // The centred double form: float only, center and multiplierLo per channel, no multiplierLo alone.
    const centred = (t: Record<string, unknown>) => () =>
      referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, transform: { kind: "float", ...t } as never });
    assert.throws(centred({ center: [1, 2] }), /transform\.center\.length.*received 2/);
    assert.throws(centred({ center: 1, multiplierLo: [0, 0] }), /transform\.multiplierLo\.length.*received 2/);
    assert.throws(centred({ multiplierLo: 0.5 }), /Invalid transform\.multiplierLo.*without transform\.center/);
    assert.throws(centred({ center: NaN }), /Invalid transform\.center/);
    assert.throws(
      () => referenceBConv2D(px, [1, 3, 3, 1], pw, { ...base, transform: { kind: "bits", center: 0 } as never }),
      /Invalid transform.*center/,
    );
    assert.throws(() => referenceBDense(px, [1, 9], pw, { inChannels: 8, outChannels: 1 }), /Invalid inputShape/);
    assert.throws(() => referenceBMaxPool(px, [1, 3, 3, 1], { poolSize: [2, -1] as never }), /Invalid poolSize/);
  });
});
