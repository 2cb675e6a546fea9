// Browser tests of larq-ts in headless Chromium, driven by playwright-core (run by scripts/browser-ci.sh, which
// installs and builds first). Each bundler app under examples/bundlers/ must finish with document.title "OK …"
// (engine == tfjs, no leaked tensors), log no console error, fail no request and be cross-origin isolated under
// the COOP/COEP headers of its server. Exit code 0 only if every test passes.
//
// Usage: node scripts/browser/run.mjs [test names…]   (default: all; see TESTS below)
// Env: CHROMIUM (default /usr/bin/chromium), BROWSER_TEST_TIMEOUT_MS (default 180000 per page).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

import { CHROMIUM_ARGS, GPU_ARGS } from "./chromium.mjs";
import { serveStatic } from "./serve.mjs";

const repo = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const bundlers = join(repo, "examples/bundlers");
const timeout = Number(process.env.BROWSER_TEST_TIMEOUT_MS ?? 180000);

async function freePort() {
  const srv = createServer();
  await new Promise((done) => srv.listen(0, "127.0.0.1", done));
  const { port } = srv.address();
  await new Promise((done) => srv.close(done));
  return port;
}

/** Starts the Vite dev server of examples/bundlers/vite; resolves once it prints its URL. */
async function startViteDev() {
  const port = await freePort();
  const cwd = join(bundlers, "vite");
  const child = spawn(process.execPath, ["node_modules/vite/bin/vite.js", "--host", "127.0.0.1", "--port", String(port), "--strictPort"], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  let out = "";
  await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`vite dev did not start:\n${out}`)), 60000);
    const onData = (d) => {
      out += d;
      if (out.includes(`127.0.0.1:${port}`)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`vite dev exited with ${code}:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      child.removeAllListeners("exit");
      child.kill("SIGTERM");
    },
  };
}

const staticApp = (dir) => () => serveStatic(join(bundlers, dir));

/** Backends the backend test must find (all four run in headless Chromium 156 on SwiftShader); override with BROWSER_REQUIRED_BACKENDS=cpu,wasm,… */
const REQUIRED_BACKENDS = (process.env.BROWSER_REQUIRED_BACKENDS ?? "cpu,wasm,webgl,webgpu").split(",").filter(Boolean);

const bundlerChecks = (r) => [
  [r?.ok === true, "engine == tfjs"],
  [r?.threads?.count === 2 && r.threads.equal === true, "engine on 2 worker threads == 1 thread"],
];
const backendChecks = (r) => [
  [r?.ok === true, "every offered backend == cpu"],
  ...REQUIRED_BACKENDS.map((b) => [r?.backends?.[b]?.available === true, `${b} offered`]),
];

/** The tests: a name, how to serve the page, the browser flags and what the page must report. */
const TESTS = [
  { name: "vite-build", title: "Vite 7 production build", start: staticApp("vite/dist"), args: ["--disable-gpu"], checks: bundlerChecks },
  { name: "vite-dev", title: "Vite 7 dev server", start: startViteDev, args: ["--disable-gpu"], checks: bundlerChecks },
  { name: "esbuild", title: "esbuild", start: staticApp("esbuild/dist"), args: ["--disable-gpu"], checks: bundlerChecks },
  { name: "webpack", title: "webpack 5", start: staticApp("webpack/dist"), args: ["--disable-gpu"], checks: bundlerChecks },
  {
    name: "web",
    title: "web demo (examples/web, Vite 7): train in a worker, draw, classify",
    start: () => serveStatic(join(repo, "examples/web/dist")),
    args: ["--disable-gpu"],
    drive: driveWebDemo,
    checks: (r) => [[r?.ok === true, "trained, engine == tfjs on the test set and on a drawn digit"]],
  },
  {
    name: "backends",
    title: "tfjs backends (cpu, wasm, webgl, webgpu)",
    start: () => serveStatic(join(repo, "scripts/browser/backends/dist")),
    args: GPU_ARGS,
    checks: backendChecks,
  },
];

/** The default page protocol: wait for document.title "OK …" / "FAIL …" and read window.__larqCheck. */
async function awaitVerdict(page) {
  await page.waitForFunction(() => /^(OK|FAIL)\b/.test(document.title), null, { timeout, polling: 250 });
  return page.evaluate(() => globalThis.__larqCheck);
}

/**
 * The web demo (examples/web): click Train, wait for the epoch to finish, draw a "1" on the canvas with the mouse
 * and read window.__demo; with BROWSER_SCREENSHOT_DIR set, save web-demo.png there.
 */
async function driveWebDemo(page) {
  await page.waitForFunction(() => globalThis.__demo?.quantizersPlotted === true || globalThis.__demo?.error, null, { timeout });
  await page.click("#train");
  await page.waitForFunction(() => globalThis.__demo.done || globalThis.__demo.error, null, { timeout, polling: 500 });
  const box = await page.locator("#draw").boundingBox();
  await page.mouse.move(box.x + 150, box.y + 50);
  await page.mouse.down();
  for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 150 - i, box.y + 50 + i * 9);
  await page.mouse.up();
  await page.waitForFunction(() => globalThis.__demo.predictions > 0 || globalThis.__demo.error, null, { timeout: 30000 });
  const demo = await page.evaluate(() => {
    const { progress, ...rest } = globalThis.__demo;
    return {
      ...rest,
      steps: progress.length,
      firstLoss: progress[0]?.loss,
      lastAcc: progress.at(-1)?.acc,
      msPerStep: progress.at(-1)?.msPerStep,
    };
  });
  if (process.env.BROWSER_SCREENSHOT_DIR)
    await page.screenshot({ path: join(process.env.BROWSER_SCREENSHOT_DIR, "web-demo.png"), fullPage: true });
  const ok =
    !demo.error && demo.testAccuracy >= 0.9 && demo.sameAsTfjs >= demo.testCount - 5 && demo.last?.engineDigit === demo.last?.tfjsDigit;
  return { ok, demo };
}

/** Opens `url`, drives the page and collects every console error, page error and failed request. */
async function checkPage(browser, url, drive = awaitVerdict) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  const logs = [];
  page.on("console", (m) => {
    logs.push(`[${m.type()}] ${m.text()}`);
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  // A page or worker error ends the wait early (after a moment for more reports) instead of at the timeout.
  let pageFailed;
  const failedEarly = new Promise((_, fail) => (pageFailed = fail));
  failedEarly.catch(() => {});
  page.on("pageerror", (e) => {
    problems.push(`page error: ${e.message}`);
    setTimeout(() => pageFailed(new Error("the page threw")), 2000);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await page.goto(url);
    const verdict = await Promise.race([drive(page), failedEarly]);
    const title = drive === awaitVerdict ? await page.title() : `${verdict?.ok ? "OK" : "FAIL"} (driven)`;
    const result = { ...verdict, isolated: await page.evaluate(() => globalThis.crossOriginIsolated === true) };
    return { title, result, problems, logs };
  } catch (error) {
    return { title: await page.title().catch(() => "?"), result: undefined, problems: [...problems, String(error)], logs };
  } finally {
    await context.close();
  }
}

const only = process.argv.slice(2);
const selected = only.length ? TESTS.filter((t) => only.includes(t.name)) : TESTS;
if (only.length && selected.length !== only.length) {
  console.error(`unknown test name in ${only.join(", ")}; known: ${TESTS.map((t) => t.name).join(", ")}`);
  process.exit(2);
}
let failures = 0;
const rows = [];
for (const test of selected) {
  const t0 = Date.now();
  let server;
  let outcome;
  // One browser per test, since the flags differ; playwright-core gives every launch a fresh, empty user data dir
  // of its own (it refuses --user-data-dir).
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [...CHROMIUM_ARGS, ...test.args],
  });
  if (test === selected[0]) console.log(`chromium ${browser.version()}`);
  try {
    server = await test.start();
    outcome = await checkPage(browser, server.url, test.drive);
  } catch (error) {
    outcome = { title: "?", result: undefined, problems: [String(error)], logs: [] };
  } finally {
    await server?.close();
    await browser.close();
  }
  const r = outcome.result;
  const checks = [
    [outcome.title.startsWith("OK"), `title "${outcome.title}"`],
    ...test.checks(r),
    [r?.isolated === true, "crossOriginIsolated"],
    [outcome.problems.length === 0, `${outcome.problems.length} console/page/request problems`],
  ];
  const pass = checks.every(([ok]) => ok);
  if (!pass) failures++;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `${pass ? "PASS" : "FAIL"} ${test.title} (${secs} s): ${checks.map(([ok, what]) => `${ok ? "ok" : "NOT OK"} ${what}`).join("; ")}`,
  );
  if (r?.tfjsMs !== undefined) {
    console.log(
      `     one digit: tfjs wasm ${r.tfjsMs.toFixed(3)} ms, lq.engine ${r.engineMs.toFixed(3)} ms (simd=${r.simd}, gemm=${r.gemmKernel}, tfjs wasm ${r.wasmThreaded ? "threaded" : "single-threaded"} build, ${r.wasmThreads} threads); argmax ${r.agree}/${r.nTest}, max diff ${r.maxDiff.toExponential(2)}`,
    );
    rows.push({ test: test.name, tfjsMs: r.tfjsMs, engineMs: r.engineMs });
  }
  if (r?.demo) {
    const d = r.demo;
    console.log(
      `     ${d.steps} batches (${d.msPerStep?.toFixed(0)} ms/batch), test accuracy ${(100 * d.testAccuracy).toFixed(2)}%, engine == tfjs on ${d.sameAsTfjs}/${d.testCount}; drawn digit: engine ${d.last?.engineDigit} (${d.last?.engineMs?.toFixed(3)} ms), tfjs ${d.last?.tfjsDigit} (${d.last?.tfjsMs?.toFixed(3)} ms)`,
    );
  }
  if (r?.backends) {
    for (const [b, row] of Object.entries(r.backends)) {
      console.log(
        `     ${b}: ${row.error ? `ERROR ${row.error}` : row.available ? `${row.ok ? "ok" : "MISMATCH"}: gradient diff ${row.gradientDiff.toExponential(2)}, loss diff ${row.lossDiff.toExponential(2)}, prediction diff ${row.predictionDiff.toExponential(2)}, weight diff ${row.weightDiff.toExponential(2)}, Bop flips ${row.flips}, summary ${row.sameSummary ? "identical" : "different"}` : "not offered"}`,
      );
    }
  }
  if (!pass) {
    for (const p of outcome.problems) console.log(`     ${p}`);
    for (const l of outcome.logs.slice(-30)) console.log(`     | ${l}`);
  }
}
console.log(`${selected.length - failures}/${selected.length} browser tests passed`);
process.exit(failures ? 1 : 0);
