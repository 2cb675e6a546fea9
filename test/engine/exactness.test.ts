/**
 * Exactness cases of the issue list: the engine must give the same bits (and so the same integer outputs) as
 * `model.predict` on the tfjs cpu backend. Every model here ends in a binary layer with a float output and no
 * bias / BN, so its outputs are integer dot products and the comparison is exact equality.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { forgeFile, prng, type ForgedWeight } from "./forge.js";
import { inputValues } from "./forge_models.js";
import { randomizeWeights } from "./model_fixtures.js";

type ST = tfl.SymbolicTensor;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const ap = (layer: { apply(x: ST | ST[]): unknown }, x: ST | ST[]) => layer.apply(x) as ST;
const bin = (args: Record<string, unknown>) =>
  lq.layers.quantConv2d({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);
const bdense = (args: Record<string, unknown>) =>
  lq.layers.quantDense({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);

/** Exact equality (NaN equals NaN), reporting the first differing element and how many differ. */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, context: string): void {
  assert.equal(actual.length, expected.length, `${context}: length`);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    const same = Object.is(actual[i], expected[i]) || actual[i] === expected[i] || (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!same) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad)
    assert.fail(
      `${context}: ${bad} of ${actual.length} elements differ; first at ${first}: engine ${actual[first]} vs tfjs ${expected[first]}`,
    );
}

/** Converts, predicts on the engine and on tfjs, and compares exactly. */
async function compare(model: tfl.LayersModel, x: tf.Tensor, context: string, engine?: lq.engine.Engine): Promise<lq.engine.EngineModel> {
  const em = await lq.engine.convert(model, engine ? { engine } : {});
  const expected = model.predict(x) as tf.Tensor;
  const actual = em.predict(x);
  assert.deepEqual(actual.shape, expected.shape, `${context}: shape`);
  assertSame(actual.dataSync(), expected.dataSync(), context);
  tf.dispose([actual, expected]);
  return em;
}

function setBN(
  layer: tfl.layers.Layer,
  values: { gamma?: (k: number) => number; beta?: (k: number) => number; mean?: (k: number) => number; variance?: (k: number) => number },
): void {
  const ws = layer.getWeights();
  const names = layer.weights.map((w) => w.name.split("/").pop()!.replace(/_\d+$/, ""));
  const out = ws.map((w, i) => {
    const cur = w.dataSync();
    const f = (values as Record<string, ((k: number) => number) | undefined>)[names[i].replace("moving_", "")];
    return tf.tensor(
      Float32Array.from(cur, (v, k) => (f ? f(k) : v)),
      w.shape,
    );
  });
  layer.setWeights(out);
  tf.dispose(out);
}

/** Random BN statistics from `r`: on the dot lattice (odd integer means, β = 0: tfjs's exact zeros) or off it. */
function randomBN(layer: tfl.layers.Layer, r: () => number, lattice: boolean): void {
  setBN(layer, {
    mean: () => (lattice ? 2 * Math.floor(r() * 6) - 5 : (r() - 0.5) * 9),
    beta: () => (lattice ? 0 : (r() - 0.5) * 3),
    gamma: () => (r() < 0.5 ? -1 : 1) * (0.05 + r() * 3),
    variance: () => 0.01 + r() * 7,
  });
}

/** Runs `check`, recording its assertion message in `failures` instead of stopping at the first case. */
async function collect(failures: string[], check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (e) {
    failures.push((e as Error).message);
  }
}

function tensorOf(shape: number[], seed: number, nanRate = 0): tf.Tensor {
  const r = prng(seed);
  const v = inputValues(
    shape.reduce((a, b) => a * b, 1),
    r,
  );
  if (nanRate) for (let i = 0; i < v.length; i++) if (r() < nanRate) v[i] = NaN;
  return tf.tensor(v, shape);
}

