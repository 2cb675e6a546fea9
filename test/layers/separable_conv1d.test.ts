import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { assertClose, assertNoTensorLeak, useBackend, seededValues as values } from "../helpers.js";

/** Deterministic pseudo-random values in [lo, hi). */
const sgn = (v: number) => (v < 0 ? -1 : 1);

interface Case {
  batch: number;
  L: number;
  C: number;
  F: number;
  k: number;
  m: number; // depth multiplier
  s: number;
  d: number;
  padding: "valid" | "same" | "causal";
  cf: boolean;
  padValues?: number;
}

/**
 * Slow reference of Keras' SeparableConv1D (with larq's explicit padding): channels-last view
 * xp[b, t, c] of the padded input, z = depthwise(xp), y = pointwise(z) + bias.
 */
function reference(c: Case, x: Float32Array, dw: Float32Array, pw: Float32Array, bias: Float32Array | null) {
  const at = (b: number, t: number, ch: number) => (c.cf ? x[(b * c.C + ch) * c.L + t] : x[(b * c.L + t) * c.C + ch]);
  let before = 0;
  let after = 0;
  if (c.padding === "same") {
    const total = Math.max((Math.ceil(c.L / c.s) - 1) * c.s + (c.k - 1) * c.d + 1 - c.L, 0);
    before = Math.floor(total / 2);
    after = total - before;
  } else if (c.padding === "causal") {
    before = (c.k - 1) * c.d;
  }
  const padValue = c.padding === "same" ? (c.padValues ?? 0) : 0;
  const Lp = c.L + before + after;
  const xp = (b: number, t: number, ch: number) => (t < before || t >= before + c.L ? padValue : at(b, t - before, ch));
  const outL = Math.floor((Lp - (c.k - 1) * c.d - 1) / c.s) + 1;
  const N = c.C * c.m;
  const z = new Float32Array(c.batch * outL * N);
  const y = new Float32Array(c.batch * outL * c.F);
  for (let b = 0; b < c.batch; b++)
    for (let t = 0; t < outL; t++) {
      for (let ch = 0; ch < c.C; ch++)
        for (let j = 0; j < c.m; j++) {
          let sum = 0;
          for (let i = 0; i < c.k; i++) sum += xp(b, t * c.s + i * c.d, ch) * dw[(i * c.C + ch) * c.m + j];
          z[(b * outL + t) * N + ch * c.m + j] = sum;
        }
      for (let f = 0; f < c.F; f++) {
        let sum = bias ? bias[f] : 0;
        for (let n = 0; n < N; n++) sum += z[(b * outL + t) * N + n] * pw[n * c.F + f];
        y[c.cf ? (b * c.F + f) * outL + t : (b * outL + t) * c.F + f] = sum;
      }
    }
  return { y, z, xp, outL, shape: c.cf ? [c.batch, c.F, outL] : [c.batch, outL, c.F] };
}

function makeLayer(c: Case, extra: Record<string, unknown> = {}) {
  const layer = lq.layers.quantSeparableConv1d({
    filters: c.F,
    kernelSize: c.k,
    strides: c.s,
    dilationRate: c.d,
    depthMultiplier: c.m,
    padding: c.padding,
    padValues: c.padValues,
    dataFormat: (c.cf ? "channels_first" : "channelsLast") as never,
    ...extra,
  } as never);
  layer.build(c.cf ? [c.batch, c.C, c.L] : [c.batch, c.L, c.C]);
  return layer;
}

function setWeights(layer: tfl.layers.Layer, c: Case, seed: number, lo = -1, hi = 1) {
  const dw = values(c.k * c.C * c.m, seed, lo, hi);
  const pw = values(c.C * c.m * c.F, seed + 1, lo, hi);
  const bias = values(c.F, seed + 2);
  layer.setWeights([tf.tensor(dw, [c.k, c.C, c.m]), tf.tensor(pw, [1, c.C * c.m, c.F]), tf.tensor(bias, [c.F])]);
  return { dw, pw, bias };
}

const cases: Case[] = [];
for (const cf of [false, true])
  for (const padding of ["valid", "same", "causal"] as const)
    for (const [s, d] of [
      [1, 1],
      [2, 1],
      [1, 2],
    ])
      cases.push({ batch: 2, L: 11, C: 3, F: 4, k: 3, m: cf ? 2 : 1, s, d, padding, cf });

