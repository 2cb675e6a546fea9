/**
 * The op registry (src/engine/ops): every graph op has an entry; a minimal hand-written node of every float op loads
 * and predicts what the tfjs op computes; a broken weight or attribute of each is rejected naming the node once;
 * the memory plan counts the buffers the runtime keeps live.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { planMemory } from "../../src/engine/memory.js";
import { OP_REGISTRY } from "../../src/engine/ops/index.js";
import { useBackend } from "../helpers.js";

const { decodeEngineFile, encodeEngineFile, load } = lqi.engine;

function rnd(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function values(n: number, seed: number): Float32Array {
  const r = rnd(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.1 ? 0 : r() * 4 - 2));
}

interface Case {
  op: string;
  inShape: number[];
  node: { shape: number[]; attrs?: Record<string, unknown>; weights?: Record<string, Float32Array>; extraInputs?: number };
  /** tfjs on the input (batch 2) and the weights. */
  tfjs: (x: tf.Tensor, w: Record<string, Float32Array>) => tf.Tensor;
  tol: number;
  /** A mutation that must be rejected, and the message it must produce. */
  broken: [(node: any) => void, RegExp];
}

const CASES: Case[] = [
  {
    op: "conv2d",
    inShape: [5, 6, 3],
    node: {
      shape: [3, 2, 4],
      attrs: { kernelSize: [3, 3], strides: [1, 2], dilations: [1, 1], padding: "valid" },
      weights: { kernel: values(3 * 3 * 3 * 4, 1), bias: values(4, 2) },
    },
    tfjs: (x, w) => tf.add(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(w.kernel, [3, 3, 3, 4]), [1, 2], "valid"), w.bias),
    tol: 1e-5,
    broken: [(n) => (n.attrs.kernelSize = [3, 2]), /node 1 "n" \(conv2d\): output shape|kernel needs/],
  },
  {
    op: "depthwise",
    inShape: [4, 4, 2],
    node: {
      shape: [4, 4, 4],
      attrs: { kernelSize: [3, 3], strides: [1, 1], dilations: [2, 2], padding: "same" },
      weights: { kernel: values(3 * 3 * 4, 3) },
    },
    tfjs: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, tf.tensor4d(w.kernel, [3, 3, 2, 2]), 1, "same", "NHWC", 2),
    tol: 1e-5,
    broken: [(n) => (n.shape = [4, 4, 3]), /node 1 "n" \(depthwise\): output channels 3 are not a multiple/],
  },
  {
    op: "dense",
    inShape: [6],
    node: { shape: [3], weights: { kernel: values(18, 4) } },
    tfjs: (x, w) => tf.matMul(x as tf.Tensor2D, tf.tensor2d(w.kernel, [6, 3])),
    tol: 1e-5,
    broken: [(n) => (n.weights.bias = n.weights.kernel), /node 1 "n" \(dense\): bias needs 3 values, received 18/],
  },
  {
    op: "batchnorm",
    inShape: [2, 3],
    node: {
      shape: [2, 3],
      attrs: { epsilon: 0.001 },
      weights: { mean: values(3, 5), variance: Float32Array.from([0.5, 1, 2]), gamma: values(3, 6), beta: values(3, 7) },
    },
    tfjs: (x, w) => tf.batchNorm(x, w.mean, w.variance, w.beta, w.gamma, 0.001),
    tol: 0,
    broken: [(n) => (n.shape = [3, 2]), /node 1 "n" \(batchnorm\): output shape \[3,2\] differs from the input shape \[2,3\]/],
  },
  {
    op: "maxpool",
    inShape: [5, 5, 2],
    node: { shape: [3, 3, 2], attrs: { poolSize: [3, 3], strides: [2, 2], padding: "same" } },
    tfjs: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, "same"),
    tol: 0,
    broken: [(n) => (n.attrs.poolSize = [100, 3]), /node 1 "n" \(maxpool\): pooling window 100 on axis 0 exceeds the padded input/],
  },
  {
    op: "avgpool",
    inShape: [5, 4, 2],
    node: { shape: [2, 2, 2], attrs: { poolSize: [2, 2], strides: [2, 2], padding: "valid" } },
    tfjs: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, "valid"),
    tol: 0,
    broken: [(n) => (n.attrs.strides = [2]), /node 1 "n" \(avgpool\): bad geometry/],
  },
  {
    op: "globalavg",
    inShape: [3, 5, 4],
    node: { shape: [4] },
    tfjs: (x) => tf.mean(x, [1, 2]),
    tol: 0,
    broken: [(n) => (n.shape = [5]), /node 1 "n" \(globalavg\): needs an \[h, w, c\] input and a \[c\] output/],
  },
  {
    op: "globalmax",
    inShape: [3, 5, 4],
    node: { shape: [4] },
    tfjs: (x) => tf.max(x, [1, 2]),
    tol: 0,
    broken: [(n) => (n.shape = [4, 1]), /node 1 "n" \(globalmax\)/],
  },
  {
    op: "add",
    inShape: [2, 3],
    node: { shape: [2, 3], extraInputs: 1 },
    tfjs: (x) => tf.add(x, x),
    tol: 0,
    broken: [(n) => (n.shape = [2, 4]), /node 1 "n" \(add\): input 0 has 6 elements, the output 8/],
  },
  {
    op: "concat",
    inShape: [2, 3],
    node: { shape: [2, 6], attrs: { axis: 1 }, extraInputs: 1 },
    tfjs: (x) => tf.concat([x, x], 2),
    tol: 0,
    broken: [(n) => (n.attrs.axis = 0), /node 1 "n" \(concat\): input shapes differ off the axis/],
  },
  {
    op: "reshape",
    inShape: [2, 3],
    node: { shape: [6] },
    tfjs: (x) => tf.reshape(x, [2, 6]),
    tol: 0,
    broken: [(n) => (n.shape = [7]), /node 1 "n" \(reshape\): element count changes from 6 to 7/],
  },
  {
    op: "activation",
    inShape: [7],
    node: { shape: [7], attrs: { activation: "linear" } },
    tfjs: (x) => x.clone(),
    tol: 0,
    broken: [(n) => (n.attrs.activation = "frob"), /node 1 "n" \(activation\): unknown activation "frob"/],
  },
  {
    op: "prelu",
    inShape: [2, 2],
    node: { shape: [2, 2], weights: { alpha: values(4, 8) } },
    tfjs: (x, w) => tf.prelu(x, tf.tensor(w.alpha, [2, 2])),
    tol: 0,
    broken: [(n) => (n.weights.alpha = "w/missing"), /node 1 "n" \(prelu\) refers to a missing weight alpha/],
  },
  {
    op: "sign",
    inShape: [5],
    node: { shape: [5] },
    tfjs: (x) => lq.math.sign(x),
    tol: 0,
    broken: [(n) => (n.shape = [6]), /node 1 "n" \(sign\): output shape \[6\] differs/],
  },
];

