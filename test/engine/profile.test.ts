/**
 * lq.engine.profile: per-node MAC counts against hand-computed formulas on a small known model, the structure of
 * the timings (non-negative, summing to the node total, never above a run's whole time), the op summary, the
 * `runTimed` hook's output, and bad options.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { randomizeWeights } from "./model_fixtures.js";

const bin = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false } as const;

let em: lq.engine.EngineModel;

before(async () => {
  await useBackend("cpu");
  const model = tfl.sequential({
    layers: [
      // 8×8×64 → 8×8×32, 3×3 'same', binary: 8·8·32 · (3·3·64) binary MACs.
      lq.layers.quantConv2d({ filters: 32, kernelSize: 3, padding: "same", inputShape: [8, 8, 64], name: "bconv", ...bin }),
      // grouped, 4 groups of 8 input channels: 8·8·32 · (3·3·32/4).
      lq.layers.quantConv2d({ filters: 32, kernelSize: 3, padding: "same", groups: 4, name: "gconv", ...bin }),
      // float 3×3 'valid' 8×8×32 → 6×6×16: 6·6·16 · (3·3·32) float MACs.
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, name: "fconv" }),
      // depthwise 3×3 'valid', multiplier 2: 6×6×16 → 4×4×32, 4·4·32 · 3·3.
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: "dw" }),
      tfl.layers.flatten({ name: "flat" }),
      // binary dense 512 → 64: M·N·K = 1·64·512.
      lq.layers.quantDense({ units: 64, name: "bdense", ...bin }),
      // float dense 64 → 10.
      tfl.layers.dense({ units: 10, name: "head" }),
    ],
  });
  randomizeWeights(model, 3);
  em = await lq.engine.convert(model);
});

after(() => em?.dispose());

const node = (p: lq.engine.EngineProfile, name: string, op: string) => {
  const n = p.nodes.find((m) => m.name === name && m.op === op);
  assert.ok(n, `no ${op} node "${name}" in ${p.nodes.map((m) => `${m.name}/${m.op}`).join(", ")}`);
  return n;
};

describe("lq.engine.profile", () => {
  it("counts binary and float MACs by the hand formulas, at batch 1 and 2", () => {
    for (const batch of [1, 2]) {
      const p = lq.engine.profile(em, { runs: 2, warmup: 0, batch });
      const want: [string, string, number, "binary" | "float"][] = [
        ["bconv", "bconv2d", 8 * 8 * 32 * (3 * 3 * 64), "binary"],
        ["gconv", "bconv2d", 8 * 8 * 32 * ((3 * 3 * 32) / 4), "binary"],
        ["fconv", "conv2d", 6 * 6 * 16 * (3 * 3 * 32), "float"],
        ["dw", "depthwise", 4 * 4 * 32 * (3 * 3), "float"],
        ["bdense", "bdense", 64 * 512, "binary"],
        ["head", "dense", 10 * 64, "float"],
      ];
      for (const [name, op, macs, kind] of want) {
        const n = node(p, name, op);
        assert.equal(n.macs, batch * macs, `${name} at batch ${batch}`);
        assert.equal(n.macKind, kind, name);
      }
      assert.equal(node(p, "bconv", "bconv2d").macs, batch * 1_179_648);
      for (const n of p.nodes.filter((m) => !["bconv2d", "bdense", "conv2d", "depthwise", "dense"].includes(m.op))) {
        assert.equal(n.macs, 0, n.name);
        assert.equal(n.macKind, null, n.name);
        assert.equal(n.gmacPerSecond, null, n.name);
      }
      const sum = (k: string) => want.filter((w) => w[3] === k).reduce((a, w) => a + batch * w[2], 0);
      assert.deepEqual(p.macs, { binary: sum("binary"), float: sum("float") });
      assert.deepEqual(p.inputShape, [batch, 8, 8, 64]);
      assert.deepEqual(node(p, "fconv", "conv2d").shape, [batch, 6, 6, 16]);
    }
  });

  it("one row per graph node in order; times non-negative, shares and the op summary add up", () => {
    const runs = 5;
    const p = lq.engine.profile(em, { runs });
    assert.equal(p.runs, runs);
    assert.equal(p.perRun.length, runs);
    assert.deepEqual(
      p.nodes.map((n) => [n.index, n.name, n.op]),
      em.graph.nodes.map((n, i) => [i, n.name, n.op]),
    );
    for (const n of p.nodes) {
      assert.ok(Number.isFinite(n.ms) && n.ms >= 0, `${n.name}: ${n.ms}`);
      assert.ok(n.share >= 0 && n.share <= 1);
      if (n.gmacPerSecond !== null) assert.ok(Math.abs(n.gmacPerSecond - n.macs / (n.ms * 1e6)) < 1e-9 * n.gmacPerSecond);
    }
    const nodesMs = p.nodes.reduce((a, n) => a + n.ms, 0);
    assert.ok(Math.abs(nodesMs - p.nodesMs) < 1e-9);
    assert.ok(p.nodesMs > 0);
    // Every run's node timers lie inside its whole-run timer.
    for (const r of p.perRun) assert.ok(r.nodesMs >= 0 && r.nodesMs <= r.wholeMs, JSON.stringify(r));
    // Medians of the parts against the median of the whole: only roughly.
    assert.ok(p.nodesMs <= 2 * p.wholeMs + 0.5, `nodes ${p.nodesMs} ms, whole ${p.wholeMs} ms`);
    assert.ok(Math.abs(p.nodes.reduce((a, n) => a + n.share, 0) - 1) < 1e-9);
    // Op summary: every op kind once, counts and times of its nodes, slowest first.
    assert.deepEqual(p.ops.map((o) => o.op).sort(), [...new Set(em.graph.nodes.map((n) => n.op))].sort());
    for (const o of p.ops) {
      const of = p.nodes.filter((n) => n.op === o.op);
      assert.equal(o.count, of.length);
      assert.ok(Math.abs(o.ms - of.reduce((a, n) => a + n.ms, 0)) < 1e-9);
      assert.equal(
        o.macs,
        of.reduce((a, n) => a + n.macs, 0),
      );
    }
    for (let i = 1; i < p.ops.length; i++) assert.ok(p.ops[i - 1].ms >= p.ops[i].ms);
    assert.ok(Math.abs(p.ops.reduce((a, o) => a + o.share, 0) - 1) < 1e-9);
  });

  it("runTimed computes what predict computes and reports every node once", () => {
    const x = Float32Array.from({ length: 2 * 8 * 8 * 64 }, (_, i) => Math.cos(i * 0.7));
    const seen: number[] = [];
    const y = em.runTimed(x, [2, 8, 8, 64], (i, ms) => {
      assert.ok(ms >= 0);
      seen.push(i);
    });
    assert.deepEqual(seen, [...em.graph.nodes.keys()]);
    assert.deepEqual(y, em.predict(x, [2, 8, 8, 64]));
    const p = lq.engine.profile(em, { runs: 1, input: x, shape: [2, 8, 8, 64] });
    assert.deepEqual(p.inputShape, [2, 8, 8, 64]);
  });

  it("rejects bad options and inputs with clear errors", () => {
    assert.throws(() => lq.engine.profile(em, { runs: 0 }), /Invalid runs: expected an integer >= 1, received 0/);
    assert.throws(() => lq.engine.profile(em, { runs: 1.5 }), /Invalid runs: expected an integer >= 1/);
    assert.throws(() => lq.engine.profile(em, { warmup: -1 }), /Invalid warmup: expected an integer >= 0/);
    assert.throws(() => lq.engine.profile(em, { batch: 0 }), /Invalid batch: expected an integer >= 1/);
    assert.throws(() => lq.engine.profile(em, { input: [1, 2] as unknown as Float32Array }), /Invalid input: expected a Float32Array/);
    assert.throws(() => lq.engine.profile(em, { runs: 1, input: new Float32Array(5) }), /Invalid input\.length: expected 4096/);
    assert.throws(() => lq.engine.profile(em, { runs: 1, shape: [1, 8, 8, 3] }), /Invalid input shape: expected \[batch, 8, 8, 64\]/);
    assert.throws(() => lq.engine.profile(em, null as unknown as lq.engine.ProfileOptions), /Invalid options: expected an object/);
  });

  it("a disposed model throws", async () => {
    const bytes = em.save();
    const again = await lq.engine.load(bytes);
    lq.engine.profile(again, { runs: 1 });
    again.dispose();
    assert.throws(() => lq.engine.profile(again, { runs: 1 }), /disposed/);
  });
});
