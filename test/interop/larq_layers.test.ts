/**
 * Every quantized layer, loaded from a model that real larq built and tensorflowjs_converter converted
 * (test/fixtures/larq/layers, made by python/generate_fixtures.py): outputs, gradients with respect to the
 * input and to every trainable weight, the quantized weights and `lq.models.summary` equal larq's.
 *
 * Tolerance: float32 results agree to 1e-5 (absolute plus relative); the tables are equal line for line.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import * as lq from "../../src/index.js";
import { assertClose, useBackend } from "../helpers.js";
import { fixtureCases, loadFixtureModel, readExpected, summaryLines } from "./fixtures.js";

interface LayerExpected {
  name: string;
  layer: string;
  x_shape: number[];
  x: number[];
  y_shape: number[];
  y: number[];
  r: number[];
  grad_x: number[];
  grads: Record<string, number[]>;
  quantized_weights: Record<string, number[]>;
  summary: string;
}

const TOL = 1e-5;
const cases = fixtureCases("layers");

describe("real larq layer fixtures", () => {
  before(() => useBackend("cpu"));

  test("the fixtures cover all 11 quantized layers", () => {
    const layers = new Set(cases.map((c) => readExpected<LayerExpected>("layers", c).layer));
    assert.ok(cases.length >= 60, `only ${cases.length} layer fixtures`);
    assert.deepEqual([...layers].sort(), [
      "QuantConv1D",
      "QuantConv2D",
      "QuantConv2DTranspose",
      "QuantConv3D",
      "QuantConv3DTranspose",
      "QuantDense",
      "QuantDepthwiseConv2D",
      "QuantLocallyConnected1D",
      "QuantLocallyConnected2D",
      "QuantSeparableConv1D",
      "QuantSeparableConv2D",
    ]);
  });

  for (const name of cases) {
    test(name, async () => {
      const e = readExpected<LayerExpected>("layers", name);
      const model = await loadFixtureModel("layers", name);
      // Run the whole comparison twice: the second round must not leave a tensor behind.
      let after = 0;
      for (let round = 0; round < 2; round++) {
        const before = tf.memory().numTensors;
        const x0 = tf.tensor(e.x, e.x_shape);
        const x = tf.variable(x0, true, `larq_fixture_x_${name}_${round}`);
        const r = tf.tensor(e.r, e.y_shape);
        const y = model.apply(x, { training: false }) as tf.Tensor;
        assert.deepEqual(y.shape, e.y_shape);
        assertClose(y, e.y, TOL, "output");

        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x) as tf.Tensor, r)), [x, ...variables]);
        assertClose(grads[x.name], e.grad_x, TOL, "gradient w.r.t. the input");
        assert.deepEqual(model.trainableWeights.map((w) => w.originalName).sort(), Object.keys(e.grads).sort());
        model.trainableWeights.forEach((w, i) =>
          assertClose(grads[variables[i].name], e.grads[w.originalName], TOL, `gradient w.r.t. ${w.originalName}`),
        );

        const quantized = lq.context.quantizedScope(true, () => model.getWeights());
        model.weights.forEach((w, i) => assertClose(quantized[i], e.quantized_weights[w.originalName], TOL, `quantized ${w.originalName}`));

        const lines: string[] = [];
        lq.models.summary(model, { printFn: (t) => lines.push(t) });
        assert.deepEqual(summaryLines(lines.join("\n")), summaryLines(e.summary));

        // getWeights returns the variables themselves for weights the scope leaves unquantized.
        tf.dispose([x0, x, r, y, value, ...Object.values(grads), ...quantized.filter((t) => !(t instanceof tf.Variable))]);
        after = tf.memory().numTensors - before;
      }
      assert.equal(after, 0, "tensors leaked");
      model.dispose();
    });
  }
});
