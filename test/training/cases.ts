/**
 * Shared inputs of the training-kernel tests: deterministic data, case lists and a relative comparison.
 */
import assert from "node:assert/strict";

import * as tf from "@tensorflow/tfjs-core";

/** Deterministic pseudo-random floats in [-1, 1) (or small integers, to force ties). */
export function values(n: number, seed: number, integers = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = integers ? Math.floor(u * 5) - 2 : 2 * u - 1;
  }
  return out;
}

/** max |a − b| / max |b| ≤ tol, shapes equal. */
export function assertRelClose(
  actual: { shape: number[]; data: Float32Array },
  expected: { shape: number[]; data: Float32Array },
  tol = 1e-5,
): void {
  assert.deepEqual(actual.shape, expected.shape);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.data.length; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]));
    err = Math.max(err, Math.abs(actual.data[i] - expected.data[i]));
  }
  assert.ok(scale > 0, "reference is all zeros: the case tests nothing");
  assert.ok(err <= tol * scale, `max abs error ${err} > ${tol} x ${scale}`);
}

/** Number of elements of a shape. */
export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Output shape of a (depthwise) convolution, from tfjs's own shape logic. */
export function outShape(
  x: number[],
  f: number[],
  strides: number | [number, number],
  pad: tf.NamedAttrMap[string],
  dilations: number | [number, number] = 1,
  depthwise = false,
  dataFormat: "NHWC" | "NCHW" = "NHWC",
): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    f as [number, number, number, number],
    strides,
    dilations,
    pad as "same",
    undefined,
    depthwise,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  return info.outShape;
}

/** A dense convolution case (filter `f` is `[KH, KW, Ci, Co]`). */
export interface ConvCase {
  name: string;
  x: number[];
  f: number[];
  strides: number | [number, number];
  pad: "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat?: "NHWC" | "NCHW";
}

/** Dense convolution cases: strides 1/2/3, same/valid/explicit padding, odd sizes, NCHW, tutorial layers. */
export const convCases: ConvCase[] = [
  { name: "3x3 stride 1 same", x: [2, 7, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: "same" },
  { name: "3x2 stride 2 valid, odd sizes", x: [2, 9, 8, 3], f: [3, 2, 3, 5], strides: 2, pad: "valid" },
  { name: "3x3 stride 2 same, odd sizes", x: [1, 9, 7, 2], f: [3, 3, 2, 3], strides: 2, pad: "same" },
  { name: "5x5 stride 3 same", x: [2, 8, 6, 2], f: [5, 5, 2, 3], strides: 3, pad: "same" },
  { name: "1x1 stride 2 valid", x: [2, 5, 5, 4], f: [1, 1, 4, 6], strides: 2, pad: "valid" },
  {
    name: "strides [1, 2], explicit padding",
    x: [2, 6, 7, 3],
    f: [3, 3, 3, 2],
    strides: [1, 2],
    pad: [
      [0, 0],
      [2, 1],
      [0, 1],
      [0, 0],
    ],
  },
  { name: "NCHW stride 2 same", x: [2, 3, 7, 6], f: [3, 3, 3, 4], strides: 2, pad: "same", dataFormat: "NCHW" },
  { name: "3x3 stride 2 valid, unused last row/column", x: [2, 8, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: "valid" },
  { name: "8 input channels, stride 2 same", x: [2, 9, 9, 8], f: [3, 3, 8, 4], strides: 2, pad: "same" },
  { name: "tutorial layer 1 (batch 4)", x: [4, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: "valid" },
  { name: "tutorial layer 2 (batch 8)", x: [8, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: "valid" },
];

/** A depthwise convolution case (filter `f` is `[KH, KW, C, multiplier]`). */
export interface DepthwiseCase {
  name: string;
  x: number[];
  f: number[];
  strides: number;
  dilations: number | [number, number];
  pad: "same" | "valid";
}

/** Depthwise cases: multipliers 1–3, strides 1/2, dilations, odd sizes. */
export const depthwiseCases: DepthwiseCase[] = [
  { name: "3x3 stride 1 same, multiplier 1", x: [2, 7, 7, 3], f: [3, 3, 3, 1], strides: 1, dilations: 1, pad: "same" },
  { name: "3x3 stride 2 valid, multiplier 2, odd sizes", x: [2, 9, 8, 3], f: [3, 3, 3, 2], strides: 2, dilations: 1, pad: "valid" },
  { name: "2x3 stride 2 same, multiplier 3", x: [1, 7, 9, 2], f: [2, 3, 2, 3], strides: 2, dilations: 1, pad: "same" },
  { name: "3x3 dilation 2 same", x: [2, 9, 9, 2], f: [3, 3, 2, 1], strides: 1, dilations: 2, pad: "same" },
  { name: "3x2 dilation [2, 3] valid, multiplier 2", x: [1, 10, 11, 2], f: [3, 2, 2, 2], strides: 1, dilations: [2, 3], pad: "valid" },
];

/** Max-pooling cases; `integers` inputs force ties. */
export const poolCases: {
  name: string;
  x: number[];
  filterSize: [number, number];
  strides: [number, number];
  pad: "same" | "valid";
  integers: boolean;
}[] = [
  { name: "2x2 stride 2 valid, odd size, many ties", x: [2, 7, 9, 3], filterSize: [2, 2], strides: [2, 2], pad: "valid", integers: true },
  { name: "2x2 stride 2 same, odd size", x: [2, 7, 5, 4], filterSize: [2, 2], strides: [2, 2], pad: "same", integers: false },
  {
    name: "3x3 stride 2 same (overlapping windows), ties",
    x: [1, 8, 9, 2],
    filterSize: [3, 3],
    strides: [2, 2],
    pad: "same",
    integers: true,
  },
  { name: "3x2 stride 1 valid (overlapping windows)", x: [2, 6, 7, 3], filterSize: [3, 2], strides: [1, 1], pad: "valid", integers: false },
];
