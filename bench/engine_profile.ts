/**
 * Per-op profile of an engine model:
 * `node build/bench/engine_profile.js [quicknet|quicknet-small] [rounds] [threads, e.g. 1 or 1,2]`.
 *
 * Wraps every prepared node's `run` with a timer and prints the whole-model median and fastest run, and the time
 * and share of every op kind (float convolutions and depthwise by kernel size and stride). With
 * `BASE_WASM=<file.wasm>` the same model is also converted on an engine loaded from that module, and both run
 * alternately in this process (before/after comparisons of kernel changes under the same load).
 * With several thread counts (`1,2`) the model is converted once per count and the conversions run alternately,
 * and a last table gives each op kind's time on the first count over its time on each other one.
 * `PROFILE_NODES=1` also prints every node.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";

import { loadavg } from "node:os";

import * as lq from "../src/index.js";
import { median } from "../src/utils/timing.js";
import { setBnStatistics } from "./engine_models.js";

interface Profiled {
  label: string;
  em: lq.engine.EngineModel;
  perNode: number[][];
  totals: number[];
}

function instrument(label: string, em: lq.engine.EngineModel): Profiled {
  const prepared = (em as unknown as { prepared: { run: (...a: unknown[]) => void }[] }).prepared;
  const perNode: number[][] = prepared.map(() => []);
  prepared.forEach((p, i) => {
    const run = p.run;
    p.run = (...a: unknown[]) => {
      const t0 = performance.now();
      run(...a);
      perNode[i].push(performance.now() - t0);
    };
  });
  return { label, em, perNode, totals: [] };
}

/** Prints `p`'s profile; returns its per-kind medians (ms). */
function report(p: Profiled, nodesToo: boolean): Map<string, number> {
  const nodes = p.em.graph.nodes;
  const label = (i: number): string => {
    const n = nodes[i];
    const a = n.attrs as Record<string, any>;
    if (n.op === "conv2d" || n.op === "depthwise") return `${n.op} ${a.kernelSize.join("x")}/${a.strides[0]}`;
    return n.op;
  };
  const kinds = new Map<string, number>();
  let sum = 0;
  let float = 0;
  for (let i = 1; i < nodes.length; i++) {
    const m = median(p.perNode[i]);
    sum += m;
    if (!["bconv2d", "bdense", "bmaxpool", "signpack"].includes(nodes[i].op)) float += m;
    kinds.set(label(i), (kinds.get(label(i)) ?? 0) + m);
  }
  console.log(
    `${p.label}: predict median ${median(p.totals).toFixed(2)} ms, fastest ${Math.min(...p.totals).toFixed(2)} ms; ` +
      `sum of node medians ${sum.toFixed(2)} ms, float ops ${float.toFixed(2)} ms = ${((100 * float) / sum).toFixed(1)}%`,
  );
  for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1]))
    console.log(`  ${k.padEnd(22)} ${v.toFixed(3)} ms  ${((100 * v) / sum).toFixed(1)}%`);
  if (nodesToo) {
    for (let i = 1; i < nodes.length; i++)
      console.log(
        `  ${i} ${nodes[i].name} ${label(i)} in ${JSON.stringify(nodes[nodes[i].inputs[0]].shape)} ` +
          `out ${JSON.stringify(nodes[i].shape)} ${median(p.perNode[i]).toFixed(3)} ms`,
      );
  }
  kinds.set("(predict)", median(p.totals));
  return kinds;
}

async function main(): Promise<void> {
  await tf.setBackend("cpu");
  const which = process.argv[2] ?? "quicknet";
  const rounds = Number(process.argv[3] ?? 30);
  const threads = (process.argv[4] ?? "1").split(",").map(Number);
  const model = (
    which === "quicknet-small" ? lq.zoo.quickNetSmall({ inputShape: [224, 224, 3] }) : lq.zoo.quickNet({ inputShape: [224, 224, 3] })
  ) as tfl.LayersModel;
  setBnStatistics(model);
  const runs: Profiled[] = [];
  if (process.env.BASE_WASM) {
    const engine = await lq.engine.loadEngine({ wasm: process.env.BASE_WASM });
    runs.push(instrument(`base (${process.env.BASE_WASM})`, await lq.engine.convert(model, { engine })));
  }
  for (const t of threads) runs.push(instrument(`current, ${t} thread(s)`, await lq.engine.convert(model, { threads: t })));
  const shape = [1, 224, 224, 3];
  const input = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => Math.sin(i * 0.37));
  for (let i = 0; i < 3; i++) for (const p of runs) p.em.predict(input, shape);
  for (const p of runs) for (const a of p.perNode) a.length = 0;
  const load0 = loadavg()[0];
  for (let r = 0; r < rounds; r++) {
    for (const p of runs) {
      const t0 = performance.now();
      p.em.predict(input, shape);
      p.totals.push(performance.now() - t0);
    }
  }
  console.log(`${which} 224x224x3, batch 1, ${rounds} rounds; load average (1 min) ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
  const tables = runs.map((p) => report(p, !!process.env.PROFILE_NODES));
  if (threads.length > 1) {
    const first = tables[tables.length - threads.length];
    console.log(`time on ${threads[0]} thread(s) / time on ${threads.slice(1).join(", ")}:`);
    for (const [k, v] of [...first].sort((a, b) => b[1] - a[1])) {
      const ratios = tables.slice(tables.length - threads.length + 1).map((t) => (v / (t.get(k) ?? NaN)).toFixed(2));
      console.log(`  ${k.padEnd(22)} ${ratios.join("  ")}`);
    }
  }
  for (const p of runs) p.em.dispose();
}

await main();
