/**
 * lq.models.summary / profile against larq's published snapshots and larq's own per-layer
 * expectations (larq `models_test.py`), plus hand-computed figures for a nested model.
 *
 * Layers are given the names Keras gives them, so outputs compare character for character.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { quantConv1d, quantConv2d, quantDepthwiseConv2d, quantSeparableConv1d, quantSeparableConv2d } from "../../src/layers/index.js";
import { isNestedModel, NOT_BUILT_MESSAGE, profile, summary, type ModelLike } from "../../src/models/index.js";
import { SteTern, steSign } from "../../src/quantizers/index.js";
import { assertNoTensorLeak, useBackend } from "../helpers.js";
import {
  SNAP_FUNCTIONAL,
  SNAP_NESTED_FUNCTIONAL,
  SNAP_NESTED_FUNCTIONAL_FROZEN_BLOCK,
  SNAP_SUBCLASS,
  SNAP_SUBMODEL,
  SNAP_SUMMARY_2,
  SNAP_SUMMARY_1,
} from "./snapshots.js";

/** Captures what summary prints, as Python's print would write it to stdout. */
function captured(model: unknown, options: { includeMacs?: boolean } = {}): string {
  const out: string[] = [];
  summary(model, { ...options, printFn: (text) => out.push(text) });
  return out.map((text) => `${text}\n`).join("");
}

