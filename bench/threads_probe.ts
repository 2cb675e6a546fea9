/**
 * What the machine gives threads, independent of the engine: `node build/bench/threads_probe.js`.
 *
 * 1. Cores: the register-only popcount loop (popcount_peak.ts) on one worker, then on two at once (about 0.5 s
 *    each), as G binary MAC/s: two separate cores give about twice the aggregate rate, two hyperthreads of one
 *    core (one popcount port) about the same.
 * 2. Wake-up: the round trip of `Atomics.notify` → a worker's acknowledgement, after gaps of 20 µs, 0.2 ms and 1 ms,
 *    with a worker that spins 50 µs before sleeping in `Atomics.wait` (as the engine's workers do) and one that
 *    spins 5 ms: what a split kernel call pays when the workers are asleep.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

import { loadPopcountPeak, MACS_PER_ITERATION } from "./popcount_peak.js";

const ITERATIONS = 4_000_000;

interface ProbeData {
  kind: "peak" | "wake";
  sab?: SharedArrayBuffer;
  spinMs?: number;
}

async function workerBody(data: ProbeData): Promise<void> {
  if (data.kind === "peak") {
    const peak = await loadPopcountPeak();
    parentPort!.on("message", () => {
      const t0 = performance.now();
      peak.run(ITERATIONS);
      parentPort!.postMessage(performance.now() - t0);
    });
    parentPort!.postMessage("ready");
    return;
  }
  const ctl = new Int32Array(data.sab!);
  let seen = 0;
  for (;;) {
    const until = performance.now() + data.spinMs!;
    while (Atomics.load(ctl, 0) === seen && performance.now() < until);
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    if (seen < 0) return;
    Atomics.store(ctl, 1, seen);
  }
}

function start(data: ProbeData): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: data });
    w.once("error", reject);
    if (data.kind === "peak") w.once("message", () => resolve(w));
    else resolve(w);
  });
}

function quantile(v: number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function cores(): Promise<void> {
  const [a, b] = await Promise.all([start({ kind: "peak" }), start({ kind: "peak" })]);
  const run = (w: Worker): Promise<number> =>
    new Promise((resolve) => {
      w.once("message", resolve);
      w.postMessage(0);
    });
  const rate = (ms: number): number => (ITERATIONS * MACS_PER_ITERATION) / ms / 1e6;
  console.log("Cores: the register-only popcount loop on one worker, then on two at once:");
  for (let r = 0; r < 5; r++) {
    const one = await run(a);
    const t0 = performance.now();
    await Promise.all([run(a), run(b)]);
    const both = performance.now() - t0;
    console.log(`  one ${rate(one).toFixed(0)} G/s; two ${(2 * rate(both)).toFixed(0)} G/s together = ${((2 * one) / both).toFixed(2)}x`);
  }
  await Promise.all([a.terminate(), b.terminate()]);
}

async function wakeUp(): Promise<void> {
  console.log("Wake-up: notify → acknowledgement round trip (300 per row):");
  for (const spinMs of [0.05, 5]) {
    const sab = new SharedArrayBuffer(8);
    const ctl = new Int32Array(sab);
    const w = await start({ kind: "wake", sab, spinMs });
    await new Promise((r) => setTimeout(r, 200));
    let job = 0;
    for (const gapMs of [0.02, 0.2, 1]) {
      const lat: number[] = [];
      for (let i = 0; i < 300; i++) {
        const until = performance.now() + gapMs;
        while (performance.now() < until);
        job++;
        const t0 = performance.now();
        Atomics.store(ctl, 0, job);
        Atomics.notify(ctl, 0);
        while (Atomics.load(ctl, 1) !== job);
        lat.push((performance.now() - t0) * 1000);
      }
      console.log(
        `  worker spins ${spinMs} ms, gap ${gapMs} ms: median ${quantile(lat, 0.5).toFixed(1)} µs, ` +
          `90th percentile ${quantile(lat, 0.9).toFixed(1)} µs`,
      );
    }
    Atomics.store(ctl, 0, -1);
    Atomics.notify(ctl, 0);
    await w.terminate();
  }
}

if (isMainThread) {
  await cores();
  await wakeUp();
} else {
  await workerBody(workerData as ProbeData);
}
