/**
 * Engine 2 rules: exactness against `model.predict` (BN with γ < 0 around a max pool before a binary layer, BN not
 * folded where folding is off by an ulp, NaN inputs) and hostile files (batchnorm channel mismatch, huge pooling
 * windows, memory-exploding concat chains, node-naming errors without a doubled prefix).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { useBackend } from "../helpers.js";

type ST = tfl.SymbolicTensor;
const ap = (layer: { apply(x: ST | ST[]): unknown }, x: ST | ST[]) => layer.apply(x) as ST;
const bin = (args: Record<string, unknown>) =>
  lq.layers.quantConv2d({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);
const bdense = (args: Record<string, unknown>) =>
  lq.layers.quantDense({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);
const { crc32, load, encodeEngineFile } = lqi.engine;

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sets a layer's weights by name with a generator. */
function setWeights(layer: tfl.layers.Layer, gen: (name: string, i: number, n: number) => number): void {
  const ws = layer.getWeights().map((w, k) => {
    const name = layer.weights[k].name;
    const n = w.size;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = gen(name, i, n);
    return tf.tensor(data, w.shape);
  });
  layer.setWeights(ws);
  tf.dispose(ws);
}

function inputFor(shape: number[], seed: number, zeros = 0.1): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() < zeros ? 0 : r() * 4 - 2;
  return tf.tensor(a, shape);
}

async function assertSame(model: tfl.LayersModel, x: tf.Tensor): Promise<lq.engine.EngineModel> {
  const em = await lq.engine.convert(model);
  const want = model.predict(x) as tf.Tensor;
  const got = em.predict(x);
  assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()));
  tf.dispose([want, got]);
  return em;
}

/** A float engine graph built by hand (node 0 input), encoded into a file. */
function file(nodes: any[], weights: Record<string, Float32Array>, output = nodes.length - 1): Uint8Array {
  const w = new Map(Object.entries(weights).map(([k, data]) => [k, { kind: "float32" as const, shape: [data.length], data }]));
  return encodeEngineFile({ nodes: nodes.map((n) => ({ attrs: {}, weights: {}, dtype: "float32", ...n })), output, weights: w });
}

