/**
 * Grouped binary convolutions (QuantConv2D groups > 1): converted models equal `model.predict` exactly (float and
 * packed-bit outputs, groups whose channels are not word-aligned, padding values, strides, dilations, BN, a bits
 * chain between grouped layers, MagnitudeAwareSign kernels), and the engine file round-trips them.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { useBackend } from "../helpers.js";
import { randomizeWeights } from "./model_fixtures.js";

type ST = tfl.SymbolicTensor;
const ap = (layer: { apply(x: ST | ST[]): unknown }, x: ST | ST[]) => layer.apply(x) as ST;
const bin = (args: Record<string, unknown>) =>
  lq.layers.quantConv2d({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);

function inputOf(shape: number[], seed: number): tf.Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s % 11 === 0 ? 0 : s / 2147483648 - 1;
    }),
    shape,
  );
}

async function same(model: tfl.LayersModel, shape: number[], seed: number): Promise<lq.engine.EngineModel> {
  const em = await lq.engine.convert(model);
  const x = inputOf(shape, seed);
  const want = model.predict(x) as tf.Tensor;
  const got = em.predict(x);
  assert.deepEqual(got.shape, want.shape);
  assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
  // The file round trip runs the same grouped op.
  const again = await lq.engine.load(em.save());
  const got2 = again.predict(x);
  assert.deepEqual(Array.from(got2.dataSync()), Array.from(want.dataSync()));
  tf.dispose([x, want, got, got2]);
  again.dispose();
  return em;
}

describe("lq.engine: grouped binary convolutions", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("float outputs: groups 2 / 3 / 4, unaligned group channels, padValues 0 / ±1, strides, dilation", async () => {
    const configs: Array<[number[], Record<string, unknown>]> = [
      [[6, 6, 4], { filters: 6, kernelSize: 3, groups: 2, padding: "same" }],
      [[5, 7, 6], { filters: 9, kernelSize: [2, 3], groups: 3, padding: "same", padValues: -1, strides: 2 }],
      [[7, 7, 8], { filters: 8, kernelSize: 3, groups: 4, padding: "valid", dilationRate: 2, useBias: true }],
      [[5, 5, 130], { filters: 4, kernelSize: 3, groups: 2, padding: "same", padValues: 1 }],
      [[4, 4, 128], { filters: 128, kernelSize: 1, groups: 2 }],
    ];
    for (const [k, [shape, args]] of configs.entries()) {
      const model = tfl.sequential({ layers: [bin({ ...args, inputShape: shape })] });
      randomizeWeights(model, 10 + k, () => 3);
      const em = await same(model, [2, ...shape], k);
      assert.equal(em.graph.nodes.find((n) => n.op === "bconv2d")?.attrs.groups, args.groups);
      em.dispose();
      model.dispose();
    }
  });

  it("packed bits between grouped layers, with BN (also γ < 0) and a MagnitudeAwareSign kernel", async () => {
    const input = tfl.input({ shape: [5, 5, 64] });
    let x = ap(bin({ filters: 128, kernelSize: 3, groups: 4, padding: "same", padValues: -1 }), input);
    x = ap(tfl.layers.batchNormalization({}), x);
    x = ap(bin({ filters: 12, kernelSize: 3, groups: 2, kernelQuantizer: "magnitude_aware_sign", useBias: false }), x);
    x = ap(tfl.layers.batchNormalization({}), x);
    x = ap(bin({ filters: 6, kernelSize: 2, groups: 3, useBias: false }), x);
    const model = tfl.model({ inputs: input, outputs: ap(tfl.layers.flatten({}), x) });
    randomizeWeights(model, 4, (layer) => (layer.getClassName() === "BatchNormalization" ? 3 : 1));
    const em = await same(model, [2, 5, 5, 64], 8);
    const ops = em.graph.nodes.map((n) => `${n.op}:${n.dtype}`);
    assert.ok(ops.filter((o) => o === "bconv2d:bits").length >= 1, ops.join(" "));
    em.dispose();
    model.dispose();
  });

  it("rejects a grouped node whose groups do not divide the channels, naming it", async () => {
    const model = tfl.sequential({ layers: [bin({ filters: 6, kernelSize: 3, groups: 2, inputShape: [4, 4, 4] })] });
    randomizeWeights(model, 1, () => 3);
    const em = await lq.engine.convert(model);
    const graph = em.graph;
    const i = graph.nodes.findIndex((n) => n.op === "bconv2d");
    const bad = lqi.engine.encodeEngineFile({
      ...graph,
      nodes: graph.nodes.map((n, k) => (k === i ? { ...n, attrs: { ...n.attrs, groups: 3 } } : n)),
    });
    await assert.rejects(lq.engine.load(bad), new RegExp(`node ${i} "[^"]+" \\(bconv2d\\): bad groups 3`));
    em.dispose();
    model.dispose();
  });
});
