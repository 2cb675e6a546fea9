// Browser benchmark (npm run bench:browser, driven by scripts/browser/bench.mjs): larq's MNIST tutorial BNN on every
// tfjs backend this browser offers (cpu, wasm, webgl, webgpu) and on the larq-ts engine, in one page. For each
// backend: the median time of one `trainOnBatch` step at batch 64 on MNIST-shaped data (28x28x1, 10 classes) after
// warm-up steps, the median latency of `model.predict` at batch 1 read back with dataSync(), and the latency of
// `lq.engine.convert(model)` at batch 1 (Float32Array in and out, and tf.Tensor in and out on that backend).
// Timings only: no assertion on them. Query parameters: backends=cpu,wasm,… trainWarmup, trainSteps,
// trainBudgetMs (stop timing training after this long once 3 steps are timed), predictWarmup, predictRuns.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgl";
import "@tensorflow/tfjs-backend-webgpu";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import wasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm";
import * as lq from "larq-ts";

import { buildTutorialBnn } from "../../../examples/bundlers/shared/bnn-check.js";

tfWasm.setWasmPaths({
  "tfjs-backend-wasm.wasm": wasm,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
});

const params = new globalThis.URLSearchParams(location.search);
const num = (name, fallback) => (params.has(name) ? Number(params.get(name)) : fallback);
const BACKENDS = (params.get("backends") ?? "cpu,wasm,webgl,webgpu").split(",").filter(Boolean);
const TRAIN_WARMUP = num("trainWarmup", 1);
const TRAIN_STEPS = num("trainSteps", 5);
const TRAIN_BUDGET_MS = num("trainBudgetMs", 20000);
const PREDICT_WARMUP = num("predictWarmup", 5);
const PREDICT_RUNS = num("predictRuns", 30);
const BATCH = 64;

const logEl = document.getElementById("log");
const log = (line) => {
  logEl.textContent += line + "\n";
  console.log(line);
};

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Deterministic values in [0, 1) (a 32-bit LCG): the same images and labels on every backend. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** What the browser says about its GPU adapters (SwiftShader under the runner's flags). */
async function gpuInfo() {
  const info = {};
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    const ext = gl?.getExtension("WEBGL_debug_renderer_info");
    info.webglRenderer = gl ? (ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)) : null;
  } catch (error) {
    info.webglRenderer = `error: ${error.message}`;
  }
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    const a = adapter?.info;
    info.webgpuAdapter = adapter
      ? [a?.vendor, a?.architecture, a?.device, a?.description].filter(Boolean).join(" / ") || "(no info)"
      : null;
  } catch (error) {
    info.webgpuAdapter = `error: ${error.message}`;
  }
  return info;
}

/** Median wall time of `run()` over `runs` calls after `warmup` calls. */
async function timeIt(run, warmup, runs) {
  for (let i = 0; i < warmup; i++) await run();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms), runs };
}

