import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";

// Closed-form reference: sign with 0 -> +1; gradient 1 where |x| <= clip.
const xs = [-2, -1.0000001, -1, -0.5, -0, 0, 1e-7, 0.5, 1, 1.0000001, 2];
const refSign = (v: number) => (v < 0 ? -1 : 1);
const refGrad = (v: number, clip: number | null) => (clip === null || Math.abs(v) <= clip ? 1 : 0);

describe("SteSign / steSign", () => {
  before(() => useBackend("cpu"));

  for (const clip of [1, 0.5, null]) {
    it(`forward and gradient, clipValue=${clip}`, () => {
      const x = tf.tensor(xs);
      const q = new lq.quantizers.SteSign({ clipValue: clip });
      assertClose(q.apply(x) as tf.Tensor, xs.map(refSign));
      assertClose(lq.quantizers.steSign(x, clip), xs.map(refSign));
      const g = tf.grad((t: tf.Tensor) => tf.mul(q.apply(t) as tf.Tensor, tf.tensor(xs.map((_, i) => i + 1))))(x);
      assertClose(
        g,
        xs.map((v, i) => refGrad(v, clip) * (i + 1)),
      );
    });
  }

  it("precision 1, config, string and object identifiers", () => {
    const q = new lq.quantizers.SteSign({ clipValue: 1.25 });
    assert.equal(q.precision, 1);
    assert.equal(lq.quantizers.steSign.precision, 1);
    assert.equal(q.getConfig().clipValue, 1.25);
    // As in larq, string aliases resolve to a new quantizer layer with default arguments.
    assert.ok(lq.quantizers.get("ste_sign") instanceof lq.quantizers.SteSign);
    assert.ok(lq.quantizers.get("steSign") instanceof lq.quantizers.SteSign);
    assert.equal((lq.quantizers.get("ste_sign") as lq.quantizers.SteSign).clipValue, 1);
    assert.equal(lq.quantizers.serialize(lq.quantizers.steSign), "ste_sign");
    const fromSnake = lq.quantizers.get({
      class_name: "SteSign",
      config: { clip_value: 0.7, name: "q", trainable: true, dtype: "float32" },
    });
    assert.ok(fromSnake instanceof lq.quantizers.SteSign);
    assert.equal((fromSnake as lq.quantizers.SteSign).clipValue, 0.7);
    const roundTrip = lq.quantizers.get(lq.quantizers.serialize(q) as never) as lq.quantizers.SteSign;
    assert.equal(roundTrip.clipValue, 1.25);
    assert.equal(lq.quantizers.get(null), null);
    assert.throws(() => lq.quantizers.get("ste_sgn"), /Unknown quantizer: "ste_sgn".*ste_sign/);
    assert.throws(() => new lq.quantizers.SteSign({ clipValue: -1 }), /clipValue.*-1/);
  });

  it("works on symbolic inputs", async () => {
    const tfl = await import("@tensorflow/tfjs-layers");
    const input = tfl.input({ shape: [3] });
    const out = new lq.quantizers.SteSign().apply(input) as unknown as { shape: number[] };
    assert.deepEqual(out.shape, [null, 3]);
  });

  it("does not leak tensors", () => {
    const x = tf.tensor(xs);
    const q = new lq.quantizers.SteSign();
    assertNoTensorLeak(() => {
      (q.apply(x) as tf.Tensor).dispose();
      tf.grad((t: tf.Tensor) => q.apply(t) as tf.Tensor)(x).dispose();
    });
  });
});