describe("lq.engine: exactness rules", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("conv → BN(γ<0) → MaxPool → BN(γ<0) → binary layer equals model.predict (the pool's rule is checked on the steps after it)", async () => {
    for (const seed of [1, 2, 3]) {
      const input = tfl.input({ shape: [6, 6, 8] });
      let x = ap(bin({ filters: 16, kernelSize: 3, padding: "same", useBias: false }), input);
      const bn1 = tfl.layers.batchNormalization({});
      x = ap(bn1, x);
      x = ap(tfl.layers.maxPooling2d({ poolSize: 2 }), x);
      const bn2 = tfl.layers.batchNormalization({});
      x = ap(bn2, x);
      x = ap(bin({ filters: 5, kernelSize: 2, useBias: false }), x);
      x = ap(tfl.layers.flatten({}), x);
      const model = tfl.model({ inputs: input, outputs: x });
      const r = rng(seed);
      setWeights(model.layers[1], () => r() - 0.5);
      // γ < 0 in both BNs (the whole pipeline is then non-decreasing, but the pool sees a decreasing map: the old
      // whole-pipeline check gave wrong bits), means around the dot range, β of both signs; the last seed mixes signs.
      for (const bn of [bn1, bn2]) {
        setWeights(bn, (name) =>
          name.includes("gamma")
            ? (seed === 3 && r() < 0.3 ? 1 : -1) * (0.5 + r())
            : name.includes("beta")
              ? r() * 2 - 1
              : name.includes("mean")
                ? Math.round(r() * 12 - 6)
                : 0.5 + r(),
        );
      }
      setWeights(model.layers[5], () => r() - 0.5);
      const xin = inputFor([3, 6, 6, 8], seed + 10);
      const em = await assertSame(model, xin);
      // The negative γ before the pool stays in bits (as in LCE) when the steps after the pool allow it.
      const ops = em.graph.nodes.map((n) => `${n.op}:${n.dtype}`);
      assert.ok(ops.includes("bconv2d:bits") || ops.includes("maxpool:float32"), ops.join(" "));
      em.dispose();
      xin.dispose();
    }
  });

  it("a negative γ before a pool with a non-decreasing rest stays in bits and equals model.predict", async () => {
    const input = tfl.input({ shape: [4, 4, 8] });
    let x = ap(bin({ filters: 8, kernelSize: 3, padding: "same", useBias: false }), input);
    const bn = tfl.layers.batchNormalization({});
    x = ap(bn, x);
    x = ap(tfl.layers.maxPooling2d({ poolSize: 2 }), x);
    x = ap(bin({ filters: 4, kernelSize: 2, useBias: false }), x);
    x = ap(tfl.layers.flatten({}), x);
    const model = tfl.model({ inputs: input, outputs: x });
    const r = rng(9);
    setWeights(model.layers[1], () => r() - 0.5);
    setWeights(bn, (name) =>
      name.includes("gamma") ? -1 - r() : name.includes("beta") ? r() - 0.5 : name.includes("mean") ? Math.round(r() * 6 - 3) : 1 + r(),
    );
    setWeights(model.layers[4], () => r() - 0.5);
    const xin = inputFor([2, 4, 4, 8], 4);
    const em = await assertSame(model, xin);
    const ops = em.graph.nodes.map((n) => `${n.op}:${n.dtype}`);
    assert.ok(ops.includes("bconv2d:bits") && ops.includes("bmaxpool:bits"), ops.join(" "));
    em.dispose();
    xin.dispose();
  });

  it("BN after a binary layer with integer means and β = 0 gives tfjs's exact zeros (Flatten of 31 / 65 channels into a binary dense)", async () => {
    for (const channels of [31, 65]) {
      const input = tfl.input({ shape: [3, 3, 4] });
      let x = ap(bin({ filters: channels, kernelSize: 3, padding: "same", useBias: false }), input);
      const bn = tfl.layers.batchNormalization({ center: false });
      x = ap(bn, x);
      x = ap(tfl.layers.flatten({}), x);
      x = ap(bdense({ units: 7, useBias: false }), x);
      const model = tfl.model({ inputs: input, outputs: x });
      const r = rng(channels);
      setWeights(model.layers[1], () => r() - 0.5);
      // Odd dots of a 36-bit sum are even numbers: means on the dot lattice give x − μ = 0 exactly.
      setWeights(bn, (name) =>
        name.includes("gamma") ? 0.1 + r() * 3 : name.includes("mean") ? 2 * Math.round(r() * 8 - 4) : 0.01 + r() * 5,
      );
      setWeights(model.layers[4], () => r() - 0.5);
      const xin = inputFor([4, 3, 3, 4], channels);
      const em = await assertSame(model, xin);
      em.dispose();
      xin.dispose();
    }
  });

  it("NaN inputs follow model.predict (larq-ts's sign(NaN) = −1) in sign-packing and in a float sign", async () => {
    const input = tfl.input({ shape: [2, 2, 70] });
    let x = ap(bin({ filters: 3, kernelSize: 1, useBias: false }), input);
    x = ap(tfl.layers.flatten({}), x);
    const model = tfl.model({ inputs: input, outputs: x });
    const r = rng(5);
    setWeights(model.layers[1], () => r() - 0.5);
    const data = new Float32Array(2 * 2 * 2 * 70);
    for (let i = 0; i < data.length; i++) data[i] = r() < 0.3 ? NaN : r() - 0.5;
    const xin = tf.tensor(data, [2, 2, 2, 70]);
    const em = await assertSame(model, xin);
    em.dispose();
    // Float path: a non-binary QuantConv2D with a sign input quantizer becomes a `sign` op.
    const input2 = tfl.input({ shape: [2, 2, 3] });
    const y = ap(lq.layers.quantConv2d({ filters: 2, kernelSize: 1, inputQuantizer: "ste_sign", useBias: false } as never), input2);
    const model2 = tfl.model({ inputs: input2, outputs: y });
    setWeights(model2.layers[1], () => r() - 0.5);
    const x2 = tf.tensor([NaN, 1, -1, 0, NaN, NaN, 2, -3, NaN, 0.5, 0.5, NaN], [1, 2, 2, 3]);
    const em2 = await assertSame(model2, x2);
    assert.ok(em2.graph.nodes.some((n) => n.op === "sign"));
    em2.dispose();
    // Float max pooling skips NaN (tfjs's cpu kernel: x > max from −∞; an all-NaN window gives −∞), also before a
    // binary layer.
    const input3 = tfl.input({ shape: [4, 4, 3] });
    const pooled = ap(tfl.layers.maxPooling2d({ poolSize: 2, padding: "same" }), input3);
    const z = ap(bin({ filters: 2, kernelSize: 1, useBias: false }), pooled);
    const model3 = tfl.model({ inputs: input3, outputs: [ap(tfl.layers.flatten({}), z)] });
    setWeights(model3.layers[2], () => r() - 0.5);
    const d3 = new Float32Array(2 * 48);
    for (let i = 0; i < d3.length; i++) d3[i] = r() < 0.5 ? NaN : r() - 0.5;
    for (const px of [0, 1, 4, 5]) for (let c = 0; c < 3; c++) d3[px * 3 + c] = NaN; // the first window: all NaN
    const x3 = tf.tensor(d3, [2, 4, 4, 3]);
    const em3 = await assertSame(model3, x3);
    em3.dispose();
    const model4 = tfl.model({ inputs: input3, outputs: ap(tfl.layers.flatten({}), pooled) });
    const em4 = await assertSame(model4, x3);
    em4.dispose();
    tf.dispose([xin, x2, x3]);
  });
});

