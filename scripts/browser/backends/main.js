// larq-ts on every tfjs backend Chromium offers (cpu, wasm, webgl, webgpu): the same small network of larq-ts layers
// (QuantConv2D, QuantDepthwiseConv2D, QuantDense; ste_sign, approx_sign, ste_tern, magnitude_aware_sign and
// dorefa quantizers; weight_clip constraints) with the same weights and data is trained for 3 steps with Bop on
// binary kernels (CaseOptimizer, Adam for the rest) on each backend, and its losses, Bop's flips, trained weights,
// predictions and larq summary are checked against the cpu backend's. Built by esbuild (scripts/browser-ci.sh).
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

tfWasm.setWasmPaths({
  "tfjs-backend-wasm.wasm": wasm,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
});

const BACKENDS = ["cpu", "wasm", "webgl", "webgpu"];
const TOL = 1e-3;
const logEl = document.getElementById("log");
const log = (line) => {
  logEl.textContent += line + "\n";
  console.log(line);
};

/** Deterministic values in [-0.5, 0.5) (a 32-bit LCG), the same on every backend. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
}

function buildModel() {
  const binary = { kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" };
  return tfl.sequential({
    name: "net",
    layers: [
      lq.layers.quantConv2d({ name: "conv1", filters: 4, kernelSize: 3, inputShape: [8, 8, 1], useBias: false, ...binary }),
      // Max pooling where its input is real-valued: after a binary conv on binary inputs it sees integers, whose
      // ties each backend's MaxPool gradient breaks its own way (tfjs-layers' own kernels do), and training diverges.
      tfl.layers.maxPooling2d({ name: "pool", poolSize: 2 }),
      tfl.layers.batchNormalization({ name: "bn", scale: false }),
      lq.layers.quantConv2d({ name: "conv2", filters: 8, kernelSize: 3, padding: "same", inputQuantizer: "approx_sign", ...binary }),
      lq.layers.quantDepthwiseConv2d({
        name: "depthwise",
        kernelSize: 3,
        inputQuantizer: "ste_sign",
        depthwiseQuantizer: "ste_sign",
        depthwiseConstraint: "weight_clip",
        useBias: false,
      }),
      tfl.layers.flatten({ name: "flatten" }),
      lq.layers.quantDense({
        name: "dense1",
        units: 16,
        inputQuantizer: "ste_tern",
        kernelQuantizer: "magnitude_aware_sign",
        kernelConstraint: "weight_clip",
      }),
      lq.layers.quantDense({
        name: "dense2",
        units: 4,
        inputQuantizer: "dorefa_quantizer",
        kernelQuantizer: "ste_sign",
        kernelConstraint: "weight_clip",
      }),
      tfl.layers.activation({ name: "softmax", activation: "softmax" }),
    ],
  });
}

async function runOn(backend) {
  let available = false;
  try {
    available = await tf.setBackend(backend);
    if (available) await tf.ready();
  } catch (error) {
    log(`${backend}: ${error.message}`);
  }
  if (!available || tf.getBackend() !== backend) return { backend, available: false };
  const tensorsAtStart = tf.memory().numTensors;
  const model = buildModel();
  const rnd = lcg(42);
  const initial = model.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: n }, () => (w.name.includes("moving_variance") ? 1 + rnd() / 2 : rnd()));
    return tf.tensor(values, w.shape);
  });
  model.setWeights(initial);
  tf.dispose(initial);
  const signsOf = async (w) => Array.from(await w.read().data(), Math.sign);
  const signsBefore = [];
  for (const w of model.trainableWeights.filter((w) => w.name.includes("kernel"))) signsBefore.push(await signsOf(w));
  const adam = tf.train.sgd(0.05);
  const bop = new lq.optimizers.Bop({ threshold: 1e-3, gamma: 0.5 });
  const optimizer = new lq.optimizers.CaseOptimizer([lq.optimizers.Bop.isBinaryVariable, bop], { defaultOptimizer: adam });
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const xs = tf.tensor4d(Float32Array.from({ length: 16 * 64 }, rnd), [16, 8, 8, 1]);
  const ys = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i % 4),
        "int32",
      ),
      4,
    ),
  );
  // Gradients of the loss at the initial weights (through the quantizers' straight-through estimators).
  const { value, grads } = tf.variableGrads(
    () => tf.tidy(() => tf.losses.softmaxCrossEntropy(ys, tf.log(model.apply(xs, { training: true })))),
    model.trainableWeights.map((w) => w.read()),
  );
  const gradients = {};
  for (const [name, g] of Object.entries(grads)) gradients[name.replace(/_\d+(?=\/|$)/g, "")] = Array.from(await g.data());
  tf.dispose([value, ...Object.values(grads)]);
  const losses = [];
  for (let step = 0; step < 3; step++) losses.push(Number(await model.trainOnBatch(xs, ys)));
  const kernels = model.trainableWeights.filter((w) => w.name.includes("kernel"));
  let flips = 0;
  for (let i = 0; i < kernels.length; i++)
    (await signsOf(kernels[i])).forEach((s, j) => {
      if (s !== signsBefore[i][j]) flips++;
    });
  const pred = model.predict(xs);
  const predictions = Array.from(await pred.data());
  const weights = [];
  for (const w of model.getWeights()) weights.push(Array.from(await w.data()));
  let summary = "";
  lq.models.summary(model, { printFn: (text) => (summary += text + "\n") });
  tf.dispose([xs, ys, pred]);
  model.dispose();
  optimizer.dispose?.();
  adam.dispose();
  bop.dispose();
  return {
    backend,
    available: true,
    gradients,
    losses,
    flips,
    predictions,
    weights,
    summary,
    leaked: tf.memory().numTensors - tensorsAtStart,
  };
}

function maxDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

try {
  const results = {};
  for (const backend of BACKENDS) {
    try {
      results[backend] = await runOn(backend);
    } catch (error) {
      log(`${backend}: ERROR ${error && error.stack ? error.stack : error}`);
      results[backend] = { backend, available: true, error: String(error && error.message ? error.message : error) };
    }
  }
  const cpu = results.cpu;
  if (!cpu.available) throw new Error("the cpu backend is not available");
  const report = {};
  let ok = cpu.leaked <= 0 && cpu.flips > 0;
  for (const b of BACKENDS) {
    if (!results[b].gradients) continue;
    const worst = Object.entries(results[b].gradients).map(([n, g]) => [
      n,
      maxDiff(g, cpu.gradients[n] ?? []),
      Math.max(...g.map(Math.abs)),
    ]);
    log(
      `${b}: gradient max diff vs cpu by variable: ${worst.map(([n, d, m]) => `${n} ${d.toExponential(1)} (max |g| ${m.toExponential(1)})`).join(", ")}`,
    );
  }
  for (const b of BACKENDS) if (results[b].losses) log(`${b}: losses ${results[b].losses.map((l) => l.toFixed(6)).join(" ")}`);
  log(`cpu: losses ${cpu.losses.map((l) => l.toFixed(5)).join(" ")}, Bop flipped ${cpu.flips} kernel signs`);
  for (const backend of BACKENDS) {
    const r = results[backend];
    if (!r.available) {
      report[backend] = { available: false };
      log(`${backend}: not offered by this browser`);
      continue;
    }
    if (r.error) {
      report[backend] = { available: true, ok: false, error: r.error };
      ok = false;
      continue;
    }
    const weightDiff = Math.max(...r.weights.map((w, i) => maxDiff(w, cpu.weights[i])));
    const gradientDiff = Math.max(...Object.entries(cpu.gradients).map(([n, g]) => maxDiff(r.gradients[n] ?? [], g)));
    const row = {
      available: true,
      gradientDiff,
      lossDiff: maxDiff(r.losses, cpu.losses),
      predictionDiff: maxDiff(r.predictions, cpu.predictions),
      weightDiff,
      flips: r.flips,
      sameSummary: r.summary === cpu.summary,
      leaked: r.leaked,
    };
    row.ok =
      row.gradientDiff < TOL &&
      row.lossDiff < TOL &&
      row.predictionDiff < TOL &&
      row.weightDiff < TOL &&
      row.flips === cpu.flips &&
      row.sameSummary &&
      row.leaked <= 0;
    ok = ok && row.ok;
    report[backend] = row;
    log(
      `${backend}: ${row.ok ? "ok" : "MISMATCH"} vs cpu: gradient diff ${row.gradientDiff.toExponential(2)}, loss diff ${row.lossDiff.toExponential(2)}, prediction diff ${row.predictionDiff.toExponential(2)}, weight diff ${row.weightDiff.toExponential(2)}, Bop flips ${row.flips}, summary ${row.sameSummary ? "identical" : "DIFFERENT"}, tensors leaked ${row.leaked}`,
    );
  }
  window.__larqCheck = { ok, backends: report };
  document.title = `${ok ? "OK" : "FAIL"} ${BACKENDS.filter((b) => report[b].available).join(", ")}`;
} catch (error) {
  log(`ERROR: ${error && error.stack ? error.stack : error}`);
  window.__larqCheck = { ok: false, error: String(error && error.message ? error.message : error) };
  document.title = `FAIL ${window.__larqCheck.error}`;
}
