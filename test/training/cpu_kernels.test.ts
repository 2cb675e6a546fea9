/**
 * larq-ts's cpu training kernels against the stock tfjs-backend-cpu kernels they displaced (kept by
 * `displacedKernel`), on strides 1/2/3, same/valid/explicit padding, odd sizes and NCHW.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { useBackend } from "../helpers.js";
import { displacedKernel, trainingKernelStatus } from "../../src/training/index.js";
import { assertRelClose, convCases, depthwiseCases, outShape, poolCases, size, values } from "./cases.js";

type Inputs = Record<string, { shape: number[]; data: Float32Array }>;

/**
 * Runs `kernel` on the cpu backend with fresh inputs: through the registry (larq-ts's replacement) or, with
 * `stock`, through tfjs-backend-cpu's displaced config. Checks for leaks and untouched inputs.
 */
function run(
  kernel: string,
  inputs: Inputs,
  attrs: tf.NamedAttrMap,
  stock: boolean,
  derived?: (t: Record<string, tf.Tensor>) => Record<string, tf.Tensor>,
): { shape: number[]; data: Float32Array } {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.data, v.shape);
  const all = derived ? { ...tensors, ...derived(tensors) } : tensors;
  const before = tf.memory().numTensors;
  let out: tf.Tensor;
  if (stock) {
    const config = displacedKernel(kernel, "cpu");
    assert.ok(config !== undefined, `no displaced stock cpu kernel ${kernel}`);
    const info = config.kernelFunc({ inputs: all as unknown as tf.NamedTensorInfoMap, backend: tf.backend(), attrs }) as tf.TensorInfo;
    out = tf.engine().makeTensorFromTensorInfo(info);
  } else {
    out = tf.engine().runKernel(kernel, all as unknown as tf.NamedTensorMap, attrs) as tf.Tensor;
  }
  const result = { shape: out.shape.slice(), data: out.dataSync() as Float32Array };
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${kernel} (${stock ? "stock" : "larq-ts"}) leaked tensors`);
  for (const [k, v] of Object.entries(inputs)) {
    assert.deepEqual(tensors[k].dataSync(), v.data, `${kernel} altered or freed its input ${k}`);
  }
  tf.dispose(Object.values(all));
  return result;
}

function compare(
  kernel: string,
  inputs: Inputs,
  attrs: tf.NamedAttrMap,
  derived?: (t: Record<string, tf.Tensor>) => Record<string, tf.Tensor>,
): void {
  assertRelClose(run(kernel, inputs, attrs, false, derived), run(kernel, inputs, attrs, true, derived));
}

describe("cpu training kernels match the stock tfjs-backend-cpu kernels", () => {
  before(() => useBackend("cpu"));

  test("larq-ts provides the replaced cpu kernels and keeps the stock ones", () => {
    assert.deepEqual(trainingKernelStatus("cpu"), {
      Conv2DBackpropFilter: "larq-ts",
      DepthwiseConv2dNativeBackpropFilter: "larq-ts",
      MaxPoolGrad: "larq-ts",
    });
    for (const name of [tf.Conv2DBackpropFilter, tf.DepthwiseConv2dNativeBackpropFilter, tf.MaxPoolGrad]) {
      assert.equal(displacedKernel(name, "cpu")?.backendName, "cpu");
    }
  });

  for (const c of convCases) {
    const dataFormat = c.dataFormat ?? "NHWC";
    const dyShape = outShape(c.x, c.f, c.strides, c.pad, 1, false, dataFormat);
    test(`Conv2DBackpropFilter: ${c.name}`, () => {
      compare(
        tf.Conv2DBackpropFilter,
        { x: { shape: c.x, data: values(size(c.x), 11) }, dy: { shape: dyShape, data: values(size(dyShape), 12) } },
        { strides: c.strides, pad: c.pad, dataFormat, filterShape: c.f } as unknown as tf.NamedAttrMap,
      );
    });
  }

  // The stock kernel ignores dilations, so dilated cases compare with it run on the zero-expanded filter shape.
  for (const c of depthwiseCases) {
    test(`DepthwiseConv2dNativeBackpropFilter: ${c.name}`, () => {
      const dyShape = outShape(c.x, c.f, c.strides, c.pad, c.dilations, true);
      const [dh, dw] = typeof c.dilations === "number" ? [c.dilations, c.dilations] : c.dilations;
      const [kh, kw, ch, mult] = c.f;
      const ef = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ch, mult];
      const inputs = { x: { shape: c.x, data: values(size(c.x), 13) }, dy: { shape: dyShape, data: values(size(dyShape), 14) } };
      const attrs = { strides: c.strides, pad: c.pad };
      const wide = run(
        tf.DepthwiseConv2dNativeBackpropFilter,
        inputs,
        { ...attrs, dilations: 1, filterShape: ef } as unknown as tf.NamedAttrMap,
        true,
      );
      const expected = new Float32Array(size(c.f));
      for (let u = 0; u < kh; u++)
        for (let v = 0; v < kw; v++)
          for (let r = 0; r < ch * mult; r++) {
            expected[(u * kw + v) * ch * mult + r] = wide.data[(u * dh * ef[1] + v * dw) * ch * mult + r];
          }
      const actual = run(
        tf.DepthwiseConv2dNativeBackpropFilter,
        inputs,
        { ...attrs, dilations: c.dilations, filterShape: c.f } as unknown as tf.NamedAttrMap,
        false,
      );
      assertRelClose(actual, { shape: c.f, data: expected });
    });
  }

  for (const c of poolCases) {
    test(`MaxPoolGrad: ${c.name}`, () => {
      const info = tf.backend_util.computePool2DInfo(c.x as [number, number, number, number], c.filterSize, c.strides, 1, c.pad);
      compare(
        tf.MaxPoolGrad,
        {
          input: { shape: c.x, data: values(size(c.x), 15, c.integers) },
          dy: { shape: info.outShape, data: values(size(info.outShape), 16) },
        },
        { filterSize: c.filterSize, strides: c.strides, pad: c.pad } as unknown as tf.NamedAttrMap,
        (t) => ({ output: tf.maxPool(t.input as tf.Tensor4D, c.filterSize, c.strides, c.pad) }),
      );
    });
  }

  test("gradients through tf.grad use the replacements and match a stock-kernel gradient", () => {
    const x = tf.tensor4d(values(2 * 9 * 8 * 3, 17), [2, 9, 8, 3]);
    const f = tf.tensor4d(values(3 * 3 * 3 * 4, 18), [3, 3, 3, 4]);
    const loss = (w: tf.Tensor) => tf.sum(tf.square(tf.maxPool(tf.conv2d(x, w as tf.Tensor4D, 2, "same"), 2, 2, "same")));
    const dW = tf.grad(loss)(f);
    // Chain rule by hand with the stock kernels: dL/dy = 2y routed through the pooling arg-max, then the filter.
    const y = tf.conv2d(x, f, 2, "same");
    const pooled = tf.maxPool(y, 2, 2, "same");
    const twice = tf.mul(2, pooled);
    const stockPool = displacedKernel(tf.MaxPoolGrad, "cpu")!.kernelFunc({
      inputs: { dy: twice, input: y, output: pooled } as unknown as tf.NamedTensorInfoMap,
      backend: tf.backend(),
      attrs: { filterSize: 2, strides: 2, pad: "same" } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    const dy = tf.engine().makeTensorFromTensorInfo(stockPool);
    const stockFilter = displacedKernel(tf.Conv2DBackpropFilter, "cpu")!.kernelFunc({
      inputs: { x, dy } as unknown as tf.NamedTensorInfoMap,
      backend: tf.backend(),
      attrs: { strides: 2, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 3, 4] } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    const expected = tf.engine().makeTensorFromTensorInfo(stockFilter);
    assertRelClose(
      { shape: dW.shape, data: dW.dataSync() as Float32Array },
      { shape: expected.shape, data: expected.dataSync() as Float32Array },
    );
    tf.dispose([x, f, dW, y, pooled, twice, dy, expected]);
  });
});
