/**
 * WeightClip: clipping, config round trips, aliases, use as a tfjs kernelConstraint and errors.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { saveAndLoad } from "../quantizers/model_io.js";
import { assertClose, assertNoTensorLeak, useBackend } from "../helpers.js";

const c = lq.constraints;
const ws = [-3, -1.0000001, -1, -0.999, -0.5, 0, 0.5, 0.999, 1, 1.0000001, 3].map(Math.fround);
const clip = (v: number, bound: number) => Math.min(bound, Math.max(-bound, v));

describe("lq.constraints.WeightClip", () => {
  before(() => useBackend("cpu"));

  for (const bound of [1, 0.5, 2.5, 0]) {
    it(`clips to [-${bound}, ${bound}]`, () => {
      const constraint = bound === 1 ? new c.WeightClip() : new c.WeightClip({ clipValue: bound });
      assert.equal(constraint.clipValue, bound);
      assertClose(
        constraint.apply(tf.tensor1d(ws)),
        ws.map((v) => clip(v, bound)),
        0,
      );
      assertClose(
        c.weightClip({ clipValue: bound }).apply(tf.tensor2d(ws.slice(0, 10), [5, 2])),
        ws.slice(0, 10).map((v) => clip(v, bound)),
        0,
      );
    });
  }

  it("config round trip from snake_case and camelCase JSON and serialize()", () => {
    const original = new c.WeightClip({ clipValue: 1.5 });
    assert.deepEqual(original.getConfig(), { clipValue: 1.5 });
    assert.equal(original.getClassName(), "WeightClip");
    const serialized = c.serialize(original)!;
    assert.deepEqual(serialized, { className: "WeightClip", config: { clipValue: 1.5 } });
    for (const id of [
      serialized,
      JSON.parse('{"class_name": "WeightClip", "config": {"clip_value": 1.5}}'),
      { className: "weight_clip", config: { clipValue: 1.5 } },
      { class_name: "weightClip", config: { clip_value: 1.5 } },
    ]) {
      const resolved = c.get(id as never) as lq.constraints.WeightClip;
      assert.ok(resolved instanceof c.WeightClip, JSON.stringify(id));
      assert.equal(resolved.clipValue, 1.5);
    }
    assert.equal((c.get({ className: "WeightClip" }) as lq.constraints.WeightClip).clipValue, 1);
    assert.equal(c.serialize(null), null);
  });

  it("aliases weight_clip / weightClip / WeightClip give the default clip of 1", () => {
    for (const alias of ["weight_clip", "weightClip", "WeightClip"]) {
      const resolved = c.get(alias) as lq.constraints.WeightClip;
      assert.ok(resolved instanceof c.WeightClip, alias);
      assert.equal(resolved.clipValue, 1);
    }
    const instance = new c.WeightClip();
    assert.equal(c.get(instance), instance);
    assert.equal(c.get(null), null);
    // tfjs' own constraints are passed through for tfjs to resolve.
    assert.equal(c.get("maxNorm"), "maxNorm");
    assert.equal(c.get("nonNeg"), "nonNeg");
    assert.deepEqual(c.get({ className: "MaxNorm", config: { maxValue: 2 } }), { className: "MaxNorm", config: { maxValue: 2 } });
  });

  it("works as kernelConstraint of a tfjs dense layer, by instance and by larq's names", () => {
    for (const kernelConstraint of [new c.WeightClip({ clipValue: 0.3 }), "weight_clip", "weightClip", "WeightClip"]) {
      const dense = tfl.layers.dense({
        units: 3,
        inputShape: [4],
        kernelConstraint: kernelConstraint as never,
        kernelInitializer: tfl.initializers.constant({ value: 2 }),
      });
      dense.build([null, 4]);
      const config = dense.getConfig().kernelConstraint as { className: string; config: { clipValue: number } };
      const bound = typeof kernelConstraint === "string" ? 1 : 0.3;
      assert.deepEqual(config, { className: "WeightClip", config: { clipValue: bound } });
      // The layer keeps the constraint object; applying it to the kernel clips 2 → bound.
      const constraint = (dense as unknown as { kernelConstraint: lq.constraints.WeightClip }).kernelConstraint;
      assert.ok(constraint instanceof c.WeightClip);
      assertClose(constraint.apply(dense.getWeights()[0]), new Array(12).fill(bound));
    }
  });

  it("a model with the constraint saves as larq's JSON and reloads with a WeightClip", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 2, inputShape: [3], kernelConstraint: new c.WeightClip({ clipValue: 0.25 }) as never })],
    });
    const { topology, loaded } = await saveAndLoad(model);
    assert.ok(topology.includes('"kernel_constraint":{"class_name":"WeightClip","config":{"clip_value":0.25}}'), topology);
    const constraint = (loaded.layers[0] as unknown as { kernelConstraint: lq.constraints.WeightClip }).kernelConstraint;
    assert.ok(constraint instanceof c.WeightClip);
    assert.equal(constraint.clipValue, 0.25);
  });

  it("bad identifiers, configs and arguments give clear errors", () => {
    for (const bad of ["weight_clipp", 3, [1], { className: "Nope" }, { config: {} }, true]) {
      assert.throws(
        () => c.get(bad as never),
        (e: Error) => /^Unknown constraint: /.test(e.message) && e.message.includes("weight_clip") && e.message.includes("maxNorm"),
        JSON.stringify(bad),
      );
    }
    assert.throws(() => c.get("weight_clipp"), /Unknown constraint: "weight_clipp"/);
    assert.throws(
      () => c.get({ class_name: "WeightClip", config: { clip: 1 } }),
      /unknown key "clip"; valid keys are: clipValue\. Did you mean "clip_value"\?/,
    );
    assert.throws(() => c.get({ class_name: "WeightClip", config: 2 } as never), /Invalid constraint config for WeightClip: .*received 2/);
    assert.throws(() => c.get({ class_name: "WeightClip", config: { clip_value: -1 } }), /Invalid clipValue: .*received -1/);
    assert.throws(() => new c.WeightClip({ clipValue: "1" as never }), /Invalid clipValue: .*received "1"/);
    assert.throws(() => new c.WeightClip({ clipValue: Number.POSITIVE_INFINITY }), /Invalid clipValue/);
    assert.throws(() => new c.WeightClip(7 as never), /Invalid args: .*received 7/);
    assert.throws(() => c.serialize({} as never), /Unknown constraint/);
  });

  it("does not leak tensors", () => {
    const w = tf.tensor1d(ws);
    const constraint = new c.WeightClip({ clipValue: 0.5 });
    assertNoTensorLeak(() => constraint.apply(w).dispose());
  });
});
