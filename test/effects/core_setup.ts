/**
 * Setup of the effect tests: tfjs with the cpu backend and larq-ts/core, which installs no effect. (These tests
 * must not import ../helpers.js: it imports the default entry point, which installs every effect.)
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

tf.env().set("PROD", true);

export * as lq from "../../src/core.js";
/** Every module with its internals (`larq-ts/internal`), for tests of what the public entries leave out. */
export * as lqi from "../../src/internal.js";

/** The repository root (the directory of package.json), from build/test/effects. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs an ES module snippet in a fresh Node process from the repository root; returns status and output. */
export function runFresh(source: string): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", source], { cwd: repoRoot, encoding: "utf8" });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

/** Selects the cpu backend and waits for it. */
export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}
