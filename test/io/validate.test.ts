import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as lqi from "../../src/internal.js";

const topology = {
  class_name: "Sequential",
  config: {
    name: "s",
    layers: [
      { class_name: "InputLayer", config: { batch_input_shape: [null, 4], name: "in" } },
      {
        class_name: "QuantDense",
        config: {
          name: "qd",
          units: 2,
          input_quantizer: "ste_sign",
          kernel_quantizer: { class_name: "SteSign", config: { clip_value: 1 } },
        },
      },
    ],
  },
};

describe("lq.io artifact checks", () => {
  it("byte sizes per dtype and converter quantization", () => {
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [3, 4], dtype: "float32" }), 48);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [3, 4], dtype: "int32" }), 48);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [5], dtype: "bool" }), 5);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [], dtype: "float32" }), 4);
    assert.equal(
      lqi.io.weightByteLength({ name: "w", shape: [10], dtype: "float32", quantization: { dtype: "uint8", scale: 1, min: 0 } }),
      10,
    );
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [10], dtype: "float32", quantization: { dtype: "float16" } }), 20);
    assert.equal(lqi.io.weightByteLength({ name: "w", shape: [2], dtype: "string" }), null);
    assert.throws(
      () => lqi.io.weightByteLength({ name: "w", shape: [2.5], dtype: "float32" }, "f.json"),
      /Invalid model file f\.json: weight "w" has an invalid shape \[2\.5\]/,
    );
  });

  it("checkModelArtifacts accepts valid artifacts (nested model_config, Keras topology) and names problems", () => {
    const specs = [{ name: "qd/kernel", shape: [4, 2], dtype: "float32" as const }];
    lqi.io.checkModelArtifacts({ modelTopology: { model_config: topology }, weightSpecs: specs, weightData: new ArrayBuffer(32) });
    lqi.io.checkModelArtifacts({ modelTopology: topology, weightSpecs: specs, weightData: [new ArrayBuffer(16), new ArrayBuffer(16)] });
    lqi.io.checkModelArtifacts({ modelTopology: new ArrayBuffer(4) }); // graph models are not checked
    assert.throws(
      () => lqi.io.checkModelArtifacts({ modelTopology: topology, weightSpecs: specs, weightData: new ArrayBuffer(31) }, "m"),
      /Invalid model file m: the weight data has 31 bytes but the weightsManifest describes 32 bytes/,
    );
    assert.throws(
      () => lqi.io.checkModelArtifacts({ modelTopology: topology, weightData: new ArrayBuffer(32) }),
      /weight data but no weight specs/,
    );
    const bad = JSON.parse(JSON.stringify(topology));
    bad.config.layers[1].config.input_quantizer = "sign_ste";
    assert.throws(
      () => lqi.io.checkModelTopology(bad, "m"),
      /layer "qd" \(QuantDense\) has an invalid input_quantizer: Unknown quantizer: "sign_ste"/,
    );
    bad.config.layers[1].class_name = "NoSuchLayer";
    assert.throws(
      () => lqi.io.checkModelTopology(bad, "m"),
      /layer "qd" \(model_config\.config\.layers\[1\]\) has the unknown class_name "NoSuchLayer"/,
    );
    assert.throws(
      () => lqi.io.checkModelTopology({ class_name: "Sequential", config: { layers: 3 } }, "m"),
      /layers must be an array, received 3/,
    );
    assert.throws(() => lqi.io.checkModelTopology("x", "m"), /"modelTopology" must be a Keras model JSON object, received "x"/);
    assert.throws(() => lqi.io.checkWeightsManifest([{ paths: ["a.bin"] }], "m"), /weightsManifest\[0\] must have "weights"/);
  });

  it("rejects artifacts without weights unless allowMissingWeights", () => {
    assert.throws(
      () => lqi.io.checkModelArtifacts({ modelTopology: topology }, "m.json"),
      /Invalid model file m\.json: it has no "weightsManifest".*random initial weights/,
    );
    lqi.io.checkModelArtifacts({ modelTopology: topology }, "m.json", { allowMissingWeights: true });
    // An empty manifest (a model without weights, as tfjs saves it) is fine.
    lqi.io.checkModelArtifacts({ modelTopology: topology, weightSpecs: [], weightData: new ArrayBuffer(0) }, "m.json");
  });

  it("names unknown or misspelt keys of larq-ts layer configs, with the layer", () => {
    const bad = structuredClone(topology);
    (bad.config.layers[1].config as Record<string, unknown>).kernel_quantiser = "ste_sign";
    assert.throws(
      () => lqi.io.checkModelTopology(bad, "m.json"),
      /Invalid model file m\.json: layer "qd" \(QuantDense, model_config\.config\.layers\[1\]\): Invalid kernel_quantiser: QuantDense has no argument "kernel_quantiser" \(received "ste_sign"\)\. Did you mean "kernel_quantizer"\?/,
    );
    // camelCase keys (tfjs-style configs) are accepted as well.
    const camel = structuredClone(topology);
    (camel.config.layers[1].config as Record<string, unknown>).useBias = false;
    lqi.io.checkModelTopology(camel, "m.json");
  });

  it("checks the wiring of functional models", () => {
    const functional = (inbound: unknown, outputs: unknown = [["qd", 0, 0]]) => ({
      class_name: "Functional",
      config: {
        name: "f",
        layers: [
          { class_name: "InputLayer", name: "in", config: { batch_input_shape: [null, 4], name: "in" }, inbound_nodes: [] },
          { class_name: "QuantDense", name: "qd", config: { name: "qd", units: 2 }, inbound_nodes: inbound },
        ],
        input_layers: [["in", 0, 0]],
        output_layers: outputs,
      },
    });
    lqi.io.checkModelTopology(functional([[["in", 0, 0, {}]]]), "f.json");
    assert.throws(
      () => lqi.io.checkModelTopology(functional([[["nope", 0, 0, {}]]]), "f.json"),
      /layer "qd" .*inbound node 0, entry 0 refers to the layer "nope", which is not a layer of the model/,
    );
    assert.throws(
      () => lqi.io.checkModelTopology(functional([[["in", "0", 0]]]), "f.json"),
      /inbound node 0, entry 0 must be \[layerName, nodeIndex, tensorIndex\], received \["in","0",0\]/,
    );
    assert.throws(() => lqi.io.checkModelTopology(functional("x"), "f.json"), /"inbound_nodes" that is not a list/);
    assert.throws(
      () => lqi.io.checkModelTopology(functional([[["in", 0, 0]]], [["gone", 0, 0]]), "f.json"),
      /output_layers\[0\] refers to the layer "gone"/,
    );
  });

  it("names an unknown optimizer of the training config", () => {
    lqi.io.checkTrainingConfig({ loss: "mse", optimizer_config: { class_name: "Adam", config: {} } }, "m.json");
    lqi.io.checkTrainingConfig({ loss: "mse", optimizer_config: { class_name: "Bop", config: {} } }, "m.json");
    assert.throws(
      () => lqi.io.checkTrainingConfig({ loss: "mse", optimizer_config: { class_name: "Adamax2", config: {} } }, "m.json"),
      /Invalid model file m\.json: trainingConfig names the unknown optimizer "Adamax2"/,
    );
    assert.throws(() => lqi.io.checkTrainingConfig(3, "m.json"), /"trainingConfig" must be an object, received 3/);
  });
});