async function benchOn(backend) {
  let available = false;
  try {
    available = await tf.setBackend(backend);
    if (available) await tf.ready();
  } catch (error) {
    log(`${backend}: ${error.message}`);
  }
  if (!available || tf.getBackend() !== backend) return { available: false };
  const row = { available: true };
  if (backend === "wasm") {
    row.wasmThreads = tfWasm.getThreadsCount();
    row.wasmThreaded = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    row.wasmSimd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  }
  const tensorsAtStart = tf.memory().numTensors;
  const rnd = lcg(7);
  const images = Float32Array.from({ length: BATCH * 784 }, rnd);
  const labels = Int32Array.from({ length: BATCH }, () => Math.floor(rnd() * 10));
  const xs = tf.tensor4d(images, [BATCH, 28, 28, 1]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, "int32"), 10));
  const model = buildTutorialBnn(tfl, lq);
  const optimizer = tf.train.adam(0.005);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });

  // (a) Training: trainOnBatch resolves once the loss is read back, so each step is complete when it returns.
  const losses = [];
  const step = async () => losses.push(Number(await model.trainOnBatch(xs, ys)));
  for (let i = 0; i < TRAIN_WARMUP; i++) await step();
  const stepMs = [];
  const started = performance.now();
  while (stepMs.length < TRAIN_STEPS && (stepMs.length < 3 || performance.now() - started < TRAIN_BUDGET_MS)) {
    const t0 = performance.now();
    await step();
    stepMs.push(performance.now() - t0);
  }
  row.train = { median: median(stepMs), min: Math.min(...stepMs), max: Math.max(...stepMs), runs: stepMs.length };
  row.losses = losses;
  log(`${backend}: train step (batch ${BATCH}) median ${row.train.median.toFixed(1)} ms over ${stepMs.length} steps`);

  // (b) tfjs inference, one digit, read back with dataSync().
  const oneData = images.slice(0, 784);
  const one = tf.tensor4d(oneData, [1, 28, 28, 1]);
  let tfjsOut;
  row.predict = await timeIt(
    () => {
      const y = model.predict(one);
      tfjsOut = y.dataSync();
      y.dispose();
    },
    PREDICT_WARMUP,
    PREDICT_RUNS,
  );

  // (c) The engine, converted from this backend's trained model.
  const em = await lq.engine.convert(model);
  let engineOut;
  row.engine = await timeIt(
    () => {
      engineOut = em.predict(oneData);
    },
    PREDICT_WARMUP,
    PREDICT_RUNS,
  );
  row.engineTensor = await timeIt(
    () => {
      const y = em.predict(one);
      y.dataSync();
      y.dispose();
    },
    PREDICT_WARMUP,
    PREDICT_RUNS,
  );
  row.engineSimd = em.engine.simd;
  row.engineGemm = em.engine.gemmKernel;
  row.maxDiff = Math.max(...Array.from(engineOut, (v, i) => Math.abs(v - tfjsOut[i])));
  log(
    `${backend}: predict batch 1 median ${row.predict.median.toFixed(3)} ms; lq.engine ${row.engine.median.toFixed(3)} ms (Float32Array), ${row.engineTensor.median.toFixed(3)} ms (tf.Tensor); max |prob diff| ${row.maxDiff.toExponential(2)}`,
  );

  em.dispose();
  tf.dispose([xs, ys, one]);
  model.dispose();
  optimizer.dispose();
  row.leaked = tf.memory().numTensors - tensorsAtStart;
  return row;
}

try {
  const result = {
    larqTs: lq.version,
    tfjs: tf.version_core,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    gpu: await gpuInfo(),
    settings: { TRAIN_WARMUP, TRAIN_STEPS, TRAIN_BUDGET_MS, PREDICT_WARMUP, PREDICT_RUNS, BATCH },
    backends: {},
  };
  log(`larq-ts ${result.larqTs}, tfjs ${result.tfjs}; WebGL: ${result.gpu.webglRenderer}; WebGPU: ${result.gpu.webgpuAdapter}`);
  for (const backend of BACKENDS) {
    try {
      result.backends[backend] = await benchOn(backend);
      if (!result.backends[backend].available) log(`${backend}: not offered by this browser`);
    } catch (error) {
      log(`${backend}: ERROR ${error && error.stack ? error.stack : error}`);
      result.backends[backend] = { available: true, error: String(error && error.message ? error.message : error) };
    }
  }
  const ran = BACKENDS.filter((b) => result.backends[b].available && !result.backends[b].error);
  // A timing run: it fails on errors and leaks only; the engine's agreement with each backend is reported, not checked
  // (the browser tests check it).
  result.ok = ran.length > 0 && ran.every((b) => result.backends[b].leaked <= 0);
  window.__larqBench = result;
  document.title = `${result.ok ? "OK" : "FAIL"} ${ran.join(", ")}`;
} catch (error) {
  log(`ERROR: ${error && error.stack ? error.stack : error}`);
  window.__larqBench = { ok: false, error: String(error && error.message ? error.message : error) };
  document.title = `FAIL ${window.__larqBench.error}`;
}
