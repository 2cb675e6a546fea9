/**
 * lq.engine.convert on QuickNet-small and QuickNet (padValues 1 binary convs, blur-pool depthwise, residual adds, ReLU and BN
 * float paths) with random weights and non-trivial BN statistics: the engine matches tfjs (cpu backend).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { mulberry32 } from "../../examples/data/mnist.js";
import * as lq from "../../src/index.js";
import { assertClose, useBackend } from "../helpers.js";
import { argmaxRows } from "./model_fixtures.js";

describe("lq.engine.convert: QuickNet-small and QuickNet", () => {
  before(async () => {
    await useBackend("cpu");
  });

  for (const modelName of ["quickNetSmall", "quickNet"] as const) {
    it(`${modelName} matches model.predict at 64x64x3 (argmax and values)`, async () => {
      const model = lq.zoo[modelName]({ inputShape: [64, 64, 3], numClasses: 10 }) as tfl.LayersModel;
      const rnd = mulberry32(21);
      for (const layer of model.layers) {
        if (layer.getClassName() !== "BatchNormalization") continue;
        const values = layer.getWeights().map((w, i) => {
          const name = layer.weights[i].name;
          const a = Float32Array.from({ length: w.size }, () =>
            /moving_variance/.test(name)
              ? 0.5 + 3 * rnd()
              : /moving_mean/.test(name)
                ? rnd() - 0.5
                : /gamma/.test(name)
                  ? 0.5 + rnd()
                  : rnd() - 0.5,
          );
          return tf.tensor(a, w.shape);
        });
        layer.setWeights(values);
        tf.dispose(values);
      }
      const em = await lq.engine.convert(model);
      const ops = new Set<string>(em.graph.nodes.map((n) => n.op));
      for (const op of ["bconv2d", "depthwise", "maxpool", "avgpool", "batchnorm"]) assert.ok(ops.has(op), op);
      // A residual block's BN and Add are fused into its binary convolution where the folded transform is exact for
      // every dot (almost always with these random statistics); an Add left over follows the BN that did not fold.
      const nodes = em.graph.nodes;
      const fused = nodes.filter((n) => n.op === "bconv2d" && n.inputs.length === 2).length;
      const adds = nodes.filter((n) => n.op === "add");
      const listing = nodes.map((n) => `${n.op}(${n.inputs})`).join(" ");
      assert.ok(fused >= 12 && fused + adds.length === 16, `residual adds fused: ${listing}`);
      assert.ok(
        adds.every((n) => n.inputs.some((j) => nodes[j].op === "batchnorm")),
        `an unfused add follows an unfolded BN: ${listing}`,
      );
      const x = tf.randomUniform([4, 64, 64, 3], -1, 1, "float32", 3);
      const expected = model.predict(x) as tf.Tensor;
      const actual = em.predict(x);
      assert.deepEqual(argmaxRows(actual.dataSync(), 10), argmaxRows(expected.dataSync(), 10));
      assertClose(actual, expected, 1e-3);
      tf.dispose([x, expected, actual]);
      em.dispose();
      model.dispose();
    });
  }
});
