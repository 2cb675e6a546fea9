import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";

type Json = Record<string, any>;

/** A model with two constrained quantized layers whose saved kernels lie outside the constraint. */
function constrainedModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(
    lq.layers.quantDense({
      units: 2,
      inputShape: [3],
      name: "qd1",
      kernelQuantizer: "ste_sign",
      kernelConstraint: "weight_clip",
    }),
  );
  model.add(lq.layers.quantDense({ units: 2, name: "qd2", kernelConstraint: lq.constraints.weightClip({ clipValue: 0.5 }) }));
  // setWeights would apply the constraints: assign the latent variables directly.
  const values = [tf.fill([3, 2], 2), tf.zeros([2]), tf.fill([2, 2], -3), tf.zeros([2])];
  model.weights.forEach((w, i) => (tfl.LayerVariable.prototype.read.call(w) as tf.Variable).assign(values[i]));
  tf.dispose(values);
  return model;
}

describe("lq.io.loadLayersModel", () => {
  let dir = "";
  let saved = "";
  let savedJson: Json = {};
  before(async () => {
    await useBackend("cpu");
    dir = await mkdtemp(join(tmpdir(), "lq-load-"));
    saved = join(dir, "constrained");
    const model = constrainedModel();
    await model.save(`file://${saved}`);
    model.dispose();
    savedJson = JSON.parse(await readFile(join(saved, "model.json"), "utf8"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes a copy of the saved model with its model.json changed by `edit`; returns the model.json path. */
  async function variant(name: string, edit: (json: Json) => void): Promise<string> {
    const target = join(dir, name);
    await mkdir(target, { recursive: true });
    const json = structuredClone(savedJson);
    edit(json);
    await writeFile(join(target, "model.json"), JSON.stringify(json));
    await writeFile(join(target, "weights.bin"), await readFile(join(saved, "weights.bin")));
    return join(target, "model.json");
  }

  async function assertFailsWithoutLeak(path: string, expected: RegExp): Promise<void> {
    const before = tf.memory().numTensors;
    await assert.rejects(lq.io.loadLayersModel(path), expected);
    assert.equal(tf.memory().numTensors, before, "tensors leaked by the failed load");
  }

  it("loads the weights exactly as saved (no constraint applied) and leaks no tensor", async () => {
    const before = tf.memory().numTensors;
    const model = await lq.io.loadLayersModel(join(saved, "model.json"));
    const weights = model.getWeights();
    assert.deepEqual(Array.from(weights[0].dataSync()), [2, 2, 2, 2, 2, 2]);
    assert.deepEqual(Array.from(weights[2].dataSync()), [-3, -3, -3, -3]);
    // The model holds exactly its 4 weights (2 kernels, 2 biases), nothing else.
    assert.equal(tf.memory().numTensors, before + 4);
    model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("file:// URLs and directories work too", async () => {
    const before = tf.memory().numTensors;
    for (const source of [`file://${saved}/model.json`, saved]) {
      const model = await lq.io.loadLayersModel(source);
      assert.equal(model.layers.length, 2);
      model.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it("a weight of the wrong shape names the file, the weight and the layer, and leaks nothing", async () => {
    const path = await variant("wrongshape", (j) => {
      j.weightsManifest[0].weights[0].shape = [2, 3]; // same byte count as [3, 2]
    });
    await assertFailsWithoutLeak(
      path,
      /Invalid model file .*wrongshape.*model\.json: weight "qd1\/kernel" of layer "qd1" has shape \[2, 3\] in the file, but the layer expects \[3, 2\]/,
    );
  });

  it("weights missing from the file or foreign to the model are named", async () => {
    const renamed = await variant("renamed", (j) => {
      j.weightsManifest[0].weights[2].name = "other/kernel";
    });
    await assertFailsWithoutLeak(renamed, /the file has 1 weight\(s\) that match no weight of the model: "other\/kernel"/);
  });

  it("a layer whose config its constructor rejects is named, with the file; nothing leaks", async () => {
    const path = await variant("badunits", (j) => {
      j.modelTopology.config.layers[1].config.units = -1;
    });
    await assertFailsWithoutLeak(
      path,
      /Invalid model file .*badunits.*: Cannot create QuantDense layer "qd2" from its config: Invalid units: expected a positive integer, received -1/,
    );
    // tf.loadLayersModel names the layer too (not the file: tfjs does not pass it on).
    await assert.rejects(tfl.loadLayersModel(`file://${path}`), /Cannot create QuantDense layer "qd2" from its config: Invalid units/);
  });

  it("a tfjs layer whose config its constructor rejects is found and named, with the file; nothing leaks", async () => {
    const input = tfl.input({ shape: [3], name: "in" });
    const hidden = tfl.layers.dense({ units: 4, name: "hidden" }).apply(input) as tfl.SymbolicTensor;
    const output = tfl.layers.dropout({ rate: 0.5, name: "drop" }).apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const target = join(dir, "tfjslayer");
    await model.save(`file://${target}`);
    model.dispose();
    const json = JSON.parse(await readFile(join(target, "model.json"), "utf8"));
    json.modelTopology.config.layers[1].config.units = -4;
    await writeFile(join(target, "model.json"), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await assert.rejects(lq.io.loadLayersModel(join(target, "model.json")), (e: Error) => {
      assert.match(
        e.message,
        /^Invalid model file .*tfjslayer.*model\.json: layer "hidden" \(Dense, layers\[1\]\) cannot be created: .*units/,
      );
      return true;
    });
    assert.equal(tf.memory().numTensors, before, "tensors leaked by the failed load");
  });

  it("an unknown or misspelt argument in a larq-ts layer config is named with the layer and the file", async () => {
    const path = await variant("typo", (j) => {
      const config = j.modelTopology.config.layers[0].config;
      config.kernel_quantiser = config.kernel_quantizer;
      delete config.kernel_quantizer;
    });
    await assertFailsWithoutLeak(
      path,
      /Invalid model file .*typo.*: layer "qd1" \(QuantDense, .*\): Invalid kernel_quantiser: QuantDense has no argument "kernel_quantiser".*Did you mean "kernel_quantizer"\?/,
    );
  });

  it("an unknown optimizer in the training config is reported as such, not as an unknown layer", async () => {
    const path = await variant("optimizer", (j) => {
      j.trainingConfig = { loss: "mean_squared_error", optimizer_config: { class_name: "NoSuchOptimizer", config: {} } };
    });
    await assertFailsWithoutLeak(path, /Invalid model file .*optimizer.*: trainingConfig names the unknown optimizer "NoSuchOptimizer"/);
  });

  it("a model.json without weightsManifest is rejected unless allowMissingWeights", async () => {
    const path = await variant("noweights", (j) => {
      delete j.weightsManifest;
    });
    await assertFailsWithoutLeak(
      path,
      /Invalid model file .*noweights.*: it has no "weightsManifest".*random initial weights.*allowMissingWeights/,
    );
    // tf.loadLayersModel through larq-ts's file:// handler rejects it too.
    await assert.rejects(tfl.loadLayersModel(`file://${path}`), /no "weightsManifest"/);
    const model = await lq.io.loadLayersModel(path, { allowMissingWeights: true });
    assert.equal(model.layers.length, 2);
    model.dispose();
  });

  it("bad inbound nodes of a functional model name the layer instead of 'Cannot read properties of undefined'", async () => {
    const input = tfl.input({ shape: [3], name: "in" });
    const output = lq.layers.quantDense({ units: 2, name: "fd" }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    const target = join(dir, "functional");
    await model.save(`file://${target}`);
    model.dispose();
    const json = JSON.parse(await readFile(join(target, "model.json"), "utf8"));
    json.modelTopology.config.layers[1].inbound_nodes = [[["missing_layer", 0, 0, {}]]];
    await writeFile(join(target, "model.json"), JSON.stringify(json));
    await assertFailsWithoutLeak(
      join(target, "model.json"),
      /Invalid model file .*functional.*: layer "fd" .*inbound node 0, entry 0 refers to the layer "missing_layer", which is not a layer of the model/,
    );
  });

  it("rejects a bad source", async () => {
    await assert.rejects(lq.io.loadLayersModel(42 as never), /Invalid source/);
    await assert.rejects(lq.io.loadLayersModel(join(dir, "nothing-here")), /does not exist/);
  });
});