describe("QuantSeparableConv1D", () => {
  before(() => useBackend("cpu"));

  it("weights, output shapes and parameter count", () => {
    const m = tfl.sequential();
    m.add(lq.layers.quantSeparableConv1d({ filters: 8, kernelSize: 3, depthMultiplier: 2, inputShape: [10, 4] }));
    assert.deepEqual(m.outputs[0].shape, [null, 8, 8]);
    assert.deepEqual(
      m.layers[0].weights.map((w) => [w.name.split("/")[1], w.shape]),
      [
        ["depthwise_kernel", [3, 4, 2]],
        ["pointwise_kernel", [1, 8, 8]],
        ["bias", [8]],
      ],
    );
    assert.equal(m.layers[0].countParams(), 3 * 4 * 2 + 8 * 8 + 8);
    assert.match(m.layers[0].name, /^quant_separable_conv1d(_\d+)?$/);
    const shape = (args: Record<string, unknown>, input: number[]) =>
      lq.layers.quantSeparableConv1d({ filters: 5, kernelSize: 3, ...args } as never).computeOutputShape([null, ...input]);
    assert.deepEqual(shape({ padding: "same", strides: 2 }, [11, 2]), [null, 6, 5]);
    assert.deepEqual(shape({ padding: "causal", dilationRate: 2 }, [11, 2]), [null, 11, 5]);
    assert.deepEqual(shape({ padding: "valid", dilationRate: 2 }, [11, 2]), [null, 7, 5]);
    assert.deepEqual(shape({ dataFormat: "channels_first", strides: 2 }, [2, 11]), [null, 5, 5]);
    m.dispose();
  });

  for (const c of cases) {
    const label = `${c.cf ? "channelsFirst" : "channelsLast"} ${c.padding} s=${c.s} d=${c.d} m=${c.m}`;
    it(`${label}: quantizers null equal the reference`, () => {
      const layer = makeLayer(c);
      const { dw, pw, bias } = setWeights(layer, c, 10);
      const x = values(c.batch * c.L * c.C, 1, -2, 2);
      const ref = reference(c, x, dw, pw, bias);
      const y = layer.apply(tf.tensor(x, c.cf ? [c.batch, c.C, c.L] : [c.batch, c.L, c.C])) as tf.Tensor;
      assert.deepEqual(y.shape, ref.shape);
      assertClose(y, ref.y, 1e-4);
    });
  }

  for (const c of [cases[1], cases[4], cases[11], cases[15]]) {
    const label = `${c.cf ? "channelsFirst" : "channelsLast"} ${c.padding} s=${c.s} d=${c.d}`;
    it(`${label}: ste_sign on input, depthwise and pointwise equals the reference on sign-ed values; gradients`, () => {
      const layer = makeLayer(c, {
        inputQuantizer: "ste_sign",
        depthwiseQuantizer: "ste_sign",
        pointwiseQuantizer: "ste_sign",
      });
      // No constraints here: `setWeights` would clip the latent weights into the STE window.
      const { dw, pw, bias } = setWeights(layer, c, 20, -1.5, 1.5);
      const x = values(c.batch * c.L * c.C, 2, -2, 2);
      const xs = x.map(sgn);
      const dws = dw.map(sgn);
      const pws = pw.map(sgn);
      const ref = reference(c, xs, dws, pws, bias);
      const xt = tf.tensor(x, c.cf ? [c.batch, c.C, c.L] : [c.batch, c.L, c.C]);
      assertClose(layer.apply(xt) as tf.Tensor, ref.y, 1e-4);
      assert.deepEqual(
        layer.weights.map((w) => (w as unknown as { precision?: number }).precision),
        [1, 1, undefined],
      );

      // Gradients of Σ y·R with respect to the latent kernels (STE window |w| ≤ 1).
      const R = values(ref.y.length, 3);
      const Rt = tf.tensor(R, ref.shape);
      const [dwVar, pwVar] = [layer.weights[0].read() as tf.Variable, layer.weights[1].read() as tf.Variable];
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xt) as tf.Tensor, Rt)) as tf.Scalar, [dwVar, pwVar]);
      const gDw = grads[dwVar.name].dataSync();
      const gPw = grads[pwVar.name].dataSync();
      const N = c.C * c.m;
      const r = (b: number, t: number, f: number) => R[c.cf ? (b * c.F + f) * ref.outL + t : (b * ref.outL + t) * c.F + f];
      for (let n = 0; n < N; n++)
        for (let f = 0; f < c.F; f++) {
          let want = 0;
          for (let b = 0; b < c.batch; b++) for (let t = 0; t < ref.outL; t++) want += ref.z[(b * ref.outL + t) * N + n] * r(b, t, f);
          if (Math.abs(pw[n * c.F + f]) > 1) want = 0;
          assert.ok(Math.abs(gPw[n * c.F + f] - want) < 1e-3, `pointwise grad ${n},${f}: ${gPw[n * c.F + f]} vs ${want}`);
        }
      // Reference input with quantized values, padded as the layer does (pad values are not quantized).
      const refXs = reference(c, xs, dws, pws, bias).xp;
      for (let i = 0; i < c.k; i++)
        for (let ch = 0; ch < c.C; ch++)
          for (let j = 0; j < c.m; j++) {
            let want = 0;
            for (let b = 0; b < c.batch; b++)
              for (let t = 0; t < ref.outL; t++)
                for (let f = 0; f < c.F; f++) want += refXs(b, t * c.s + i * c.d, ch) * pws[(ch * c.m + j) * c.F + f] * r(b, t, f);
            const idx = (i * c.C + ch) * c.m + j;
            if (Math.abs(dw[idx]) > 1) want = 0;
            assert.ok(Math.abs(gDw[idx] - want) < 1e-3, `depthwise grad ${idx}: ${gDw[idx]} vs ${want}`);
          }
      assert.ok(Array.from(dw).some((v) => Math.abs(v) > 1) && Array.from(pw).some((v) => Math.abs(v) > 1));
    });
  }

  for (const padValues of [1, -1]) {
    for (const cf of [false, true]) {
      it(`padValues ${padValues} with "same" pads the quantized input (${cf ? "channelsFirst" : "channelsLast"})`, () => {
        const c: Case = { batch: 2, L: 8, C: 2, F: 3, k: 4, m: 2, s: 1, d: 1, padding: "same", cf, padValues };
        const layer = makeLayer(c, { inputQuantizer: "ste_sign" });
        const { dw, pw, bias } = setWeights(layer, c, 30);
        const x = values(c.batch * c.L * c.C, 4, -2, 2);
        const ref = reference(c, x.map(sgn), dw, pw, bias);
        const y = layer.apply(tf.tensor(x, cf ? [c.batch, c.C, c.L] : [c.batch, c.L, c.C])) as tf.Tensor;
        assertClose(y, ref.y, 1e-4);
        const zeroPadded = reference({ ...c, padValues: 0 }, x.map(sgn), dw, pw, bias).y;
        assert.ok(
          zeroPadded.some((v, i) => Math.abs(v - ref.y[i]) > 1e-3),
          "padValues must change the border outputs",
        );
        assert.equal(layer.getConfig().padValues, padValues);
      });
    }
  }

  it("config: Keras keys, quantizers and a fromConfig round trip", () => {
    const layer = lq.layers.quantSeparableConv1d({
      filters: 3,
      kernelSize: 5,
      padding: "causal",
      dilationRate: 2,
      depthMultiplier: 2,
      inputQuantizer: "ste_sign",
      depthwiseQuantizer: "ste_sign",
      pointwiseQuantizer: new lq.quantizers.SteSign({ clipValue: 1.5 }),
      depthwiseConstraint: "weight_clip",
      pointwiseConstraint: "weight_clip",
      pointwiseInitializer: "ones",
    });
    const config = layer.getConfig();
    assert.equal(config.padding, "causal");
    assert.deepEqual(config.kernelSize, [5]);
    assert.deepEqual(config.dilationRate, [2]);
    assert.equal(config.depthMultiplier, 2);
    assert.equal((config.pointwiseInitializer as { className: string }).className, "Ones");
    assert.equal((config.depthwiseInitializer as { className: string }).className, "VarianceScaling");
    assert.ok(!("kernelInitializer" in config) && !("kernelQuantizer" in config));
    const snapshot = JSON.parse(JSON.stringify(config));
    const cls = lq.layers.QuantSeparableConv1D as unknown as {
      fromConfig(c: unknown, config: tf.serialization.ConfigDict): lq.layers.QuantSeparableConv1D;
    };
    const copy = cls.fromConfig(cls, JSON.parse(JSON.stringify(config)));
    assert.deepEqual(JSON.parse(JSON.stringify(copy.getConfig())), snapshot);
    assert.equal((copy.pointwiseQuantizer as lq.quantizers.SteSign).clipValue, 1.5);
    // The pointwise initializer really is used (tfjs 4.22 would use the depthwise one).
    copy.build([null, 12, 2]);
    assertClose(copy.weights[1].read(), new Array(4 * 3).fill(1), 0);
  });

  it("invalid arguments throw errors naming the argument and value", () => {
    const make = (args: Record<string, unknown>) => () => lq.layers.quantSeparableConv1d({ filters: 2, kernelSize: 3, ...args } as never);
    assert.throws(make({ strides: 2, dilationRate: 2 }), /strides != 1 cannot be combined with dilationRate != 1/);
    assert.throws(make({ padding: "full" }), /Invalid padding.*"full"/);
    assert.throws(make({ filters: 0 }), /Invalid filters.*0/);
    assert.throws(make({ filters: 2.5 }), /Invalid filters.*2\.5/);
    assert.throws(make({ depthMultiplier: 0 }), /Invalid depthMultiplier.*0/);
    assert.throws(make({ kernelSize: [3, 3] }), /Invalid kernelSize.*\[3,3\]/);
    assert.throws(make({ dataFormat: "NWC" }), /Invalid dataFormat.*"NWC"/);
    assert.throws(make({ kernelQuantizer: "ste_sign" }), /Invalid kernelQuantizer/);
    assert.throws(make({ padding: "causal", padValues: 1 }), /Invalid padValues.*causal.*1/);
    assert.throws(make({ padValues: "one" }), /Invalid padValues.*"one"/);
    assert.throws(make({ pointwiseQuantizer: "ste_sgn" }), /Unknown quantizer.*"ste_sgn"/);
  });

  it("runs on the wasm backend: forward equals the reference, gradients reach both kernels", async () => {
    await useBackend("wasm");
    try {
      const c: Case = { batch: 2, L: 10, C: 3, F: 2, k: 3, m: 2, s: 1, d: 2, padding: "same", cf: false, padValues: -1 };
      const layer = makeLayer(c, { inputQuantizer: "ste_sign", depthwiseQuantizer: "ste_sign", pointwiseQuantizer: "ste_sign" });
      const { dw, pw, bias } = setWeights(layer, c, 50);
      const x = values(c.batch * c.L * c.C, 6, -2, 2);
      const xt = tf.tensor(x, [c.batch, c.L, c.C]);
      assertClose(layer.apply(xt) as tf.Tensor, reference(c, x.map(sgn), dw.map(sgn), pw.map(sgn), bias).y, 1e-4);
      const vars = [layer.weights[0].read() as tf.Variable, layer.weights[1].read() as tf.Variable];
      const { grads } = tf.variableGrads(() => tf.sum(layer.apply(xt) as tf.Tensor) as tf.Scalar, vars);
      vars.forEach((v) => assert.deepEqual(grads[v.name].shape, v.shape));
    } finally {
      await useBackend("cpu");
    }
  });

  it("does not leak tensors", () => {
    const c: Case = { batch: 2, L: 9, C: 2, F: 3, k: 3, m: 2, s: 1, d: 2, padding: "causal", cf: true };
    const layer = makeLayer(c, { inputQuantizer: "ste_sign", depthwiseQuantizer: "ste_sign", pointwiseQuantizer: "ste_sign" });
    const x = tf.tensor(values(c.batch * c.L * c.C, 5), [c.batch, c.C, c.L]);
    const vars = [layer.weights[0].read() as tf.Variable, layer.weights[1].read() as tf.Variable];
    assertNoTensorLeak(() => {
      (layer.apply(x) as tf.Tensor).dispose();
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars);
      tf.dispose([value, ...Object.values(grads)]);
    }, 3);
  });
});