describe("exactness (issue list)", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("binary conv → BN(γ < 0) → MaxPool → BN(γ < 0) → binary conv gives the bits of model.predict", async () => {
    const build = () => {
      const input = tfl.input({ shape: [8, 8, 3] });
      let x = ap(bin({ filters: 16, kernelSize: 3, padding: "same", name: "conv" }), input);
      x = ap(tfl.layers.batchNormalization({ name: "bn1" }), x);
      x = ap(tfl.layers.maxPooling2d({ poolSize: 2, name: "pool" }), x);
      x = ap(tfl.layers.batchNormalization({ name: "bn2" }), x);
      x = ap(bin({ filters: 4, kernelSize: 3, useBias: false, name: "out" }), x);
      return tfl.model({ inputs: input, outputs: ap(tfl.layers.flatten({}), x) });
    };
    const failures: string[] = [];
    // Control (sign +1, must already pass): both BNs increasing. Then both decreasing in every channel:
    // sign(BN2(max(BN1(d)))) = sign(BN2(BN1(min d))), not of max d.
    for (const [seed, sign] of [
      [1, 1],
      [1, -1],
      [2, -1],
      [3, -1],
      [4, -1],
    ]) {
      const model = build();
      randomizeWeights(model, seed, () => 2);
      const neg = (layer: tfl.layers.Layer) => setBN(layer, { gamma: (k) => sign * (0.5 + ((k * 7 + seed) % 5) / 4) });
      neg(model.getLayer("bn1"));
      neg(model.getLayer("bn2"));
      const x = tensorOf([3, 8, 8, 3], seed);
      try {
        (await compare(model, x, `seed ${seed}, γ ${sign < 0 ? "< 0" : "> 0 (control)"}`)).dispose();
      } catch (e) {
        failures.push((e as Error).message);
      }
      x.dispose();
      model.dispose();
    }
    assert.deepEqual(failures, []);
  });

  for (const channels of [31, 65]) {
    it(`BN folded on the float path is exact where tfjs gives exactly 0: ${channels} channels → Flatten → binary dense`, async () => {
      const input = tfl.input({ shape: [5, 5, 3] });
      let x = ap(bin({ filters: channels, kernelSize: 3, useBias: false, name: "conv" }), input); // K = 27: odd dots
      x = ap(tfl.layers.batchNormalization({ name: "bn" }), x);
      x = ap(tfl.layers.flatten({}), x);
      x = ap(bdense({ units: 7, useBias: false, name: "out" }), x);
      const model = tfl.model({ inputs: input, outputs: x });
      const failures: string[] = [];
      // Control (must already pass): means off the integers. Then integer (odd) moving means with β = 0: tfjs's
      // (d − mean)·γ/√(var+ε) + 0 is exactly 0 at d = mean, whose sign is +1.
      for (const [seed, offset] of [
        [1, 0.5],
        [1, 0],
        [2, 0],
        [3, 0],
      ]) {
        randomizeWeights(model, seed, () => 1);
        const r = prng(seed * 31);
        setBN(model.getLayer("bn"), {
          mean: () => 2 * Math.floor(r() * 4) - 3 + offset,
          beta: () => 0,
          gamma: () => (r() < 0.5 ? -1 : 1) * (0.3 + r() * 2),
          variance: () => 0.1 + r() * 5,
        });
        const x = tensorOf([8, 5, 5, 3], seed + 100);
        try {
          (await compare(model, x, `seed ${seed}${offset ? " (control: means off the integers)" : ""}`)).dispose();
        } catch (e) {
          failures.push((e as Error).message);
        }
        x.dispose();
      }
      model.dispose();
      assert.deepEqual(failures, []);
    });
  }

  it("BN after a binary layer with a float output folds into it (centred double form) and stays exact, zeros included", async () => {
    const failures: string[] = [];
    let centred = 0;
    for (const [kind, channels] of [
      ["conv", 31],
      ["conv", 65],
      ["dense", 33],
    ] as const) {
      const input = tfl.input({ shape: [5, 5, 3] });
      let x =
        kind === "conv"
          ? ap(bin({ filters: channels, kernelSize: 3, useBias: false, name: "b" }), input) // K = 27: odd dots
          : ap(bdense({ units: channels, useBias: false, name: "b" }), ap(tfl.layers.flatten({}), input)); // K = 75
      x = ap(tfl.layers.batchNormalization({ name: "bn" }), x);
      const model = tfl.model({ inputs: input, outputs: x });
      // Integer (odd) means with β = 0 give tfjs's exact zeros at d = μ; then means and β off the lattice.
      for (const [seed, lattice] of [
        [1, true],
        [2, true],
        [3, false],
        [4, false],
      ] as const) {
        randomizeWeights(model, seed, () => 1);
        randomBN(model.getLayer("bn"), prng(seed * 17 + channels), lattice);
        const xt = tensorOf([6, 5, 5, 3], seed + 300);
        const context = `${kind} ${channels}, seed ${seed}${lattice ? " (integer means, β = 0)" : ""}`;
        await collect(failures, async () => {
          const em = await compare(model, xt, context);
          const nodes = em.graph.nodes;
          em.dispose();
          const ops = nodes.map((n) => n.op);
          assert.ok(!ops.includes("batchnorm"), `${context}: the BN is folded (${ops.join(" ")})`);
          if (nodes.some((n) => n.weights.center !== undefined)) centred++;
        });
        xt.dispose();
      }
      model.dispose();
    }
    assert.deepEqual(failures, []);
    // The float32 fold is one ulp off for some channel of almost every random BN: the centred form did the work.
    assert.ok(centred >= 8, `${centred} of 12 models use the centred double form`);
  });

  it("a residual Add after a binary layer and its BN is fused into the binary layer and stays exact", async () => {
    const failures: string[] = [];
    for (const kind of ["conv", "dense"] as const) {
      for (const seed of [1, 2, 3, 4]) {
        // The residual is the model input itself (a float layer before would not be bit-exact with tfjs).
        const input = tfl.input({ shape: kind === "conv" ? [5, 5, 33] : [65] });
        const r = input;
        const y0 =
          kind === "conv"
            ? ap(bin({ filters: 33, kernelSize: 3, padding: "same", padValues: 1, activation: "relu", useBias: false, name: "b" }), r)
            : ap(bdense({ units: 65, useBias: false, name: "b" }), r);
        let y = y0;
        y = ap(tfl.layers.batchNormalization({ name: "bn" }), y);
        // Keras's Add takes its inputs in either order; the sum is the output or feeds a second binary layer.
        const sum = ap(tfl.layers.add({ name: "add" }), seed % 2 ? [y, r] : [r, y]);
        const out =
          seed <= 2
            ? sum
            : kind === "conv"
              ? ap(bin({ filters: 7, kernelSize: 1, useBias: false, name: "b2" }), sum)
              : ap(bdense({ units: 7, useBias: false, name: "b2" }), sum);
        const model = tfl.model({ inputs: input, outputs: out });
        randomizeWeights(model, seed, () => 1);
        randomBN(model.getLayer("bn"), prng(seed * 7), seed === 1);
        const xt = tensorOf(kind === "conv" ? [3, 5, 5, 33] : [3, 65], seed + 500);
        const context = `${kind}, seed ${seed}`;
        await collect(failures, async () => {
          const em = await compare(model, xt, context);
          const nodes = em.graph.nodes;
          em.dispose();
          assert.ok(!nodes.some((n) => n.op === "add" || n.op === "batchnorm"), `${context}: ${nodes.map((n) => n.op).join(" ")}`);
          const b = nodes.find((n) => n.name === "b")!;
          assert.equal(b.inputs.length, 2, `${context}: the binary layer takes the residual`);
        });
        xt.dispose();
        model.dispose();
      }
    }
    assert.deepEqual(failures, []);
  });

  it("NaN inputs: the engine equals model.predict (larq-ts sign(NaN) = −1) on binary conv, binary dense and the float sign path", async () => {
    const failures: string[] = [];
    const cases: Array<[string, () => tfl.LayersModel, number[]]> = [
      [
        "binary conv",
        () => tfl.sequential({ layers: [bin({ filters: 5, kernelSize: 3, padding: "same", useBias: false, inputShape: [4, 4, 3] })] }),
        [2, 4, 4, 3],
      ],
      ["binary dense", () => tfl.sequential({ layers: [bdense({ units: 6, useBias: false, inputShape: [70] })] }), [3, 70]],
      [
        "sign input quantizer, float kernel",
        () =>
          tfl.sequential({
            layers: [
              lq.layers.quantConv2d({
                filters: 3,
                kernelSize: 2,
                inputQuantizer: "ste_sign",
                useBias: false,
                inputShape: [4, 4, 2],
              } as never),
            ],
          }),
        [2, 4, 4, 2],
      ],
    ];
    for (const [what, build, shape] of cases) {
      const model = build();
      randomizeWeights(model, 5);
      if (what.startsWith("sign")) {
        // Dyadic kernel values: the float sums are exact in any order.
        const k = model.layers[0].getWeights()[0];
        const d = tf.tensor(
          Float32Array.from(k.dataSync(), (v) => Math.round(v * 8) / 8),
          k.shape,
        );
        model.layers[0].setWeights([d]);
        d.dispose();
      }
      const x = tensorOf(shape, 9, 0.3);
      try {
        (await compare(model, x, what)).dispose();
      } catch (e) {
        failures.push((e as Error).message);
      }
      x.dispose();
      model.dispose();
    }
    assert.deepEqual(failures, []);
  });

  it("grouped binary convolutions (QuantConv2D groups > 1) convert and match model.predict", async () => {
    const failures: string[] = [];
    const build1 = () =>
      tfl.sequential({ layers: [bin({ filters: 6, kernelSize: 3, groups: 2, padding: "same", useBias: false, inputShape: [6, 6, 4] })] });
    const build2 = () => {
      const input = tfl.input({ shape: [5, 5, 64] });
      let x = ap(bin({ filters: 128, kernelSize: 3, groups: 4, padding: "same", padValues: -1, name: "g1" }), input);
      x = ap(tfl.layers.batchNormalization({}), x);
      x = ap(bin({ filters: 8, kernelSize: 3, groups: 2, useBias: false, name: "g2" }), x);
      return tfl.model({ inputs: input, outputs: ap(tfl.layers.flatten({}), x) });
    };
    for (const [what, build, shape] of [
      ["groups 2, 4 → 6 channels", build1, [2, 6, 6, 4]],
      ["groups 4 then 2, bits between", build2, [2, 5, 5, 64]],
    ] as const) {
      const model = build();
      randomizeWeights(model, 3, () => 3);
      const x = tensorOf([...shape], 4);
      try {
        (await compare(model, x, what)).dispose();
      } catch (e) {
        failures.push(`${what}: ${(e as Error).message}`);
      }
      x.dispose();
      model.dispose();
    }
    assert.deepEqual(failures, []);
  });

  it("strides and dilations both > 1 (bconv2d with pad values 0/±1, conv2d, depthwise) match a tfjs oracle", async () => {
    // larq-ts / tfjs layers refuse strides > 1 with dilation > 1, so the graphs are forged; the oracle is tfjs
    // conv2d / depthwiseConv2d of explicitly padded inputs with zero-dilated kernels (exact: ±1 or dyadic values).
    const failures: string[] = [];
    const r = prng(77);
    const dilate = (k: Float32Array, [kh, kw, a, b]: number[], [dy, dx]: number[]) => {
      const eh = (kh - 1) * dy + 1,
        ew = (kw - 1) * dx + 1;
      const out = new Float32Array(eh * ew * a * b);
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) for (let i = 0; i < a * b; i++) out[(y * dy * ew + x * dx) * a * b + i] = k[(y * kw + x) * a * b + i];
      return tf.tensor4d(out, [eh, ew, a, b]);
    };
    const geom = (n: number, k: number, s: number, d: number, padding: string) => {
      const eff = (k - 1) * d + 1;
      if (padding === "valid") return { out: Math.floor((n - eff) / s) + 1, before: 0, after: 0 };
      const out = Math.ceil(n / s);
      const total = Math.max((out - 1) * s + eff - n, 0);
      return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
    };
    const configs: Array<{
      op: "bconv2d" | "conv2d" | "depthwise";
      k: number[];
      s: number[];
      d: number[];
      padding: string;
      pv: number;
      h: number;
      w: number;
      cin: number;
      cout: number;
    }> = [];
    for (const op of ["bconv2d", "conv2d", "depthwise"] as const) {
      for (const [s, d] of [
        [
          [2, 2],
          [2, 2],
        ],
        [
          [2, 3],
          [3, 2],
        ],
        [
          [3, 1],
          [2, 2],
        ],
        [
          [2, 2],
          [1, 3],
        ],
      ]) {
        for (const padding of ["same", "valid"]) {
          for (const pv of op === "bconv2d" ? [0, 1, -1] : [0])
            configs.push({
              op,
              k: [3, 2],
              s,
              d,
              padding,
              pv,
              h: 11,
              w: 10,
              cin: op === "bconv2d" ? 33 : 3,
              cout: op === "depthwise" ? 6 : 5,
            });
        }
      }
    }
    for (const c of configs) {
      const gy = geom(c.h, c.k[0], c.s[0], c.d[0], c.padding),
        gx = geom(c.w, c.k[1], c.s[1], c.d[1], c.padding);
      const kshape = [c.k[0], c.k[1], c.cin, c.op === "depthwise" ? c.cout / c.cin : c.cout];
      const kernel = Float32Array.from({ length: kshape.reduce((a, b) => a * b, 1) }, () => Math.round((r() * 2 - 1) * 8) / 8);
      const outShape = [gy.out, gx.out, c.cout];
      const inShape = [c.h, c.w, c.cin];
      const geomAttrs = { kernelSize: c.k, strides: c.s, dilations: c.d, padding: c.padding, padValue: c.pv };
      const nodes: Array<Record<string, unknown>> = [
        { name: "in", op: "input", inputs: [], attrs: {}, weights: {}, shape: inShape, dtype: "float32" },
      ];
      const weights: ForgedWeight[] = [];
      if (c.op === "bconv2d") {
        nodes.push({ name: "sp", op: "signpack", inputs: [0], attrs: {}, weights: {}, shape: inShape, dtype: "bits" });
        nodes.push({
          name: "conv",
          op: "bconv2d",
          inputs: [1],
          attrs: { ...geomAttrs, inChannels: c.cin, outChannels: c.cout, transform: "float" },
          weights: { filter: "2/filter", multiplier: "2/multiplier", bias: "2/bias" },
          shape: outShape,
          dtype: "float32",
        });
        weights.push(
          { key: "2/filter", kind: "bits", shape: kshape, data: kernel },
          { key: "2/multiplier", kind: "float32", shape: [c.cout], data: new Float32Array(c.cout).fill(1) },
          { key: "2/bias", kind: "float32", shape: [c.cout], data: new Float32Array(c.cout) },
        );
      } else {
        nodes.push({
          name: "conv",
          op: c.op,
          inputs: [0],
          attrs: geomAttrs,
          weights: { kernel: "1/kernel" },
          shape: outShape,
          dtype: "float32",
        });
        weights.push({ key: "1/kernel", kind: "float32", shape: kshape, data: kernel });
      }
      const context = `${c.op} strides ${c.s} dilations ${c.d} ${c.padding} padValue ${c.pv}`;
      const x = tensorOf([2, ...inShape], 11);
      let em: lq.engine.EngineModel | undefined;
      try {
        em = await lq.engine.load(forgeFile({ nodes, output: nodes.length - 1 }, weights));
        const actual = em.predict(x);
        const expected = tf.tidy(() => {
          let v = c.op === "bconv2d" ? tf.where(tf.less(x, 0), tf.fill(x.shape, -1), tf.onesLike(x)) : x;
          v = tf.pad(
            v,
            [
              [0, 0],
              [gy.before, gy.after],
              [gx.before, gx.after],
              [0, 0],
            ],
            c.pv,
          );
          const kd =
            c.op === "bconv2d"
              ? dilate(
                  Float32Array.from(kernel, (w) => (w < 0 ? -1 : 1)),
                  kshape,
                  c.d,
                )
              : dilate(kernel, kshape, c.d);
          return c.op === "depthwise"
            ? tf.depthwiseConv2d(v as tf.Tensor4D, kd, c.s as [number, number], "valid")
            : tf.conv2d(v as tf.Tensor4D, kd, c.s as [number, number], "valid");
        });
        assert.deepEqual(actual.shape, expected.shape, `${context}: shape`);
        assertSame(actual.dataSync(), expected.dataSync(), context);
        tf.dispose([actual, expected]);
      } catch (e) {
        failures.push(`${context}: ${(e as Error).message.slice(0, 300)}`);
      }
      em?.dispose();
      x.dispose();
    }
    assert.deepEqual(failures, []);
  });

  it("found by the fuzz: global average pooling equals tfjs's mean exactly, also as the input of a binary dense", async () => {
    // tfjs (cpu) computes mean as Σ (x / n), not (Σ x) / n; a binary layer after it sees the sign of that value.
    const failures: string[] = [];
    for (const [h, w, c] of [
      [3, 3, 3],
      [3, 2, 63],
      [5, 5, 65],
      [6, 1, 3],
      [7, 2, 33],
    ]) {
      for (const binaryHead of [false, true]) {
        const input = tfl.input({ shape: [h, w, c] });
        const g = ap(tfl.layers.globalAveragePooling2d({}), input);
        const out = binaryHead ? ap(bdense({ units: 4, useBias: false }), g) : g;
        const model = tfl.model({ inputs: input, outputs: out });
        randomizeWeights(model, 2);
        // Per channel, three dyadic values that cancel exactly (e.g. −1, 0.75, 0.25) at random positions: (Σ x)/n is
        // exactly 0 (sign +1), while Σ (x/n) of the rounded quotients is a tiny non-zero of either sign.
        const r = prng(h * 100 + c);
        const data = new Float32Array(4 * h * w * c);
        const triples = [
          [-1, 0.75, 0.25],
          [1, -0.75, -0.25],
          [-3, 2, 1],
          [0.5, -0.375, -0.125],
          [-1, 0.5, 0.5],
        ];
        for (let b = 0; b < 4; b++)
          for (let ch = 0; ch < c; ch++) {
            const t = pick(r, triples);
            const pos = Array.from({ length: h * w }, (_, i) => i)
              .sort(() => r() - 0.5)
              .slice(0, 3);
            pos.forEach((p, k) => (data[(b * h * w + p) * c + ch] = t[k]));
          }
        const x = tf.tensor(data, [4, h, w, c]);
        try {
          (await compare(model, x, `[${h},${w},${c}]${binaryHead ? " → binary dense" : ""}`)).dispose();
        } catch (e) {
          failures.push((e as Error).message);
        }
        x.dispose();
        model.dispose();
      }
    }
    assert.deepEqual(failures, []);
  });

  it("AveragePooling2D (kernel lce_favgpool) equals model.predict bit for bit, SIMD and no-SIMD builds, channel counts around its 8-lane blocks", async () => {
    const engines: Array<[string, lq.engine.Engine | undefined]> = [
      ["SIMD", undefined],
      ["no-SIMD", await lq.engine.loadEngine({ simd: false })],
    ];
    const failures: string[] = [];
    for (const channels of [1, 3, 7, 8, 9, 16, 17]) {
      for (const [poolSize, strides, padding] of [
        [2, 2, "valid"],
        [3, 1, "same"],
        [[3, 2], [2, 1], "same"],
        [5, 5, "same"],
      ] as const) {
        const model = tfl.sequential({
          layers: [
            tfl.layers.averagePooling2d({ poolSize: poolSize as never, strides: strides as never, padding, inputShape: [7, 6, channels] }),
          ],
        });
        // Non-dyadic values of mixed magnitudes (and exact zeros), so a float32 sum or a reordered sum would differ.
        const r = prng(channels * 31 + 5);
        const values = Float32Array.from({ length: 2 * 7 * 6 * channels }, () => (r() < 0.1 ? 0 : (r() - 0.5) * (r() < 0.3 ? 1e6 : 3)));
        const x = tf.tensor(values, [2, 7, 6, channels]);
        for (const [what, engine] of engines) {
          try {
            (await compare(model, x, `${what}, ${channels} channels, pool ${poolSize} stride ${strides} ${padding}`, engine)).dispose();
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
        x.dispose();
        model.dispose();
      }
    }
    assert.deepEqual(failures, []);
  });

  it("found by the fuzz: NaN through MaxPooling2D / GlobalMaxPooling2D follows model.predict (tfjs cpu max pooling skips NaN, an all-NaN window gives −Infinity)", async () => {
    const failures: string[] = [];
    const cases: Array<[string, () => tfl.LayersModel]> = [
      ["maxpool 2×2 valid", () => tfl.sequential({ layers: [tfl.layers.maxPooling2d({ poolSize: 2, inputShape: [4, 4, 3] })] })],
      [
        "maxpool 3×3 same stride 1",
        () => tfl.sequential({ layers: [tfl.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: "same", inputShape: [4, 4, 3] })] }),
      ],
      ["global max", () => tfl.sequential({ layers: [tfl.layers.globalMaxPooling2d({ inputShape: [4, 4, 3] })] })],
      [
        "maxpool → binary conv",
        () =>
          tfl.sequential({
            layers: [tfl.layers.maxPooling2d({ poolSize: 2, inputShape: [4, 4, 3] }), bin({ filters: 4, kernelSize: 2, useBias: false })],
          }),
      ],
    ];
    for (const [what, build] of cases) {
      const model = build();
      randomizeWeights(model, 6);
      const x = tensorOf([2, 4, 4, 3], 21, 0.35);
      try {
        (await compare(model, x, what)).dispose();
      } catch (e) {
        failures.push((e as Error).message);
      }
      x.dispose();
      model.dispose();
    }
    assert.deepEqual(failures, []);
  });
});
