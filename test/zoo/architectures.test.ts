/**
 * The 14 zoo architectures against larq-zoo's published figures: parameter counts (Keras
 * `count_params` for the literature models that quote it, larq's summary convention and model
 * size for the ones published that way), output shapes with and without the top, and a forward
 * pass on one small image per model.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import * as models from "../../src/models/index.js";
import * as zoo from "../../src/zoo/index.js";
import { useBackend } from "../helpers.js";

interface Published {
  /** Keras `model.count_params()` as quoted in larq-zoo's docs, where the docs quote it. */
  countParams?: number;
  /** Total params and model size (MiB, 2 decimals) in larq's summary convention, where published so. */
  summary?: { params: number; mib: string };
  /** Channels of the feature map without the top (larq-zoo's snapshot names, e.g. QuickNet_512). */
  features: number;
  /** Smallest convenient test input; the AlexNet-style models need their full input for the top. */
  size: number;
}

// Figures from larq-zoo's model docstrings (ImageNet metrics tables) and summary snapshots.
const PUBLISHED: Record<string, Published> = {
  quickNetSmall: { summary: { params: 12_655_688, mib: "4.00" }, features: 512, size: 64 },
  quickNet: { summary: { params: 13_234_088, mib: "4.17" }, features: 512, size: 64 },
  quickNetLarge: { summary: { params: 23_342_248, mib: "5.40" }, features: 512, size: 64 },
  meliusNet22: { summary: { params: 6_944_584, mib: "3.88" }, features: 512, size: 64 },
  // Keras count from the RealToBinaryNet docstring; the summary figures from the current docs.
  realToBinaryNet: { countParams: 11_995_624, summary: { params: 11_986_920, mib: "5.13" }, features: 512, size: 64 },
  biRealNet: { countParams: 11_699_112, features: 512, size: 64 },
  binaryResNetE18: { countParams: 11_699_368, features: 512, size: 64 },
  binaryDenseNet28: { countParams: 5_150_504, features: 576, size: 64 },
  binaryDenseNet37: { countParams: 8_734_120, features: 640, size: 64 },
  binaryDenseNet37Dilated: { countParams: 8_734_120, features: 640, size: 64 },
  binaryDenseNet45: { countParams: 13_939_240, features: 800, size: 64 },
  xnorNet: { countParams: 62_396_768, features: 4096, size: 224 },
  binaryAlexNet: { countParams: 61_859_192, features: 256, size: 224 },
  doReFaNet: { countParams: 62_403_912, features: 256, size: 224 },
};

type Factory = (args?: zoo.ZooModelArgs & { weights?: null }) => tfl.LayersModel;
const factory = (name: string): Factory => (zoo as unknown as Record<string, Factory>)[name];

function checkPublishedCounts(name: string, model: tfl.LayersModel): void {
  const published = PUBLISHED[name];
  if (published.countParams !== undefined) assert.equal(model.countParams(), published.countParams, `${name} countParams`);
  if (published.summary !== undefined) {
    const { totals } = models.profile(model);
    assert.equal(totals.totalParams, published.summary.params, `${name} summary total params`);
    assert.equal((totals.modelSizeBytes / 1024 / 1024).toFixed(2), published.summary.mib, `${name} model size`);
  }
}

