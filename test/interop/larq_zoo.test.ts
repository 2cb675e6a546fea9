/**
 * Every larq-zoo model, as real larq-zoo builds it and tensorflowjs_converter converts it
 * (test/fixtures/larq/zoo, made by python/generate_fixtures.py): it loads in larq-ts, computes larq's
 * pre-softmax output from the same seeded weights and input, and `lq.models.summary` of the 224x224 model
 * equals larq's line for line.
 *
 * Tolerance: the output agrees to 2e-3 of its largest magnitude. These are deep binarized networks: a sign
 * taken of a value that float32 rounding puts on either side of zero can flip, so bit-exactness is not
 * expected; the tolerance is still far below what a wrong layer gives (outputs of order 1 to 100).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { seededValues, useBackend } from "../helpers.js";
import { LARQ_FIXTURES, fixtureCases, loadSeededZooModel, readExpected, summaryLines } from "./fixtures.js";

interface ZooExpected {
  name: string;
  include_top: boolean;
  x_shape: number[];
  x_seed: number;
  weight_seed_base: number;
  probe_layer: string;
  y_shape: number[];
  y: number[];
  summary_224: string;
}

/** Every model of larq-zoo 2.4 (larq_zoo.sota and larq_zoo.literature); each has a fixture. */
const ZOO_MODELS = [
  "BiRealNet",
  "BinaryAlexNet",
  "BinaryDenseNet28",
  "BinaryDenseNet37",
  "BinaryDenseNet37Dilated",
  "BinaryDenseNet45",
  "BinaryResNetE18",
  "DoReFaNet",
  "MeliusNet22",
  "QuickNet",
  "QuickNetLarge",
  "QuickNetSmall",
  "RealToBinaryNet",
  "XNORNet",
];

/**
 * Every model loads: MeliusNet22's and RealToBinaryNet's Keras `Lambda` layers (Python bytecode) are translated
 * into equivalent layers on load (src/io/keras_lambda.ts).
 */
const LOADABLE = ZOO_MODELS;

describe("real larq-zoo fixtures", () => {
  before(() => useBackend("wasm"));

  test("every larq-zoo model has a fixture", () => {
    assert.deepEqual(fixtureCases("zoo"), ZOO_MODELS);
  });

  for (const name of LOADABLE) {
    test(`${name}: output from seeded weights equals larq's`, async () => {
      const e = readExpected<ZooExpected>("zoo", name);
      const model = await loadSeededZooModel(name, e.weight_seed_base);
      const probe = tfl.model({ inputs: model.inputs, outputs: model.getLayer(e.probe_layer).output as tfl.SymbolicTensor });
      const size = e.x_shape.reduce((a, b) => a * b, 1);
      const x = tf.tensor(seededValues(size, e.x_seed, -2, 2), e.x_shape);
      const y = probe.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, e.y_shape);
      const actual = y.dataSync();
      const scale = Math.max(...e.y.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - e.y[i]));
      assert.ok(worst <= 2e-3 * scale, `max |difference| ${worst} exceeds 2e-3 of the output scale ${scale}`);
      tf.dispose([x, y]);
      model.dispose();
    });
  }

  for (const name of LOADABLE) {
    test(`${name}: summary at 224x224 equals larq's`, async () => {
      const e = readExpected<ZooExpected>("zoo", name);
      const topology = JSON.parse(readFileSync(join(LARQ_FIXTURES, "zoo", name, "model_224.json"), "utf8"));
      const model = await tfl.models.modelFromJSON(topology);
      const lines: string[] = [];
      lq.models.summary(model, { printFn: (t) => lines.push(t) });
      assert.deepEqual(summaryLines(lines.join("\n")), summaryLines(e.summary_224));
      model.dispose();
    });
  }
});
