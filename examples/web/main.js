// The page: starts the training worker and charts its progress, plots larq's quantizers, and classifies the digit
// drawn on the canvas with the trained network twice, on the bitpacked engine (lq.engine) and on tfjs, with the
// latency of each. window.__demo holds the latest state for scripts/browser (tests and screenshots).
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import "./tfjs-wasm.js";
import * as lq from "larq-ts";

const $ = (id) => document.getElementById(id);
const demo = (window.__demo = { progress: [], done: false, error: undefined, predictions: 0 });

// ---- quantizer plots (main thread) ----
async function plotQuantizers() {
  await tf.setBackend("wasm");
  const names = ["ste_sign", "approx_sign", "swish_sign", "ste_tern", "magnitude_aware_sign", "dorefa_quantizer"];
  const canvas = $("quantizers");
  const ctx = canvas.getContext("2d");
  const cols = 3,
    w = canvas.width / cols,
    h = canvas.height / 2;
  const xs = Array.from({ length: 161 }, (_, i) => -2 + i / 40);
  for (const [k, name] of names.entries()) {
    const q = lq.quantizers.get(name);
    const x = tf.tensor1d(xs);
    const y = await q.quantize(x).data();
    const g = await tf
      .grad((t) => q.quantize(t))(x)
      .data();
    x.dispose();
    const ox = (k % cols) * w,
      oy = Math.floor(k / cols) * h;
    const px = (v) => ox + 8 + ((v + 2) / 4) * (w - 16),
      py = (v) => oy + h / 2 - v * (h / 2 - 22);
    ctx.strokeStyle = "#ccc";
    ctx.beginPath();
    ctx.moveTo(ox + 8, py(0));
    ctx.lineTo(ox + w - 8, py(0));
    ctx.moveTo(px(0), oy + 18);
    ctx.lineTo(px(0), oy + h - 4);
    ctx.stroke();
    for (const [values, color, dash] of [
      [y, "#1565c0", []],
      [g, "#e65100", [4, 3]],
    ]) {
      ctx.strokeStyle = color;
      ctx.setLineDash(dash);
      ctx.beginPath();
      xs.forEach((v, i) => (i ? ctx.lineTo(px(v), py(values[i])) : ctx.moveTo(px(v), py(values[i]))));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = "#222";
    ctx.fillText(name, ox + 10, oy + 12);
  }
}

// ---- training chart ----
function drawChart() {
  const canvas = $("chart"),
    ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const p = demo.progress,
    n = p.length ? p[0].steps : 1;
  const pad = 30,
    W = canvas.width - 2 * pad,
    H = canvas.height - 2 * pad;
  ctx.strokeStyle = "#999";
  ctx.strokeRect(pad, pad, W, H);
  ctx.fillStyle = "#222";
  ctx.fillText("1.0", 4, pad + 4);
  ctx.fillText("0", 14, pad + H + 4);
  ctx.fillText(`batch ${n}`, pad + W - 50, pad + H + 16);
  const maxLoss = Math.max(2.5, ...p.map((r) => r.loss));
  for (const [key, color, scale, label] of [
    ["loss", "#c62828", maxLoss, `loss (max ${maxLoss.toFixed(1)})`],
    ["acc", "#2e7d32", 1, "accuracy"],
  ]) {
    ctx.strokeStyle = color;
    ctx.beginPath();
    p.forEach((r, i) => {
      const x = pad + (r.step / n) * W,
        y = pad + H - (r[key] / scale) * H;
      if (i) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillText(label, key === "loss" ? pad + 4 : pad + 140, pad - 8);
  }
}

// ---- drawing and classification ----
let engineModel, tfjsModel;
const draw = $("draw"),
  dctx = draw.getContext("2d");
function clearCanvas() {
  dctx.fillStyle = "#000";
  dctx.fillRect(0, 0, draw.width, draw.height);
}
clearCanvas();
let drawing = false,
  last;
draw.addEventListener("pointerdown", (e) => {
  drawing = true;
  last = [e.offsetX, e.offsetY];
  draw.setPointerCapture(e.pointerId);
});
draw.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  dctx.strokeStyle = "#fff";
  dctx.lineWidth = 22;
  dctx.lineCap = "round";
  dctx.beginPath();
  dctx.moveTo(...last);
  dctx.lineTo(e.offsetX, e.offsetY);
  dctx.stroke();
  last = [e.offsetX, e.offsetY];
});
draw.addEventListener("pointerup", () => {
  drawing = false;
  classify();
});
$("clear").addEventListener("click", () => {
  clearCanvas();
  $("prediction").textContent = "Draw a digit.";
});

/** The drawing as MNIST-like input: the ink's bounding box scaled to 20x20 and centred in 28x28, values in [0, 1]. */
function drawingTensor() {
  const img = dctx.getImageData(0, 0, draw.width, draw.height).data;
  let x0 = draw.width,
    y0 = draw.height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < draw.height; y++)
    for (let x = 0; x < draw.width; x++)
      if (img[(y * draw.width + x) * 4] > 32) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return undefined;
  const side = Math.max(x1 - x0, y1 - y0) + 1,
    small = document.createElement("canvas");
  small.width = small.height = 28;
  const sctx = small.getContext("2d");
  sctx.fillStyle = "#000";
  sctx.fillRect(0, 0, 28, 28);
  const cx = (x0 + x1) / 2,
    cy = (y0 + y1) / 2;
  sctx.drawImage(draw, cx - side / 2, cy - side / 2, side, side, 4, 4, 20, 20);
  const px = sctx.getImageData(0, 0, 28, 28).data;
  return tf.tensor4d(
    Float32Array.from({ length: 784 }, (_, i) => px[i * 4] / 255),
    [1, 28, 28, 1],
  );
}

