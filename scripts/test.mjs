#!/usr/bin/env node
// Runs one tier of the compiled test suite with Node's test runner.
//
//   node scripts/test.mjs unit          every build/test/**/*.test.js except the integration tier (`npm test`)
//   node scripts/test.mjs integration   the slow end-to-end tests (`npm run test:integration`)
//   node scripts/test.mjs all           both
//
// Only `*.test.js` files are tests: Node 20 would also run every other file under a `test` folder (helpers,
// fixture generators) if given the folder. Extra arguments are passed to `node --test`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const testDir = join(root, "build", "test");

/**
 * The integration tier: rebuilding the wasm kernels, forward passes of whole zoo models, training on the MNIST
 * digits, the real-larq fixture suites, the engine's model-level fuzzing. Paths relative to build/test; a folder
 * entry takes every test file below it.
 */
export const INTEGRATION = [
  "engine/wasm_build.test.js",
  "engine/zoo.test.js",
  "engine/fuzz_predict.test.js",
  "engine/tflite/import.test.js",
  "examples/",
  "interop/",
  "zoo/architectures.test.js",
  "zoo/binary_alexnet.test.js",
  "training/model_gradients.test.js",
];

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    // Only files compiled from a current test source (tsc leaves the output of deleted sources behind).
    else if (name.endsWith(".test.js") && existsSync(join(root, relative(join(root, "build"), path)).replace(/\.js$/, ".ts")))
      out.push(path);
  }
  return out;
}

const tier = process.argv[2] ?? "unit";
if (!["unit", "integration", "all"].includes(tier)) {
  console.error(`scripts/test.mjs: unknown tier ${JSON.stringify(tier)} (expected unit, integration or all)`);
  process.exit(2);
}
const isIntegration = (file) => {
  const rel = relative(testDir, file).split(sep).join("/");
  return INTEGRATION.some((entry) => (entry.endsWith("/") ? rel.startsWith(entry) : rel === entry));
};
const all = testFiles(testDir);
for (const entry of INTEGRATION) {
  if (!all.some((f) => relative(testDir, f).split(sep).join("/").startsWith(entry))) {
    console.error(`scripts/test.mjs: the integration entry ${JSON.stringify(entry)} matches no test file`);
    process.exit(1);
  }
}
const files = all.filter((f) => tier === "all" || (tier === "integration") === isIntegration(f));
if (files.length === 0) {
  console.error(`scripts/test.mjs: no ${tier} test files under ${testDir} (run \`npm run build\` first)`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...process.argv.slice(3), ...files], { stdio: "inherit" });
process.exit(result.status ?? 1);
