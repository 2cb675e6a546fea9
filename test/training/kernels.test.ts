/**
 * larq-ts's wasm training kernels against the cpu backend's kernels (independent reference implementations).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { useBackend } from "../helpers.js";
import { trainingKernelStatus } from "../../src/training/index.js";

/** Deterministic pseudo-random floats in [-1, 1) (or small integers, to force ties). */
function values(n: number, seed: number, integers = false): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = integers ? Math.floor(u * 5) - 2 : 2 * u - 1;
  }
  return out;
}

type Inputs = Record<string, { shape: number[]; data: Float32Array }>;

/** Runs one kernel on a backend with fresh input tensors and returns shape and values. */
async function run(
  backend: "cpu" | "wasm",
  kernel: string,
  inputs: Inputs,
  attrs: tf.NamedAttrMap,
  derived?: (t: Record<string, tf.Tensor>) => Record<string, tf.Tensor>,
): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.data, v.shape);
  const all = derived ? { ...tensors, ...derived(tensors) } : tensors;
  const before = tf.memory().numTensors;
  const out = tf.engine().runKernel(kernel, all as unknown as tf.NamedTensorMap, attrs) as tf.Tensor;
  const result = { shape: out.shape.slice(), data: out.dataSync() as Float32Array };
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${kernel} on ${backend} leaked tensors`);
  for (const [k, v] of Object.entries(inputs)) {
    assert.deepEqual(tensors[k].dataSync(), v.data, `${kernel} on ${backend} altered or freed its input ${k}`);
  }
  tf.dispose(Object.values(all));
  return result;
}

/** max |a − b| / max |b| ≤ tol, shapes equal. */
function assertRelClose(actual: { shape: number[]; data: Float32Array }, expected: { shape: number[]; data: Float32Array }, tol = 1e-5): void {
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

async function compare(kernel: string, inputs: Inputs, attrs: tf.NamedAttrMap, derived?: (t: Record<string, tf.Tensor>) => Record<string, tf.Tensor>): Promise<void> {
  const expected = await run("cpu", kernel, inputs, attrs, derived);
  const actual = await run("wasm", kernel, inputs, attrs, derived);
  assertRelClose(actual, expected);
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function outShape(x: number[], f: number[], strides: number | [number, number], pad: tf.NamedAttrMap[string], dilations: number | [number, number] = 1, depthwise = false, dataFormat: "NHWC" | "NCHW" = "NHWC"): number[] {
  const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], f as [number, number, number, number], strides, dilations, pad as "same", undefined, depthwise, tf.backend_util.convertConv2DDataFormat(dataFormat));
  return info.outShape;
}

interface ConvCase {
  name: string;
  x: number[];
  f: number[];
  strides: number | [number, number];
  pad: "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat?: "NHWC" | "NCHW";
}

const convCases: ConvCase[] = [
  { name: "3x3 stride 1 same", x: [2, 7, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: "same" },
  { name: "3x2 stride 2 valid, odd sizes", x: [2, 9, 8, 3], f: [3, 2, 3, 5], strides: 2, pad: "valid" },
  { name: "3x3 stride 2 same, odd sizes", x: [1, 9, 7, 2], f: [3, 3, 2, 3], strides: 2, pad: "same" },
  { name: "5x5 stride 3 same", x: [2, 8, 6, 2], f: [5, 5, 2, 3], strides: 3, pad: "same" },
  { name: "1x1 stride 2 valid", x: [2, 5, 5, 4], f: [1, 1, 4, 6], strides: 2, pad: "valid" },
  { name: "strides [1, 2], explicit padding", x: [2, 6, 7, 3], f: [3, 3, 3, 2], strides: [1, 2], pad: [[0, 0], [2, 1], [0, 1], [0, 0]] },
  { name: "NCHW stride 2 same", x: [2, 3, 7, 6], f: [3, 3, 3, 4], strides: 2, pad: "same", dataFormat: "NCHW" },
  { name: "3x3 stride 2 valid, unused last row/column", x: [2, 8, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: "valid" },
  { name: "8 input channels, stride 2 same", x: [2, 9, 9, 8], f: [3, 3, 8, 4], strides: 2, pad: "same" },
  { name: "tutorial layer 1 (batch 4)", x: [4, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: "valid" },
  { name: "tutorial layer 2 (batch 8)", x: [8, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: "valid" },
];

interface DepthwiseCase {
  name: string;
  x: number[];
  f: number[];
  strides: number;
  dilations: number | [number, number];
  pad: "same" | "valid";
}

const depthwiseCases: DepthwiseCase[] = [
  { name: "3x3 stride 1 same, multiplier 1", x: [2, 7, 7, 3], f: [3, 3, 3, 1], strides: 1, dilations: 1, pad: "same" },
  { name: "3x3 stride 2 valid, multiplier 2, odd sizes", x: [2, 9, 8, 3], f: [3, 3, 3, 2], strides: 2, dilations: 1, pad: "valid" },
  { name: "2x3 stride 2 same, multiplier 3", x: [1, 7, 9, 2], f: [2, 3, 2, 3], strides: 2, dilations: 1, pad: "same" },
  { name: "3x3 dilation 2 same", x: [2, 9, 9, 2], f: [3, 3, 2, 1], strides: 1, dilations: 2, pad: "same" },
  { name: "3x2 dilation [2, 3] valid, multiplier 2", x: [1, 10, 11, 2], f: [3, 2, 2, 2], strides: 1, dilations: [2, 3], pad: "valid" },
];

describe("wasm training kernels match the cpu backend", () => {
  before(async () => {
    await useBackend("cpu");
    await useBackend("wasm");
  });

  test("the missing and slow kernels are provided by larq-ts once wasm is active", () => {
    assert.deepEqual(trainingKernelStatus(), {
      Conv2DBackpropFilter: "larq-ts",
      DepthwiseConv2dNativeBackpropFilter: "larq-ts",
      DepthwiseConv2dNativeBackpropInput: "larq-ts",
      Conv2DBackpropInput: "larq-ts",
      MaxPoolGrad: "larq-ts",
    });
  });

  for (const c of convCases) {
    const dataFormat = c.dataFormat ?? "NHWC";
    const dyShape = outShape(c.x, c.f, c.strides, c.pad, 1, false, dataFormat);
    test(`Conv2DBackpropFilter: ${c.name}`, async () => {
      await compare(tf.Conv2DBackpropFilter, { x: { shape: c.x, data: values(size(c.x), 1) }, dy: { shape: dyShape, data: values(size(dyShape), 2) } }, { strides: c.strides, pad: c.pad, dataFormat, filterShape: c.f } as unknown as tf.NamedAttrMap);
    });
    test(`Conv2DBackpropInput: ${c.name}`, async () => {
      await compare(tf.Conv2DBackpropInput, { dy: { shape: dyShape, data: values(size(dyShape), 3) }, filter: { shape: c.f, data: values(size(c.f), 4) } }, { strides: c.strides, pad: c.pad, dataFormat, inputShape: c.x } as unknown as tf.NamedAttrMap);
    });
  }

  // tfjs's cpu depthwise backprop kernels ignore dilations (tfjs's gradient rejects dilation > 1), so dilated
  // cases are checked against the cpu kernel run with the equivalent zero-expanded, undilated filter.
  for (const c of depthwiseCases) {
    const dyShape = outShape(c.x, c.f, c.strides, c.pad, c.dilations, true);
    const [dh, dw] = typeof c.dilations === "number" ? [c.dilations, c.dilations] : c.dilations;
    const [kh, kw, ch, mult] = c.f;
    const ef = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ch, mult];
    const tapIndex = (u: number, v: number, rest: number) => ((u * dh * ef[1] + v * dw) * ch * mult) + rest;
    test(`DepthwiseConv2dNativeBackpropFilter: ${c.name}`, async () => {
      const inputs = { x: { shape: c.x, data: values(size(c.x), 5) }, dy: { shape: dyShape, data: values(size(dyShape), 6) } };
      const attrs = { strides: c.strides, pad: c.pad };
      const wide = await run("cpu", tf.DepthwiseConv2dNativeBackpropFilter, inputs, { ...attrs, dilations: 1, filterShape: ef } as unknown as tf.NamedAttrMap);
      const expected = new Float32Array(size(c.f));
      for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) for (let r = 0; r < ch * mult; r++) {
        expected[(u * kw + v) * ch * mult + r] = wide.data[tapIndex(u, v, r)];
      }
      const actual = await run("wasm", tf.DepthwiseConv2dNativeBackpropFilter, inputs, { ...attrs, dilations: c.dilations, filterShape: c.f } as unknown as tf.NamedAttrMap);
      assertRelClose(actual, { shape: c.f, data: expected });
    });
    test(`DepthwiseConv2dNativeBackpropInput: ${c.name}`, async () => {
      const filter = values(size(c.f), 8);
      const wideFilter = new Float32Array(size(ef));
      for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) for (let r = 0; r < ch * mult; r++) {
        wideFilter[tapIndex(u, v, r)] = filter[(u * kw + v) * ch * mult + r];
      }
      const dy = { shape: dyShape, data: values(size(dyShape), 7) };
      const attrs = { strides: c.strides, pad: c.pad, inputShape: c.x };
      const expected = await run("cpu", tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: { shape: ef, data: wideFilter } }, { ...attrs, dilations: 1 } as unknown as tf.NamedAttrMap);
      const actual = await run("wasm", tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: { shape: c.f, data: filter } }, { ...attrs, dilations: c.dilations } as unknown as tf.NamedAttrMap);
      assertRelClose(actual, expected);
    });
  }

  const poolCases: { name: string; x: number[]; filterSize: [number, number]; strides: [number, number]; pad: "same" | "valid"; integers: boolean }[] = [
    { name: "2x2 stride 2 valid, odd size, many ties", x: [2, 7, 9, 3], filterSize: [2, 2], strides: [2, 2], pad: "valid", integers: true },
    { name: "2x2 stride 2 same, odd size", x: [2, 7, 5, 4], filterSize: [2, 2], strides: [2, 2], pad: "same", integers: false },
    { name: "3x3 stride 2 same (overlapping windows), ties", x: [1, 8, 9, 2], filterSize: [3, 3], strides: [2, 2], pad: "same", integers: true },
    { name: "3x2 stride 1 valid (overlapping windows)", x: [2, 6, 7, 3], filterSize: [3, 2], strides: [1, 1], pad: "valid", integers: false },
  ];
  for (const c of poolCases) {
    test(`MaxPoolGrad: ${c.name}`, async () => {
      const info = tf.backend_util.computePool2DInfo(c.x as [number, number, number, number], c.filterSize, c.strides, 1, c.pad);
      await compare(
        tf.MaxPoolGrad,
        { input: { shape: c.x, data: values(size(c.x), 9, c.integers) }, dy: { shape: info.outShape, data: values(size(info.outShape), 10) } },
        { filterSize: c.filterSize, strides: c.strides, pad: c.pad } as unknown as tf.NamedAttrMap,
        (t) => ({ output: tf.maxPool(t.input as tf.Tensor4D, c.filterSize, c.strides, c.pad) }),
      );
    });
  }
});
