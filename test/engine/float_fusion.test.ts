/**
 * The clamp-folding pass (src/engine/float_fusion.ts): `batchnorm → clamp` and `clamp → maxpool` become one node
 * each, with outputs bit for bit those of `model.predict` on the tfjs cpu backend — signed zeros, NaN and all-NaN
 * pooling windows included — on the SIMD and the no-SIMD builds; a clamp is not folded where its input has another
 * consumer; a file with a bad `clamp` is rejected.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { useBackend } from "../helpers.js";
import { prng } from "./forge.js";

type ST = tfl.SymbolicTensor;
const { encodeEngineFile } = lqi.engine;
const ap = (layer: { apply(x: ST | ST[]): unknown }, x: ST | ST[]) => layer.apply(x) as ST;

/** Bit-exact equality: −0 differs from +0, NaN equals NaN. */
function assertBits(actual: Float32Array, expected: Float32Array, context: string): void {
  assert.equal(actual.length, expected.length, `${context}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i] && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i])))
      assert.fail(
        `${context}: element ${i}: engine ${Object.is(actual[i], -0) ? "-0" : actual[i]} vs tfjs ${Object.is(expected[i], -0) ? "-0" : expected[i]}`,
      );
  }
}

/** Random BatchNormalization parameters: γ of both signs, β, μ and σ² > 0, non-dyadic. */
function setBN(layer: tfl.layers.Layer, seed: number): void {
  const r = prng(seed);
  const ws = layer.getWeights().map((w, i) =>
    tf.tensor(
      Float32Array.from({ length: w.size }, () => (i === 3 ? 0.1 + r() * 2 : (r() - 0.4) * 3)),
      w.shape,
    ),
  );
  layer.setWeights(ws);
  tf.dispose(ws);
}

/** Input values with negatives, exact zeros of both signs and NaN. */
function input(shape: number[], seed: number): tf.Tensor {
  const r = prng(seed);
  const pool = [-0, 0, -1, NaN];
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (r() < 0.4 ? pool[Math.floor(r() * 4)] : (r() - 0.5) * 9)),
    shape,
  );
}

async function engines(): Promise<Array<[string, lq.engine.Engine | undefined]>> {
  return [
    ["SIMD", undefined],
    ["no-SIMD", await lq.engine.loadEngine({ simd: false })],
  ];
}

async function check(model: tfl.LayersModel, x: tf.Tensor, context: string): Promise<lq.engine.EngineGraph> {
  const want = model.predict(x) as tf.Tensor;
  const expected = want.dataSync() as Float32Array;
  let graph: lq.engine.EngineGraph | undefined;
  for (const [what, engine] of await engines()) {
    const em = await lq.engine.convert(model, engine ? { engine } : {});
    const got = em.predict(x);
    assertBits(got.dataSync() as Float32Array, expected, `${context}, ${what}`);
    graph = em.graph;
    got.dispose();
    em.dispose();
  }
  want.dispose();
  return graph!;
}

const ops = (g: lq.engine.EngineGraph) => g.nodes.map((n) => (n.attrs.clamp ? `${n.op}+${n.attrs.clamp}` : n.op));

describe("lq.engine: clamp activations folded into batchnorm and maxpool", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("BatchNormalization → relu / relu6 / hardtanh is one batchnorm node, exact for every channel count", async () => {
    for (const [layer, name] of [
      [() => tfl.layers.activation({ activation: "relu" }), "relu"],
      [() => tfl.layers.reLU({ maxValue: 6 }), "relu6"],
      [() => tfl.layers.activation({ activation: "hard_tanh" as never }), "hardtanh"],
    ] as const) {
      for (const channels of [1, 3, 4, 9]) {
        const inp = tfl.input({ shape: [5, 4, channels] });
        const bn = tfl.layers.batchNormalization({});
        const model = tfl.model({ inputs: inp, outputs: ap(layer(), ap(bn, inp)) });
        setBN(bn, channels);
        const x = input([2, 5, 4, channels], channels + 7);
        const g = await check(model, x, `BN → ${name}, ${channels} channels`);
        assert.deepEqual(ops(g), ["input", `batchnorm+${name}`]);
        x.dispose();
        model.dispose();
      }
    }
  });

  it("relu / relu6 → MaxPooling2D is one maxpool node clamping every tap: −0 taps and all-NaN windows as tfjs", async () => {
    const cases: Array<[string, () => tfl.layers.Layer, Record<string, unknown>]> = [
      ["relu, 2×2 valid", () => tfl.layers.reLU({}), { poolSize: 2 }],
      ["relu6, 3×3 same stride 1", () => tfl.layers.reLU({ maxValue: 6 }), { poolSize: 3, strides: 1, padding: "same" }],
      ["relu, 2×1 stride 2,1", () => tfl.layers.activation({ activation: "relu" }), { poolSize: [2, 1], strides: [2, 1] }],
      ["hardtanh, 2×2 stride 1", () => tfl.layers.activation({ activation: "hard_tanh" as never }), { poolSize: 2, strides: 1 }],
    ];
    for (const [what, act, pool] of cases) {
      for (const channels of [1, 7, 8, 9, 16]) {
        const model = tfl.sequential({
          layers: [tfl.layers.inputLayer({ inputShape: [6, 6, channels] }), act(), tfl.layers.maxPooling2d(pool as never)],
        });
        const x = input([2, 6, 6, channels], channels * 13 + 1);
        const g = await check(model, x, `${what}, ${channels} channels`);
        assert.equal(ops(g).join(" "), `input maxpool+${what.split(",")[0]}`);
        // The same clamp alone (an activation node): −0 → +0 for relu and relu6 as tfjs, −0 kept by hard tanh.
        const alone = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [6, 6, channels] }), act()] });
        assert.deepEqual(ops(await check(alone, x, `${what.split(",")[0]} alone, ${channels} channels`)), ["input", "activation"]);
        alone.dispose();
        x.dispose();
        model.dispose();
      }
    }
  });

  it("leaves a clamp alone where the value before it has another consumer or is the model output", async () => {
    const inp = tfl.input({ shape: [4, 4, 3] });
    const bn = tfl.layers.batchNormalization({});
    const y = ap(bn, inp);
    const model = tfl.model({ inputs: inp, outputs: ap(tfl.layers.add({}), [ap(tfl.layers.reLU({}), y), y]) });
    setBN(bn, 3);
    const x = input([2, 4, 4, 3], 5);
    assert.deepEqual(ops(await check(model, x, "BN feeding relu and add")), ["input", "batchnorm", "activation", "add"]);
    // BN → relu as the model output folds; a relu feeding two pools stays.
    const r = ap(tfl.layers.reLU({}), inp);
    const last = tfl.model({ inputs: inp, outputs: ap(tfl.layers.reLU({}), ap(bn, inp)) });
    assert.deepEqual(ops(await check(last, x, "BN → relu at the output")), ["input", "batchnorm+relu"]);
    const twoPools = tfl.model({
      inputs: inp,
      outputs: ap(tfl.layers.concatenate({}), [
        ap(tfl.layers.maxPooling2d({ poolSize: 2 }), r),
        ap(tfl.layers.maxPooling2d({ poolSize: 2, name: "p2" }), r),
      ]),
    });
    assert.deepEqual(ops(await check(twoPools, x, "relu feeding two pools")), ["input", "activation", "maxpool", "maxpool", "concat"]);
    twoPools.dispose();
    x.dispose();
    model.dispose();
    last.dispose();
  });

  it("rejects a file whose batchnorm or maxpool has a bad clamp, naming the node", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.inputLayer({ inputShape: [4, 4, 2] }),
        tfl.layers.batchNormalization({}),
        tfl.layers.reLU({}),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
      ],
    });
    const em = await lq.engine.convert(model);
    for (const [op, clamp] of [
      ["batchnorm", "abc"],
      ["batchnorm", 1],
      ["maxpool", "sigmoid"],
    ] as const) {
      const nodes = em.graph.nodes.map((n) => (n.op === op ? { ...n, attrs: { ...n.attrs, clamp } } : n));
      const bytes = encodeEngineFile({ ...em.graph, nodes });
      await assert.rejects(lq.engine.load(bytes), (e: Error) => {
        assert.match(e.message, new RegExp(`node \\d+ .*\\(${op}\\).*bad clamp ${JSON.stringify(clamp).replace(/"/g, '"')}`));
        return true;
      });
    }
    em.dispose();
    model.dispose();
  });
});
