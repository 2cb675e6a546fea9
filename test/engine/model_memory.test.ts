/**
 * Models sharing one engine: each model's node buffers live in an arena of its own, so a model converted or
 * re-planned after another one has run never takes memory the first still uses (found by bench:peers: BiRealNet
 * converted from Keras and loaded from LCE's .tflite on the shared engine broke each other).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as lq from "../../src/index.js";
import { buildTutorialBnn } from "../../examples/tutorial_bnn.js";
import { useBackend } from "../helpers.js";

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe("models sharing an engine", () => {
  before(() => useBackend("cpu"));

  it("interleaved predicts, conversions and batch-size changes give each model its own engine's outputs", async () => {
    const shared = await lq.engine.loadEngine({});
    const builds = [
      () => buildTutorialBnn(),
      () => lq.zoo.quickNetSmall({ inputShape: [32, 32, 3], weights: null }),
      () => lq.zoo.biRealNet({ inputShape: [32, 32, 3], weights: null }),
    ];
    const models = builds.map((b) => b());
    const alone = await Promise.all(models.map(async (m) => lq.engine.convert(m, { engine: await lq.engine.loadEngine({}) })));
    const input = (em: lq.engine.EngineModel, batch: number) => {
      const n = batch * em.inputShape.reduce((a, b) => a * b, 1);
      return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + batch));
    };
    const onShared: lq.engine.EngineModel[] = [];
    try {
      for (const [k, m] of models.entries()) {
        onShared.push(await lq.engine.convert(m, { engine: shared }));
        // Every model converted so far runs again, at alternating batch sizes (re-planned each time).
        for (const batch of [1, 2, 1]) {
          for (const [j, em] of onShared.entries()) {
            const x = input(em, batch);
            const shape = [batch, ...em.inputShape];
            assert.ok(same(em.predict(x, shape), alone[j].predict(x, shape)), `model ${j} after converting model ${k}, batch ${batch}`);
          }
        }
      }
      // Reloading a saved copy (new weights and plan on the same engine) while the others keep running.
      const again = await lq.engine.load(onShared[2].save(), { engine: shared });
      onShared.push(again);
      for (const em of [onShared[0], again, onShared[1], onShared[2]]) {
        const x = input(em, 1);
        const twin = alone[em === again ? 2 : onShared.indexOf(em)];
        assert.ok(same(em.predict(x), twin.predict(x)));
      }
    } finally {
      [...onShared, ...alone].forEach((em) => em.dispose());
      models.forEach((m) => m.dispose());
    }
  });
});
