/**
 * `npm run bench:engine`: a 3x3 binary convolution, 56x56x64 → 64, batch 1, single thread.
 *
 * Compares, in one process, the engine (float input copied in, sign-packed, im2col, binary GEMM with fused float
 * output, float output copied out into a preallocated array) with `tf.conv2d` on tfjs-backend-wasm (float32,
 * output read back), timed alternately in one loop, and reports the binary GEMM alone in G binary MAC/s for both GEMM kernels. Medians.
 * Then whole models (see engine_models.ts): the MNIST demo BNN and QuickNet-small at 224x224, engine vs tfjs-wasm;
 * one vs two threads (engine_threads.ts); and QuickNet against the popcount bound measured in this process
 * (engine_bound.ts).
 */
import * as tf from "@tensorflow/tfjs-core";

import { median, medianTime } from "../src/utils/timing.js";
import "@tensorflow/tfjs-backend-wasm";

import { cpus, loadavg } from "node:os";

import { loadEngine } from "../src/engine/runtime.js";
import { convCase } from "./conv_case.js";
import { benchThreads } from "./engine_threads.js";
import { benchWholeModels } from "./engine_models.js";
import { benchBound, benchStageConvs } from "./engine_bound.js";

function loadAverage(): string {
  return loadavg()[0].toFixed(1);
}

const H = 56;
const W = 56;
const C = 64;
const N = 64;
const RUNS = Number(process.env.BENCH_RUNS ?? 50);

const minima: number[] = [];

/** Times `a` and `b` alternately (so a busy machine slows both alike) and returns both medians. */
function timeInterleaved(a: () => void, b: () => void, runs = RUNS): [number, number] {
  for (let i = 0; i < 5; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b();
    tb.push(performance.now() - t0);
  }
  minima.push(Math.min(...ta), Math.min(...tb));
  return [median(ta), median(tb)];
}

function timeIt(fn: () => void, runs = RUNS): number {
  return medianTime(fn, runs, 5);
}

async function main(): Promise<void> {
  await tf.setBackend("wasm");
  await tf.ready();
  let seed = 12345;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const input = Float32Array.from({ length: H * W * C }, rand);
  const filter = Float32Array.from({ length: 9 * C * N }, () => (rand() < 0 ? -1 : 1));

  const x = tf.tensor4d(input, [1, H, W, C]);
  const w = tf.tensor4d(filter, [3, 3, C, N]);
  const tfjsConv = (): void => {
    const y = tf.conv2d(x, w, 1, "same");
    y.dataSync();
    y.dispose();
  };

  const engine = await loadEngine();
  const conv = convCase(engine, H, W, C, N, filter);
  const { op, xf, xb, y } = conv;
  const out = new Float32Array(H * W * N);
  const endToEnd = (): void => {
    engine.writeFloat(xf, input);
    engine.signPack(xf, xb);
    op.run(xb, y);
    engine.readFloat(y, out);
  };
  const chosen = engine.gemmKernel;
  const results: Record<string, number> = {};
  for (const kernel of engine.simd ? (["scalar", "simd"] as const) : (["scalar"] as const)) {
    engine.gemmKernel = kernel;
    results[`e2e_${kernel}`] = timeIt(endToEnd);
    results[`conv_${kernel}`] = timeIt(() => op.run(xb, y));
    results[`gemm_${kernel}`] = timeIt(() => op.runGemmOnly());
  }
  engine.gemmKernel = chosen;
  const [tfjsMs, engineMs] = timeInterleaved(tfjsConv, endToEnd);
  const macs = H * W * N * 9 * C;

  console.log(`3x3 binary conv ${H}x${W}x${C} -> ${N}, batch 1, single thread, median of ${RUNS} runs`);
  const tfjsSimd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  console.log(`CPU: ${cpus()[0]?.model ?? "unknown"}; Node ${process.versions.node}; load average (1 min): ${loadAverage()}`);
  console.log(`tfjs-backend-wasm SIMD: ${tfjsSimd}`);
  console.log(`engine: SIMD build ${engine.simd}, GEMM kernel chosen by calibration: ${chosen}`);
  console.log(`tf.conv2d (tfjs-backend-wasm, float32): ${tfjsMs.toFixed(3)} ms (${(macs / tfjsMs / 1e6).toFixed(1)} GMAC/s)`);
  console.log(`engine, float in -> float out:          ${engineMs.toFixed(3)} ms`);
  for (const kernel of engine.simd ? ["scalar", "simd"] : ["scalar"]) {
    console.log(
      `  ${kernel.padEnd(6)} end-to-end ${results[`e2e_${kernel}`].toFixed(3)} ms, conv (im2col+GEMM) ` +
        `${results[`conv_${kernel}`].toFixed(3)} ms, GEMM alone ${results[`gemm_${kernel}`].toFixed(3)} ms = ` +
        `${(macs / results[`gemm_${kernel}`] / 1e6).toFixed(1)} G binary MAC/s`,
    );
  }
  console.log(`speed-up vs tf.conv2d (wasm): ${(tfjsMs / engineMs).toFixed(1)}x (target >= 12x)`);
  const [tfjsMin, engineMin] = minima;
  console.log(
    `fastest runs (closest to an idle machine): tf.conv2d ${tfjsMin.toFixed(3)} ms, engine ${engineMin.toFixed(3)} ms, ` +
      `ratio ${(tfjsMin / engineMin).toFixed(1)}x`,
  );
  conv.dispose();
  x.dispose();
  w.dispose();
}

await main();
await benchWholeModels(RUNS);
await benchThreads();
await benchBound(Math.max(10, Math.floor(RUNS / 2)));
await benchStageConvs(RUNS);