describe("lq.engine.load: hostile files", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("rejects a batchnorm whose input channels differ from its parameters, naming the node", async () => {
    const bytes = file(
      [
        { name: "in", op: "input", inputs: [], shape: [4, 4, 8] },
        { name: "bn", op: "batchnorm", inputs: [0], shape: [4, 4, 2], attrs: { epsilon: 0.001 }, weights: { mean: "m", variance: "v" } },
      ],
      { m: new Float32Array(2), v: new Float32Array(2).fill(1) },
    );
    await assert.rejects(load(bytes), (e: Error) => {
      assert.match(e.message, /^lq\.engine\.load: invalid engine file: node 1 "bn" \(batchnorm\): /);
      assert.equal(e.message.match(/invalid engine file/g)!.length, 1);
      return true;
    });
    // Same element count, channel count differs: also rejected.
    const bytes2 = file(
      [
        { name: "in", op: "input", inputs: [], shape: [4, 4, 8] },
        { name: "bn2", op: "batchnorm", inputs: [0], shape: [4, 16, 2], attrs: { epsilon: 0.001 }, weights: { mean: "m", variance: "v" } },
      ],
      { m: new Float32Array(2), v: new Float32Array(2).fill(1) },
    );
    await assert.rejects(load(bytes2), /node 1 "bn2" \(batchnorm\).*differs from the input shape/);
  });

  it("rejects a pooling window of 2^31−1 with same padding; windows up to the padded input run and equal tfjs's pooling", async () => {
    for (const op of ["maxpool", "avgpool"] as const) {
      const big = 2 ** 31 - 1;
      const pool = (k: number) =>
        file(
          [
            { name: "in", op: "input", inputs: [], shape: [3, 5, 2] },
            { name: "pool", op, inputs: [0], shape: [3, 5, 2], attrs: { poolSize: [k, k], strides: [1, 1], padding: "same" } },
          ],
          {},
        );
      await assert.rejects(
        load(pool(big)),
        new RegExp(
          `^Error: lq\\.engine\\.load: invalid engine file: node 1 "pool" \\(${op}\\): pooling window 2147483647 on axis 0 exceeds the padded input`,
        ),
      );
      // The largest window accepted on this input (11 rows, 17 columns are allowed; 11 on both): the result is
      // tfjs's same-padded pooling.
      const em = await load(pool(11));
      const x = inputFor([1, 3, 5, 2], 3, 0);
      const y = em.predict(x);
      const want = op === "maxpool" ? tf.maxPool(x as tf.Tensor4D, 11, 1, "same") : tf.avgPool(x as tf.Tensor4D, 11, 1, "same");
      const w = want.dataSync(),
        g = y.dataSync();
      for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - w[i]) < 1e-6, `${op} ${i}: ${g[i]} vs ${w[i]}`);
      tf.dispose([x, y, want]);
      em.dispose();
    }
  });

  it("rejects a chain of concat nodes whose buffers would take gigabytes, naming the node and the bytes; the limit is an option", async () => {
    const nodes: any[] = [{ name: "in", op: "input", inputs: [], shape: [64] }];
    for (let i = 1; i <= 24; i++)
      nodes.push({ name: `cat${i}`, op: "concat", inputs: [i - 1, i - 1], shape: [64 * 2 ** i], attrs: { axis: 0 } });
    const bytes = file(nodes, {});
    assert.ok(bytes.length < 3000);
    const engine = await lq.engine.loadEngine();
    const before = engine.allocatedBytes;
    const memBefore = engine.buffer.byteLength;
    await assert.rejects(load(bytes), (e: Error) => {
      // 64·2^24 floats (4 GiB) at the last node, and the one before it still live.
      assert.match(e.message, new RegExp(`needs ${(64 * 2 ** 24 + 64 * 2 ** 23 + 64) * 4} bytes`));
      assert.match(e.message, /node 24 "cat24" \(concat\), whose output takes 4294967296 bytes/);
      assert.match(e.message, /limit of 268435456 bytes; raise it with the option maxMemoryBytes/);
      return true;
    });
    assert.equal(engine.allocatedBytes, before);
    assert.equal(engine.buffer.byteLength, memBefore, "no memory growth");
    // A short chain loads under the default limit and is rejected under a lower one.
    const small = file(nodes.slice(0, 11), {});
    await assert.rejects(load(small, { maxMemoryBytes: 100_000 }), /node 10 "cat10" \(concat\).*limit of 100000 bytes/);
    const em = await load(small);
    const x = inputFor([1, 64], 1, 0);
    const y = em.predict(x);
    assert.equal(y.size, 64 * 2 ** 10);
    const xs = x.dataSync(),
      ys = y.dataSync();
    for (let i = 0; i < ys.length; i++) assert.equal(ys[i], xs[i % 64]);
    tf.dispose([x, y]);
    em.dispose();
  });

  it("names the node in preparation errors and never doubles the prefix", async () => {
    // A window whose output shape does not follow: the geometry error names the node once.
    const bytes = file(
      [
        { name: "in", op: "input", inputs: [], shape: [4, 4, 1] },
        { name: "p", op: "maxpool", inputs: [0], shape: [3, 3, 1], attrs: { poolSize: [2, 2], strides: [2, 2], padding: "valid" } },
      ],
      {},
    );
    await assert.rejects(load(bytes), (e: Error) => {
      assert.match(e.message, /node 1 "p" \(maxpool\): output shape \[3,3,1\] does not follow/);
      assert.equal(e.message.match(/invalid engine file/g)!.length, 1);
      return true;
    });
    // A valid window larger than the input: the axisGeometry error, wrapped once.
    const bytes2 = file(
      [
        { name: "in", op: "input", inputs: [], shape: [4, 4, 1] },
        { name: "q", op: "avgpool", inputs: [0], shape: [1, 1, 1], attrs: { poolSize: [5, 5], strides: [1, 1], padding: "valid" } },
      ],
      {},
    );
    await assert.rejects(load(bytes2), (e: Error) => {
      assert.match(e.message, /node 1 "q" \(avgpool\): Invalid input size/);
      assert.equal(e.message.match(/invalid engine file/g)!.length, 1);
      return true;
    });
    // Unknown op: named with its index and name.
    const bytes3 = file(
      [
        { name: "in", op: "input", inputs: [], shape: [2] },
        { name: "zz", op: "frobnicate", inputs: [0], shape: [2] },
      ],
      {},
    );
    const patched = bytes3; // encodeEngineFile does not validate ops
    await assert.rejects(load(patched), /node 1 "zz" \(frobnicate\) has an unknown op "frobnicate"/);
    assert.equal(crc32(patched.subarray(20)), new DataView(patched.buffer).getUint32(16, true));
  });
});
