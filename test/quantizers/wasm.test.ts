/**
 * Forward values and pseudo-gradients of every quantizer on the wasm backend, against the same
 * closed-form references as the cpu tests, plus the round-half-to-even behaviour DoReFa relies on.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import { assertClose, useBackend } from "../helpers.js";
import {
  f32,
  refApproxGrad,
  refClipped,
  refDorefaActivations,
  refDorefaWeights,
  refHeaviside,
  refMagnitudeAware,
  refSign,
  refSwishGrad,
  refTern,
} from "./reference.js";

const xs = [-2, -1.25, -f32(1.0000001), -1, -0.5, -0.05, -0.0499999, 0, 1e-7, 0.0499999, 0.05, 0.5, 1, f32(1.0000001), 2].map(f32);
const dys = xs.map((_, i) => 1 + i / 4);
const clipGrad = (clip: number | null) => xs.map((v, i) => refClipped(v, clip) * dys[i]);

function run(q: lq.quantizers.Quantizer, values: number[] = xs, upstream: number[] = dys, shape = [values.length]) {
  return tf.tidy(() => {
    const x = tf.tensor(values, shape);
    const y = Array.from((q.apply(x) as tf.Tensor).dataSync());
    const g = Array.from(
      tf
        .grad((t: tf.Tensor) => tf.mul(q.apply(t) as tf.Tensor, tf.tensor(upstream, shape)))(x)
        .dataSync(),
    );
    return { y, g };
  });
}

describe("quantizers on the wasm backend", () => {
  before(() => useBackend("wasm"));
  after(() => useBackend("cpu"));

  it("runs on wasm", () => assert.equal(tf.getBackend(), "wasm"));

  it("tf.round rounds half to even", () => {
    const y = tf.tidy(() => Array.from(tf.round(tf.tensor([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 0.49999997])).dataSync()));
    assert.deepEqual(
      y.map((v) => v + 0),
      [0, 2, 2, 4, 0, -2, -2, 0],
    );
  });

  it("SteSign, ApproxSign, SwishSign", () => {
    let r = run(new lq.quantizers.SteSign());
    assert.deepEqual(r.y, xs.map(refSign));
    assertClose(r.g, clipGrad(1));
    r = run(new lq.quantizers.ApproxSign());
    assert.deepEqual(r.y, xs.map(refSign));
    assertClose(
      r.g,
      xs.map((v, i) => refApproxGrad(v) * dys[i]),
      1e-6,
    );
    r = run(new lq.quantizers.SwishSign({ beta: 5 }));
    assert.deepEqual(r.y, xs.map(refSign));
    assertClose(
      r.g,
      xs.map((v, i) => refSwishGrad(v, 5) * dys[i]),
      1e-4,
    );
  });

  it("SteHeaviside and SteTern (fixed Δ and ternary weight networks)", () => {
    let r = run(new lq.quantizers.SteHeaviside({ clipValue: 0.5 }));
    assert.deepEqual(r.y, xs.map(refHeaviside));
    assertClose(r.g, clipGrad(0.5));
    r = run(new lq.quantizers.SteTern());
    assert.deepEqual(
      r.y,
      xs.map((v) => refTern(v, f32(0.05))),
    );
    assertClose(r.g, clipGrad(1));
    const delta = (0.7 * xs.reduce((s, v) => s + Math.abs(v), 0)) / xs.length;
    r = run(new lq.quantizers.SteTern({ ternaryWeightNetworks: true, clipValue: null }));
    assert.deepEqual(
      r.y,
      xs.map((v) => refTern(v, delta)),
    );
    assertClose(r.g, clipGrad(null));
  });

  it("MagnitudeAwareSign on a [5, 3] matrix", () => {
    const ref = refMagnitudeAware(xs, 3, 1);
    const r = run(new lq.quantizers.MagnitudeAwareSign(), xs, dys, [5, 3]);
    assertClose(r.y, ref.value, 1e-6);
    assertClose(
      r.g,
      ref.grad.map((v, i) => v * dys[i]),
      1e-6,
    );
  });

  it("DoReFa activations and weights", () => {
    for (const kBit of [1, 2, 4]) {
      let r = run(new lq.quantizers.DoReFa({ kBit }));
      assertClose(
        r.y,
        xs.map((v) => refDorefaActivations(v, kBit)),
        1e-6,
      );
      assertClose(
        r.g,
        xs.map((v, i) => (v >= 0 && v <= 1 ? dys[i] : 0)),
      );
      const values = [-2, -1.3, -0.7, -0.2, 0, 0.1, 0.4, 0.9, 1.6, 2.5].map(f32);
      const ref = refDorefaWeights(values, kBit);
      r = run(
        new lq.quantizers.DoReFa({ kBit, mode: "weights" }),
        values,
        values.map(() => 1),
      );
      assertClose(r.y, ref.value, 1e-6);
      assertClose(r.g, ref.grad, 1e-5);
    }
  });

  it("NoOp", () => {
    const r = run(new lq.quantizers.NoOp({ precision: 2 }));
    assertClose(r.y, xs);
    assertClose(r.g, dys);
  });
});