/** A weightless layer standing in for Keras' Lambda / TF-op layers (tfjs has neither). */
class OpLayer extends tfl.layers.Layer {
  static className = "Lambda";
  constructor(
    args: { name: string; inputShape?: number[] },
    private readonly outShape: (s: (number | null)[]) => (number | null)[],
    private readonly fn: (x: tf.Tensor) => tf.Tensor,
  ) {
    super(args);
  }
  override computeOutputShape(inputShape: (number | null)[]): (number | null)[] {
    return this.outShape(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.fn(Array.isArray(inputs) ? inputs[0] : inputs);
  }
}

/** A layer whose weights are marked quantized the way larq-ts layers mark them (duck typing). */
function markQuantized<L extends tfl.layers.Layer>(layer: L, inputQuantizer: unknown, bits: Record<string, number>): L {
  (layer as unknown as { inputQuantizer: unknown }).inputQuantizer = inputQuantizer;
  for (const w of layer.weights) {
    const key = w.originalName.split("/").pop()!;
    if (key in bits) (w as unknown as { precision: number }).precision = bits[key];
  }
  return layer;
}

/**
 * larq's `get_profile_model()`, with tfjs float layers marked as quantized through the public
 * layer contract (`inputQuantizer`, weight `precision`), and the larq-ts QuantConv2D.
 */
function profileModelFromContract(): tfl.Sequential {
  const model = tfl.sequential({ name: "sequential" });
  model.add(
    quantConv2d({
      filters: 32,
      kernelSize: [3, 3],
      kernelQuantizer: "ste_sign",
      inputShape: [64, 64, 1],
      padding: "same",
      name: "quant_conv2d",
    }),
  );
  model.add(tfl.layers.maxPooling2d({ poolSize: [2, 2], name: "max_pooling2d" }));
  const depthwise = tfl.layers.depthwiseConv2d({
    kernelSize: 3,
    strides: [3, 3],
    padding: "same",
    useBias: false,
    name: "quant_depthwise_conv2d",
  });
  model.add(depthwise);
  markQuantized(depthwise, new SteTern(), { depthwise_kernel: 2 });
  model.add(tfl.layers.batchNormalization({ scale: false, name: "batch_normalization" }));
  const separable = tfl.layers.separableConv2d({ filters: 32, kernelSize: [3, 3], padding: "same", name: "quant_separable_conv2d" });
  model.add(separable);
  markQuantized(separable, steSign, { depthwise_kernel: 1, pointwise_kernel: 1 });
  model.add(tfl.layers.flatten({ name: "flatten" }));
  model.add(tfl.layers.dense({ units: 10, trainable: false, name: "dense" }));
  return model;
}

/**
 * The layers of larq's `get_profile_model()` built from the larq-ts quantized layers, named as Keras
 * names them (`suffix` is Keras's counter, e.g. `"_2"` for the third model of a session).
 */
function profileModelLayers(suffix = "", depthwiseInputShape?: number[]): tfl.layers.Layer[] {
  return [
    quantConv2d({
      filters: 32,
      kernelSize: [3, 3],
      kernelQuantizer: "ste_sign",
      inputShape: [64, 64, 1],
      padding: "same",
      name: `quant_conv2d${suffix}`,
    }),
    tfl.layers.maxPooling2d({ poolSize: [2, 2], name: `max_pooling2d${suffix}` }),
    quantDepthwiseConv2d({
      kernelSize: 3,
      strides: [3, 3],
      inputQuantizer: new SteTern(),
      depthwiseQuantizer: new SteTern(),
      padding: "same",
      padValues: 1.0,
      useBias: false,
      inputShape: depthwiseInputShape,
      name: `quant_depthwise_conv2d${suffix}`,
    }),
    tfl.layers.batchNormalization({ scale: false, name: `batch_normalization${suffix}` }),
    quantSeparableConv2d({
      filters: 32,
      kernelSize: [3, 3],
      inputQuantizer: "ste_sign",
      depthwiseQuantizer: "ste_sign",
      pointwiseQuantizer: "ste_sign",
      padding: "same",
      name: `quant_separable_conv2d${suffix}`,
    }),
    tfl.layers.flatten({ name: `flatten${suffix}` }),
    tfl.layers.dense({ units: 10, trainable: false, name: `dense${suffix}` }),
  ];
}

/** larq's `get_profile_model()` built from the larq-ts quantized layers, with Keras' layer names. */
function profileModel(): tfl.Sequential {
  return tfl.sequential({ name: "sequential", layers: profileModelLayers() });
}

/**
 * larq's `get_submodel_profile_model()`: the profile model with layers 2–4 in a nested Sequential
 * (tfjs needs the nested model's input shape given on its first layer).
 */
function submodelProfileModel(): tfl.Sequential {
  const layers = profileModelLayers("_2", [32, 32, 32]);
  const submodel = tfl.sequential({ name: "sequential_5", layers: layers.slice(2, 5) });
  return tfl.sequential({ name: "sequential_6", layers: [...layers.slice(0, 2), submodel, ...layers.slice(5)] });
}

before(async () => {
  await useBackend("cpu");
});

describe("summary: larq snapshots", () => {
  it("test_summary 1: larq's profile model built from the larq-ts layers", () => {
    assert.equal(captured(profileModel()), SNAP_SUMMARY_1);
  });

  it("test_summary 1 again, with tfjs float layers marked quantized through the layer contract", () => {
    assert.equal(captured(profileModelFromContract()), SNAP_SUMMARY_1);
  });

  it("test_summary 2: a model whose only layer has no weights (Lambda stand-in)", () => {
    const model = tfl.sequential({ name: "sequential_1" });
    model.add(
      new OpLayer(
        { name: "lambda", inputShape: [32, 32] },
        () => [2],
        () => tf.zeros([2]),
      ),
    );
    assert.equal(captured(model), SNAP_SUMMARY_2);
  });

  it("test_subclass_model_summary: layers called eagerly have no output shape ('multiple')", () => {
    const conv = quantConv2d({ filters: 32, kernelSize: [3, 3], kernelQuantizer: "ste_sign", padding: "same", name: "quant_conv2d" });
    const pool = tfl.layers.globalAveragePooling2d({ name: "global_average_pooling2d" });
    const dense = tfl.layers.dense({ units: 10, activation: "softmax", name: "dense" });
    tf.tidy(() => {
      dense.apply(pool.apply(conv.apply(tf.zeros([1, 32, 32, 3]))));
    });
    const toyModel: ModelLike = { name: "toy_model", built: true, layers: [conv, pool, dense] };
    assert.equal(captured(toyModel), SNAP_SUBCLASS);
  });

  it("test_functional_model_summary: input layer and op layers count '?' MACs", () => {
    const input = tfl.input({ shape: [32, 32, 3], name: "input_1" });
    const x = quantConv2d({ filters: 32, kernelSize: [3, 3], kernelQuantizer: "ste_sign", padding: "same", name: "quant_conv2d" }).apply(
      input,
    );
    const mul = new OpLayer(
      { name: "tf_op_layer_Mul" },
      (s) => s,
      (t) => tf.mul(t, 2),
    );
    const model = tfl.model({ inputs: input, outputs: mul.apply(x) as tfl.SymbolicTensor, name: "model" });
    assert.equal(captured(model), SNAP_FUNCTIONAL);
  });
});

describe("profile: larq's test_layer_profile expectations", () => {
  it("per-layer counts, memory, precisions and MACs", () => {
    const p = profile(profileModel());
    assert.equal(p.layers.length, 7);
    const kernel = [32 * 3 * 3 * 1, 0, 32 * 3 * 3, 0, 32 * 3 * 3 * 1 + 32 * 1 * 1 * 32, 0, 32 * 11 * 11 * 10];
    const bias = [32, 0, 0, 64, 32, 0, 10];
    const memory = [
      1 * (32 * 3 * 3 * 1) + 32 * 32,
      0,
      2 * (32 * 3 * 3),
      32 * (2 * 32),
      1 * (32 * 3 * 3 * 1 + 32 * 1 * 1 * 32) + 32 * 32,
      0,
      32 * (32 * 11 * 11 * 10 + 10),
    ];
    const int8 = [
      1 * (32 * 3 * 3 * 1) + 8 * 32,
      0,
      2 * (32 * 3 * 3),
      8 * (32 * 2),
      1 * (32 * 3 * 3 * 1 + 32 * 1 * 1 * 32) + 8 * 32,
      0,
      8 * (32 * 11 * 11 * 10 + 10),
    ];
    const inputPrecision = [null, null, 2, null, 1, null, null];
    const outputShape = [
      [-1, 64, 64, 32],
      [-1, 32, 32, 32],
      [-1, 11, 11, 32],
      [-1, 11, 11, 32],
      [-1, 11, 11, 32],
      [-1, 11 * 11 * 32],
      [-1, 10],
    ];
    const pixels = outputShape.map((s) => s.slice(1, -1).reduce((a, b) => a * b, 1));
    const bitwidths = [[1, 32], [], [2], [32], [1, 32], [], [32]];
    const opPrecisions = [[32], [], [2], [], [1], [], [32]];
    p.layers.forEach((l, i) => {
      const params = kernel[i] + bias[i];
      assert.equal(l.inputPrecision, inputPrecision[i], `input precision ${i}`);
      assert.deepEqual(l.outputShape, outputShape[i], `output shape ${i}`);
      assert.equal(l.outputPixels, pixels[i], `pixels ${i}`);
      assert.equal(l.weightCount, params, `weights ${i}`);
      assert.deepEqual(l.paramBitwidths, bitwidths[i], `bit widths ${i}`);
      assert.deepEqual(l.macPrecisions, opPrecisions[i], `op precisions ${i}`);
      assert.equal(l.memoryBits, memory[i], `memory ${i}`);
      assert.equal(l.fpEquivalentMemoryBits, 32 * params, `fp memory ${i}`);
      assert.equal(l.int8FpWeightsMemoryBits, int8[i], `int8 memory ${i}`);
      assert.equal(l.countMacs(), kernel[i] * pixels[i], `macs ${i}`);
      const binary = bitwidths[i].includes(1) && inputPrecision[i] === 1 ? kernel[i] * pixels[i] : 0;
      assert.equal(l.countMacs(1), binary, `binary macs ${i}`);
    });
    const t = p.totals;
    assert.equal(t.totalParams, 40746);
    assert.equal(t.trainableParams, 1952);
    assert.equal(t.nonTrainableParams, 38794);
    assert.deepEqual(t.paramsByBitwidth, { 1: 1600, 2: 288, 32: 38858 });
    assert.deepEqual(t.macsByPrecision, { 1: 158752, 2: 34848, 32: 1218368 });
    assert.equal(t.macs, 158752 + 34848 + 1218368);
    assert.equal(t.binarizedMacRatio, 158752 / 1411968);
    assert.equal(t.ternarizedMacRatio, 34848 / 1411968);
    assert.equal(t.modelSizeBytes, (1312 + 576 + 2048 + 2336 + 32 * 38730) / 8);
    assert.equal(t.compressionRatio, t.memoryBits / (32 * 40746));
  });

  it("test_layer_profile_1d: QuantConv1D, MaxPooling1D, QuantSeparableConv1D, Flatten, Dense", () => {
    const model = tfl.sequential({
      layers: [
        quantConv1d({ filters: 32, kernelSize: 3, inputShape: [64, 6], kernelQuantizer: "ste_sign", padding: "same" }),
        tfl.layers.maxPooling1d({ poolSize: 2 }),
        quantSeparableConv1d({
          filters: 16,
          kernelSize: 3,
          inputQuantizer: "ste_sign",
          depthwiseQuantizer: "ste_sign",
          pointwiseQuantizer: "ste_sign",
          padding: "same",
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 10, trainable: false }),
      ],
    });
    const p = profile(model);
    const kernel = [32 * 3 * 6, 0, 32 * 3 + 16 * 32, 0, 16 * 32 * 10];
    const bias = [32, 0, 16, 0, 10];
    const memory = [1 * (32 * 3 * 6) + 32 * 32, 0, 1 * (32 * 3 + 16 * 32) + 32 * 16, 0, 32 * (32 * 16 * 10 + 10)];
    const int8 = [1 * (32 * 3 * 6) + 8 * 32, 0, 1 * (32 * 3 + 16 * 32) + 8 * 16, 0, 8 * (32 * 16 * 10 + 10)];
    const inputPrecision = [null, null, 1, null, null];
    const outputShape = [
      [-1, 64, 32],
      [-1, 32, 32],
      [-1, 32, 16],
      [-1, 32 * 16],
      [-1, 10],
    ];
    const pixels = outputShape.map((s) => s.slice(1, -1).reduce((a, b) => a * b, 1));
    const bitwidths = [[1, 32], [], [1, 32], [], [32]];
    const opPrecisions = [[32], [], [1], [], [32]];
    assert.equal(p.layers.length, 5);
    p.layers.forEach((l, i) => {
      assert.equal(l.inputPrecision, inputPrecision[i], `input precision ${i}`);
      assert.deepEqual(l.outputShape, outputShape[i], `output shape ${i}`);
      assert.equal(l.outputPixels, pixels[i], `pixels ${i}`);
      assert.equal(l.weightCount, kernel[i] + bias[i], `weights ${i}`);
      assert.deepEqual(l.paramBitwidths, bitwidths[i], `bit widths ${i}`);
      assert.deepEqual(l.macPrecisions, opPrecisions[i], `op precisions ${i}`);
      assert.equal(l.memoryBits, memory[i], `memory ${i}`);
      assert.equal(l.fpEquivalentMemoryBits, 32 * (kernel[i] + bias[i]), `fp memory ${i}`);
      assert.equal(l.int8FpWeightsMemoryBits, int8[i], `int8 memory ${i}`);
      assert.equal(l.countMacs(), kernel[i] * pixels[i], `macs ${i}`);
      const binary = bitwidths[i].includes(1) && inputPrecision[i] === 1 ? kernel[i] * pixels[i] : 0;
      assert.equal(l.countMacs(1), binary, `binary macs ${i}`);
    });
  });

  it("toJSON is plain data and toMarkdown renders both tables", () => {
    const p = profile(profileModelFromContract());
    const json = JSON.parse(JSON.stringify(p));
    assert.equal(json.name, "sequential");
    assert.equal(json.layers[2].inputPrecision, 2);
    assert.equal(json.layers[0].macCount, 1179648);
    assert.equal(json.layers[1].macCount, 0);
    assert.deepEqual(json.paramBitwidths, [1, 2, 32]);
    assert.equal(json.totals.float32EquivalentBytes, 40746 * 4);
    const md = p.toMarkdown().split("\n");
    assert.equal(md[0], "### sequential stats");
    assert.equal(
      md[2],
      "| Layer | Input prec. (bit) | Outputs | # 1-bit x 1 | # 2-bit x 1 | # 32-bit x 1 | Memory (kB) | 1-bit MACs | 2-bit MACs | 32-bit MACs |",
    );
    assert.ok(md.includes("| quant_depthwise_conv2d | 2 | (-1, 11, 11, 32) | 0 | 288 | 0 | 0.07 | 0 | 34848 | 0 |"));
    assert.ok(md.includes("| **Total** |  |  | 1600 | 288 | 38858 | 152.05 | 158752 | 34848 | 1218368 |"));
    assert.ok(md.includes("| Ratio of MACs that are ternarized | 0.0247 |"));
  });
});

/**
 * The model of SNAP_NESTED_FUNCTIONAL (see its comment in snapshots.ts): a functional model
 * nested in a functional model, a Sequential nested in that one, and a frozen nested Sequential.
 */
function nestedFunctionalModel(): { model: tfl.LayersModel; block: tfl.LayersModel } {
  const image = tfl.input({ shape: [16, 16, 3], name: "image" });
  const stem = quantConv2d({
    filters: 8,
    kernelSize: 3,
    kernelQuantizer: "ste_sign",
    kernelConstraint: "weight_clip",
    useBias: false,
    name: "stem",
  });
  const blockInput = tfl.input({ shape: [14, 14, 8], name: "block_input" });
  const blockConv = quantConv2d({
    filters: 16,
    kernelSize: 3,
    padding: "same",
    inputQuantizer: "ste_sign",
    kernelQuantizer: "ste_sign",
    useBias: false,
    name: "block_conv",
  });
  const tern = tfl.sequential({
    name: "tern_block",
    layers: [
      quantDepthwiseConv2d({
        kernelSize: 3,
        padding: "same",
        inputQuantizer: new SteTern(),
        depthwiseQuantizer: new SteTern(),
        useBias: false,
        inputShape: [14, 14, 16],
        name: "tern_dw",
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: "pool" }),
    ],
  });
  const normalized = tfl.layers.batchNormalization({ name: "block_bn" }).apply(blockConv.apply(blockInput));
  const block = tfl.model({ inputs: blockInput, outputs: tern.apply(normalized) as tfl.SymbolicTensor, name: "block" });
  const frozen = tfl.sequential({ name: "frozen_head", layers: [tfl.layers.dense({ units: 4, inputShape: [10], name: "frozen_dense" })] });
  frozen.trainable = false;
  let x = block.apply(stem.apply(image));
  x = tfl.layers.globalAveragePooling2d({ name: "gap" }).apply(x);
  x = tfl.layers.dense({ units: 10, name: "logits" }).apply(x);
  const model = tfl.model({ inputs: image, outputs: frozen.apply(x) as tfl.SymbolicTensor, name: "nested_functional" });
  return { model, block };
}

describe("summary: nested models (larq >= 0.12.2 profiles them recursively)", () => {
  it("test_submodel_summary 1: larq's profile model with three layers in a nested Sequential", () => {
    assert.equal(captured(submodelProfileModel()), SNAP_SUBMODEL);
  });

  it("test_submodel_summary: the nested row equals the layers it replaces; the totals do not change", () => {
    const flat = profile(profileModel());
    const nestedProfile = profile(submodelProfileModel());
    assert.deepEqual(
      nestedProfile.layers.map((l) => l.name),
      ["quant_conv2d_2", "max_pooling2d_2", "sequential_5", "flatten_2", "dense_2"],
    );
    const row = nestedProfile.layers[2];
    const replaced = flat.layers.slice(2, 5);
    assert.equal(row.className, "Sequential");
    assert.deepEqual(
      row.nestedLayers?.map((l) => l.name),
      ["quant_depthwise_conv2d_2", "batch_normalization_2", "quant_separable_conv2d_2"],
    );
    assert.equal(row.inputPrecision, replaced[0].inputPrecision);
    assert.equal(row.inputPrecision, 2);
    assert.deepEqual(row.outputShape, replaced[2].outputShape);
    assert.equal(row.outputPixels, replaced[2].outputPixels);
    const sum = (f: (l: (typeof replaced)[number]) => number): number => replaced.reduce((a, l) => a + f(l), 0);
    assert.equal(
      row.weightCount,
      sum((l) => l.weightCount),
    );
    assert.equal(row.weightCount, 288 + 64 + 1312 + 32);
    assert.deepEqual(
      row.paramBitwidths,
      [...new Set(replaced.flatMap((l) => l.paramBitwidths))].sort((a, b) => a - b),
    );
    assert.deepEqual(row.macPrecisions, [1, 2]);
    assert.equal(
      row.memoryBits,
      sum((l) => l.memoryBits),
    );
    assert.equal(
      row.fpEquivalentMemoryBits,
      sum((l) => l.fpEquivalentMemoryBits),
    );
    assert.equal(
      row.int8FpWeightsMemoryBits,
      sum((l) => l.int8FpWeightsMemoryBits),
    );
    assert.equal(row.countMacs(), 158752 + 34848);
    assert.equal(row.countMacs(1), 158752);
    assert.deepEqual(row.macsByPrecision, { 1: 158752, 2: 34848 });
    assert.deepEqual(nestedProfile.summaryRows(), flat.summaryRows());
    assert.deepEqual(nestedProfile.totals, flat.totals);
    const json = JSON.parse(JSON.stringify(nestedProfile));
    assert.equal(json.layers[2].nestedLayers[1].weightCount, 64);
    assert.equal(json.layers[0].nestedLayers, null);
  });

  it("a functional model inside a functional model, a Sequential two levels down and a frozen Sequential (real larq 0.14 output)", () => {
    const { model, block } = nestedFunctionalModel();
    assert.equal(captured(model), SNAP_NESTED_FUNCTIONAL);
    const row = profile(model).layers[2];
    assert.equal(row.inputPrecision, null, "a functional model's first layer is its input layer");
    assert.deepEqual(
      row.nestedLayers?.map((l) => l.name),
      ["block_input", "block_conv", "block_bn", "tern_block"],
    );
    assert.deepEqual(
      row.nestedLayers?.[3].nestedLayers?.map((l) => l.name),
      ["tern_dw", "pool"],
    );
    // Hand count: block_conv 3·3·8·16 = 1152 1-bit MACs per pixel · 14·14; tern_dw 3·3·16 = 144 · 14·14.
    assert.deepEqual(row.macsByPrecision, { 1: 1152 * 196, 2: 144 * 196 });
    block.trainable = false;
    assert.equal(captured(model), SNAP_NESTED_FUNCTIONAL_FROZEN_BLOCK);
    assert.equal(profile(model).totals.trainableParams, 216 + 170);
  });

  it("a nested model with an input-quantized first layer: hand-computed row, totals and ratio", () => {
    const inner = tfl.sequential({ name: "inner" });
    inner.add(
      quantConv2d({
        filters: 8,
        kernelSize: 3,
        inputShape: [8, 8, 2],
        inputQuantizer: "ste_sign",
        kernelQuantizer: "ste_sign",
        name: "inner_conv",
      }),
    );
    inner.add(tfl.layers.flatten({ name: "inner_flatten" }));
    const outer = tfl.sequential({ name: "outer" });
    outer.add(tfl.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [8, 8, 3], name: "stem" }));
    outer.add(inner);
    outer.add(tfl.layers.dense({ units: 4, name: "head" }));
    const p = profile(outer);
    assert.ok(isNestedModel(outer.layers[1]) && !isNestedModel(outer.layers[0]));
    assert.deepEqual(
      p.layers.map((l) => l.name),
      ["stem", "inner", "head"],
    );
    const nested = p.layers[1];
    assert.deepEqual(nested.outputShape, [-1, 6 * 6 * 8]);
    assert.equal(nested.outputShapeStr, "(-1, 288)");
    assert.equal(nested.inputPrecision, 1);
    assert.deepEqual(nested.paramsByBitwidth, { 1: 3 * 3 * 2 * 8, 32: 8 });
    // 144 binary kernel weights · 6·6 output pixels, all 1-bit (1-bit input, 1-bit kernel).
    assert.equal(nested.macCount, 144 * 36);
    assert.equal(p.layers[0].macCount, 3 * 2 * 8 * 8);
    assert.equal(p.layers[2].macCount, 288 * 4);
    const text = captured(outer);
    assert.match(text, /^\| inner +1 +\(-1, 288\) +144 +8 +0\.05 +5184 +0 \|$/m);
    assert.match(text, /^\| Total +144 +1172 +4\.60 +5184 +1536 \|$/m); // 8 + 8 + 1156 float weights
    assert.match(text, /^\| Number of MACs +6\.72 k +\|$/m);
    assert.match(text, /^\| Ratio of MACs that are binarized +0\.7714 +\|$/m); // 5184 / 6720
  });
});

