/**
 * Save → load round trips (file:// and tf.io.withSaveHandler → tf.io.fromMemory) of one functional
 * model that uses all 11 quantized layers.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { assertClose, useBackend, seededValues as values } from "../helpers.js";

const binary = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" } as const;

const ALL_LAYERS = [
  "QuantDense",
  "QuantConv1D",
  "QuantConv2D",
  "QuantConv3D",
  "QuantDepthwiseConv2D",
  "QuantSeparableConv1D",
  "QuantSeparableConv2D",
  "QuantConv2DTranspose",
  "QuantConv3DTranspose",
  "QuantLocallyConnected1D",
  "QuantLocallyConnected2D",
];

function buildModel(): tfl.LayersModel {
  const L = lq.layers;
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor) => layer.apply(x) as tfl.SymbolicTensor;
  // 2D branch, channels-last and channels-first.
  const image = tfl.input({ shape: [9, 9, 2], name: "image" });
  let a = apply(L.quantConv2d({ filters: 4, kernelSize: 3, padding: "same", padValues: 1, ...binary }), image);
  a = apply(
    L.quantDepthwiseConv2d({
      kernelSize: 3,
      depthMultiplier: 2,
      padding: "same",
      padValues: -1,
      inputQuantizer: "ste_sign",
      depthwiseQuantizer: new lq.quantizers.SteSign({ clipValue: 1.25 }),
      depthwiseConstraint: "weight_clip",
    }),
    a,
  );
  a = apply(
    L.quantSeparableConv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      inputQuantizer: "ste_sign",
      depthwiseQuantizer: "ste_sign",
      pointwiseQuantizer: "ste_sign",
      depthwiseConstraint: "weight_clip",
      pointwiseConstraint: "weight_clip",
    }),
    a,
  );
  a = apply(L.quantConv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, ...binary }), a);
  a = apply(L.quantLocallyConnected2d({ filters: 2, kernelSize: [3, 2], strides: [2, 1], dataFormat: "channelsFirst", ...binary }), a);
  a = apply(tfl.layers.flatten(), a);
  // 1D branch.
  const sequence = tfl.input({ shape: [11, 3], name: "sequence" });
  let b = apply(L.quantConv1d({ filters: 4, kernelSize: 3, padding: "causal", ...binary }), sequence);
  b = apply(
    L.quantSeparableConv1d({
      filters: 3,
      kernelSize: 3,
      padding: "same",
      padValues: 1,
      dilationRate: 2,
      depthMultiplier: 2,
      inputQuantizer: "ste_sign",
      depthwiseQuantizer: "ste_sign",
      pointwiseQuantizer: "ste_sign",
      depthwiseConstraint: "weight_clip",
      pointwiseConstraint: "weight_clip",
    }),
    b,
  );
  b = apply(L.quantLocallyConnected1d({ filters: 2, kernelSize: 3, strides: 2, implementation: 2, padding: "same", ...binary }), b);
  b = apply(L.quantLocallyConnected1d({ filters: 2, kernelSize: 2, implementation: 1, ...binary }), b);
  b = apply(tfl.layers.flatten(), b);
  // 3D branch.
  const volume = tfl.input({ shape: [4, 4, 4, 1], name: "volume" });
  let c = apply(L.quantConv3d({ filters: 2, kernelSize: 2, ...binary }), volume);
  c = apply(L.quantConv3dTranspose({ filters: 2, kernelSize: 2, strides: 1, ...binary }), c);
  c = apply(tfl.layers.flatten(), c);
  const merged = tfl.layers.concatenate().apply([a, b, c]) as tfl.SymbolicTensor;
  const out = apply(L.quantDense({ units: 5, activation: "softmax", ...binary }), merged);
  const model = tfl.model({ inputs: [image, sequence, volume], outputs: out, name: "all_layers" });
  // Deterministic, non-zero weights (biases included).
  model.setWeights(
    model.weights.map((w, i) =>
      tf.tensor(
        values(
          (w.shape as number[]).reduce((x, y) => x * y, 1),
          100 + i,
        ),
        w.shape as number[],
      ),
    ),
  );
  return model;
}

function inputs(): tf.Tensor[] {
  return [
    tf.tensor(values(2 * 9 * 9 * 2, 1, -2, 2), [2, 9, 9, 2]),
    tf.tensor(values(2 * 11 * 3, 2, -2, 2), [2, 11, 3]),
    tf.tensor(values(2 * 4 * 4 * 4, 3, -2, 2), [2, 4, 4, 4, 1]),
  ];
}

function classNames(model: tfl.LayersModel): string[] {
  return [...new Set(model.layers.map((l) => l.getClassName()))];
}

describe("save → load round trip of a model with all 11 quantized layers", () => {
  let dir = "";
  before(async () => {
    await useBackend("cpu");
    dir = await mkdtemp(join(tmpdir(), "lq-save-load-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the model uses every layer of the spec", () => {
    const model = buildModel();
    const names = classNames(model);
    for (const name of ALL_LAYERS) assert.ok(names.includes(name), `missing ${name}`);
    model.dispose();
  });

  it("file://: identical predictions and configs; larq class names and snake_case keys on disk", async () => {
    const model = buildModel();
    const target = join(dir, "all");
    await model.save(`file://${target}`);
    const text = await readFile(join(target, "model.json"), "utf8");
    const json = JSON.parse(text);
    const layerClasses = json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name);
    for (const name of ALL_LAYERS) assert.ok(layerClasses.includes(name), `${name} not in model.json`);
    for (const key of [
      '"input_quantizer"',
      '"kernel_quantizer"',
      '"depthwise_quantizer"',
      '"pointwise_quantizer"',
      '"pad_values"',
      '"depth_multiplier"',
      '"implementation"',
      '"kernel_constraint"',
      '"clip_value"',
    ]) {
      assert.ok(text.includes(key), `${key} missing from model.json`);
    }
    const names = json.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    for (const [layer, weight] of [
      ["quant_locally_connected2d", "kernel"],
      ["quant_separable_conv1d", "depthwise_kernel"],
      ["quant_separable_conv1d", "pointwise_kernel"],
      ["quant_locally_connected1d", "bias"],
    ]) {
      const pattern = new RegExp(`^${layer}(_\\d+)?/${weight}$`);
      assert.ok(
        names.some((n: string) => pattern.test(n)),
        `${layer}/${weight} missing from the weights manifest`,
      );
    }

    const loaded = await tfl.loadLayersModel(`file://${target}/model.json`);
    const xs = inputs();
    const expected = model.predict(xs) as tf.Tensor;
    const actual = loaded.predict(xs) as tf.Tensor;
    assertClose(actual, expected, 0);
    assert.deepEqual(JSON.parse(JSON.stringify(loaded.getConfig())), JSON.parse(JSON.stringify(model.getConfig())));
    assert.deepEqual(classNames(loaded), classNames(model));
    // The latent weights come back unchanged as well.
    const [w0, w1] = [model.getWeights(), loaded.getWeights()];
    w0.forEach((w, i) => assertClose(w1[i], w, 0, `weight ${i}`));
    tf.dispose([...xs, expected, actual]);
    model.dispose();
    loaded.dispose();
  });

  it("tf.io.withSaveHandler → tf.io.fromMemory: identical predictions and configs", async () => {
    const model = buildModel();
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    assert.ok(artifacts !== null);
    lqi.io.checkModelArtifacts(artifacts!, "memory");
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const xs = inputs();
    const expected = model.predict(xs) as tf.Tensor;
    assertClose(loaded.predict(xs) as tf.Tensor, expected, 0);
    assert.deepEqual(JSON.parse(JSON.stringify(loaded.getConfig())), JSON.parse(JSON.stringify(model.getConfig())));
    // The loaded layers are larq-ts layers with their quantizers.
    const lc2 = loaded.layers.find((l) => l.getClassName() === "QuantLocallyConnected2D") as lq.layers.QuantLocallyConnected2D;
    assert.ok(lc2.kernelQuantizer !== null && lc2.inputQuantizer !== null);
    assert.equal(lc2.implementation, 1);
    const sep1 = loaded.layers.find((l) => l.getClassName() === "QuantSeparableConv1D") as lq.layers.QuantSeparableConv1D;
    assert.equal(sep1.padValues, 1);
    assert.equal(sep1.depthMultiplier, 2);
    tf.dispose([...xs, expected]);
    model.dispose();
    loaded.dispose();
  });

  it("a bad quantizer config in a saved model gives a clear error and no leaked tensors", async () => {
    const model = buildModel();
    const target = join(dir, "bad");
    await model.save(`file://${target}`);
    model.dispose();
    const file = join(target, "model.json");
    const json = JSON.parse(await readFile(file, "utf8"));
    const layer = json.modelTopology.config.layers.find((l: { class_name: string }) => l.class_name === "QuantLocallyConnected1D");
    layer.config.kernel_quantizer = { class_name: "SteSign", config: { clip_value: "one" } };
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, JSON.stringify(json));
    const before = tf.memory().numTensors;
    await assert.rejects(
      tfl.loadLayersModel(`file://${file}`),
      /layer "quant_locally_connected1d(_\d+)?" \(QuantLocallyConnected1D\) has an invalid kernel_quantizer: Invalid clipValue.*"one"/,
    );
    assert.equal(tf.memory().numTensors, before);
  });
});