describe("lq.zoo architectures", () => {
  before(() => useBackend("wasm"));

  it("every published model has a factory with larq-zoo's model name", () => {
    const names = Object.keys(PUBLISHED).sort();
    const exports = zoo as unknown as Record<string, unknown>;
    const factories = Object.keys(exports).filter((k) => typeof exports[k] === "function" && "modelName" in (exports[k] as object));
    assert.deepEqual(factories.sort(), names);
    assert.equal(zoo.quickNet.modelName, "quicknet");
    assert.equal(zoo.realToBinaryNet.modelName, "r2b_bnn");
  });

  // Global-pooling architectures: the parameter count does not depend on the input size, so the
  // published counts are checked on a small input that also keeps the forward pass fast.
  for (const name of Object.keys(PUBLISHED).filter((n) => PUBLISHED[n].size < 224)) {
    it(`${name}: published counts, output shapes, forward pass`, () => {
      const { size, features } = PUBLISHED[name];
      const before = tf.memory().numTensors;
      const top = factory(name)({ inputShape: [size, size, 3] });
      try {
        checkPublishedCounts(name, top);
        assert.deepEqual(top.outputs[0].shape, [null, 1000]);
        assert.deepEqual(top.inputs[0].shape, [null, size, size, 3]);
      } finally {
        top.dispose();
      }
      const noTop = factory(name)({ includeTop: false, inputShape: [null, null, 3] });
      try {
        assert.deepEqual(noTop.outputs[0].shape, [null, null, null, features]);
        const y = tf.tidy(() => noTop.predict(tf.randomUniform([1, size, size, 3], -2, 2, "float32", 7)) as tf.Tensor);
        assert.equal(y.shape.length, 4);
        assert.equal(y.shape[3], features);
        assert.ok(y.shape[1]! >= 1 && y.shape[2]! >= 1);
        assert.ok(Array.from(y.dataSync()).every(Number.isFinite), "feature map must be finite");
        y.dispose();
      } finally {
        noTop.dispose();
      }
      assert.equal(tf.memory().numTensors, before, "models and activations must be disposed");
    });
  }

  // AlexNet-style models flatten a fixed-size feature map into their classifier: counts at 224x224.
  for (const name of ["xnorNet", "binaryAlexNet", "doReFaNet"]) {
    it(`${name}: published count at 224x224 and output shapes`, () => {
      const before = tf.memory().numTensors;
      const model = factory(name)();
      try {
        assert.deepEqual(model.inputs[0].shape, [null, 224, 224, 3], "default input");
        checkPublishedCounts(name, model);
        assert.deepEqual(model.outputs[0].shape, [null, 1000]);
      } finally {
        model.dispose();
      }
      const noTop = factory(name)({ includeTop: false, inputShape: [null, null, 3] });
      try {
        assert.deepEqual(noTop.outputs[0].shape, [null, null, null, PUBLISHED[name].features]);
      } finally {
        noTop.dispose();
      }
      assert.equal(tf.memory().numTensors, before);
    });
  }

  // XNOR-Net flattens a 6x6x256 map into 4096-unit dense layers, so it needs (almost) its full input size:
  // one forward pass of the whole classifier at 224x224 on wasm (~10 s).
  it("xnorNet: forward pass of one 224x224 image through the classifier", () => {
    const before = tf.memory().numTensors;
    const model = zoo.xnorNet();
    try {
      const p = tf.tidy(() => model.predict(tf.randomUniform([1, 224, 224, 3], -2, 2, "float32", 11)) as tf.Tensor);
      assert.deepEqual(p.shape, [1, 1000]);
      const values = p.dataSync();
      assert.ok(
        Array.from(values).every((v) => Number.isFinite(v) && v >= 0),
        "softmax output must be finite and >= 0",
      );
      const sum = Array.from(values).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-3, `softmax sums to ${sum}`);
      p.dispose();
    } finally {
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  // A forward pass through a whole classifier: DoReFa-Net and Binary AlexNet at their smallest
  // useful input without the top; QuickNetSmall with its top (softmax rows sum to 1).
  it("forward passes: softmax output of QuickNetSmall, feature maps of DoReFa-Net and Binary AlexNet", () => {
    const before = tf.memory().numTensors;
    const q = zoo.quickNetSmall({ inputShape: [32, 32, 3], numClasses: 10 });
    const p = tf.tidy(() => q.predict(tf.randomUniform([2, 32, 32, 3], -2, 2, "float32", 3)) as tf.Tensor);
    assert.deepEqual(p.shape, [2, 10]);
    const sums = tf.tidy(() => tf.sum(p, 1));
    sums.dataSync().forEach((s) => assert.ok(Math.abs(s - 1) < 1e-4, `softmax row sums to ${s}`));
    tf.dispose([p, sums]);
    q.dispose();
    for (const [name, size, expected] of [
      ["doReFaNet", 64, [1, 1, 1, 256]],
      ["binaryAlexNet", 64, [1, 1, 1, 256]],
    ] as const) {
      const m = factory(name)({ includeTop: false, inputShape: [size, size, 3] });
      const y = tf.tidy(() => m.predict(tf.randomUniform([1, size, size, 3], 0, 255, "float32", 5)) as tf.Tensor);
      assert.deepEqual(y.shape, expected);
      assert.ok(Array.from(y.dataSync()).every(Number.isFinite));
      y.dispose();
      m.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it("small inputs switch BinaryResNetE18/DenseNet to the 3x3 stem as larq-zoo does", () => {
    const small = zoo.binaryDenseNet28({ inputShape: [32, 32, 3], includeTop: false });
    const large = zoo.binaryDenseNet28({ inputShape: [64, 64, 3], includeTop: false });
    try {
      // 7x7x3x64 stem + BN (4x64) replaced by a 3x3x3x64 stem: 9408 + 256 - 1728 fewer weights.
      assert.equal(large.countParams() - small.countParams(), 9408 + 256 - 1728);
      assert.deepEqual(small.outputs[0].shape, [null, 4, 4, 576]);
      assert.deepEqual(large.outputs[0].shape, [null, 2, 2, 576]);
    } finally {
      small.dispose();
      large.dispose();
    }
  });
});

describe("lq.zoo layer order", () => {
  before(() => useBackend("wasm"));

  it("MeliusNet22's stem, first section and transition match larq-zoo's summary snapshot layer by layer", () => {
    // From larq-zoo's tests/snapshots/model_summaries/MeliusNet22_512.txt: per layer, the number of
    // 1-bit and 32-bit weights in larq's summary convention (batch norms count 2 per channel).
    const f = (n: number) => [0, n];
    const b = (n: number) => [n, 0];
    const none = [0, 0];
    const expected: number[][] = [
      none,
      f(864),
      f(64),
      none, // input, stem_s0 conv, bn, relu
      none,
      f(576),
      f(576),
      f(576),
      f(576),
      none,
      f(64),
      none, // s1: split, 4 group convs, concat, bn, relu
      none,
      ...Array(8).fill(f(288)),
      none,
      f(128),
      none,
      none, // s2: split, 8 group convs, concat, bn, relu, pool
      f(128),
      b(36864),
      none,
      f(256),
      b(73728),
      none, // section 0 block 0: dense bn, binconv, concat; improve bn, binconv, merge
      f(256),
      b(73728),
      none,
      f(384),
      b(110592),
      none,
      f(384),
      b(110592),
      none,
      f(512),
      b(147456),
      none,
      f(512),
      b(147456),
      none,
      f(640),
      b(184320),
      none,
      f(640),
      none,
      none,
      f(51200), // transition: bn, maxpool, relu, pointwise conv
    ];
    const model = zoo.meliusNet22({ inputShape: [64, 64, 3] });
    try {
      const { layers } = models.profile(model);
      const actual = layers.slice(0, expected.length).map((l) => [l.paramsByBitwidth[1] ?? 0, l.paramsByBitwidth[32] ?? 0]);
      assert.deepEqual(actual, expected);
    } finally {
      model.dispose();
    }
  });
});

describe("lq.zoo layer names", () => {
  before(() => useBackend("wasm"));

  it("Real-to-Binary Net's named layers carry the weights of larq-zoo's summary snapshot", () => {
    // From larq-zoo's tests/snapshots/model_summaries/RealToBinaryNet_512.txt: layer name → [1-bit, 32-bit]
    // weights in larq's summary convention.
    const p = "r2b_bnn_block_";
    const expected: Record<string, [number, number]> = {
      [`${p}1_conv2d`]: [0, 9408],
      [`${p}1_batch_norm`]: [0, 128],
      [`${p}1_prelu`]: [0, 64],
      [`${p}1_pool`]: [0, 0],
      [`${p}2a_batch_norm`]: [0, 128],
      [`${p}2a_scaling_pool_pool`]: [0, 0],
      [`${p}2a_scaling_pool_flatten`]: [0, 0],
      [`${p}2a_scaling_dense_reduce`]: [0, 512],
      [`${p}2a_scaling_dense_expand`]: [0, 512],
      [`${p}2a_conv2d`]: [36864, 0],
      [`${p}2a_scaling_reshape`]: [0, 0],
      [`${p}2a_scaling_multiplication`]: [0, 0],
      [`${p}2a_prelu`]: [0, 64],
      [`${p}2a_skip_add`]: [0, 0],
      [`${p}2_out`]: [0, 0],
      [`${p}4a_batch_norm`]: [0, 128],
      [`${p}4a_scaling_dense_reduce`]: [0, 512],
      [`${p}4a_scaling_dense_expand`]: [0, 1024],
      [`${p}4a_conv2d`]: [73728, 0],
      [`${p}4a_shortcut_pool`]: [0, 0],
      [`${p}4a_shortcut_conv2d`]: [0, 8192],
      [`${p}4a_prelu`]: [0, 128],
      [`${p}4a_shortcut_batch_norm`]: [0, 256],
      [`${p}4a_skip_add`]: [0, 0],
      [`${p}4b_batch_norm`]: [0, 256],
      [`${p}4b_scaling_dense_reduce`]: [0, 2048],
      [`${p}4b_scaling_dense_expand`]: [0, 2048],
      [`${p}4b_conv2d`]: [147456, 0],
      [`${p}4b_prelu`]: [0, 128],
      [`${p}4_out`]: [0, 0],
      [`${p}6a_scaling_dense_expand`]: [0, 4096],
      [`${p}6a_conv2d`]: [294912, 0],
      [`${p}6a_shortcut_conv2d`]: [0, 32768],
      [`${p}6a_prelu`]: [0, 256],
      [`${p}6a_shortcut_batch_norm`]: [0, 512],
      [`${p}6b_scaling_dense_reduce`]: [0, 8192],
      [`${p}6b_scaling_dense_expand`]: [0, 8192],
      [`${p}6b_conv2d`]: [589824, 0],
      [`${p}10_logits`]: [0, 513000],
      [`${p}10_probs`]: [0, 0],
    };
    const model = zoo.realToBinaryNet({ inputShape: [64, 64, 3] });
    try {
      const byName = new Map(models.profile(model).layers.map((l) => [l.name, [l.paramsByBitwidth[1] ?? 0, l.paramsByBitwidth[32] ?? 0]]));
      for (const [name, counts] of Object.entries(expected)) assert.deepEqual(byName.get(name), counts, name);
      assert.equal(model.layers.filter((l) => /_out$/.test(l.name)).length, 8, "one identity output per block 2–9");
    } finally {
      model.dispose();
    }
  });
});
