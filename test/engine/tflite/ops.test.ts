/**
 * The float ops TFLite graphs need (`affine`, `pad`, `slice`), checked against tfjs-core's own ops.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import type { EngineGraph } from "../../../src/engine/graph.js";
import * as lq from "../../../src/index.js";
import * as lqi from "../../../src/internal.js";
import { seededValues, useBackend } from "../../helpers.js";

describe("engine ops affine, pad, slice", () => {
  before(() => useBackend("cpu"));

  it("input → pad → slice → affine equals tf.pad, tf.slice, tf.mul and tf.add (each rounded to float32)", async () => {
    const [h, w, c] = [3, 4, 5];
    const m = seededValues(3, 3, -2, 2);
    const b = seededValues(3, 4, -1, 1);
    const graph: EngineGraph = {
      nodes: [
        { name: "x", op: "input", inputs: [], attrs: {}, weights: {}, shape: [h, w, c], dtype: "float32" },
        {
          name: "pad",
          op: "pad",
          inputs: [0],
          attrs: {
            paddings: [
              [1, 0],
              [0, 2],
              [3, 1],
            ],
          },
          weights: {},
          shape: [h + 1, w + 2, c + 4],
          dtype: "float32",
        },
        { name: "slice", op: "slice", inputs: [1], attrs: { begin: 2 }, weights: {}, shape: [h + 1, w + 2, 3], dtype: "float32" },
        {
          name: "affine",
          op: "affine",
          inputs: [2],
          attrs: {},
          weights: { multiplier: "m", bias: "b" },
          shape: [h + 1, w + 2, 3],
          dtype: "float32",
        },
      ],
      output: 3,
      weights: new Map([
        ["m", { kind: "float32", shape: [3], data: m }],
        ["b", { kind: "float32", shape: [3], data: b }],
      ]),
    };
    const model = await lq.engine.load(lqi.engine.encodeEngineFile(graph));
    const x = tf.tensor(seededValues(2 * h * w * c, 7, -3, 3), [2, h, w, c]);
    const expected = tf.tidy(() => {
      const padded = tf.pad(x, [
        [0, 0],
        [1, 0],
        [0, 2],
        [3, 1],
      ]);
      const sliced = tf.slice(padded, [0, 0, 0, 2], [2, h + 1, w + 2, 3]);
      return tf.add(tf.mul(sliced, tf.tensor1d(m)), tf.tensor1d(b));
    });
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, expected.shape);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(expected.dataSync()));
    tf.dispose([x, y, expected]);
    model.dispose();
  });

  it("rejects paddings, slices and weights that do not fit, naming the node", async () => {
    const base = (node: EngineGraph["nodes"][number], weights: EngineGraph["weights"] = new Map()): EngineGraph => ({
      nodes: [{ name: "x", op: "input", inputs: [], attrs: {}, weights: {}, shape: [2, 2, 4], dtype: "float32" }, node],
      output: 1,
      weights,
    });
    const load = (g: EngineGraph) => lq.engine.load(lqi.engine.encodeEngineFile(g));
    await assert.rejects(
      load(
        base({
          name: "p",
          op: "pad",
          inputs: [0],
          attrs: {
            paddings: [
              [1, 1],
              [0, 0],
            ],
          },
          weights: {},
          shape: [4, 2, 4],
          dtype: "float32",
        }),
      ),
      /node 1 "p" \(pad\).*paddings must be/,
    );
    await assert.rejects(
      load(
        base({
          name: "p",
          op: "pad",
          inputs: [0],
          attrs: {
            paddings: [
              [1, 1],
              [0, 0],
              [0, 0],
            ],
          },
          weights: {},
          shape: [3, 2, 4],
          dtype: "float32",
        }),
      ),
      /node 1 "p" \(pad\).*differs from the padded input \[4,2,4\]/,
    );
    await assert.rejects(
      load(base({ name: "s", op: "slice", inputs: [0], attrs: { begin: 2 }, weights: {}, shape: [2, 2, 3], dtype: "float32" })),
      /node 1 "s" \(slice\).*begin 2 with 3 channels leaves the input's 4/,
    );
    const bad = new Map([["m", { kind: "float32" as const, shape: [3], data: new Float32Array(3) }]]);
    await assert.rejects(
      load(
        base({ name: "a", op: "affine", inputs: [0], attrs: {}, weights: { multiplier: "m" }, shape: [2, 2, 4], dtype: "float32" }, bad),
      ),
      /node 1 "a" \(affine\).*multiplier has 3 values for 4 channels/,
    );
  });
});
