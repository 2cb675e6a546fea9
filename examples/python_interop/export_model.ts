/**
 * The larq-ts → Python direction: builds a small network with several larq-ts layer kinds, trains it for a
 * few steps on the bundled digits, saves it with `model.save` (tfjs layers format) and writes the inputs,
 * predictions and `lq.models.summary` that Python larq must reproduce after
 * `tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras`
 * (python/check_reverse.py does that).
 *
 * Usage: node build/examples/python_interop/export_model.js OUT_DIR [--steps N]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-wasm";

import * as lq from "../../src/index.js";
import { loadMnist } from "../data/mnist.js";

/** A network that exercises the quantized layers whose Keras configs differ most (conv, depthwise, separable, dense). */
export function buildExportModel(): tfl.Sequential {
  const binary = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" } as const;
  return tfl.sequential({
    name: "larq_ts_export",
    layers: [
      lq.layers.quantConv2d({
        filters: 8,
        kernelSize: 3,
        kernelQuantizer: "ste_sign",
        kernelConstraint: "weight_clip",
        useBias: false,
        inputShape: [28, 28, 1],
        name: "conv_in",
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: "pool_1" }),
      tfl.layers.batchNormalization({ scale: false, name: "bn_1" }),
      lq.layers.quantDepthwiseConv2d({
        kernelSize: 3,
        padding: "same",
        padValues: 1,
        inputQuantizer: "ste_sign",
        depthwiseQuantizer: "ste_sign",
        depthwiseConstraint: "weight_clip",
        useBias: false,
        name: "depthwise",
      }),
      tfl.layers.batchNormalization({ scale: false, name: "bn_2" }),
      lq.layers.quantSeparableConv2d({
        filters: 16,
        kernelSize: 3,
        strides: 2,
        inputQuantizer: "ste_sign",
        depthwiseQuantizer: "ste_sign",
        pointwiseQuantizer: "ste_sign",
        depthwiseConstraint: "weight_clip",
        pointwiseConstraint: "weight_clip",
        name: "separable",
      }),
      tfl.layers.batchNormalization({ scale: false, name: "bn_3" }),
      lq.layers.quantConv2d({ filters: 16, kernelSize: 3, ...binary, useBias: false, name: "conv_binary" }),
      tfl.layers.batchNormalization({ scale: false, name: "bn_4" }),
      tfl.layers.flatten({ name: "flatten" }),
      lq.layers.quantDense({
        units: 10,
        inputQuantizer: lq.quantizers.get({ class_name: "SteSign", config: { clip_value: 1.25 } }),
        kernelQuantizer: "ste_tern",
        kernelConstraint: "weight_clip",
        name: "dense_out",
      }),
      tfl.layers.batchNormalization({ scale: false, name: "bn_out" }),
      tfl.layers.activation({ activation: "softmax", name: "softmax" }),
    ],
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args[0];
  if (out === undefined || out.startsWith("--")) throw new Error("Usage: export_model.js OUT_DIR [--steps N]");
  const stepsAt = args.indexOf("--steps");
  const steps = stepsAt >= 0 ? Number(args[stepsAt + 1]) : 20;
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`Invalid --steps: expected a non-negative integer, received ${args[stepsAt + 1]}.`);
  await tf.setBackend("wasm");
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });

  const model = buildExportModel();
  model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  const { train, test } = loadMnist();
  const bs = 64;
  for (let step = 0; step < steps; step++) {
    const x = tf.tensor4d(train.images.subarray(step * bs * 784, (step + 1) * bs * 784), [bs, 28, 28, 1]);
    const labels = tf.tensor1d(train.labels.subarray(step * bs, (step + 1) * bs), "int32");
    const y = tf.oneHot(labels, 10);
    await model.trainOnBatch(x, y);
    tf.dispose([x, labels, y]);
  }
  await model.save(`file://${join(dir, "tfjs")}`);

  const n = 16;
  const x = tf.tensor4d(test.images.subarray(0, n * 784), [n, 28, 28, 1]);
  const y = model.predict(x) as tf.Tensor;
  const lines: string[] = [];
  lq.models.summary(model, { printFn: (t) => lines.push(t) });
  writeFileSync(
    join(dir, "expected.json"),
    JSON.stringify({
      x_shape: x.shape,
      x: Array.from(x.dataSync()),
      y_shape: y.shape,
      y: Array.from(y.dataSync()),
      summary: lines.join("\n"),
    }),
  );
  tf.dispose([x, y]);
  console.log(`saved ${join(dir, "tfjs", "model.json")} after ${steps} training steps`);
}

await main();
