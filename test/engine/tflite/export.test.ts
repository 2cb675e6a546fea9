/**
 * lq.engine.exportTFLite: engine models written as TFLite with Larq Compute Engine's ops, read back by
 * lq.engine.fromTFLite. (That LCE's own interpreter runs them with the same outputs is checked by
 * python/check_lce_export.py in the Python check.)
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { buildTutorialBnn } from "../../../examples/tutorial_bnn.js";
import * as lq from "../../../src/index.js";
import { seededValues, useBackend } from "../../helpers.js";
import { calibrateBatchNorm, randomizeWeights } from "../model_fixtures.js";
import { LCE_FIXTURES } from "./fixtures.js";

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe("lq.engine.exportTFLite", () => {
  before(() => useBackend("cpu"));

  it("a larq-ts tutorial BNN (packed bits between binary layers, binary max pool, binary dense) round-trips", async () => {
    const model = buildTutorialBnn();
    randomizeWeights(model, 5);
    const x = tf.tensor(seededValues(8 * 784, 3, 0, 1), [8, 28, 28, 1]);
    calibrateBatchNorm(model, x, 9);
    const engine = await lq.engine.convert(model);
    const bytes = lq.engine.exportTFLite(engine);
    const ops = lq.engine.readTFLite(bytes).operators.map((op) => op.opcode);
    for (const code of ["LceQuantize", "LceBconv2d", "LceBMaxPool2d", "LceDequantize", "FULLY_CONNECTED"])
      assert.ok(ops.includes(code), `no ${code} in [${ops}]`);
    const bconvThresholds = lq.engine.readTFLite(bytes).operators.filter((op) => op.opcode === "LceBconv2d" && op.inputs[4] >= 0);
    assert.ok(bconvThresholds.length > 0, "a binary conv with packed output writes LCE thresholds");
    const back = await lq.engine.fromTFLite(bytes);
    const xs = x.dataSync() as Float32Array;
    for (let i = 0; i < 8; i++) {
      const input = xs.slice(i * 784, (i + 1) * 784);
      const a = engine.predict(input, [1, 28, 28, 1]) as Float32Array;
      const b = back.predict(input, [1, 28, 28, 1]) as Float32Array;
      const scale = Math.max(...Array.from(a, Math.abs));
      assert.ok(maxDiff(a, b) <= 1e-5 * scale, `sample ${i}: ${maxDiff(a, b)} (scale ${scale})`);
    }
    tf.dispose(x);
    engine.dispose();
    back.dispose();
    model.dispose();
  });

  it("folded BNs (centred form), dot bounds and fused residual adds are written as LCE ops + MUL/ADD and read back", async () => {
    // QuickNet-small: ReLU of the bare dot (dot bounds), BN folded in the centred form, residual Adds fused.
    const model = lq.zoo.quickNetSmall({ inputShape: [32, 32, 3], weights: null }) as tfl.LayersModel;
    randomizeWeights(model, 8, () => 1);
    // A binary dense with a ReLU and a BN after it: dot bounds and the centred form on the FULLY_CONNECTED path.
    const input = tfl.input({ shape: [40] });
    const dense = lq.layers
      .quantDense({ units: 33, inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", activation: "relu", useBias: false } as never)
      .apply(input) as tfl.SymbolicTensor;
    const small = tfl.model({ inputs: input, outputs: tfl.layers.batchNormalization({}).apply(dense) as tfl.SymbolicTensor });
    randomizeWeights(small, 9, () => 1);
    // Moving statistics off the trivial ones (means and variances as a trained network has them).
    for (const m of [model, small]) {
      let k = 0;
      for (const layer of m.layers) {
        if (layer.getClassName() !== "BatchNormalization") continue;
        const values = layer.getWeights().map((w, i) => {
          const v = seededValues(w.size, 100 + k++, 0, 1);
          const name = layer.weights[i].name;
          return tf.tensor(
            v.map((r) => (/variance/.test(name) ? 0.5 + 3 * r : /mean/.test(name) ? 4 * r - 2 : /gamma/.test(name) ? 0.5 + r : r - 0.5)),
            w.shape,
          );
        });
        layer.setWeights(values);
        tf.dispose(values);
      }
    }
    const cases: Array<[string, tfl.LayersModel, number[]]> = [
      ["quicknet-small", model, [32, 32, 3]],
      ["bdense", small, [40]],
    ];
    for (const [what, m, shape] of cases) {
      const engine = await lq.engine.convert(m);
      const binary = engine.graph.nodes.filter((n) => n.op === "bconv2d" || n.op === "bdense");
      assert.ok(
        binary.some((n) => n.weights.center !== undefined && (n.attrs as { dotMin?: number }).dotMin === 0),
        `${what}: centred with dot bounds`,
      );
      if (what === "quicknet-small")
        assert.ok(
          binary.some((n) => n.inputs.length === 2),
          `${what}: a fused residual`,
        );
      const bytes = lq.engine.exportTFLite(engine);
      const ops = lq.engine.readTFLite(bytes).operators.map((op) => op.opcode);
      assert.ok(ops.includes("ADD") && ops.includes(what === "bdense" ? "RELU" : "LceBconv2d"), `${what}: [${ops}]`);
      const back = await lq.engine.fromTFLite(bytes);
      for (let i = 0; i < 2; i++) {
        const v = seededValues(
          shape.reduce((p, d) => p * d, 1),
          20 + i,
          -1,
          1,
        );
        const a = engine.predict(v, [1, ...shape]) as Float32Array;
        const b = back.predict(v, [1, ...shape]) as Float32Array;
        // LCE's float32 multiplier/bias is the engine's centred transform to within an ulp or so.
        const scale = Math.max(...Array.from(a, Math.abs));
        assert.ok(maxDiff(a, b) <= 1e-4 * scale, `${what} sample ${i}: ${maxDiff(a, b)} (scale ${scale})`);
      }
      engine.dispose();
      back.dispose();
    }
    model.dispose();
    small.dispose();
  });

  for (const name of ["TutorialBNN", "QuickNetSmall224"]) {
    it(`${name} from LCE's converter: import → export → import gives identical outputs`, async () => {
      const e = JSON.parse(readFileSync(join(LCE_FIXTURES, name, "expected.json"), "utf8")) as { x_shape: number[]; x_seed: number };
      const first = await lq.engine.fromTFLite(new Uint8Array(readFileSync(join(LCE_FIXTURES, name, "model.tflite"))));
      const second = await lq.engine.fromTFLite(lq.engine.exportTFLite(first));
      if (name === "QuickNetSmall224") {
        // LCE's fused ReLU (a clamp of the dot before the multiplier) stays inside each bconv2d, both ways.
        for (const em of [first, second]) {
          const bconvs = em.graph.nodes.filter((n) => n.op === "bconv2d");
          assert.ok(bconvs.length > 0 && bconvs.every((n) => (n.attrs as { dotMin?: number }).dotMin === 0));
          assert.equal(em.graph.nodes.filter((n) => n.op === "affine").length, 0, "no separate affine pass");
        }
      }
      const x = seededValues(
        e.x_shape.reduce((p, d) => p * d, 1),
        e.x_seed,
        -2,
        2,
      );
      assert.deepEqual(Array.from(second.predict(x, e.x_shape) as Float32Array), Array.from(first.predict(x, e.x_shape) as Float32Array));
      first.dispose();
      second.dispose();
    });
  }

  it("names the node TFLite cannot express", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4], activation: "elu", name: "head" })] });
    const engine = await lq.engine.convert(model);
    assert.throws(
      () => lq.engine.exportTFLite(engine),
      /^Error: lq\.engine\.toTFLite: node \d+ "head[^"]*" \(activation\) cannot be written: activation "elu"/,
    );
    engine.dispose();
    model.dispose();
  });
});
