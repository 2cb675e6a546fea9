/**
 * Effects wasmTrainingKernels and cpuTrainingKernels: larq-ts's gradient kernels are registered only while
 * installed, and uninstalling puts back exactly the kernel configs the backend packages registered.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";

import { lq, lqi } from "./core_setup.js";

/** d/dw of the sum of a valid 2x2 convolution of a 4x4 image of ones: each tap sees 3 x 3 = 9 ones. */
function convFilterGradient(): number[] {
  return tf.tidy(() =>
    Array.from(
      tf
        .grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, "valid")))(
          tf.ones([2, 2, 1, 1]),
        )
        .dataSync(),
    ),
  );
}

const WASM = [
  "Conv2DBackpropFilter",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
  "Conv2DBackpropInput",
  "MaxPoolGrad",
];
const CPU = ["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter", "MaxPoolGrad"];

describe("effects wasmTrainingKernels / cpuTrainingKernels", () => {
  test("wasm: Conv2DBackpropFilter exists only while installed; the stock kernels come back as they were", async () => {
    assert.ok(await tf.setBackend("wasm"));
    await tf.ready();
    const stock = Object.fromEntries(WASM.map((k) => [k, tf.getKernel(k, "wasm")]));
    // tfjs-backend-wasm 4.22 lacks these (when a release adds them, MISSING_WASM_KERNELS must shrink).
    for (const k of lqi.training.MISSING_WASM_KERNELS) assert.equal(stock[k], undefined, `${k} is missing in tfjs-backend-wasm`);
    assert.ok(stock.Conv2DBackpropInput !== undefined && stock.MaxPoolGrad !== undefined);
    assert.throws(convFilterGradient, /Conv2DBackpropFilter/);

    lq.effects.install({ wasmTrainingKernels: true });
    assert.deepEqual(lq.effects.installed(), ["wasmTrainingKernels"]);
    assert.ok(tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined);
    assert.ok(tf.getKernel(lqi.training.TRAINING_KERNEL_HOOK, "wasm") !== undefined);
    assert.notEqual(tf.getKernel("MaxPoolGrad", "wasm"), stock.MaxPoolGrad);
    assert.deepEqual(convFilterGradient(), [9, 9, 9, 9]);

    lq.effects.uninstall(["wasmTrainingKernels"]);
    assert.deepEqual(lq.effects.installed(), []);
    for (const k of WASM) assert.equal(tf.getKernel(k, "wasm"), stock[k], k);
    assert.equal(tf.getKernel(lqi.training.TRAINING_KERNEL_HOOK, "wasm"), undefined);
    assert.throws(convFilterGradient, /Conv2DBackpropFilter/);
  });

  test("cpu: the fast kernels replace the stock ones only while installed", async () => {
    assert.ok(await tf.setBackend("cpu"));
    const stock = Object.fromEntries(CPU.map((k) => [k, tf.getKernel(k, "cpu")]));
    for (const k of CPU) assert.ok(stock[k] !== undefined, `tfjs-backend-cpu registers ${k}`);
    lq.effects.install({ cpuTrainingKernels: true });
    assert.deepEqual(lq.training.trainingKernelStatus("cpu"), Object.fromEntries(CPU.map((k) => [k, "larq-ts"])));
    assert.deepEqual(convFilterGradient(), [9, 9, 9, 9]);
    lq.effects.uninstall(["cpuTrainingKernels"]);
    for (const k of CPU) assert.equal(tf.getKernel(k, "cpu"), stock[k], k);
    assert.equal(tf.getKernel(lqi.training.TRAINING_KERNEL_HOOK, "cpu"), undefined);
    assert.deepEqual(lq.effects.installed(), []);
  });
});
