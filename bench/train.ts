/**
 * `npm run bench:train`: time per batch-64 training step of larq's MNIST tutorial BNN on the wasm (default) or cpu
 * backend, with and without larq-ts's training kernels, and against the same architecture in float, all in one
 * process.
 *
 * Options: `--backend wasm|cpu` (default wasm), `--steps N` (timed steps per configuration with larq-ts's kernels,
 * default 12 on wasm, 5 on cpu), `--stock-steps N` (timed steps per configuration with the stock kernels, default
 * `--steps` on wasm, 3 on cpu, where one stock step takes ~50 s), `--batch N` (default 64). On cpu the float model
 * is timed with larq-ts's kernels only (its stock step is as slow as the BNN's).
 * Configurations are interleaved step by step so that load from other processes hits all of them alike.
 * Reported: median wall-clock ms and median process CPU ms per step (the second is less sensitive to a busy
 * machine, since both backends run single-threaded in Node).
 */
import os from "node:os";

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import type * as tfl from "@tensorflow/tfjs-layers";

import { registerTrainingKernels, type TrainingBackend } from "../src/training/index.js";
import { buildFloatTutorialModel, buildLarqTutorialModel, compileForTraining, median, syntheticBatch } from "./common.js";

interface Config {
  name: string;
  model: tfl.LayersModel;
  fastKernels: boolean;
  steps: number;
  wall: number[];
  cpu: number[];
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`Invalid --${name}: expected a positive integer, received ${JSON.stringify(process.argv[i + 1])}.`);
  }
  return value;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function backendOption(): TrainingBackend {
  const i = process.argv.indexOf("--backend");
  if (i < 0) return "wasm";
  const value = process.argv[i + 1];
  if (value !== "wasm" && value !== "cpu") {
    throw new Error(`Invalid --backend: expected "wasm" or "cpu", received ${JSON.stringify(value)}.`);
  }
  return value;
}

async function main(): Promise<void> {
  const backend = backendOption();
  const steps = option("steps", backend === "cpu" ? 5 : 12);
  const stockSteps = option("stock-steps", backend === "cpu" ? 3 : steps);
  const batchSize = option("batch", 64);
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`Invalid --backend: ${backend} failed to initialise.`);
  await tf.ready();

  const bnn = await buildLarqTutorialModel(true);
  let bnnModel: tfl.LayersModel;
  let bnnNote = "larq-ts QuantConv2D/QuantDense, kernel ste_sign + weight_clip, BN(scale: false)";
  if (typeof bnn === "string") {
    bnnNote = `larq-ts layers unavailable (${bnn}); timing the float model in the BNN's place`;
    bnnModel = buildFloatTutorialModel();
  } else {
    bnnModel = bnn;
  }
  const floatModel = buildFloatTutorialModel();
  compileForTraining(bnnModel);
  compileForTraining(floatModel);
  const batch = syntheticBatch(batchSize);

  const configs: Config[] = [
    { name: "BNN, larq-ts kernels", model: bnnModel, fastKernels: true, steps, wall: [], cpu: [] },
    { name: `BNN, stock tfjs-${backend} kernels*`, model: bnnModel, fastKernels: false, steps: stockSteps, wall: [], cpu: [] },
    { name: "float, larq-ts kernels", model: floatModel, fastKernels: true, steps, wall: [], cpu: [] },
  ];
  if (backend === "wasm") {
    configs.push({ name: "float, stock tfjs-wasm kernels*", model: floatModel, fastKernels: false, steps: stockSteps, wall: [], cpu: [] });
  }
  const step = async (c: Config): Promise<void> => {
    registerTrainingKernels({ replaceSlowKernels: c.fastKernels, backends: [backend] });
    const w0 = performance.now();
    const c0 = cpuMs();
    await c.model.trainOnBatch(batch.x, batch.y);
    c.cpu.push(cpuMs() - c0);
    c.wall.push(performance.now() - w0);
  };
  // Warm-up (XNNPACK setup, JIT); a stock cpu step is slow enough not to need one.
  for (const c of configs) for (let i = 0; i < (backend === "cpu" && !c.fastKernels ? 0 : 2); i++) await step(c);
  for (const c of configs) {
    c.wall.length = 0;
    c.cpu.length = 0;
  }
  const load = os.loadavg()[0];
  for (let i = 0; i < Math.max(steps, stockSteps); i++) for (const c of configs) if (i < c.steps) await step(c);
  registerTrainingKernels({ backends: [backend] });

  const row = (label: string, wall: string, cpu: string) => `${label.padEnd(34)}${wall.padStart(12)}${cpu.padStart(12)}`;
  const wallOf = (c: Config) => median(c.wall);
  const cpuOf = (c: Config) => median(c.cpu);
  const [fast, stock, floatFast] = configs;
  console.log(
    `larq-ts training benchmark: tfjs-backend-${backend} ${tf.version_core}, batch ${batchSize}, ` +
      `${steps} timed steps with larq-ts kernels, ${stockSteps} with stock kernels`,
  );
  console.log(`BNN: ${bnnNote}`);
  console.log(`1-minute load average at start: ${load.toFixed(2)} on ${os.cpus().length} CPUs\n`);
  console.log(row("median ms per training step", "wall", "cpu"));
  for (const c of configs) console.log(row(c.name, wallOf(c).toFixed(1), cpuOf(c).toFixed(1)));
  console.log(
    backend === "wasm"
      ? "* stock = tfjs-wasm's own Conv2DBackpropInput and MaxPoolGrad; the kernels it lacks are larq-ts's.\n"
      : "* stock = tfjs-cpu's own Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter and MaxPoolGrad.\n",
  );
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(row("speed-up from larq-ts kernels", `${ratio(wallOf(stock), wallOf(fast))}x`, `${ratio(cpuOf(stock), cpuOf(fast))}x`));
  console.log(row("BNN / float (target <= 1.3)", `${ratio(wallOf(fast), wallOf(floatFast))}x`, `${ratio(cpuOf(fast), cpuOf(floatFast))}x`));
  if (backend === "wasm") {
    console.log(row("BNN step vs 120 ms target", `${ratio(wallOf(fast), 120)}x`, `${ratio(cpuOf(fast), 120)}x`));
  }
  const epochSeconds = (ms: number) => ((ms * Math.ceil(8000 / batchSize)) / 1000).toFixed(1);
  console.log(row("8,000-digit epoch (s)", epochSeconds(wallOf(fast)), epochSeconds(cpuOf(fast))));
  tf.dispose([batch.x, batch.y]);
  bnnModel.dispose();
  floatModel.dispose();
}

await main();
