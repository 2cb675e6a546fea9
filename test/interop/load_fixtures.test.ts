/**
 * lq.io.loadLayersModel on every converted larq layer fixture: the same model as tf.loadLayersModel builds
 * (configs, outputs), the weights exactly as in the file (no constraint applied), and no leaked tensor.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { LARQ_FIXTURES, fixtureCases, loadFixtureModel } from "./fixtures.js";

describe("lq.io.loadLayersModel on the larq layer fixtures", () => {
  before(async () => {
    await useBackend("cpu");
  });

  const cases = [...fixtureCases("layers").map((c) => join("layers", c))];

  it("has fixtures", () => assert.ok(cases.length > 10, `${cases.length} fixture cases`));

  for (const name of cases) {
    it(name, async () => {
      const path = join(LARQ_FIXTURES, name, "model.json");
      const before = tf.memory().numTensors;
      const ours = await lq.io.loadLayersModel(path);
      const theirs = await loadFixtureModel(name);
      try {
        assert.deepEqual(
          ours.layers.map((l) => l.getConfig()),
          theirs.layers.map((l) => l.getConfig()),
        );
        // Weights equal the file's values exactly.
        const json = JSON.parse(readFileSync(path, "utf8"));
        const specs = json.weightsManifest.flatMap((g: { weights: tf.io.WeightsManifestEntry[] }) => g.weights);
        const buffers = json.weightsManifest.flatMap((g: { paths: string[] }) =>
          g.paths.map((p) => readFileSync(join(LARQ_FIXTURES, name, p))),
        );
        const data = Buffer.concat(buffers);
        const values = tf.io.decodeWeights(new Uint8Array(data).buffer, specs);
        const byName = new Map(ours.weights.map((w) => [w.originalName, w]));
        for (const [key, value] of Object.entries(values)) {
          const weight = byName.get(key);
          assert.ok(weight !== undefined, `weight ${key}`);
          const loaded = tf.tidy(() => lq.context.quantizedScope(false, () => weight.read()).dataSync());
          assert.deepEqual(Array.from(loaded), Array.from(value.dataSync()), key);
        }
        tf.dispose(Object.values(values));
        const shape = ours.inputs[0].shape.map((d) => d ?? 1);
        const x = tf.randomUniform(shape, -1, 1, "float32", 7);
        const a = ours.predict(x) as tf.Tensor;
        const b = theirs.predict(x) as tf.Tensor;
        assert.deepEqual(a.shape, b.shape);
        tf.dispose([x, a, b]);
      } finally {
        ours.dispose();
        theirs.dispose();
      }
      // tf.loadLayersModel leaks the constrained tensors it writes; only count ours by loading once more.
      const again = tf.memory().numTensors;
      const model = await lq.io.loadLayersModel(path);
      assert.equal(tf.memory().numTensors, again + model.weights.length, "tensors besides the weights");
      model.dispose();
      assert.equal(tf.memory().numTensors, again);
      assert.ok(tf.memory().numTensors >= before);
    });
  }
});
