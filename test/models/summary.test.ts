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
import { NOT_BUILT_MESSAGE, profile, summary, type ModelLike } from "../../src/models/index.js";
import { SteTern, steSign } from "../../src/quantizers/index.js";
import { assertNoTensorLeak, useBackend } from "../helpers.js";
import { SNAP_FUNCTIONAL, SNAP_SUBCLASS, SNAP_SUMMARY_2, SNAP_SUMMARY_1 } from "./snapshots.js";

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
    quantConv2d({ filters: 32, kernelSize: [3, 3], kernelQuantizer: "ste_sign", inputShape: [64, 64, 1], padding: "same", name: "quant_conv2d" }),
  );
  model.add(tfl.layers.maxPooling2d({ poolSize: [2, 2], name: "max_pooling2d" }));
  const depthwise = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: [3, 3], padding: "same", useBias: false, name: "quant_depthwise_conv2d" });
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

/** larq's `get_profile_model()` built from the larq-ts quantized layers, with Keras' layer names. */
function profileModel(): tfl.Sequential {
  return tfl.sequential({
    name: "sequential",
    layers: [
      quantConv2d({ filters: 32, kernelSize: [3, 3], kernelQuantizer: "ste_sign", inputShape: [64, 64, 1], padding: "same", name: "quant_conv2d" }),
      tfl.layers.maxPooling2d({ poolSize: [2, 2], name: "max_pooling2d" }),
      quantDepthwiseConv2d({
        kernelSize: 3,
        strides: [3, 3],
        inputQuantizer: new SteTern(),
        depthwiseQuantizer: new SteTern(),
        padding: "same",
        padValues: 1.0,
        useBias: false,
        name: "quant_depthwise_conv2d",
      }),
      tfl.layers.batchNormalization({ scale: false, name: "batch_normalization" }),
      quantSeparableConv2d({
        filters: 32,
        kernelSize: [3, 3],
        inputQuantizer: "ste_sign",
        depthwiseQuantizer: "ste_sign",
        pointwiseQuantizer: "ste_sign",
        padding: "same",
        name: "quant_separable_conv2d",
      }),
      tfl.layers.flatten({ name: "flatten" }),
      tfl.layers.dense({ units: 10, trainable: false, name: "dense" }),
    ],
  });
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
    model.add(new OpLayer({ name: "lambda", inputShape: [32, 32] }, () => [2], () => tf.zeros([2])));
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
    const x = quantConv2d({ filters: 32, kernelSize: [3, 3], kernelQuantizer: "ste_sign", padding: "same", name: "quant_conv2d" }).apply(input);
    const mul = new OpLayer({ name: "tf_op_layer_Mul" }, (s) => s, (t) => tf.mul(t, 2));
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
    const memory = [1 * (32 * 3 * 3 * 1) + 32 * 32, 0, 2 * (32 * 3 * 3), 32 * (2 * 32), 1 * (32 * 3 * 3 * 1 + 32 * 1 * 1 * 32) + 32 * 32, 0, 32 * (32 * 11 * 11 * 10 + 10)];
    const int8 = [1 * (32 * 3 * 3 * 1) + 8 * 32, 0, 2 * (32 * 3 * 3), 8 * (32 * 2), 1 * (32 * 3 * 3 * 1 + 32 * 1 * 1 * 32) + 8 * 32, 0, 8 * (32 * 11 * 11 * 10 + 10)];
    const inputPrecision = [null, null, 2, null, 1, null, null];
    const outputShape = [[-1, 64, 64, 32], [-1, 32, 32, 32], [-1, 11, 11, 32], [-1, 11, 11, 32], [-1, 11, 11, 32], [-1, 11 * 11 * 32], [-1, 10]];
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
    const outputShape = [[-1, 64, 32], [-1, 32, 32], [-1, 32, 16], [-1, 32 * 16], [-1, 10]];
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

describe("summary: other models and arguments", () => {
  it("a nested model is one row: its weights counted, MACs unknown", () => {
    const inner = tfl.sequential({ name: "inner" });
    inner.add(quantConv2d({ filters: 8, kernelSize: 3, inputShape: [8, 8, 2], inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", name: "inner_conv" }));
    inner.add(tfl.layers.flatten({ name: "inner_flatten" }));
    const outer = tfl.sequential({ name: "outer" });
    outer.add(tfl.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [8, 8, 3], name: "stem" }));
    outer.add(inner);
    outer.add(tfl.layers.dense({ units: 4, name: "head" }));
    const p = profile(outer);
    assert.deepEqual(p.layers.map((l) => l.name), ["stem", "inner", "head"]);
    const nested = p.layers[1];
    assert.deepEqual(nested.outputShape, [-1, 6 * 6 * 8]);
    assert.equal(nested.inputPrecision, null);
    assert.deepEqual(nested.paramsByBitwidth, { 1: 3 * 3 * 2 * 8, 32: 8 });
    assert.equal(nested.macCount, null);
    assert.equal(p.layers[0].macCount, 3 * 2 * 8 * 8);
    assert.equal(p.layers[2].macCount, 288 * 4);
    const text = captured(outer);
    assert.match(text, /^\| inner +- +\(-1, 288\) +144 +8 +0\.05 +\? \|$/m);
    assert.match(text, /^\| Total +144 +1172 +4\.60 +1536 \|$/m); // 8 + 8 + 1156 float weights
    assert.match(text, /^\| Number of MACs +1\.54 k +\|$/m);
  });

  it("includeMacs false drops the MAC rows of the summary table only (as larq does)", () => {
    const text = captured(profileModelFromContract(), { includeMacs: false });
    assert.ok(text.includes("1-bit MACs"));
    assert.ok(!text.includes("Number of MACs"));
    assert.ok(!text.includes("Ratio of MACs"));
    assert.match(text, /\| Compression Ratio of Memory    0\.96       \|\n\+-+\+\n$/);
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
