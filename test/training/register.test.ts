/**
 * Registration of the wasm training kernels: idempotent, reversible, independent of import order, and harmless
 * without the wasm backend.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";

import { useBackend } from "../helpers.js";
import * as tf from "@tensorflow/tfjs-core";

import { displacedKernel, registerTrainingKernels, trainingKernelStatus, unregisterTrainingKernels } from "../../src/training/index.js";

// The default entry point: importing it installs the training kernels (lq.effects).
const larqTs = fileURLToPath(new URL("../../src/index.js", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs an ES module snippet in a fresh Node process (from the repository root) and returns stdout/stderr. */
function runFresh(source: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", source], { cwd: repoRoot, encoding: "utf8" });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

const ALL_OURS = {
  Conv2DBackpropFilter: "larq-ts",
  DepthwiseConv2dNativeBackpropFilter: "larq-ts",
  DepthwiseConv2dNativeBackpropInput: "larq-ts",
  Conv2DBackpropInput: "larq-ts",
  MaxPoolGrad: "larq-ts",
};

const CPU_OURS = { Conv2DBackpropFilter: "larq-ts", DepthwiseConv2dNativeBackpropFilter: "larq-ts", MaxPoolGrad: "larq-ts" };
const CPU_STOCK = { Conv2DBackpropFilter: "tfjs", DepthwiseConv2dNativeBackpropFilter: "tfjs", MaxPoolGrad: "tfjs" };

describe("registerTrainingKernels", () => {
  test("is idempotent and silent, switchable and reversible", async () => {
    await useBackend("wasm");
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      registerTrainingKernels();
      registerTrainingKernels();
      assert.deepEqual(trainingKernelStatus(), ALL_OURS);
      registerTrainingKernels({ replaceSlowKernels: false });
      assert.deepEqual(trainingKernelStatus(), { ...ALL_OURS, Conv2DBackpropInput: "tfjs", MaxPoolGrad: "tfjs" });
      unregisterTrainingKernels();
      unregisterTrainingKernels();
      assert.deepEqual(trainingKernelStatus(), {
        Conv2DBackpropFilter: "missing",
        DepthwiseConv2dNativeBackpropFilter: "missing",
        DepthwiseConv2dNativeBackpropInput: "missing",
        Conv2DBackpropInput: "tfjs",
        MaxPoolGrad: "tfjs",
      });
      registerTrainingKernels();
      assert.deepEqual(trainingKernelStatus(), ALL_OURS);
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(warnings, []);
  });

  test("cpu: idempotent, switchable per backend, reversible, silent", async () => {
    await useBackend("cpu");
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      registerTrainingKernels();
      registerTrainingKernels({ backends: ["cpu"] });
      assert.deepEqual(trainingKernelStatus("cpu"), CPU_OURS);
      registerTrainingKernels({ replaceSlowKernels: false, backends: ["cpu"] });
      assert.deepEqual(trainingKernelStatus("cpu"), CPU_STOCK);
      assert.equal(displacedKernel(tf.Conv2DBackpropFilter, "cpu"), undefined);
      registerTrainingKernels({ backends: ["cpu"] });
      assert.deepEqual(trainingKernelStatus("cpu"), CPU_OURS);
      unregisterTrainingKernels({ backends: ["cpu"] });
      unregisterTrainingKernels({ backends: ["cpu"] });
      assert.deepEqual(trainingKernelStatus("cpu"), CPU_STOCK);
      // The stock kernel really is back in the registry: it is what tfjs-backend-cpu registered.
      assert.equal(tf.getKernel(tf.Conv2DBackpropFilter, "cpu")?.kernelFunc.name, "conv2DBackpropFilter");
      // Switching to cpu again (setupFunc hooks run) must not reinstall anything once unregistered.
      await useBackend("cpu");
      assert.deepEqual(trainingKernelStatus("cpu"), CPU_STOCK);
      registerTrainingKernels();
      assert.deepEqual(trainingKernelStatus("cpu"), CPU_OURS);
    } finally {
      console.warn = warn;
      registerTrainingKernels();
    }
    assert.deepEqual(warnings, []);
  });

  test("rejects bad options, naming them", () => {
    assert.throws(
      () => registerTrainingKernels({ replaceSlowKernels: "yes" as unknown as boolean }),
      /Invalid replaceSlowKernels: .*"yes"/,
    );
    assert.throws(() => registerTrainingKernels(null as unknown as object), /Invalid options: .*null/);
    assert.throws(() => registerTrainingKernels({ backends: ["webgl"] as unknown as ["cpu"] }), /Invalid backends: .*webgl/);
    assert.throws(() => unregisterTrainingKernels({ backends: "cpu" as unknown as ["cpu"] }), /Invalid backends: .*cpu/);
    assert.throws(() => trainingKernelStatus("gpu" as unknown as "cpu"), /Invalid backend: .*gpu/);
    assert.deepEqual(trainingKernelStatus("cpu"), CPU_OURS);
  });

  test("cpu package imported before larq-ts, no wasm package: cpu kernels replaced at once, wasm's missing ones added", () => {
    const r = runFresh(`
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      const t = (await import(${JSON.stringify(larqTs)})).training;
      const early = t.trainingKernelStatus("cpu");
      await tf.setBackend("cpu");
      console.log(JSON.stringify([early, t.trainingKernelStatus("cpu"), t.trainingKernelStatus()]));`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [CPU_OURS, CPU_OURS, { ...ALL_OURS, Conv2DBackpropInput: "missing", MaxPoolGrad: "missing" }]);
    assert.doesNotMatch(r.stderr + r.stdout, /already registered/);
  });

  test("cpu package imported after larq-ts: the fast kernels take over when cpu activates, without warnings", () => {
    const r = runFresh(`
      import * as tf from "@tensorflow/tfjs-core";
      const t = (await import(${JSON.stringify(larqTs)})).training;
      const early = t.trainingKernelStatus("cpu");
      await import("@tensorflow/tfjs-backend-cpu");
      await tf.ready();
      const y = tf.grad((w) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]), w, 1, "valid")))(tf.ones([2, 2, 1, 1]));
      console.log(JSON.stringify([early, t.trainingKernelStatus("cpu"), tf.getBackend(), Array.from(y.dataSync())]));`);
    assert.equal(r.status, 0, r.stderr);
    // d/dw of the sum of a valid 2x2 convolution of a 4x4 image of ones: each tap sees 3 x 3 = 9 ones.
    assert.deepEqual(JSON.parse(r.stdout), [
      { Conv2DBackpropFilter: "missing", DepthwiseConv2dNativeBackpropFilter: "missing", MaxPoolGrad: "missing" },
      CPU_OURS,
      "cpu",
      [9, 9, 9, 9],
    ]);
    assert.doesNotMatch(r.stderr + r.stdout, /already registered/);
  });

  test("wasm package imported after larq-ts: the fast kernels take over when wasm activates, without warnings", () => {
    const r = runFresh(`
      import * as tf from "@tensorflow/tfjs-core";
      const t = (await import(${JSON.stringify(larqTs)})).training;
      await import("@tensorflow/tfjs-backend-wasm");
      await tf.setBackend("wasm");
      console.log(JSON.stringify(t.trainingKernelStatus()));`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ALL_OURS);
    assert.doesNotMatch(r.stderr + r.stdout, /already registered/);
  });
});
