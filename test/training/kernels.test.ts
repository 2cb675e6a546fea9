/**
 * larq-ts's wasm training kernels against the cpu backend's kernels (independent reference implementations).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { useBackend } from "../helpers.js";
import { registerTrainingKernels, trainingKernelStatus, unregisterTrainingKernels } from "../../src/training/index.js";
import { assertRelClose, convCases, depthwiseCases, outShape, poolCases, size, values } from "./cases.js";

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

async function compare(
  kernel: string,
  inputs: Inputs,
  attrs: tf.NamedAttrMap,
  derived?: (t: Record<string, tf.Tensor>) => Record<string, tf.Tensor>,
): Promise<void> {
  const expected = await run("cpu", kernel, inputs, attrs, derived);
  const actual = await run("wasm", kernel, inputs, attrs, derived);
  assertRelClose(actual, expected);
}

describe("wasm training kernels match the cpu backend", () => {
  before(async () => {
    await useBackend("cpu");
    // The reference is tfjs-backend-cpu's own kernels, not larq-ts's cpu replacements.
    unregisterTrainingKernels({ backends: ["cpu"] });
    await useBackend("wasm");
  });
  after(() => registerTrainingKernels({ backends: ["cpu"] }));

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
      await compare(
        tf.Conv2DBackpropFilter,
        { x: { shape: c.x, data: values(size(c.x), 1) }, dy: { shape: dyShape, data: values(size(dyShape), 2) } },
        { strides: c.strides, pad: c.pad, dataFormat, filterShape: c.f } as unknown as tf.NamedAttrMap,
      );
    });
    test(`Conv2DBackpropInput: ${c.name}`, async () => {
      await compare(
        tf.Conv2DBackpropInput,
        { dy: { shape: dyShape, data: values(size(dyShape), 3) }, filter: { shape: c.f, data: values(size(c.f), 4) } },
        { strides: c.strides, pad: c.pad, dataFormat, inputShape: c.x } as unknown as tf.NamedAttrMap,
      );
    });
  }

  // tfjs's cpu depthwise backprop kernels ignore dilations (tfjs's gradient rejects dilation > 1), so dilated
  // cases are checked against the cpu kernel run with the equivalent zero-expanded, undilated filter.
  for (const c of depthwiseCases) {
    const dyShape = outShape(c.x, c.f, c.strides, c.pad, c.dilations, true);
    const [dh, dw] = typeof c.dilations === "number" ? [c.dilations, c.dilations] : c.dilations;
    const [kh, kw, ch, mult] = c.f;
    const ef = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ch, mult];
    const tapIndex = (u: number, v: number, rest: number) => (u * dh * ef[1] + v * dw) * ch * mult + rest;
    test(`DepthwiseConv2dNativeBackpropFilter: ${c.name}`, async () => {
      const inputs = { x: { shape: c.x, data: values(size(c.x), 5) }, dy: { shape: dyShape, data: values(size(dyShape), 6) } };
      const attrs = { strides: c.strides, pad: c.pad };
      const wide = await run("cpu", tf.DepthwiseConv2dNativeBackpropFilter, inputs, {
        ...attrs,
        dilations: 1,
        filterShape: ef,
      } as unknown as tf.NamedAttrMap);
      const expected = new Float32Array(size(c.f));
      for (let u = 0; u < kh; u++)
        for (let v = 0; v < kw; v++)
          for (let r = 0; r < ch * mult; r++) {
            expected[(u * kw + v) * ch * mult + r] = wide.data[tapIndex(u, v, r)];
          }
      const actual = await run("wasm", tf.DepthwiseConv2dNativeBackpropFilter, inputs, {
        ...attrs,
        dilations: c.dilations,
        filterShape: c.f,
      } as unknown as tf.NamedAttrMap);
      assertRelClose(actual, { shape: c.f, data: expected });
    });
    test(`DepthwiseConv2dNativeBackpropInput: ${c.name}`, async () => {
      const filter = values(size(c.f), 8);
      const wideFilter = new Float32Array(size(ef));
      for (let u = 0; u < kh; u++)
        for (let v = 0; v < kw; v++)
          for (let r = 0; r < ch * mult; r++) {
            wideFilter[tapIndex(u, v, r)] = filter[(u * kw + v) * ch * mult + r];
          }
      const dy = { shape: dyShape, data: values(size(dyShape), 7) };
      const attrs = { strides: c.strides, pad: c.pad, inputShape: c.x };
      const expected = await run("cpu", tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: { shape: ef, data: wideFilter } }, {
        ...attrs,
        dilations: 1,
      } as unknown as tf.NamedAttrMap);
      const actual = await run("wasm", tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: { shape: c.f, data: filter } }, {
        ...attrs,
        dilations: c.dilations,
      } as unknown as tf.NamedAttrMap);
      assertRelClose(actual, expected);
    });
  }

  for (const c of poolCases) {
    test(`MaxPoolGrad: ${c.name}`, async () => {
      const info = tf.backend_util.computePool2DInfo(c.x as [number, number, number, number], c.filterSize, c.strides, 1, c.pad);
      await compare(
        tf.MaxPoolGrad,
        {
          input: { shape: c.x, data: values(size(c.x), 9, c.integers) },
          dy: { shape: info.outShape, data: values(size(info.outShape), 10) },
        },
        { filterSize: c.filterSize, strides: c.strides, pad: c.pad } as unknown as tf.NamedAttrMap,
        (t) => ({ output: tf.maxPool(t.input as tf.Tensor4D, c.filterSize, c.strides, c.pad) }),
      );
    });
  }
});
