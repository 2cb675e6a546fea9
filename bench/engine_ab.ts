/**
 * A/B timing of whole engine models between two builds of larq-ts in one process:
 * `node build/bench/engine_ab.js <other build/src/index.js> [quicknet|quicknet-small] [rounds] [threads]`.
 * Both builds convert the same model (same weights and BN statistics) and run alternately, batch 1, on `threads`
 * engine threads (default 1);
 * prints medians and fastest runs, and checks that both give the same output bits.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";

import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";

import * as lq from "../src/index.js";
import { median } from "../src/utils/timing.js";
import { setBnStatistics } from "./engine_models.js";

async function main(): Promise<void> {
  await tf.setBackend("cpu");
  const other = (await import(pathToFileURL(process.argv[2]).href)) as typeof lq;
  const which = process.argv[3] ?? "quicknet";
  const rounds = Number(process.argv[4] ?? 40);
  const threads = Number(process.argv[5] ?? 1);
  const model = (
    which === "quicknet-small" ? lq.zoo.quickNetSmall({ inputShape: [224, 224, 3] }) : lq.zoo.quickNet({ inputShape: [224, 224, 3] })
  ) as tfl.LayersModel;
  setBnStatistics(model);
  // The other build's own model (its quantizer classes), with this model's weights.
  const otherModel = (
    which === "quicknet-small" ? other.zoo.quickNetSmall({ inputShape: [224, 224, 3] }) : other.zoo.quickNet({ inputShape: [224, 224, 3] })
  ) as tfl.LayersModel;
  otherModel.setWeights(model.getWeights());
  const a = await other.engine.convert(otherModel, { threads });
  const b = await lq.engine.convert(model, { threads });
  const shape = [1, 224, 224, 3];
  const input = Float32Array.from({ length: 224 * 224 * 3 }, (_, i) => Math.sin(i * 0.37));
  const ya = a.predict(input, shape);
  const yb = b.predict(input, shape);
  const same = ya.length === yb.length && ya.every((v, i) => Object.is(v, yb[i]));
  for (let i = 0; i < 3; i++) {
    a.predict(input, shape);
    b.predict(input, shape);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const load0 = loadavg()[0];
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    a.predict(input, shape);
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b.predict(input, shape);
    tb.push(performance.now() - t0);
  }
  console.log(
    `${which} 224x224x3, batch 1, ${threads} thread(s), ${rounds} rounds alternately; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
  );
  console.log(`  other (${process.argv[2]}): median ${median(ta).toFixed(2)} ms, fastest ${Math.min(...ta).toFixed(2)} ms`);
  console.log(`  this build: median ${median(tb).toFixed(2)} ms, fastest ${Math.min(...tb).toFixed(2)} ms`);
  console.log(`  outputs bit-identical: ${same}`);
  a.dispose();
  b.dispose();
}

await main();
