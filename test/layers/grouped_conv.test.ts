/**
 * Grouped convolutions (Keras's `groups`) in QuantConv1D/2D/3D: forward values and gradients against a
 * slow JS grouped convolution on sign-ed inputs and kernels, validation, config and model round trips.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { saveAndLoad } from "../quantizers/model_io.js";
import { assertClose, assertNoTensorLeak, seededValues, useBackend } from "../helpers.js";
import { slowGroupedConv } from "./reference.js";

type Args = Record<string, unknown>;
const L = lq.layers as unknown as Record<string, (args: Args) => tfl.layers.Layer>;

/** Values in (-1.5, 1.5) away from 0, so that signs are unambiguous and some |v| > 1 (zero STE gradient). */
function values(n: number, seed: number): number[] {
  return Array.from(seededValues(n, seed, -1.5, 1.5), (v) => (Math.abs(v) < 0.05 ? 0.3 : v));
}
const signJs = (v: number) => (v < 0 ? -1 : 1);
const steMask = (v: number) => (Math.abs(v) <= 1 ? 1 : 0);
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface Case {
  factory: string;
  args: Args;
  /** Channels-last input shape. */
  input: number[];
}

const CASES: Case[] = [
  { factory: "quantConv1d", args: { filters: 6, kernelSize: 3, groups: 2, strides: 2, padding: "same" }, input: [2, 7, 4] },
  {
    factory: "quantConv1d",
    args: { filters: 3, kernelSize: 2, groups: 3, dilationRate: 2, padding: "causal", dataFormat: "channels_first" },
    input: [1, 6, 3],
  },
  {
    factory: "quantConv2d",
    args: { filters: 2, kernelSize: [3, 2], groups: 2, strides: [2, 1], padding: "same", padValues: 1 },
    input: [2, 5, 4, 4],
  },
  {
    factory: "quantConv2d",
    args: { filters: 8, kernelSize: 3, groups: 4, dilationRate: 2, dataFormat: "channelsFirst" },
    input: [1, 7, 6, 4],
  },
  {
    factory: "quantConv2d",
    args: { filters: 6, kernelSize: 3, groups: 3, padding: "same", padValues: -1, activation: "relu" },
    input: [1, 4, 5, 6],
  },
  { factory: "quantConv3d", args: { filters: 4, kernelSize: 2, groups: 2, padding: "same" }, input: [1, 3, 4, 3, 2] },
];

/** Explicit paddings of a channels-last input, computed here from Keras's definitions. */
function paddingsOf(c: Case, rank: number): Array<[number, number]> {
  const k = (typeof c.args.kernelSize === "number" ? new Array(rank).fill(c.args.kernelSize) : c.args.kernelSize) as number[];
  const s = (
    c.args.strides === undefined
      ? new Array(rank).fill(1)
      : typeof c.args.strides === "number"
        ? new Array(rank).fill(c.args.strides)
        : c.args.strides
  ) as number[];
  const d = (c.args.dilationRate === undefined ? new Array(rank).fill(1) : new Array(rank).fill(c.args.dilationRate)) as number[];
  return k.map((kj, j) => {
    if (c.args.padding === "causal") return [(kj - 1) * d[j], 0] as [number, number];
    if (c.args.padding !== "same") return [0, 0] as [number, number];
    const n = c.input[j + 1];
    const total = Math.max((Math.ceil(n / s[j]) - 1) * s[j] + (kj - 1) * d[j] + 1 - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)] as [number, number];
  });
}

function geometry(c: Case, rank: number): { strides: number[]; dilation: number[] } {
  const s = c.args.strides === undefined ? 1 : c.args.strides;
  const d = c.args.dilationRate === undefined ? 1 : c.args.dilationRate;
  return {
    strides: typeof s === "number" ? new Array(rank).fill(s) : (s as number[]),
    dilation: new Array(rank).fill(d as number),
  };
}

const channelsFirst = (c: Case) => c.args.dataFormat === "channels_first" || c.args.dataFormat === "channelsFirst";
const toFirst = (r: number) => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
const toLast = (r: number) => [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];