describe("summary: other models and arguments", () => {
  it("includeMacs false drops the MAC rows of the summary table only (as larq does)", () => {
    const text = captured(profileModelFromContract(), { includeMacs: false });
    assert.ok(text.includes("1-bit MACs"));
    assert.ok(!text.includes("Number of MACs"));
    assert.ok(!text.includes("Ratio of MACs"));
    assert.match(text, /\| Compression Ratio of Memory {4}0\.96 {7}\|\n\+-+\+\n$/);
  });

  it("an unbuilt model throws larq's error; bad arguments are named", () => {
    assert.throws(() => summary(tfl.sequential()), { message: NOT_BUILT_MESSAGE });
    assert.throws(() => profile({ name: "m", layers: [], built: false }), /has not yet been built/);
    assert.throws(() => summary(42), /Invalid model.*42/);
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    assert.throws(() => summary(model, { printFn: "log" as unknown as (t: string) => void }), /printFn.*"log"/);
  });

  it("returns the printed text, prints to console.log by default and leaks no tensors", () => {
    const model = tfl.sequential({ name: "tiny", layers: [tfl.layers.dense({ units: 1, inputShape: [2], name: "d" })] });
    const original = console.log;
    const lines: string[] = [];
    console.log = (text: string) => lines.push(text);
    try {
      const text = summary(model);
      assert.equal(lines.join("\n"), text);
    } finally {
      console.log = original;
    }
    assertNoTensorLeak(() => summary(model, { printFn: () => {} }), 2);
  });
});
