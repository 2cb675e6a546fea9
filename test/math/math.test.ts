import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import { assertClose, assertNoTensorLeak, seededValues, useBackend } from "../helpers.js";

describe("lq.math", () => {
  before(() => useBackend("cpu"));

  it("sign maps 0 to +1 (unlike tf.sign)", () => {
    const x = tf.tensor([-3, -1e-7, -0, 0, 1e-7, 2]);
    assert.deepEqual(Array.from(lq.math.sign(x).dataSync()), [-1, -1, 1, 1, 1, 1]);
    assert.equal(tf.sign(tf.scalar(0)).dataSync()[0], 0, "tf.sign(0) is 0 in tfjs");
  });

  it("sign accepts plain arrays and keeps the shape", () => {
    const y = lq.math.sign([
      [-1, 0],
      [2, -0.5],
    ]);
    assert.deepEqual(y.shape, [2, 2]);
    assertClose(y, [
      [-1, 1],
      [1, -1],
    ]);
  });

  it("heaviside is 1 only for x > 0", () => {
    assert.deepEqual(Array.from(lq.math.heaviside(tf.tensor([-2, 0, 1e-7, 3])).dataSync()), [0, 0, 1, 1]);
  });

  it("sign has zero gradient", () => {
    const g = tf.grad((x: tf.Tensor) => lq.math.sign(x))(tf.tensor([-0.5, 0, 0.5]));
    assertClose(g, [0, 0, 0]);
  });

  it("does not leak tensors", () => {
    const x = tf.tensor([-1, 0, 1]);
    assertNoTensorLeak(() => {
      lq.math.sign(x).dispose();
      lq.math.heaviside(x).dispose();
    });
  });
});

describe("meanAll", () => {
  for (const backend of ["cpu", "wasm"] as const) {
    it(`is accurate over 4096x4096 elements on ${backend} (tf.mean's one float32 pass is not)`, async () => {
      await useBackend(backend);
      const n = 4096;
      const values = seededValues(n * n, 3, 0, 1.5);
      let sum = 0; // float64 reference
      for (let i = 0; i < values.length; i++) sum += values[i];
      const x = tf.tensor2d(values, [n, n]);
      const m = lq.math.meanAll(x);
      assertClose(m, sum / values.length, 1e-6);
      const small = tf.tensor1d([1, 2, 6]);
      assertClose(lq.math.meanAll(small), 3, 1e-7);
      small.dispose();
      tf.dispose([x, m]);
    });
  }
});
