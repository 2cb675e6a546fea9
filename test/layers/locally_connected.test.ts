import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { assertClose, assertNoTensorLeak, useBackend, seededValues as values } from "../helpers.js";

// ---------------------------------------------------------------------------------------------
// Independent slow references, written from Keras' definitions (keras/backend.py local_conv,
// keras/utils/conv_utils.py conv_connected_inputs, keras/backend.py bias_add).
// A 1D layer is the 2D case with one input row.
// ---------------------------------------------------------------------------------------------

/** Deterministic pseudo-random values in [lo, hi). */
const sgn = (v: number) => (v < 0 ? -1 : 1);

interface Geo {
  batch: number;
  H: number;
  W: number;
  C: number;
  F: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  same: boolean;
  cf: boolean; // channels first
}

function outSize(n: number, k: number, s: number, same: boolean): number {
  return same ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

function dims(g: Geo) {
  return { oH: outSize(g.H, g.kH, g.sH, g.same), oW: outSize(g.W, g.kW, g.sW, g.same) };
}

function xIndex(g: Geo, b: number, r: number, c: number, ch: number): number {
  return g.cf ? ((b * g.C + ch) * g.H + r) * g.W + c : ((b * g.H + r) * g.W + c) * g.C + ch;
}

function outIndex(g: Geo, oH: number, oW: number, b: number, r: number, c: number, f: number): number {
  return g.cf ? ((b * g.F + f) * oH + r) * oW + c : ((b * oH + r) * oW + c) * g.F + f;
}

/** Keras adds an unshared bias [oH, oW, F] reshaped (not transposed) to [F, oH, oW] for channels-first. */
function biasAt(g: Geo, bias: Float32Array | null, oH: number, oW: number, r: number, c: number, f: number): number {
  if (bias === null) return 0;
  return g.cf ? bias[(f * oH + r) * oW + c] : bias[(r * oW + c) * g.F + f];
}

/** Implementation-1 reference: kernel [oH·oW, kH·kW·C, F], patch order (kr, kc, ch) or (ch, kr, kc). */
function refImpl1(g: Geo, x: Float32Array, kernel: Float32Array, bias: Float32Array | null): Float32Array {
  const { oH, oW } = dims(g);
  const fd = g.kH * g.kW * g.C;
  const out = new Float32Array(g.batch * oH * oW * g.F);
  for (let b = 0; b < g.batch; b++)
    for (let r = 0; r < oH; r++)
      for (let c = 0; c < oW; c++)
        for (let f = 0; f < g.F; f++) {
          let sum = biasAt(g, bias, oH, oW, r, c, f);
          const p = r * oW + c;
          for (let kr = 0; kr < g.kH; kr++)
            for (let kc = 0; kc < g.kW; kc++)
              for (let ch = 0; ch < g.C; ch++) {
                const j = g.cf ? (ch * g.kH + kr) * g.kW + kc : (kr * g.kW + kc) * g.C + ch;
                sum += x[xIndex(g, b, r * g.sH + kr, c * g.sW + kc, ch)] * kernel[(p * fd + j) * g.F + f];
              }
          out[outIndex(g, oH, oW, b, r, c, f)] = sum;
        }
  return out;
}

function connected(o: number, n: number, k: number, s: number, same: boolean): [number, number] {
  const left = Math.floor(k / 2);
  const centre = o * s + (same ? 0 : left);
  return [Math.max(0, centre - left), Math.min(n, centre + k - left)];
}

function k2Index(g: Geo, oH: number, oW: number, ir: number, ic: number, ch: number, r: number, c: number, f: number) {
  return g.cf ? ((((ch * g.H + ir) * g.W + ic) * g.F + f) * oH + r) * oW + c : ((((ir * g.W + ic) * g.C + ch) * oH + r) * oW + c) * g.F + f;
}

/** Implementation-2 reference: dense kernel [H, W, C, oH, oW, F] (or [C, H, W, F, oH, oW]), only connected inputs count. */
function refImpl2(g: Geo, x: Float32Array, kernel: Float32Array, bias: Float32Array | null): Float32Array {
  const { oH, oW } = dims(g);
  const out = new Float32Array(g.batch * oH * oW * g.F);
  for (let b = 0; b < g.batch; b++)
    for (let r = 0; r < oH; r++)
      for (let c = 0; c < oW; c++)
        for (let f = 0; f < g.F; f++) {
          let sum = biasAt(g, bias, oH, oW, r, c, f);
          const [r0, r1] = connected(r, g.H, g.kH, g.sH, g.same);
          const [c0, c1] = connected(c, g.W, g.kW, g.sW, g.same);
          for (let ir = r0; ir < r1; ir++)
            for (let ic = c0; ic < c1; ic++)
              for (let ch = 0; ch < g.C; ch++) {
                sum += x[xIndex(g, b, ir, ic, ch)] * kernel[k2Index(g, oH, oW, ir, ic, ch, r, c, f)];
              }
          out[outIndex(g, oH, oW, b, r, c, f)] = sum;
        }
  return out;
}

/** Rewrites an implementation-1 kernel ("valid") in the implementation-2 layout (zeros elsewhere). */
function impl1ToImpl2(g: Geo, k1: Float32Array): Float32Array {
  const { oH, oW } = dims(g);
  const fd = g.kH * g.kW * g.C;
  const k2 = new Float32Array(g.H * g.W * g.C * oH * oW * g.F);
  for (let r = 0; r < oH; r++)
    for (let c = 0; c < oW; c++)
      for (let kr = 0; kr < g.kH; kr++)
        for (let kc = 0; kc < g.kW; kc++)
          for (let ch = 0; ch < g.C; ch++)
            for (let f = 0; f < g.F; f++) {
              const j = g.cf ? (ch * g.kH + kr) * g.kW + kc : (kr * g.kW + kc) * g.C + ch;
              k2[k2Index(g, oH, oW, r * g.sH + kr, c * g.sW + kc, ch, r, c, f)] = k1[((r * oW + c) * fd + j) * g.F + f];
            }
  return k2;
}

function inputShapeOf(rank: 1 | 2, g: Geo): number[] {
  if (rank === 1) return g.cf ? [g.C, g.W] : [g.W, g.C];
  return g.cf ? [g.C, g.H, g.W] : [g.H, g.W, g.C];
}

function makeLayer(rank: 1 | 2, g: Geo, impl: 1 | 2, extra: Record<string, unknown> = {}) {
  const args = {
    filters: g.F,
    kernelSize: rank === 1 ? g.kW : [g.kH, g.kW],
    strides: rank === 1 ? g.sW : [g.sH, g.sW],
    padding: g.same ? "same" : "valid",
    dataFormat: g.cf ? "channels_first" : "channelsLast",
    implementation: impl,
    ...extra,
  } as never;
  const layer = rank === 1 ? new lq.layers.QuantLocallyConnected1D(args) : new lq.layers.QuantLocallyConnected2D(args);
  layer.build([g.batch, ...inputShapeOf(rank, g)]);
  return layer;
}

const cases: Array<{ name: string; rank: 1 | 2; g: Geo }> = [
  {
    name: "2D channelsLast 5x7x3, k 3x2, s 1",
    rank: 2,
    g: { batch: 2, H: 5, W: 7, C: 3, F: 4, kH: 3, kW: 2, sH: 1, sW: 1, same: false, cf: false },
  },
  {
    name: "2D channelsFirst 7x5x2, k 2x3, s 2x1",
    rank: 2,
    g: { batch: 2, H: 7, W: 5, C: 2, F: 3, kH: 2, kW: 3, sH: 2, sW: 1, same: false, cf: true },
  },
  {
    name: "2D channelsLast 6x7x2, k 3, s 2x3",
    rank: 2,
    g: { batch: 1, H: 6, W: 7, C: 2, F: 2, kH: 3, kW: 3, sH: 2, sW: 3, same: false, cf: false },
  },
  {
    name: "1D channelsLast 9x3, k 3, s 2",
    rank: 1,
    g: { batch: 2, H: 1, W: 9, C: 3, F: 4, kH: 1, kW: 3, sH: 1, sW: 2, same: false, cf: false },
  },
  {
    name: "1D channelsFirst 3x8, k 2, s 1",
    rank: 1,
    g: { batch: 2, H: 1, W: 8, C: 3, F: 2, kH: 1, kW: 2, sH: 1, sW: 1, same: false, cf: true },
  },
];

function shapeOfOutput(rank: 1 | 2, g: Geo): number[] {
  const { oH, oW } = dims(g);
  if (rank === 1) return g.cf ? [g.batch, g.F, oW] : [g.batch, oW, g.F];
  return g.cf ? [g.batch, g.F, oH, oW] : [g.batch, oH, oW, g.F];
}

describe("QuantLocallyConnected1D / QuantLocallyConnected2D", () => {
  before(() => useBackend("cpu"));

  it("output shapes and parameter counts of the spec examples", () => {
    const m = tfl.sequential();
    m.add(lq.layers.quantLocallyConnected2d({ filters: 64, kernelSize: [3, 3], inputShape: [32, 32, 3] }));
    assert.deepEqual(m.outputs[0].shape, [null, 30, 30, 64]);
    assert.equal(m.layers[0].countParams(), 30 * 30 * (3 * 3 * 3 * 64) + 30 * 30 * 64);
    m.add(lq.layers.quantLocallyConnected2d({ filters: 32, kernelSize: [3, 3] }));
    assert.deepEqual(m.outputs[0].shape, [null, 28, 28, 32]);
    const m1 = tfl.sequential();
    m1.add(lq.layers.quantLocallyConnected1d({ filters: 64, kernelSize: 3, inputShape: [10, 32] }));
    assert.deepEqual(m1.outputs[0].shape, [null, 8, 64]);
    m1.add(lq.layers.quantLocallyConnected1d({ filters: 32, kernelSize: 3 }));
    assert.deepEqual(m1.outputs[0].shape, [null, 6, 32]);
    assert.deepEqual(
      m1.layers[0].weights.map((w) => [w.name.split("/")[1], w.shape]),
      [
        ["kernel", [8, 96, 64]],
        ["bias", [8, 64]],
      ],
    );
    m.dispose();
    m1.dispose();
  });

  it("Keras kernel layouts for implementation 1 and 2, both data formats", () => {
    const lc2 = (impl: 1 | 2, cf: boolean) =>
      makeLayer(2, { batch: 1, H: 5, W: 6, C: 3, F: 4, kH: 2, kW: 3, sH: 1, sW: 2, same: false, cf }, impl);
    assert.deepEqual(
      lc2(1, false).weights.map((w) => w.shape),
      [
        [4 * 2, 2 * 3 * 3, 4],
        [4, 2, 4],
      ],
    );
    assert.deepEqual(
      lc2(2, false).weights.map((w) => w.shape),
      [
        [5, 6, 3, 4, 2, 4],
        [4, 2, 4],
      ],
    );
    assert.deepEqual(
      lc2(2, true).weights.map((w) => w.shape),
      [
        [3, 5, 6, 4, 4, 2],
        [4, 2, 4],
      ],
    );
    const lc1 = (impl: 1 | 2, cf: boolean) =>
      makeLayer(1, { batch: 1, H: 1, W: 9, C: 3, F: 2, kH: 1, kW: 3, sH: 1, sW: 2, same: false, cf }, impl);
    assert.deepEqual(
      lc1(1, true).weights.map((w) => w.shape),
      [
        [4, 9, 2],
        [4, 2],
      ],
    );
    assert.deepEqual(
      lc1(2, false).weights.map((w) => w.shape),
      [
        [9, 3, 4, 2],
        [4, 2],
      ],
    );
    assert.deepEqual(
      lc1(2, true).weights.map((w) => w.shape),
      [
        [3, 9, 2, 4],
        [4, 2],
      ],
    );
    const q = lc1(1, false);
    assert.equal(q.getClassName(), "QuantLocallyConnected1D");
    assert.match(q.weights[0].name, /kernel(_\d+)?$/);
  });

  for (const { name, rank, g } of cases) {
    it(`${name}: quantizers null equal the reference, implementations 1 and 2 agree`, () => {
      const { oH, oW } = dims(g);
      const x = values(g.batch * g.H * g.W * g.C, 1, -2, 2);
      const k1 = values(oH * oW * g.kH * g.kW * g.C * g.F, 2);
      const bias = values(oH * oW * g.F, 3);
      const expected = refImpl1(g, x, k1, bias);
      const xt = tf.tensor(x, [g.batch, ...inputShapeOf(rank, g)]);
      const l1 = makeLayer(rank, g, 1);
      l1.setWeights([tf.tensor(k1, l1.weights[0].shape as number[]), tf.tensor(bias, l1.weights[1].shape as number[])]);
      const y1 = l1.apply(xt) as tf.Tensor;
      assert.deepEqual(y1.shape, shapeOfOutput(rank, g));
      assertClose(y1, expected, 1e-4);
      const k2 = impl1ToImpl2(g, k1);
      assertClose(refImpl2(g, x, k2, bias), expected, 1e-4, "reference impl 2");
      const l2 = makeLayer(rank, g, 2);
      // Entries outside the receptive fields must be masked out: fill them with noise.
      const noisy = k2.map((v, i) => (v === 0 ? 100 + i : v));
      l2.setWeights([tf.tensor(noisy, l2.weights[0].shape as number[]), tf.tensor(bias, l2.weights[1].shape as number[])]);
      assertClose(l2.apply(xt) as tf.Tensor, expected, 1e-4, "implementation 2");
    });

    it(`${name}: ste_sign on input and kernel equals the reference on sign-ed values; gradient reaches the latent kernel`, () => {
      const { oH, oW } = dims(g);
      const x = values(g.batch * g.H * g.W * g.C, 4, -2, 2);
      const k1 = values(oH * oW * g.kH * g.kW * g.C * g.F, 5, -1.5, 1.5);
      const bias = values(oH * oW * g.F, 6);
      const xt = tf.tensor(x, [g.batch, ...inputShapeOf(rank, g)]);
      const expected = refImpl1(g, x.map(sgn), k1.map(sgn), bias);
      for (const impl of [1, 2] as const) {
        // No kernelConstraint here: `setWeights` would clip the latent kernel into the STE window.
        const layer = makeLayer(rank, g, impl, { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" });
        const kernel = impl === 1 ? k1 : impl1ToImpl2(g, k1);
        layer.setWeights([tf.tensor(kernel, layer.weights[0].shape as number[]), tf.tensor(bias, layer.weights[1].shape as number[])]);
        assertClose(layer.apply(xt) as tf.Tensor, expected, 1e-4, `implementation ${impl}`);
        assert.equal((layer.weights[0] as unknown as { precision: number }).precision, 1);
        assert.ok(layer.kernelQuantizer !== null && layer.inputQuantizer !== null);
        // Gradient of Σ y·R with respect to the latent kernel.
        const R = values(g.batch * oH * oW * g.F, 7);
        const Rt = tf.tensor(R, shapeOfOutput(rank, g));
        const latent = layer.weights[0].read() as tf.Variable;
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xt) as tf.Tensor, Rt)) as tf.Scalar, [latent]);
        const grad = grads[latent.name].dataSync();
        const kernelValues = layer.weights[0].read().dataSync();
        assert.ok(
          kernelValues.some((w) => Math.abs(w) > 1),
          "some latent weights lie outside the STE window",
        );
        // Reference: ∂/∂W of a linear function of sign(W), times the STE window |W| ≤ 1.
        const fd = g.kH * g.kW * g.C;
        for (let r = 0; r < oH; r++)
          for (let c = 0; c < oW; c++)
            for (let kr = 0; kr < g.kH; kr++)
              for (let kc = 0; kc < g.kW; kc++)
                for (let ch = 0; ch < g.C; ch++)
                  for (let f = 0; f < g.F; f++) {
                    let expectedGrad = 0;
                    for (let b = 0; b < g.batch; b++) {
                      expectedGrad += sgn(x[xIndex(g, b, r * g.sH + kr, c * g.sW + kc, ch)]) * R[outIndex(g, oH, oW, b, r, c, f)];
                    }
                    const j = g.cf ? (ch * g.kH + kr) * g.kW + kc : (kr * g.kW + kc) * g.C + ch;
                    const idx =
                      impl === 1 ? ((r * oW + c) * fd + j) * g.F + f : k2Index(g, oH, oW, r * g.sH + kr, c * g.sW + kc, ch, r, c, f);
                    const w = kernelValues[idx];
                    const want = Math.abs(w) <= 1 ? expectedGrad : 0;
                    assert.ok(Math.abs(grad[idx] - want) < 1e-4, `grad[${idx}] = ${grad[idx]}, expected ${want} (w = ${w})`);
                  }
        // Outside the receptive fields (implementation 2) the mask blocks the gradient.
        if (impl === 2) {
          const mask = impl1ToImpl2(g, new Float32Array(k1.length).fill(1));
          mask.forEach((m, i) => {
            if (m === 0) assert.ok(grad[i] === 0, `masked grad[${i}] = ${grad[i]}`);
          });
        }
      }
    });
  }

  it("padding 'same' (implementation 2) equals the reference with Keras' receptive fields", () => {
    for (const g of [
      { batch: 2, H: 5, W: 6, C: 2, F: 3, kH: 3, kW: 2, sH: 1, sW: 2, same: true, cf: false },
      { batch: 1, H: 7, W: 4, C: 3, F: 2, kH: 2, kW: 3, sH: 2, sW: 1, same: true, cf: true },
    ]) {
      const { oH, oW } = dims(g);
      const x = values(g.batch * g.H * g.W * g.C, 11, -2, 2);
      const k2 = values(g.H * g.W * g.C * oH * oW * g.F, 12);
      const bias = values(oH * oW * g.F, 13);
      const layer = makeLayer(2, g, 2);
      assert.deepEqual(layer.computeOutputShape([null, ...inputShapeOf(2, g)]), g.cf ? [null, g.F, oH, oW] : [null, oH, oW, g.F]);
      layer.setWeights([tf.tensor(k2, layer.weights[0].shape as number[]), tf.tensor(bias, layer.weights[1].shape as number[])]);
      const y = layer.apply(tf.tensor(x, [g.batch, ...inputShapeOf(2, g)])) as tf.Tensor;
      assertClose(y, refImpl2(g, x, k2, bias), 1e-4);
    }
  });

  it("activation and useBias false", () => {
    const g: Geo = { batch: 2, H: 4, W: 5, C: 2, F: 3, kH: 2, kW: 2, sH: 1, sW: 1, same: false, cf: false };
    const { oH, oW } = dims(g);
    const layer = makeLayer(2, g, 1, { useBias: false, activation: "relu" });
    assert.equal(layer.weights.length, 1);
    const x = values(g.batch * g.H * g.W * g.C, 21, -2, 2);
    const k1 = values(oH * oW * g.kH * g.kW * g.C * g.F, 22);
    layer.setWeights([tf.tensor(k1, layer.weights[0].shape as number[])]);
    const y = layer.apply(tf.tensor(x, [g.batch, g.H, g.W, g.C])) as tf.Tensor;
    assertClose(
      y,
      refImpl1(g, x, k1, null).map((v) => Math.max(v, 0)),
      1e-4,
    );
  });

  it("config: Keras keys, implementation, no dilation; fromConfig rebuilds the same layer", () => {
    const layer = lq.layers.quantLocallyConnected2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      implementation: 2,
      padding: "SAME" as never,
      dataFormat: "channels_first" as never,
      inputQuantizer: "ste_sign",
      kernelQuantizer: new lq.quantizers.SteSign({ clipValue: 1.25 }),
      kernelConstraint: "weight_clip",
    });
    const config = layer.getConfig();
    assert.equal(config.implementation, 2);
    assert.equal(config.padding, "same");
    assert.equal(config.dataFormat, "channelsFirst");
    assert.ok(!("dilationRate" in config));
    assert.deepEqual(config.kernelSize, [3, 3]);
    assert.deepEqual((config.kernelConstraint as { className: string }).className, "WeightClip");
    const cls = lq.layers.QuantLocallyConnected2D as unknown as {
      fromConfig(c: unknown, config: tf.serialization.ConfigDict): lq.layers.QuantLocallyConnected2D;
    };
    const snapshot = JSON.parse(JSON.stringify(config));
    // (tfjs' fromConfig adds `customObjects` to the nested configs it is given: pass a copy.)
    const copy = cls.fromConfig(cls, { ...JSON.parse(JSON.stringify(config)), name: "copy" });
    assert.deepEqual(JSON.parse(JSON.stringify({ ...copy.getConfig(), name: config.name })), snapshot);
    assert.equal((copy.kernelQuantizer as lq.quantizers.SteSign).clipValue, 1.25);
    // Default kernel initializer is Keras' glorot_uniform.
    const init = lq.layers.quantLocallyConnected1d({ filters: 1, kernelSize: 1 }).getConfig().kernelInitializer as {
      config: { distribution: string };
    };
    assert.equal(init.config.distribution, "uniform");
  });

  it("invalid arguments throw errors naming the argument and value", () => {
    const make2 = (args: Record<string, unknown>) => () =>
      lq.layers.quantLocallyConnected2d({ filters: 2, kernelSize: 3, ...args } as never);
    assert.throws(make2({ implementation: 3 }), /Invalid implementation.*3/);
    assert.throws(make2({ padding: "same" }), /Invalid padding.*implementation 1.*"same"/);
    assert.throws(make2({ padding: "causal", implementation: 2 }), /Invalid padding.*"causal"/);
    assert.throws(make2({ filters: 0 }), /Invalid filters.*0/);
    assert.throws(make2({ kernelSize: [3, 3, 3] }), /Invalid kernelSize.*\[3,3,3\]/);
    assert.throws(make2({ strides: 0 }), /Invalid strides.*0/);
    assert.throws(make2({ dilationRate: 2 }), /Invalid dilationRate.*2/);
    assert.throws(make2({ dataFormat: "NCHW" }), /Invalid dataFormat.*"NCHW"/);
    assert.throws(make2({ kernelQuantizer: "ste_sgn" }), /Unknown quantizer.*"ste_sgn"/);
    assert.throws(make2({ depthwiseQuantizer: "ste_sign" }), /Invalid depthwiseQuantizer/);
    assert.throws(() => lq.layers.quantLocallyConnected1d({ filters: 2, kernelSize: [3, 3] } as never), /Invalid kernelSize.*\[3,3\]/);
    const small = lq.layers.quantLocallyConnected2d({ filters: 2, kernelSize: 4 });
    assert.throws(() => small.build([null, 3, 5, 1]), /too small.*kernelSize/);
    const built = lq.layers.quantLocallyConnected2d({ filters: 2, kernelSize: 2 });
    built.build([null, 4, 5, 3]);
    assert.throws(() => built.apply(tf.zeros([1, 5, 5, 3])), /built for inputs of shape \[4,5,3\].*received shape \[1,5,5,3\]/);
    assert.throws(() => built.apply(tf.zeros([1, 4, 5, 2])), /incompatible with layer .*axis 3 of input shape to have value 3/);
    const open = lq.layers.quantLocallyConnected1d({ filters: 2, kernelSize: 2 });
    assert.throws(() => open.build([null, null, 3]), /fully defined spatial/);
  });

  it("runs on the wasm backend: forward equals the reference, gradients reach kernel and input", async () => {
    await useBackend("wasm");
    try {
      const { g, rank } = cases[1];
      const { oH, oW } = dims(g);
      const x = values(g.batch * g.H * g.W * g.C, 41, -2, 2);
      const k1 = values(oH * oW * g.kH * g.kW * g.C * g.F, 42);
      const bias = values(oH * oW * g.F, 43);
      const xt = tf.tensor(x, [g.batch, ...inputShapeOf(rank, g)]);
      for (const impl of [1, 2] as const) {
        const layer = makeLayer(rank, g, impl, { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" });
        layer.setWeights([
          tf.tensor(impl === 1 ? k1 : impl1ToImpl2(g, k1), layer.weights[0].shape as number[]),
          tf.tensor(bias, layer.weights[1].shape as number[]),
        ]);
        assertClose(layer.apply(xt) as tf.Tensor, refImpl1(g, x.map(sgn), k1.map(sgn), bias), 1e-4, `wasm implementation ${impl}`);
        const latent = layer.weights[0].read() as tf.Variable;
        const { grads } = tf.variableGrads(() => tf.sum(layer.apply(xt) as tf.Tensor) as tf.Scalar, [latent]);
        assert.deepEqual(grads[latent.name].shape, latent.shape);
        assert.deepEqual(tf.grad((t: tf.Tensor) => layer.apply(t) as tf.Tensor)(xt).shape, xt.shape);
      }
    } finally {
      await useBackend("cpu");
    }
  });

  it("does not leak tensors (forward, both implementations, and gradients)", () => {
    const g: Geo = { batch: 2, H: 4, W: 5, C: 2, F: 3, kH: 2, kW: 2, sH: 1, sW: 2, same: false, cf: true };
    const x = tf.tensor(values(g.batch * g.H * g.W * g.C, 31), [g.batch, g.C, g.H, g.W]);
    for (const impl of [1, 2] as const) {
      const layer = makeLayer(2, g, impl, { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", kernelConstraint: "weight_clip" });
      const latent = layer.weights[0].read() as tf.Variable;
      assertNoTensorLeak(() => {
        (layer.apply(x) as tf.Tensor).dispose();
        const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, [latent]);
        tf.dispose([value, ...Object.values(grads)]);
        tf.dispose(tf.grad((t: tf.Tensor) => layer.apply(t) as tf.Tensor)(x));
      }, 3);
    }
  });
});
