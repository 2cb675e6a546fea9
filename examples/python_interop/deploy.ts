/**
 * Deploy a BNN trained at scale in Python larq (python/train_at_scale.py) with larq-ts: load the converted
 * model, print larq's summary, check its accuracy on the held-out digits against the Python figure, convert it
 * to the bitpacked engine and check that the engine predicts the same digits.
 *
 * Usage: node build/examples/python_interop/deploy.js DIR   (DIR as written by train_at_scale.py)
 * Exits non-zero when larq-ts disagrees with Python on more than 0.1% of the held-out digits (float32 sums
 * in another order can move a digit whose two top scores tie within rounding), or the engine with tfjs.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-wasm";

import * as lq from "../../src/index.js";
import { loadMnist } from "../data/mnist.js";

interface PythonResult {
  accuracy: number;
  correct: number;
  count: number;
  predicted: number[];
  replicas: number;
  summary: string;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (dir === undefined) throw new Error("Usage: deploy.js DIR (the output folder of python/train_at_scale.py)");
  await tf.setBackend("wasm");
  const python = JSON.parse(readFileSync(join(resolve(dir), "python_result.json"), "utf8")) as PythonResult;
  const model = await tfl.loadLayersModel(`file://${join(resolve(dir), "tfjs", "model.json")}`);
  const lines: string[] = [];
  lq.models.summary(model, { printFn: (t) => lines.push(t) });
  console.log(lines.join("\n"));
  const tidy = (t: string) =>
    t
      .trimEnd()
      .split("\n")
      .map((l) => l.trimEnd());
  const summaryEqual = JSON.stringify(tidy(lines.join("\n"))) === JSON.stringify(tidy(python.summary));
  console.log(
    `larq summary: ${summaryEqual ? "equal to Python larq's, line for line" : "DIFFERENT from Python larq's:\n" + python.summary}`,
  );

  const { test } = loadMnist();
  if (test.count !== python.count) throw new Error(`The held-out split has ${test.count} digits, Python used ${python.count}.`);
  const x = tf.tensor4d(test.images, [test.count, 28, 28, 1]);
  const scores = model.predict(x) as tf.Tensor;
  const predicted = tf.tidy(() => tf.argMax(scores, 1).dataSync());
  let correct = 0;
  let disagree = 0;
  for (let i = 0; i < test.count; i++) {
    if (predicted[i] === test.labels[i]) correct++;
    if (predicted[i] !== python.predicted[i]) disagree++;
  }
  console.log(
    `held-out accuracy: larq-ts ${((100 * correct) / test.count).toFixed(2)}%, Python larq ${(100 * python.accuracy).toFixed(2)}% ` +
      `(trained over ${python.replicas} replicas); ${disagree} of ${test.count} predictions differ`,
  );

  const engine = await lq.engine.convert(model);
  const engineScores = engine.predict(x);
  const enginePredicted = tf.tidy(() => tf.argMax(engineScores, 1).dataSync());
  let engineDiffer = 0;
  for (let i = 0; i < test.count; i++) if (enginePredicted[i] !== predicted[i]) engineDiffer++;
  console.log(`engine: ${engine.save().byteLength} bytes, ${test.count - engineDiffer}/${test.count} predictions equal to tfjs`);
  tf.dispose([x, scores, engineScores]);
  engine.dispose();
  model.dispose();
  if (!summaryEqual) throw new Error("larq-ts's summary differs from Python larq's.");
  if (disagree > 0.001 * test.count) throw new Error(`larq-ts and Python larq disagree on ${disagree} digits (more than 0.1%).`);
  if (engineDiffer > 0) throw new Error(`the engine disagrees with tfjs on ${engineDiffer} digits.`);
}

await main();
