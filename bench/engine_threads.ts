/**
 * Threads part of `npm run bench:engine`: QuickNet-small and QuickNet at 224×224, batch 1, on one thread and on two
 * (`lq.engine.convert(model, { threads: 2 })`, which keeps a single-thread twin, and the same with
 * `singleThreadTwin: false`), timed alternately in one process; then the same with a competing process spinning on
 * one core (a busy machine: the second thread then finds little CPU, and must not make the model slower than one
 * thread). Run alone with `node build/bench/engine_threads.js`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

import * as lq from "../src/index.js";
import { median } from "../src/utils/timing.js";

/** Figures of one model. */
export interface ThreadFigures {
  name: string;
  oneMs: number;
  twoMs: number;
  oneMin: number;
  twoMin: number;
  /** Two threads without the single-thread twin: median and fastest. */
  bareMs: number;
  bareMin: number;
}

async function timeModels(runs: number): Promise<ThreadFigures[]> {
  const out: ThreadFigures[] = [];
  for (const [name, build] of [
    ["QuickNet-small", () => lq.zoo.quickNetSmall({ weights: null })],
    ["QuickNet", () => lq.zoo.quickNet({ weights: null })],
  ] as const) {
    const model = build();
    const one = await lq.engine.convert(model, { threads: 1 });
    const two = await lq.engine.convert(model, { threads: 2 });
    const bare = await lq.engine.convert(model, { threads: 2, singleThreadTwin: false });
    if (two.engine.threads !== 2) throw new Error(`no second thread: ${two.engine.threadsNote}`);
    const x = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => Math.sin(i * 0.37));
    const models = [one, two, bare];
    const times: number[][] = models.map(() => []);
    // Warm-up: 10 predicts, in which the threaded models also measure whether the threads pay (TwinPolicy,
    // SplitPolicy).
    for (let r = 0; r < 10; r++) for (const m of models) m.predict(x);
    for (let r = 0; r < runs; r++) {
      models.forEach((m, k) => {
        const t = performance.now();
        m.predict(x);
        times[k].push(performance.now() - t);
      });
    }
    const [a, b, c] = times;
    out.push({
      name,
      oneMs: median(a),
      twoMs: median(b),
      oneMin: Math.min(...a),
      twoMin: Math.min(...b),
      bareMs: median(c),
      bareMin: Math.min(...c),
    });
    for (const m of models) m.dispose();
    model.dispose();
  }
  return out;
}

function print(title: string, figures: ThreadFigures[]): void {
  console.log(title);
  console.log("| model | 1 thread | 2 threads | speed-up | fastest runs (1 / 2) | 2 threads, no twin | its speed-up |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const f of figures) {
    console.log(
      `| ${f.name} | ${f.oneMs.toFixed(2)} ms | ${f.twoMs.toFixed(2)} ms | **${(f.oneMs / f.twoMs).toFixed(2)}×** | ` +
        `${f.oneMin.toFixed(2)} / ${f.twoMin.toFixed(2)} ms = ${(f.oneMin / f.twoMin).toFixed(2)}× | ` +
        `${f.bareMs.toFixed(2)} ms | ${(f.oneMs / f.bareMs).toFixed(2)}× |`,
    );
  }
}

/** Runs the threads benchmark and prints its two tables. */
export async function benchThreads(runs = Number(process.env.BENCH_THREAD_RUNS ?? 20)): Promise<void> {
  await tf.setBackend("cpu");
  print(`\nEngine threads, batch 1, median of ${runs} alternated runs (quiet):`, await timeModels(runs));
  let busy: ChildProcess | undefined;
  try {
    busy = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    print(`\nThe same with a competing process spinning on one core:`, await timeModels(runs));
  } finally {
    busy?.kill("SIGKILL");
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchThreads();
