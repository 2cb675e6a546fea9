/**
 * The engine against the wasm popcount bound, measured in the same process: `node build/bench/engine_bound.js
 * [rounds]` (also the last part of `npm run bench:engine`).
 *
 * For QuickNet and QuickNet-small at 224×224, batch 1, one thread, every round times three calls back to back:
 * the model's `predict`; the register-only popcount loop of popcount_peak.ts run for exactly the model's binary MACs
 * (its time is the model's binary MACs at the bound, on this core at this moment); and one run of the model with
 * every node timed (the time of its binary convolutions and dense layers). The ratios are taken per round, so a
 * machine whose speed changes from second to second (a shared VM) slows the model and its bound alike; the table
 * gives their medians. A second table does the same for the binary 3×3 convolution of each QuickNet stage alone
 * (float output, scalar GEMM kernel): the GEMM call alone and the whole op (im2col + GEMM) against the bound of
 * its MACs.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";

import { fileURLToPath } from "node:url";

import * as lq from "../src/index.js";
import { loadEngine } from "../src/engine/runtime.js";
import { median } from "../src/utils/timing.js";
import { setBnStatistics } from "./engine_models.js";
import { convCase } from "./conv_case.js";
import { loadPopcountPeak, MACS_PER_ITERATION, peakRate, type PopcountPeak } from "./popcount_peak.js";

/** Figures of one model. */
export interface BoundFigures {
  name: string;
  /** Binary MACs of one predict. */
  binaryMacs: number;
  /** Medians: predict, the bound (popcount loop over the binary MACs), the binary nodes of a timed run. */
  predictMs: number;
  boundMs: number;
  binaryMs: number;
  /** Median per-round ratios predict / bound and binary nodes / bound. */
  ratio: number;
  binaryRatio: number;
  /** Median popcount peak, G binary MAC/s. */
  peak: number;
}

/** Wall time of `fn` in milliseconds. */
function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * Runs `measures` (each returns the milliseconds it measured) and the popcount loop over `macs` binary MACs
 * alternately, 3 warm-up rounds then `rounds`; returns the median of each measure, its median per-round ratio to the
 * loop's time, and the loop's median time and rate.
 */
function againstBound(
  measures: (() => number)[],
  macs: number,
  rounds: number,
  peak: PopcountPeak,
): { ms: number[]; ratios: number[]; boundMs: number; peak: number } {
  const iterations = Math.round(macs / MACS_PER_ITERATION);
  const times: number[][] = measures.map(() => []);
  const bound: number[] = [];
  for (let r = -3; r < rounds; r++) {
    const t = measures.map((m) => m());
    const tb = timed(() => peak.run(iterations));
    if (r < 0) continue; // warm-up
    t.forEach((v, i) => times[i].push(v));
    bound.push(tb);
  }
  return {
    ms: times.map(median),
    ratios: times.map((ts) => median(ts.map((t, i) => t / bound[i]))),
    boundMs: median(bound),
    peak: median(bound.map((t) => peakRate(iterations, t))),
  };
}

/** Measures one model against the bound. */
export async function boundOf(name: string, model: tfl.LayersModel, rounds: number): Promise<BoundFigures> {
  setBnStatistics(model);
  const em = await lq.engine.convert(model, { threads: 1 });
  const peak = await loadPopcountPeak();
  const shape = [1, ...em.inputShape];
  const input = Float32Array.from({ length: em.inputShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37));
  const binaryMacs = lq.engine.profile(em, { runs: 1, input, shape }).macs.binary;
  const binaryNode = em.graph.nodes.map((n) => n.op === "bconv2d" || n.op === "bdense");
  const binaryNodesMs = (): number => {
    let ms = 0;
    em.runTimed(input, shape, (i, t) => {
      if (binaryNode[i]) ms += t;
    });
    return ms;
  };
  const r = againstBound([() => timed(() => em.predict(input, shape)), binaryNodesMs], binaryMacs, rounds, peak);
  em.dispose();
  return {
    name,
    binaryMacs,
    predictMs: r.ms[0],
    boundMs: r.boundMs,
    binaryMs: r.ms[1],
    ratio: r.ratios[0],
    binaryRatio: r.ratios[1],
    peak: r.peak,
  };
}

/** The 3×3 binary convolution of each QuickNet stage (56²×64 … 7²×512, `same`, float output) against the bound. */
export async function benchStageConvs(rounds: number): Promise<void> {
  const engine = await loadEngine();
  const peak = await loadPopcountPeak();
  const chosen = engine.gemmKernel;
  engine.gemmKernel = "scalar";
  let seed = 99;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  console.log(`\nQuickNet's binary 3x3 convolutions alone vs the popcount bound (scalar GEMM kernel, ${rounds} rounds):`);
  console.log("| input → output | K (bits) | bound | GEMM alone / bound | im2col + GEMM / bound |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [h, c] of [
    [56, 64],
    [28, 128],
    [14, 256],
    [7, 512],
  ]) {
    const filter = Float32Array.from({ length: 9 * c * c }, () => (rand() < 0 ? -1 : 1));
    const conv = convCase(engine, h, h, c, c, filter);
    const { op, xf, xb, y } = conv;
    engine.writeFloat(xf, Float32Array.from({ length: h * h * c }, rand));
    engine.signPack(xf, xb);
    op.run(xb, y);
    const macs = h * h * c * 9 * c;
    const r = againstBound([() => timed(() => op.runGemmOnly()), () => timed(() => op.run(xb, y))], macs, rounds, peak);
    console.log(
      `| ${h}x${h}x${c} → ${c} | ${9 * c} | ${((macs / r.peak) * 1e-6).toFixed(3)} ms (${r.peak.toFixed(0)} G/s) | ` +
        `${r.ratios[0].toFixed(2)}× | ${r.ratios[1].toFixed(2)}× |`,
    );
    conv.dispose();
  }
  engine.gemmKernel = chosen;
}

/** Runs the bound comparison for QuickNet-small and QuickNet and prints a table. */
export async function benchBound(rounds: number): Promise<BoundFigures[]> {
  const rows = [
    await boundOf("QuickNet-small", lq.zoo.quickNetSmall({ inputShape: [224, 224, 3] }) as tfl.LayersModel, rounds),
    await boundOf("QuickNet", lq.zoo.quickNet({ inputShape: [224, 224, 3] }) as tfl.LayersModel, rounds),
  ];
  console.log(`\nEngine vs the popcount bound (register-only i64.popcnt loop, same process), one thread, ${rounds} rounds:`);
  console.log("| model | binary MACs | bound (popcount peak) | predict | predict / bound | binary nodes | binary nodes / bound |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows)
    console.log(
      `| ${r.name} | ${(r.binaryMacs / 1e9).toFixed(2)} G | ${r.boundMs.toFixed(2)} ms (${r.peak.toFixed(0)} G/s) | ` +
        `${r.predictMs.toFixed(2)} ms | **${r.ratio.toFixed(2)}×** | ${r.binaryMs.toFixed(2)} ms | ${r.binaryRatio.toFixed(2)}× |`,
    );
  console.log("(target for QuickNet: predict ≤ 1.2× the bound)");
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await tf.setBackend("cpu");
  const rounds = Number(process.argv[2] ?? 20);
  await benchBound(rounds);
  await benchStageConvs(rounds * 2);
}
