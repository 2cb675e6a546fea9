/**
 * The custom pieces the zoo architectures need, against closed-form values, and their
 * serialization through a tfjs save/load round trip.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as layers from "../../src/layers/index.js";
import * as quantizers from "../../src/quantizers/index.js";
import * as zoo from "../../src/zoo/index.js";
import { pyRound } from "../../src/zoo/blocks.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";

/** Saves a model to memory and loads it back through tfjs' deserialization. */
async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
}

describe("BlurPoolInitializer", () => {
  before(() => useBackend("cpu"));

  it("k=3: the binomial filter [1,2,1]ᵀ[1,2,1]/16 in every channel", () => {
    const k = new zoo.BlurPoolInitializer().apply([3, 3, 2, 1]);
    assert.deepEqual(k.shape, [3, 3, 2, 1]);
    const expected = [1, 2, 1, 2, 4, 2, 1, 2, 1].flatMap((v) => [v / 16, v / 16]);
    assertClose(k, expected, 1e-7);
    k.dispose();
  });

  it("k=2 and k=5 are normalised binomial filters; other sizes throw", () => {
    const k2 = new zoo.BlurPoolInitializer().apply([2, 2, 1, 1]);
    assertClose(k2, [0.25, 0.25, 0.25, 0.25], 1e-7);
    const k5 = new zoo.BlurPoolInitializer().apply([5, 5, 1, 1]);
    const taps = [1, 4, 6, 4, 1];
    assertClose(
      k5,
      taps.flatMap((a) => taps.map((b) => (a * b) / 256)),
      1e-7,
    );
    tf.dispose([k2, k5]);
    assert.throws(() => new zoo.BlurPoolInitializer().apply([4, 4, 1, 1]), /shape/);
  });

  it("a non-trainable depthwise blur layer keeps the initializer through save/load", async () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const blur = tfl.layers.depthwiseConv2d({
      kernelSize: 3,
      padding: "same",
      strides: 2,
      useBias: false,
      trainable: false,
      depthwiseInitializer: new zoo.BlurPoolInitializer() as unknown as "zeros",
    });
    const model = tfl.model({ inputs: input, outputs: blur.apply(input) as tfl.SymbolicTensor });
    assert.equal(model.trainableWeights.length, 0);
    const loaded = await roundTrip(model);
    const config = loaded.layers[1].getConfig() as { depthwiseInitializer: { className: string } };
    assert.equal(config.depthwiseInitializer.className, "BlurPoolInitializer");
    const x = tf.randomUniform([1, 4, 4, 2], 0, 1, "float32", 1);
    assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6);
    model.dispose();
    loaded.dispose();
  });
});

describe("xnorWeightScale", () => {
  before(() => useBackend("cpu"));

  it("clips to [-1,1], scales sign by the mean |w| of each output filter", () => {
    // kernel [1, 1, 2 inputs, 2 filters]: filter 0 = (0.5, -3 → -1), filter 1 = (-0.25, 0).
    const w = tf.tensor4d([0.5, -0.25, -3, 0], [1, 1, 2, 2]);
    const alpha0 = (0.5 + 1) / 2;
    const alpha1 = (0.25 + 0) / 2;
    assertClose(zoo.xnorWeightScale(w), [alpha0, -alpha1, -alpha0, alpha1], 1e-6);
    w.dispose();
    assert.equal(zoo.xnorWeightScale.precision, 1);
  });

  it("gradient: straight-through sign plus the path through α, zero where |w| > 1", () => {
    // One filter, K = 4: c = clip(w) = (0.5, -1, -0.25, 0.8), α = mean|c| = 0.6375, s = sign(c).
    // L = Σ g·α·s  ⇒  ∂L/∂w_j = [|w_j| ≤ 1]·(g_j·α + (Σ_i g_i s_i)·sign(c_j)/K), with Σ g s = 1.
    const w = tf.tensor4d([0.5, -3, -0.25, 0.8], [1, 1, 4, 1]);
    const g = tf.tensor4d([1, 2, 3, 5], [1, 1, 4, 1]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(zoo.xnorWeightScale(t), g)))(w);
    assertClose(grad, [0.6375 + 0.25, 0, 3 * 0.6375 - 0.25, 5 * 0.6375 + 0.25], 1e-6);
    tf.dispose([w, g, grad]);
  });

  it("is registered as the larq-zoo quantizer name and serializes under it", () => {
    assert.equal(quantizers.get("xnor_weight_scale"), zoo.xnorWeightScale);
    assert.equal(quantizers.get("xnorWeightScale"), zoo.xnorWeightScale);
    assert.equal(quantizers.serialize(zoo.xnorWeightScale), "xnor_weight_scale");
  });

  it("does not leak tensors", () => {
    const w = tf.randomNormal([3, 3, 4, 8]);
    assertNoTensorLeak(() => zoo.xnorWeightScale(w).dispose());
    w.dispose();
  });
});

