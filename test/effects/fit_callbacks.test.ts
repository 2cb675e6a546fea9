/**
 * Effects flipRatioLogger and progressBar: model.fit creates larq-ts's callbacks only while they are installed.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { lq, useCpu } from "./core_setup.js";

function buildModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(
    lq.layers.quantDense({
      units: 2,
      inputShape: [3],
      kernelQuantizer: new lq.quantizers.SteSign({ metrics: ["flip_ratio"] }),
      name: "qd",
    }) as unknown as tfl.layers.Layer,
  );
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
  return model;
}

/** Runs one fit; returns the history keys and what was written to stdout. */
async function fitOnce(verbose: 0 | 1): Promise<{ keys: string[]; printed: string }> {
  const model = buildModel();
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const history = await model.fit(tf.randomNormal([8, 3], 0, 1, "float32", 3), tf.ones([8, 2]), { epochs: 1, batchSize: 4, verbose });
    return { keys: Object.keys(history.history).sort(), printed: chunks.join("") };
  } finally {
    process.stdout.write = write;
    model.dispose();
  }
}

describe("effects flipRatioLogger / progressBar", () => {
  before(useCpu);

  test("off: tfjs's model.fit reports no flip ratio and prints nothing", async () => {
    assert.deepEqual(lq.effects.installed(), []);
    const { keys, printed } = await fitOnce(1);
    assert.deepEqual(keys, ["loss"]);
    assert.equal(printed, "");
  });

  test("flipRatioLogger: flip_ratio/<layer> in the history while installed, gone after uninstall", async () => {
    lq.effects.install({ flipRatioLogger: true });
    assert.deepEqual((await fitOnce(0)).keys, ["flip_ratio/qd", "loss"]);
    lq.effects.uninstall(["flipRatioLogger"]);
    assert.deepEqual((await fitOnce(0)).keys, ["loss"]);
  });

  test("progressBar: verbose 1 prints larq-ts's progress bar while installed, nothing after uninstall", async () => {
    lq.effects.install({ progressBar: true });
    assert.match((await fitOnce(1)).printed, /Epoch 1\/1/);
    assert.equal((await fitOnce(0)).printed, "", "verbose 0 stays silent");
    lq.effects.uninstall(["progressBar"]);
    assert.equal((await fitOnce(1)).printed, "");
    assert.deepEqual(lq.effects.installed(), []);
  });
});
