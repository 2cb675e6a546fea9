/**
 * Shared test utilities: backend selection and numeric comparisons.
 */
import assert from "node:assert/strict";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// The default entry point, which installs every effect of lq.effects (as `import "larq-ts"` does); the tests of
// modules imported on their own rely on it. test/effects checks larq-ts/core without it, in child processes.
import "../src/index.js";

// Silences tfjs's console advice (install tfjs-node, …). (IS_TEST would also do that, but it turns on
// tfjs's kernel leak check, which misreports custom gradients on the wasm backend.)
tf.env().set("PROD", true);

/** Selects a tfjs backend ("cpu" by default; "wasm" loads tfjs-backend-wasm first). */
export async function useBackend(name: "cpu" | "wasm" = "cpu"): Promise<void> {
  if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  const ok = await tf.setBackend(name);
  assert.ok(ok, `backend ${name} failed to initialise`);
  await tf.ready();
}

/** Asserts two arrays (or nested arrays / tensors) are equal element-wise within `tol` (absolute + relative). */
export function assertClose(
  actual: tf.Tensor | ArrayLike<number> | number[][] | number,
  expected: tf.Tensor | ArrayLike<number> | number[][] | number,
  tol = 1e-5,
  message = "",
): void {
  const flat = (v: unknown): number[] => {
    if (v instanceof tf.Tensor) return Array.from(v.dataSync());
    if (typeof v === "number") return [v];
    return (Array.from(v as ArrayLike<unknown>) as unknown[]).flatMap((e) => (typeof e === "number" ? [e] : flat(e)));
  };
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    assert.deepEqual(actual.shape, expected.shape, `${message} shape mismatch`);
  }
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${message} length ${a.length} != ${e.length}`);
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - e[i]);
    if (!(diff <= tol + tol * Math.abs(e[i])) && !(Number.isNaN(a[i]) && Number.isNaN(e[i]))) {
      assert.fail(`${message} element ${i}: ${a[i]} != ${e[i]} (tol ${tol})`);
    }
  }
}

/** Runs `fn` `n` times and asserts `tf.memory().numTensors` does not grow after the first round. */
export function assertNoTensorLeak(fn: () => void, n = 5): void {
  fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < n; i++) fn();
  assert.equal(tf.memory().numTensors, before, "tensor count grew");
}

/** Deterministic pseudo-random values in [lo, hi) from a linear congruential generator (same on every machine). */
export function seededValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  }
  return out;
}