function fileOf(c: Case, mutate?: (node: any) => void): Uint8Array {
  const weights = new Map<string, { kind: "float32"; shape: number[]; data: Float32Array }>();
  const keys: Record<string, string> = {};
  for (const [role, data] of Object.entries(c.node.weights ?? {})) {
    keys[role] = `w/${role}`;
    weights.set(keys[role], { kind: "float32", shape: [data.length], data });
  }
  const node: any = {
    name: "n",
    op: c.op,
    inputs: [0, ...Array(c.node.extraInputs ?? 0).fill(0)],
    attrs: structuredClone(c.node.attrs ?? {}),
    weights: keys,
    shape: c.node.shape,
    dtype: "float32",
  };
  mutate?.(node);
  return encodeEngineFile({
    nodes: [{ name: "x", op: "input", inputs: [], attrs: {}, weights: {}, shape: c.inShape, dtype: "float32" }, node],
    output: 1,
    weights,
  });
}

describe("engine op registry", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("has one entry per graph op, under its own name", () => {
    const ops = [
      "input",
      "bconv2d",
      "bdense",
      "bmaxpool",
      "signpack",
      "sign",
      "conv2d",
      "depthwise",
      "dense",
      "batchnorm",
      "maxpool",
      "avgpool",
      "globalavg",
      "globalmax",
      "add",
      "concat",
      "reshape",
      "activation",
      "prelu",
      "affine",
      "pad",
      "slice",
      "unpack",
    ];
    assert.deepEqual([...OP_REGISTRY.keys()].sort(), [...ops].sort());
    for (const [op, def] of OP_REGISTRY) assert.equal(def.op, op);
  });

  for (const c of CASES) {
    it(`${c.op}: a minimal node predicts as tfjs, a broken one is rejected naming the node`, async () => {
      const em = await load(fileOf(c));
      const x = tf.tensor(values(2 * c.inShape.reduce((a, b) => a * b, 1), 11), [2, ...c.inShape]);
      const want = c.tfjs(x, c.node.weights ?? {});
      const got = em.predict(x);
      assert.deepEqual(got.shape, want.shape);
      const g = got.dataSync(),
        w = want.dataSync();
      for (let i = 0; i < g.length; i++)
        assert.ok(Math.abs(g[i] - w[i]) <= c.tol * Math.max(1, Math.abs(w[i])), `${c.op}[${i}]: ${g[i]} vs ${w[i]}`);
      tf.dispose([x, want, got]);
      em.dispose();
      const [mutate, message] = c.broken;
      assert.throws(
        () => decodeEngineFile(fileOf(c, mutate)),
        (e: Error) => {
          assert.match(e.message, message);
          assert.equal(e.message.match(/invalid engine file/g)?.length, 1, e.message);
          return true;
        },
      );
    });
  }

  it("plans the memory of the buffers the runtime keeps live", () => {
    // input [8] → concat [16] (input live: read by predict) → add [16] (concat freed after it) → output.
    const graph = decodeEngineFile(
      encodeEngineFile({
        nodes: [
          { name: "x", op: "input", inputs: [], attrs: {}, weights: {}, shape: [8], dtype: "float32" },
          { name: "c", op: "concat", inputs: [0, 0], attrs: { axis: 0 }, weights: {}, shape: [16], dtype: "float32" },
          { name: "a", op: "add", inputs: [1], attrs: {}, weights: {}, shape: [16], dtype: "float32" },
          { name: "r", op: "reshape", inputs: [2], attrs: {}, weights: {}, shape: [4, 4], dtype: "float32" },
        ],
        output: 3,
        weights: new Map(),
      }),
    );
    const p = planMemory(graph, 3);
    // Batch 3, float32: x 96 bytes, c 192, a 192, r 192. Peak at "a": x + c + a = 480 (c is freed once "a" has
    // its buffer, then "r" joins x and a: 480 again, reached first at node 2).
    assert.equal(p.peakBytes, 96 + 192 + 192);
    assert.equal(p.peakNode, 2);
    assert.equal(p.fixedBytes, 0);
  });
});
