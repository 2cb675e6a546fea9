/**
 * larq's activations: closed-form values and gradients, and their use by name in tfjs layers,
 * including a saved and reloaded model.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { saveAndLoad } from "../quantizers/model_io.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";

const xs = [-3, -1.5, -1.0000001, -1, -0.999, -0.5, 0, 0.25, 0.999, 1, 1.0000001, 2, 10].map(Math.fround);
const refHardTanh = (v: number) => Math.min(1, Math.max(-1, v));
const refLeakyTanh = (v: number, a: number) => (v > 1 ? 1 + a * (v - 1) : v < -1 ? -1 + a * (v + 1) : v);
// Gradients away from the kinks; at x = ±1 TensorFlow's max/min/clip gradients add up to 1 + α.
const refHardTanhGrad = (v: number) => (Math.abs(v) <= 1 ? 1 : 0);
const refLeakyTanhGrad = (v: number, a: number) => (Math.abs(v) < 1 ? 1 : Math.abs(v) > 1 ? a : 1 + a);

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe("lq.activations", () => {
  before(() => useBackend("cpu"));

  it("hardTanh clips to [-1, 1]; gradient 1 on [-1, 1], 0 outside", () => {
    const x = tf.tensor1d(xs);
    assertClose(lq.activations.hardTanh(x), xs.map(refHardTanh), 1e-7);
    assertClose(tf.grad(lq.activations.hardTanh)(x), xs.map(refHardTanhGrad));
    assertClose(new lq.activations.HardTanh().apply(x), xs.map(refHardTanh), 1e-7);
  });

  for (const alpha of [0.2, 0.1, 0]) {
    it(`leakyTanh α=${alpha}: x inside [-1, 1], slope α outside`, () => {
      const x = tf.tensor1d(xs);
      const fn = alpha === 0.2 ? (t: tf.Tensor) => lq.activations.leakyTanh(t) : (t: tf.Tensor) => lq.activations.leakyTanh(t, alpha);
      assertClose(
        fn(x),
        xs.map((v) => refLeakyTanh(v, alpha)),
        1e-6,
      );
      assertClose(
        tf.grad(fn)(x),
        xs.map((v) => refLeakyTanhGrad(v, alpha)),
        1e-6,
      );
      assertClose(
        new lq.activations.LeakyTanh({ alpha }).apply(x),
        xs.map((v) => refLeakyTanh(v, alpha)),
        1e-6,
      );
    });
  }

  it("leakyTanh spot values from the definition: f(2) = 1.2, f(-3) = -1.4, f(10) = 2.8", () => {
    assertClose(lq.activations.leakyTanh(tf.tensor1d([2, -3, 10])), [1.2, -1.4, 2.8], 1e-6);
    assert.equal(new lq.activations.LeakyTanh().alpha, 0.2);
  });

  it("get resolves larq's names in both spellings, tfjs built-ins, functions, objects and instances", () => {
    const x = tf.tensor1d([-3, 0.5, 2]);
    for (const id of [
      "hard_tanh",
      "hardTanh",
      lq.activations.hardTanh,
      { className: "hard_tanh" },
      { class_name: "hardTanh", config: {} },
    ]) {
      const act = lq.activations.get(id as never);
      assert.ok(act instanceof lq.activations.HardTanh, String(id));
      assert.equal(lq.activations.serialize(act), "hardTanh");
      assertClose(act.apply(x), [-1, 0.5, 1]);
    }
    for (const id of ["leaky_tanh", "leakyTanh", lq.activations.leakyTanh]) {
      const act = lq.activations.get(id as never);
      assert.ok(act instanceof lq.activations.LeakyTanh);
      assertClose(act.apply(x), [-1.4, 0.5, 1.2], 1e-6);
    }
    const custom = lq.activations.get({ class_name: "leaky_tanh", config: { alpha: 0.5 } }) as lq.activations.LeakyTanh;
    assert.equal(custom.alpha, 0.5);
    assertClose(lq.activations.get("relu").apply(x), [0, 0.5, 2]);
    assertClose(lq.activations.get("hard_sigmoid").apply(tf.tensor1d([0])), [0.5]);
    assertClose(lq.activations.get(null).apply(x), [-3, 0.5, 2]);
    const instance = new lq.activations.HardTanh();
    assert.equal(lq.activations.get(instance), instance);
    const double = lq.activations.get((t: tf.Tensor) => tf.mul(t, 2));
    assertClose(double.apply(x), [-6, 1, 4]);
    assert.throws(() => lq.activations.serialize(double), /Cannot serialize the activation function/);
    assert.equal(lq.activations.serialize(lq.activations.hardTanh), "hardTanh");
    assert.equal(lq.activations.serialize(lq.activations.leakyTanh), "leakyTanh");
  });

  it("bad identifiers and arguments give errors that name the value", () => {
    for (const bad of ["hard_tan", 3, [1], { className: "nope" }, { config: {} }, true]) {
      assert.throws(
        () => lq.activations.get(bad as never),
        (e: Error) =>
          /^Unknown activation: /.test(e.message) &&
          e.message.includes("hard_tanh") &&
          e.message.includes("leakyTanh") &&
          e.message.includes("relu"),
      );
    }
    assert.throws(() => lq.activations.get("hard_tan"), /Unknown activation: "hard_tan"/);
    assert.throws(
      () => lq.activations.get({ className: "hardTanh", config: 4 } as never),
      /Invalid activation config for hardTanh: .*received 4/,
    );
    assert.throws(() => new lq.activations.LeakyTanh({ alpha: "x" as never }), /Invalid alpha: .*received "x"/);
  });

  it('tfjs layers accept activation: "hard_tanh" / "hardTanh" / "leaky_tanh" / "leakyTanh" and compute larq\'s function', () => {
    // A dense layer with identity kernel and zero bias shows the activation directly.
    const x = tf.tensor2d([[-3, -0.5, 0.25, 2]]);
    const expectations: [string, number[]][] = [
      ["hard_tanh", [-1, -0.5, 0.25, 1]],
      ["hardTanh", [-1, -0.5, 0.25, 1]],
      ["leaky_tanh", [-1.4, -0.5, 0.25, 1.2]],
      ["leakyTanh", [-1.4, -0.5, 0.25, 1.2]],
    ];
    for (const [activation, expected] of expectations) {
      const dense = tfl.layers.dense({ units: 4, activation: activation as never, kernelInitializer: "identity", inputShape: [4] });
      assertClose(dense.apply(x) as tf.Tensor, expected, 1e-6, activation);
      // tfjs keeps the camelCase class name in memory; Keras JSON gets the snake_case name.
      assert.equal(dense.getConfig().activation, activation.includes("hard") ? "hardTanh" : "leakyTanh");
      const act = tfl.layers.activation({ activation: activation as never });
      assertClose(act.apply(x) as tf.Tensor, expected, 1e-6);
    }
  });

  it("a model using the activations saves as larq's names and reloads with the same outputs", async () => {
    const input = tfl.input({ shape: [3] });
    const h = tfl.layers
      .dense({ units: 5, activation: "hard_tanh" as never, kernelInitializer: "glorotNormal", biasInitializer: "ones" })
      .apply(input);
    const out = tfl.layers.dense({ units: 2, activation: "leaky_tanh" as never, kernelInitializer: "glorotNormal" }).apply(h);
    const model = tfl.model({ inputs: input, outputs: out as tfl.SymbolicTensor });
    const { topology, loaded } = await saveAndLoad(model);
    assert.ok(topology.includes('"activation":"hard_tanh"'), topology);
    assert.ok(topology.includes('"activation":"leaky_tanh"'), topology);
    const x = tf.tensor2d([
      [3, -2, 0.5],
      [-4, 1, 2],
    ]);
    assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6);
    // Independent check of the first layer: hardTanh(x·W + b) from the layer's own weights.
    const [kernel, bias] = model.layers[1].getWeights();
    const k = kernel.arraySync() as number[][];
    const b = values(bias);
    const rows = x.arraySync() as number[][];
    const expected = rows.map((r) => b.map((bj, j) => refHardTanh(r.reduce((s, v, i) => s + v * k[i][j], bj))));
    const hidden = tfl.model({ inputs: loaded.inputs, outputs: loaded.layers[1].output as tfl.SymbolicTensor });
    assertClose(hidden.predict(x) as tf.Tensor, expected, 1e-5);
  });

  it("larq's quantizer names work as tfjs activations with the quantizers' default arguments", async () => {
    const xs2 = [-2, -1, -0.5, -0.05, -0.01, 0, 0.01, 0.05, 0.5, 1, 2].map(Math.fround);
    const sign = (v: number) => (v < 0 ? -1 : 1);
    const ste = (v: number) => (Math.abs(v) <= 1 ? 1 : 0);
    const expectations: [string, (v: number) => number, (v: number) => number][] = [
      ["ste_sign", sign, ste],
      ["steSign", sign, ste],
      ["approx_sign", sign, (v) => (Math.abs(v) <= 1 ? 2 - 2 * Math.abs(v) : 0)],
      ["ste_heaviside", (v) => (v > 0 ? 1 : 0), ste],
      ["ste_tern", (v) => (v >= Math.fround(0.05) ? 1 : v <= -Math.fround(0.05) ? -1 : 0), ste],
      ["dorefa_quantizer", (v) => Math.round(3 * Math.min(1, Math.max(0, v))) / 3, (v) => (v >= 0 && v <= 1 ? 1 : 0)],
      ["magnitude_aware_sign", (v) => v, (v) => (Math.abs(v) <= 1 ? Math.abs(v) : 0)],
    ];
    const x = tf.tensor1d(xs2);
    for (const [name, forward, backward] of expectations) {
      const layer = tfl.layers.activation({ activation: name as never });
      assertClose(layer.apply(x) as tf.Tensor, xs2.map(forward), 1e-6, name);
      assertClose(tf.grad((t: tf.Tensor) => layer.apply(t) as tf.Tensor)(x), xs2.map(backward), 1e-6, name);
    }
    assert.equal(lq.activations.serialize(lq.quantizers.steSign), "steSign");
    assert.equal(lq.activations.serialize(lq.activations.get("swish_sign")), "swishSign");
    const input = tfl.input({ shape: [3] });
    const out = tfl.layers.dense({ units: 2, activation: "ste_sign" as never }).apply(input) as tfl.SymbolicTensor;
    const { topology, loaded } = await saveAndLoad(tfl.model({ inputs: input, outputs: out }));
    assert.ok(topology.includes('"activation":"ste_sign"'), topology);
    const y = Array.from((loaded.predict(tf.tensor2d([[0.3, -2, 1]])) as tf.Tensor).dataSync());
    assert.ok(
      y.every((v) => v === 1 || v === -1),
      String(y),
    );
  });

  it("does not leak tensors", () => {
    const x = tf.tensor1d(xs);
    const hard = lq.activations.get("hard_tanh");
    const leaky = lq.activations.get("leaky_tanh");
    assertNoTensorLeak(() => {
      hard.apply(x).dispose();
      leaky.apply(x).dispose();
      tf.grad((t: tf.Tensor) => lq.activations.leakyTanh(t))(x).dispose();
      tf.grad(lq.activations.hardTanh)(x).dispose();
    });
  });
});
