/**
 * larq-ts → Larq Compute Engine: trains larq's tutorial BNN for a few steps on the bundled digits, converts it to
 * the engine, writes it as a `.tflite` with LCE's ops, and saves an input batch and the engine's predictions as
 * `.npy` files, so that `python/check_lce_export.py` can run the file in LCE's interpreter and compare.
 *
 * With `--reexport FILE.tflite` it instead imports a `.tflite` written by LCE's converter and writes it back
 * (import → export: LCE's fused activations, thresholds and bitpacking must survive both ways), with 4 seeded
 * inputs of the model's input shape, the engine's outputs and the original (`original.tflite`), against which
 * python/check_lce_export.py then compares.
 *
 * Usage: node build/examples/lce_interop/export_tflite.js OUT_DIR [--steps N | --reexport FILE.tflite]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";

import { formatNpy } from "../../src/cli/npy.js";
import * as lq from "../../src/index.js";
import { loadMnist } from "../data/mnist.js";
import { buildTutorialBnn } from "../tutorial_bnn.js";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args[0];
  if (out === undefined || out.startsWith("--")) throw new Error("Usage: export_tflite.js OUT_DIR [--steps N]");
  const at = args.indexOf("--steps");
  const steps = at >= 0 ? Number(args[at + 1]) : 30;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`Invalid --steps: expected a non-negative integer, received ${args[at + 1]}.`);
  await tf.setBackend("wasm");
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const re = args.indexOf("--reexport");
  if (re >= 0) return reexport(args[re + 1], dir);
  const model = buildTutorialBnn();
  model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  const { train, test } = loadMnist();
  const bs = 64;
  for (let step = 0; step < steps; step++) {
    const at0 = (step * bs) % (train.count - bs);
    const x = tf.tensor4d(train.images.subarray(at0 * 784, (at0 + bs) * 784), [bs, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(train.labels.subarray(at0, at0 + bs), "int32"), 10);
    await model.trainOnBatch(x, y);
    tf.dispose([x, y]);
  }
  const engine = await lq.engine.convert(model);
  const bytes = lq.engine.exportTFLite(engine);
  writeFileSync(join(dir, "model.tflite"), bytes);
  // LCE models run at the batch they were written with (1): one file per digit.
  const per = 784;
  const xs = test.images.subarray(0, 16 * per);
  for (let i = 0; i < 16; i++) {
    const input = xs.slice(i * per, (i + 1) * per);
    const y = engine.predict(input, [1, 28, 28, 1]) as Float32Array;
    writeFileSync(join(dir, `x_${i}.npy`), formatNpy({ shape: [1, 28, 28, 1], data: input }));
    writeFileSync(join(dir, `y_${i}.npy`), formatNpy({ shape: [1, y.length], data: y }));
  }
  const ops = new Map<string, number>();
  for (const op of lq.engine.readTFLite(bytes).operators) ops.set(op.opcode, (ops.get(op.opcode) ?? 0) + 1);
  console.log(
    `wrote ${join(dir, "model.tflite")} (${bytes.length} bytes; ${[...ops].map(([k, v]) => `${k} ${v}`).join(", ")}) and 16 inputs with the engine's outputs`,
  );
  engine.dispose();
  model.dispose();
}

/** Imports an LCE-converted `.tflite`, exports it again into `dir` with seeded inputs and the engine's outputs. */
async function reexport(file: string | undefined, dir: string): Promise<void> {
  if (!file) throw new Error("Usage: export_tflite.js OUT_DIR --reexport FILE.tflite");
  const original = new Uint8Array(readFileSync(file));
  const engine = await lq.engine.fromTFLite(original);
  const bytes = lq.engine.exportTFLite(engine);
  writeFileSync(join(dir, "model.tflite"), bytes);
  // check_lce_export.py then compares LCE on the re-export with LCE on the original.
  writeFileSync(join(dir, "original.tflite"), original);
  const shape = [1, ...engine.inputShape];
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < 4; i++) {
    let s = 1234 + i;
    const input = Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 4 - 2);
    const y = engine.predict(input, shape) as Float32Array;
    writeFileSync(join(dir, `x_${i}.npy`), formatNpy({ shape, data: input }));
    writeFileSync(join(dir, `y_${i}.npy`), formatNpy({ shape: [1, y.length], data: y }));
  }
  console.log(`re-exported ${file} → ${join(dir, "model.tflite")} (${bytes.length} bytes) with 4 inputs and the engine's outputs`);
  engine.dispose();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