describe("magnitudeAwareSignUnclipped", () => {
  before(() => useBackend("cpu"));

  it("forward sign(x)·mean|x| with sign(0) = +1, identity gradient everywhere", () => {
    const xs = [-3, -0.5, 0, 0.5, 2];
    const scale = (3 + 0.5 + 0 + 0.5 + 2) / 5;
    const x = tf.tensor1d(xs);
    assertClose(zoo.magnitudeAwareSignUnclipped(x), [-scale, -scale, scale, scale, scale], 1e-6);
    const weights = tf.tensor1d([1, 2, 3, 4, 5]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(zoo.magnitudeAwareSignUnclipped(t), weights)))(x);
    assertClose(g, [1, 2, 3, 4, 5], 1e-6);
    tf.dispose([x, weights, g]);
    assert.equal(quantizers.get("magnitude_aware_sign_unclipped"), zoo.magnitudeAwareSignUnclipped);
    assert.equal(zoo.magnitudeAwareSignUnclipped.precision, 1);
  });
});

describe("ClipByValueActivation, SplitChannels, PaddedAdd", () => {
  before(() => useBackend("cpu"));

  it("ClipByValueActivation clips to [0, 1]", () => {
    const y = new zoo.ClipByValueActivation().apply(tf.tensor1d([-1, 0, 0.25, 1, 3])) as tf.Tensor;
    assertClose(y, [0, 0, 0.25, 1, 1]);
    y.dispose();
  });

  it("SplitChannels splits the last axis into equal groups; rejects indivisible counts", () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [1, 2, 1, 4]);
    const parts = new zoo.SplitChannels({ groups: 2 }).apply(x) as tf.Tensor[];
    assert.equal(parts.length, 2);
    assertClose(parts[0], [0, 1, 4, 5]);
    assertClose(parts[1], [2, 3, 6, 7]);
    tf.dispose([x, ...parts]);
    const symbolic = new zoo.SplitChannels({ groups: 4 }).apply(tfl.input({ shape: [5, 5, 8] })) as tfl.SymbolicTensor[];
    assert.deepEqual(
      symbolic.map((s) => s.shape),
      Array(4).fill([null, 5, 5, 2]),
    );
    assert.throws(() => new zoo.SplitChannels({ groups: 3 }).apply(tfl.input({ shape: [5, 5, 8] })), /divisible/);
    assert.throws(() => new zoo.SplitChannels({ groups: 0 }), /groups/);
  });

  it("PaddedAdd adds the second input onto the last channels of the first", () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]);
    const w = tf.tensor4d([10, 20], [1, 1, 1, 2]);
    const y = new zoo.PaddedAdd().apply([x, w]) as tf.Tensor;
    assertClose(y, [1, 2, 13, 24]);
    tf.dispose([x, w, y]);
    assert.throws(() => new zoo.PaddedAdd().apply([tfl.input({ shape: [2, 2, 2] }), tfl.input({ shape: [2, 2, 4] })]), /inputShape/);
  });

  it("all three, the blur initializer and the scaled quantizers survive a model save/load", async () => {
    const input = tfl.input({ shape: [4, 4, 4] });
    const [a, b] = new zoo.SplitChannels({ groups: 2 }).apply(input) as tfl.SymbolicTensor[];
    const merged = new zoo.PaddedAdd().apply([input, a]) as tfl.SymbolicTensor;
    const clipped = new zoo.ClipByValueActivation().apply(merged) as tfl.SymbolicTensor;
    const xnor = layers.quantConv2d({ filters: 3, kernelSize: 3, inputQuantizer: "ste_sign", kernelQuantizer: "xnor_weight_scale" });
    const dorefa = layers.quantConv2d({ filters: 2, kernelSize: 1, kernelQuantizer: zoo.magnitudeAwareSignUnclipped });
    const out = dorefa.apply(xnor.apply(clipped)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [out, b] });
    const loaded = await roundTrip(model);
    assert.deepEqual(
      loaded.layers.map((l) => l.getClassName()),
      ["InputLayer", "SplitChannels", "PaddedAdd", "ClipByValueActivation", "QuantConv2D", "QuantConv2D"],
    );
    const configs = loaded.layers.slice(4).map((l) => l.getConfig() as { kernelQuantizer: unknown });
    assert.deepEqual(
      configs.map((c) => c.kernelQuantizer),
      ["xnor_weight_scale", "magnitude_aware_sign_unclipped"],
    );
    const x = tf.randomUniform([2, 4, 4, 4], -1, 2, "float32", 9);
    const [y0, y1] = model.predict(x) as tf.Tensor[];
    const [z0, z1] = loaded.predict(x) as tf.Tensor[];
    assertClose(z0, y0);
    assertClose(z1, y1);
    tf.dispose([x, y0, y1, z0, z1]);
    model.dispose();
    loaded.dispose();
  });
});

describe("pyRound (larq-zoo's DenseNet width rounding)", () => {
  it("rounds half to even like Python 3", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, 5].map(pyRound), [0, 2, 2, 4, 2, 3, 5]);
  });
});

describe("clip_by_value_activation as a tfjs activation (larq-zoo's DoReFa-Net head)", () => {
  before(() => useBackend("cpu"));

  it("Activation('clip_by_value_activation') clips to [0, 1] under both spellings", () => {
    for (const name of ["clip_by_value_activation", "clipByValueActivation"]) {
      const layer = tfl.layers.activation({ activation: name as never });
      const y = layer.apply(tf.tensor1d([-2, -0.5, 0, 0.25, 1, 3])) as tf.Tensor;
      assertClose(y, [0, 0, 0, 0.25, 1, 1], 0, name);
      y.dispose();
    }
  });
});
