// Browser benchmark (npm run bench:browser): larq's tutorial BNN on every tfjs backend headless Chromium offers
// (cpu, wasm, webgl and webgpu on SwiftShader, a software GPU) and on lq.engine, in the page scripts/browser/bench/
// served with the COOP/COEP headers of the browser tests (serve.mjs). Prints the training step time (batch 64),
// the predict latency at batch 1 of each backend and of lq.engine, and their ratios, as a Markdown table.
//
// Before the run it builds larq-ts, packs it and installs it into scripts/browser/ (as scripts/browser-ci.sh does)
// unless the installed copy already matches build/, then bundles the page with esbuild.
//
// Usage: node scripts/browser/bench.mjs [page query, e.g. trainSteps=10&predictRuns=50&backends=wasm,webgl]
// Env: CHROMIUM (default /usr/bin/chromium), BENCH_JSON (write the page's full result there),
// BENCH_TIMEOUT_MS (default 900000).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { CHROMIUM_ARGS, GPU_ARGS } from "./chromium.mjs";
import { serveStatic } from "./serve.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = resolve(here, "../..");
const timeout = Number(process.env.BENCH_TIMEOUT_MS ?? 900000);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
const npmQuiet = ["--no-audit", "--no-fund", "--loglevel=error"];

/** True if a file under `paths` (relative to the repository) was modified after `mtimeMs`. */
function newerThan(paths, mtimeMs) {
  return paths.some((p) => {
    const full = join(repo, p);
    const st = statSync(full);
    if (!st.isDirectory()) return st.mtimeMs > mtimeMs;
    return readdirSync(full, { recursive: true }).some((f) => statSync(join(full, f)).mtimeMs > mtimeMs);
  });
}

/** Builds and packs larq-ts and installs the tarball into scripts/browser/ unless it is there already. */
function prepare() {
  const built = join(repo, "build/src/index.js");
  const installed = join(here, "node_modules/larq-ts/build/src/index.js");
  const same = (f) =>
    existsSync(join(here, "node_modules/larq-ts", f)) &&
    readFileSync(join(repo, f)).equals(readFileSync(join(here, "node_modules/larq-ts", f)));
  if (!existsSync(built) || newerThan(["src", "package.json", "tsconfig.json"], statSync(built).mtimeMs)) {
    console.log("== building larq-ts");
    run("npx", ["tsc", "-p", "tsconfig.json"], repo);
  }
  if (
    !existsSync(join(here, "node_modules/playwright-core")) ||
    !existsSync(installed) ||
    !same("build/src/index.js") ||
    !same("build/src/engine/runtime.js")
  ) {
    console.log("== packing larq-ts and installing scripts/browser");
    const pack = join(repo, "examples/bundlers/.pack");
    for (const f of existsSync(pack) ? readdirSync(pack) : []) if (f.endsWith(".tgz")) rmSync(join(pack, f));
    mkdirSync(pack, { recursive: true });
    const tarball = execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", pack], {
      cwd: repo,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1);
    run("npm", ["ci", ...npmQuiet], here);
    run("npm", ["install", "--no-save", ...npmQuiet, join(pack, tarball)], here);
    if (!same("build/src/index.js")) throw new Error(`scripts/browser has a stale larq-ts (${built})`);
  }
  console.log("== bundling the benchmark page");
  run("npm", ["run", "build:bench", "--silent"], here);
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3));

/** The Markdown table of one run. */
function table(result) {
  const lines = [
    "| backend | train step, batch 64 | tfjs predict, batch 1 | lq.engine, batch 1 (Float32Array) | lq.engine, batch 1 (tf.Tensor) | tfjs / lq.engine | max prob diff |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [b, r] of Object.entries(result.backends)) {
    if (!r.available) lines.push(`| ${b} | not offered | | | | | |`);
    else if (r.error) lines.push(`| ${b} | error: ${r.error} | | | | | |`);
    else
      lines.push(
        `| ${b} | ${fmt(r.train.median)} ms (${r.train.runs} steps) | ${fmt(r.predict.median)} ms | ${fmt(r.engine.median)} ms | ${fmt(r.engineTensor.median)} ms | ${(r.predict.median / r.engine.median).toFixed(1)}x | ${r.maxDiff.toExponential(1)} |`,
      );
  }
  return lines.join("\n");
}

prepare();
// Imported only now: prepare() may have just installed it.
const { chromium: browserType } = await import("playwright-core");
const server = await serveStatic(join(here, "bench/dist"));
const browser = await browserType.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [...CHROMIUM_ARGS, ...GPU_ARGS],
});
let failed;
try {
  console.log(`chromium ${browser.version()}`);
  const page = await (await browser.newContext()).newPage();
  page.on("console", (m) => console.log(`  | ${m.text()}`));
  page.on("pageerror", (e) => console.log(`  page error: ${e.message}`));
  const query = process.argv[2] ? `?${process.argv[2].replace(/^\?/, "")}` : "";
  const t0 = Date.now();
  await page.goto(server.url + query);
  await page.waitForFunction(() => /^(OK|FAIL)\b/.test(document.title), null, { timeout, polling: 500 });
  const result = await page.evaluate(() => globalThis.__larqBench);
  result.chromium = browser.version();
  result.date = new Date().toISOString();
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(result, null, 2) + "\n");
  console.log(`\n${await page.title()} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  if (result.error) throw new Error(result.error);
  const ran = Object.entries(result.backends).filter(([, r]) => r.available && !r.error);
  console.log(
    `larq-ts ${result.larqTs}, tfjs ${result.tfjs}, Chromium ${result.chromium}, ${result.hardwareConcurrency} cores, crossOriginIsolated=${result.crossOriginIsolated}`,
  );
  console.log(`WebGL renderer: ${result.gpu.webglRenderer}; WebGPU adapter: ${result.gpu.webgpuAdapter}`);
  const w = result.backends.wasm;
  if (w?.available)
    console.log(`tfjs wasm: ${w.wasmThreaded ? "threaded" : "single-threaded"} build, ${w.wasmThreads} threads, simd=${w.wasmSimd}`);
  if (ran.length) console.log(`lq.engine: simd=${ran[0][1].engineSimd}, gemm=${ran[0][1].engineGemm}`);
  console.log(`backends that ran: ${ran.map(([b]) => b).join(", ") || "none"}\n`);
  console.log(table(result));
  failed = !result.ok;
} catch (error) {
  console.error(`bench:browser failed: ${error && error.stack ? error.stack : error}`);
  failed = true;
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
