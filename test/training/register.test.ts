/**
 * Registration of the wasm training kernels: idempotent, reversible, independent of import order, and harmless
 * without the wasm backend.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";

import { useBackend } from "../helpers.js";
import { registerTrainingKernels, trainingKernelStatus, unregisterTrainingKernels } from "../../src/training/index.js";

const trainingModule = fileURLToPath(new URL("../../src/training/index.js", import.meta.url));
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

  test("rejects bad options, naming them", () => {
    assert.throws(() => registerTrainingKernels({ replaceSlowKernels: "yes" as unknown as boolean }), /Invalid replaceSlowKernels: .*"yes"/);
    assert.throws(() => registerTrainingKernels(null as unknown as object), /Invalid options: .*null/);
  });

  test("imports without the wasm backend: only the missing kernels are registered, nothing throws", () => {
    const r = runFresh(`
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      const t = await import(${JSON.stringify(trainingModule)});
      await tf.setBackend("cpu");
      console.log(JSON.stringify(t.trainingKernelStatus()));`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      ...ALL_OURS,
      Conv2DBackpropInput: "missing",
      MaxPoolGrad: "missing",
    });
  });

  test("wasm package imported after larq-ts: the fast kernels take over when wasm activates, without warnings", () => {
    const r = runFresh(`
      import * as tf from "@tensorflow/tfjs-core";
      const t = await import(${JSON.stringify(trainingModule)});
      await import("@tensorflow/tfjs-backend-wasm");
      await tf.setBackend("wasm");
      console.log(JSON.stringify(t.trainingKernelStatus()));`);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ALL_OURS);
    assert.doesNotMatch(r.stderr + r.stdout, /already registered/);
  });
});