async function timed(fn, runs = 20) {
  const ms = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const y = fn();
    out = await y.data();
    y.dispose();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { probs: out, ms: ms[Math.floor(runs / 2)] };
}

async function classify() {
  if (!engineModel) return;
  const x = drawingTensor();
  if (!x) return;
  const engine = await timed(() => engineModel.predict(x));
  const tfjs = await timed(() => tfjsModel.predict(x));
  x.dispose();
  const argmax = (v) => v.reduce((b, val, i) => (val > v[b] ? i : b), 0);
  const digit = argmax(engine.probs);
  demo.predictions++;
  demo.last = { engineDigit: digit, tfjsDigit: argmax(tfjs.probs), engineMs: engine.ms, tfjsMs: tfjs.ms };
  $("prediction").textContent =
    `engine: ${digit}  (${engine.ms.toFixed(3)} ms)\ntfjs:   ${argmax(tfjs.probs)}  (${tfjs.ms.toFixed(3)} ms)\nmedian of 20 runs each`;
  const c = $("probs").getContext("2d");
  c.clearRect(0, 0, 200, 200);
  for (let i = 0; i < 10; i++) {
    c.fillStyle = i === digit ? "#1565c0" : "#90a4ae";
    c.fillRect(24, 6 + i * 19, engine.probs[i] * 170, 14);
    c.fillStyle = "#222";
    c.fillText(String(i), 8, 17 + i * 19);
  }
}

// ---- the worker ----
$("train").addEventListener("click", () => {
  $("train").disabled = true;
  demo.progress = [];
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  worker.onmessage = async ({ data }) => {
    if (data.type === "status") $("status").textContent = data.text;
    else if (data.type === "progress") {
      demo.progress.push(data);
      $("status").textContent =
        `batch ${data.step}/${data.steps}  loss ${data.loss.toFixed(4)}  accuracy ${data.acc.toFixed(4)}  ${data.msPerStep.toFixed(0)} ms/batch`;
      drawChart();
    } else if (data.type === "done") {
      engineModel = await lq.engine.load(data.engineFile);
      tfjsModel = await tfl.loadLayersModel(tf.io.fromMemory(data.artifacts));
      Object.assign(demo, { done: true, testAccuracy: data.testAccuracy, sameAsTfjs: data.sameAsTfjs, testCount: data.testCount });
      $("status").textContent += `\ntest accuracy ${(100 * data.testAccuracy).toFixed(2)}% on ${data.testCount} held-out digits`;
      $("compare").textContent =
        `engine file: ${(data.engineFile.length / 1024).toFixed(2)} KiB (bitpacked, XNOR + popcount)\nsame prediction as tfjs on ${data.sameAsTfjs}/${data.testCount} test digits\nengine: simd=${engineModel.engine.simd}, gemm=${engineModel.engine.gemmKernel}\ncrossOriginIsolated=${crossOriginIsolated}`;
      $("prediction").textContent = "Draw a digit.";
      worker.terminate();
    } else if (data.type === "error") {
      demo.error = data.text;
      $("status").textContent = `ERROR: ${data.text}`;
    }
  };
  worker.postMessage({ type: "train", options: { epochs: 2 } });
});

plotQuantizers().then(
  () => (demo.quantizersPlotted = true),
  (error) => {
    demo.error = String(error);
    $("status").textContent = `ERROR: ${error}`;
  },
);
drawChart();
