/**
 * Whole-model part of `npm run bench:engine`: the MNIST demo BNN, QuickNet-small and QuickNet at 224x224, batch 1, single
 * thread: `EngineModel.predict` (Float32Array in and out) vs the same model's `predict` on tfjs-backend-wasm
 * (output read back), timed alternately, medians.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { buildTutorialBnn } from "../examples/tutorial_bnn.js";
import * as lq from "../src/index.js";
import { median } from "../src/utils/timing.js";

/** Gives BN layers non-trivial moving statistics (deterministic), so that thresholds are not all zero. */
export function setBnStatistics(model: tfl.LayersModel): void {
  let seed = 7;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (const layer of model.layers) {
    if (layer.getClassName() !== "BatchNormalization") continue;
    const values = layer.getWeights().map((w, i) => {
      const name = layer.weights[i].name;
      const a = Float32Array.from({ length: w.size }, () =>
        /moving_variance/.test(name) ? 0.5 + 4 * rand() : /moving_mean/.test(name) ? 2 * rand() - 1 : 0.5 + rand(),
      );
      return tf.tensor(a, w.shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Benchmarks one model; returns the figures. */
export async function benchModel(
  name: string,
  model: tfl.LayersModel,
  runs: number,
): Promise<{ name: string; tfjsMs: number; engineMs: number; ratio: number; tfjsMin: number; engineMin: number }> {
  setBnStatistics(model);
  const em = await lq.engine.convert(model);
  const shape = [1, ...(model.inputs[0].shape.slice(1) as number[])];
  const n = shape.reduce((a, b) => a * b, 1);
  const input = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
  const x = tf.tensor(input, shape);
  const tfjs = (): void => {
    const y = model.predict(x) as tf.Tensor;
    y.dataSync();
    y.dispose();
  };
  const engine = (): void => {
    em.predict(input, shape);
  };
  for (let i = 0; i < 3; i++) {
    tfjs();
    engine();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    tfjs();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    engine();
    tb.push(performance.now() - t0);
  }
  x.dispose();
  em.dispose();
  const tfjsMs = median(ta);
  const engineMs = median(tb);
  return { name, tfjsMs, engineMs, ratio: tfjsMs / engineMs, tfjsMin: Math.min(...ta), engineMin: Math.min(...tb) };
}

/** Runs the whole-model benchmarks (tfjs backend must already be "wasm") and prints a table. */
export async function benchWholeModels(runs: number): Promise<void> {
  const rows = [
    await benchModel("MNIST demo BNN (28x28x1)", buildTutorialBnn(), runs * 2),
    await benchModel(
      "QuickNet-small (224x224x3)",
      lq.zoo.quickNetSmall({ inputShape: [224, 224, 3] }) as tfl.LayersModel,
      Math.max(5, Math.floor(runs / 5)),
    ),
    await benchModel(
      "QuickNet (224x224x3)",
      lq.zoo.quickNet({ inputShape: [224, 224, 3] }) as tfl.LayersModel,
      Math.max(5, Math.floor(runs / 10)),
    ),
  ];
  console.log("\nWhole models, batch 1, single thread (medians; engine: Float32Array in/out)");
  console.log("| model | tfjs-backend-wasm predict | engine predict | speed-up | fastest runs (tfjs / engine) |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.tfjsMs.toFixed(2)} ms | ${r.engineMs.toFixed(2)} ms | ${r.ratio.toFixed(1)}x | ` +
        `${r.tfjsMin.toFixed(2)} / ${r.engineMin.toFixed(2)} ms = ${(r.tfjsMin / r.engineMin).toFixed(1)}x |`,
    );
  }
}