describe("grouped convolutions (groups > 1)", () => {
  before(() => useBackend("cpu"));

  for (const c of CASES) {
    const label = `${c.factory}(${JSON.stringify(c.args)}) on [${c.input}]`;
    it(`${label}: ste_sign output and gradients equal the slow grouped convolution on sign(x), sign(W)`, () => {
      const rank = c.input.length - 2;
      const groups = c.args.groups as number;
      // No kernelConstraint: tfjs would clip the latent weights set below, hiding the STE's zero gradient for |w| > 1.
      const layer = L[c.factory]({ ...c.args, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" });
      const first = channelsFirst(c);
      const xData = values(size(c.input), 1);
      const xLast = tf.tensor(xData, c.input);
      const x = first ? tf.transpose(xLast, toFirst(c.input.length)) : xLast;
      tf.dispose(layer.apply(x) as tf.Tensor);
      const [kernel, bias] = layer.getWeights();
      const inC = c.input[c.input.length - 1];
      assert.deepEqual(kernel.shape.slice(-2), [inC / groups, c.args.filters], "Keras's kernel shape (…k, C/G, F)");
      const wData = values(kernel.size, 2);
      const bData = values(bias.size, 3);
      layer.setWeights([tf.tensor(wData, kernel.shape), tf.tensor(bData, bias.shape)]);

      const { strides, dilation } = geometry(c, rank);
      const pads = paddingsOf(c, rank);
      const padValue = (c.args.padValues as number | undefined) ?? 0;
      const yRaw = tf.tidy(() => {
        const y = layer.apply(x) as tf.Tensor;
        return first ? tf.transpose(y, toLast(y.rank)) : y;
      });
      const coeff = values(yRaw.size, 4);
      const ref = slowGroupedConv(
        xData.map(signJs),
        c.input,
        wData.map(signJs),
        kernel.shape,
        groups,
        strides,
        dilation,
        pads,
        padValue,
        coeff,
      );
      assert.deepEqual(yRaw.shape, ref.yShape);
      const filters = c.args.filters as number;
      const relu = c.args.activation === "relu";
      const expected = Array.from(ref.y, (v, i) => {
        const z = v + bData[i % filters];
        return relu ? Math.max(z, 0) : z;
      });
      assertClose(yRaw, expected, 1e-5, label);

      // Gradients of Σ coeff·y: STE masks on x and W; relu passes where z > 0.
      const active = expected.map((v) => (relu ? (v > 0 ? 1 : 0) : 1));
      const coeffEff = coeff.map((v, i) => v * active[i]);
      const refG = slowGroupedConv(
        xData.map(signJs),
        c.input,
        wData.map(signJs),
        kernel.shape,
        groups,
        strides,
        dilation,
        pads,
        padValue,
        coeffEff,
      );
      const coeffT = tf.tensor(coeff, ref.yShape);
      const coeffLayer = first ? tf.transpose(coeffT, toFirst(coeffT.rank)) : coeffT;
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, coeffLayer)) as tf.Scalar, vars);
      assertClose(
        grads[vars[0].name],
        Array.from(refG.dw, (g, i) => g * steMask(wData[i])),
        1e-4,
        `${label} kernel gradient`,
      );
      const dbRef = new Array<number>(filters).fill(0);
      coeffEff.forEach((v, i) => (dbRef[i % filters] += v));
      assertClose(grads[vars[1].name], dbRef, 1e-4, `${label} bias gradient`);
      const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, coeffLayer)))(x);
      const dxLast = first ? tf.transpose(dx, toLast(dx.rank)) : dx;
      assertClose(
        dxLast,
        Array.from(refG.dx, (g, i) => g * steMask(xData[i])),
        1e-4,
        `${label} input gradient`,
      );
      assert.ok(
        Array.from(refG.dx).some((g, i) => g !== 0 && steMask(xData[i]) === 0),
        "some input gradients are clipped",
      );
      assert.ok(
        Array.from(refG.dw).some((g, i) => g !== 0 && steMask(wData[i]) === 0),
        "some kernel gradients are clipped",
      );
    });
  }

  it("without quantizers equals one tfjs float convolution per group, concatenated", () => {
    const layer = lq.layers.quantConv2d({ filters: 4, kernelSize: 3, groups: 2, padding: "same" });
    const x = tf.tensor(values(2 * 5 * 5 * 6, 7), [2, 5, 5, 6]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    const w = tf.tensor(values(3 * 3 * 3 * 4, 8), [3, 3, 3, 4]);
    const b = tf.tensor(values(4, 9), [4]);
    layer.setWeights([w, b]);
    const parts = [0, 1].map((g) => {
      const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: "same", useBias: false });
      const xg = tf.slice(x, [0, 0, 0, 3 * g], [-1, -1, -1, 3]);
      tf.dispose(conv.apply(xg) as tf.Tensor);
      conv.setWeights([tf.slice(w, [0, 0, 0, 2 * g], [-1, -1, -1, 2])]);
      return conv.apply(xg) as tf.Tensor;
    });
    assertClose(layer.apply(x) as tf.Tensor, tf.add(tf.concat(parts, 3), b), 1e-5);
  });

  it("model.fit trains a grouped layer and the tensor count stays flat", async () => {
    const input = tfl.input({ shape: [6, 4] });
    const layer = lq.layers.quantConv1d({
      filters: 2,
      kernelSize: 3,
      groups: 2,
      inputQuantizer: "ste_sign",
      kernelQuantizer: "ste_sign",
      kernelConstraint: "weight_clip",
    });
    const model = tfl.model({
      inputs: input,
      outputs: tfl.layers.flatten().apply(layer.apply(input) as tfl.SymbolicTensor) as tfl.SymbolicTensor,
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
    const x = tf.tensor(values(3 * 6 * 4, 10), [3, 6, 4]);
    const y = tf.tensor(values(3 * 8, 11), [3, 8]);
    const before = Array.from(layer.getWeights()[0].dataSync());
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    assert.ok(
      Array.from(layer.getWeights()[0].dataSync()).some((v, i) => v !== before[i]),
      "the kernel moved",
    );
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    assertNoTensorLeak(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars);
      tf.dispose([value, ...Object.values(grads)]);
    });
  });

  it("bad groups throw naming groups and the value", () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => lq.layers.quantConv2d({ filters: 4, kernelSize: 3, groups: 0 }), /Invalid groups: .*positive integer.*received 0/],
      [() => lq.layers.quantConv2d({ filters: 4, kernelSize: 3, groups: 1.5 }), /Invalid groups: .*received 1.5/],
      [() => lq.layers.quantConv1d({ filters: 4, kernelSize: 3, groups: "2" as never }), /Invalid groups: .*received "2"/],
      [
        () => lq.layers.quantConv3d({ filters: 3, kernelSize: 1, groups: 2 }),
        /Invalid groups: expected a positive integer that divides filters \(3\), received 2/,
      ],
      [
        () => lq.layers.quantConv2d({ filters: 4, kernelSize: 1, groups: 2 }).apply(tf.zeros([1, 3, 3, 3])),
        /Invalid groups: expected a divisor of the number of input channels \(3\), received 2/,
      ],
      [
        () => lq.layers.quantDepthwiseConv2d({ kernelSize: 3, groups: 2 } as never),
        /Invalid groups: expected 1 \(this layer has no grouped form\), received 2/,
      ],
      [() => lq.layers.quantConv2dTranspose({ filters: 2, kernelSize: 3, groups: 2 } as never), /Invalid groups: .*received 2/],
    ];
    for (const [fn, pattern] of bad) assert.throws(fn, pattern);
    // Keras writes groups: 1 into every convolution's config; it is accepted everywhere.
    assert.equal(lq.layers.quantSeparableConv2d({ filters: 2, kernelSize: 3, groups: 1 } as never).getClassName(), "QuantSeparableConv2D");
    // An input with the wrong channel count after building is rejected by the input spec.
    const built = lq.layers.quantConv2d({ filters: 4, kernelSize: 1, groups: 2 });
    tf.dispose(built.apply(tf.zeros([1, 2, 2, 4])) as tf.Tensor);
    assert.throws(() => built.apply(tf.zeros([1, 2, 2, 2])), /axis 3|expected axis|incompatible/i);
  });

  it("groups is in the config, survives fromConfig and a saved and loaded model", async () => {
    const input = tfl.input({ shape: [5, 5, 4] });
    const layer = lq.layers.quantConv2d({ filters: 6, kernelSize: 3, groups: 2, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    assert.equal(layer.getConfig().groups, 2);
    assert.equal(lq.layers.quantConv1d({ filters: 2, kernelSize: 1 }).getConfig().groups, 1, "groups: 1 written as Keras does");
    const copy = new lq.layers.QuantConv2D({ ...(layer.getConfig() as Record<string, unknown>), name: undefined } as never);
    assert.equal(copy.groups, 2);
    const { topology, loaded } = await saveAndLoad(model);
    assert.match(topology, /"groups":2/);
    const restored = loaded.layers[1] as lq.layers.QuantConv2D;
    assert.equal(restored.groups, 2);
    assert.deepEqual(restored.getWeights()[0].shape, [3, 3, 2, 6]);
    const x = tf.tensor(values(5 * 5 * 4, 12), [1, 5, 5, 4]);
    assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 0);
  });
});
