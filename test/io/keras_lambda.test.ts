import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { LARQ_FIXTURES } from "../interop/fixtures.js";
import { seededValues, useBackend } from "../helpers.js";

type Json = Record<string, any>;

/** The Lambda layers of a larq-zoo model as Python Keras and tensorflowjs_converter saved them (real bytecode). */
function zooLambdas(model: string): Map<string, Json> {
  const json = JSON.parse(readFileSync(join(LARQ_FIXTURES, "zoo", model, "model.json"), "utf8"));
  const layers = json.modelTopology.model_config.config.layers as Json[];
  return new Map(layers.filter((l) => l.class_name === "Lambda").map((l) => [l.name as string, l]));
}

const MELIUS = zooLambdas("MeliusNet22");
const R2B = zooLambdas("RealToBinaryNet");

function input(name: string, shape: number[]): Json {
  return {
    class_name: "InputLayer",
    config: { batch_input_shape: [null, ...shape], dtype: "float32", sparse: false, ragged: false, name },
    name,
    inbound_nodes: [],
  };
}

/** A copy of a real Lambda entry under a new name, called on `inbound` (Keras tensor references). */
function lambda(source: Json, name: string, inbound: Array<[string, number, number]>, patch: Json = {}): Json {
  const copy = structuredClone(source);
  copy.name = name;
  copy.config.name = name;
  Object.assign(copy.config, patch);
  copy.inbound_nodes = [inbound.map((ref) => [...ref, {}])];
  return copy;
}

function topology(layers: Json[], inputs: string[], output: [string, number, number]): Json {
  return {
    class_name: "Functional",
    config: { name: "m", trainable: true, layers, input_layers: inputs.map((n) => [n, 0, 0]), output_layers: [output] },
    keras_version: "2.16.0",
    backend: "tensorflow",
  };
}

async function load(topo: Json): Promise<tfl.LayersModel> {
  return tfl.models.modelFromJSON({ modelTopology: topo } as unknown as tf.io.ModelJSON);
}

describe("larq-zoo Lambda layers", () => {
  before(() => useBackend("cpu"));

  it("TFOpLayer split and concat run tf.split / tf.concat (tensor order kept)", async () => {
    const split = MELIUS.get("stem_s1_groupconv_split")!;
    const concat = MELIUS.get("stem_s1_groupconv_concat")!;
    assert.deepEqual(split.config.function[2], [[4], { axis: -1 }, "split"]);
    const layers = [
      input("x", [3, 2, 8]),
      lambda(split, "cut", [["x", 0, 0]]),
      lambda(concat, "join", [
        ["cut", 0, 3],
        ["cut", 0, 1],
        ["cut", 0, 2],
        ["cut", 0, 0],
      ]),
    ];
    const model = await load(topology(layers, ["x"], ["join", 0, 0]));
    const x = tf.tensor(seededValues(2 * 3 * 2 * 8, 11, -1, 1), [2, 3, 2, 8]);
    const parts = tf.split(x, 4, -1);
    const expected = tf.concat([parts[3], parts[1], parts[2], parts[0]], -1);
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(y.shape, [2, 3, 2, 8]);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(expected.dataSync()));
    tf.dispose([x, ...parts, expected, y]);
    model.dispose();
  });

  it("MeliusNet's merge adds the second input to the last channels of the first", async () => {
    const merge = MELIUS.get("section_0_block_0_improve_merge")!;
    assert.deepEqual(merge.config.function[2], [128]);
    const layers = [
      input("a", [2, 2, 128]),
      input("b", [2, 2, 64]),
      lambda(merge, "merge", [
        ["a", 0, 0],
        ["b", 0, 0],
      ]),
    ];
    const model = await load(topology(layers, ["a", "b"], ["merge", 0, 0]));
    const a = tf.tensor(seededValues(2 * 2 * 2 * 128, 3, -1, 1), [2, 2, 2, 128]);
    const b = tf.tensor(seededValues(2 * 2 * 2 * 64, 4, -1, 1), [2, 2, 2, 64]);
    const expected = tf.add(
      a,
      tf.pad(b, [
        [0, 0],
        [0, 0],
        [0, 0],
        [64, 0],
      ]),
    );
    const y = model.predict([a, b]) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), Array.from(expected.dataSync()));
    tf.dispose([a, b, expected, y]);
    model.dispose();
  });

  it("Real-to-Binary Net's block output is the identity", async () => {
    const out = R2B.get("r2b_bnn_block_2_out")!;
    const model = await load(topology([input("x", [5]), lambda(out, "same", [["x", 0, 0]])], ["x"], ["same", 0, 0]));
    const x = tf.tensor(seededValues(10, 5, -3, 3), [2, 5]);
    const y = model.predict(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
    tf.dispose([x, y]);
    model.dispose();
  });

  it("leaves a Lambda that larq-zoo did not define unchanged", () => {
    const own = lambda(R2B.get("r2b_bnn_block_2_out")!, "mine", [["x", 0, 0]], { module: "__main__" });
    const topo = topology([input("x", [5]), own], ["x"], ["mine", 0, 0]);
    const translated = lq.io.translateKerasTopology(topo) as Json;
    assert.deepEqual(translated.config.layers[1], own);
  });

  it("rejects a larq-zoo Lambda whose bytecode is not the expected function, naming the layer", () => {
    const melius = MELIUS.get("section_0_block_0_improve_merge")!;
    const forged = lambda(R2B.get("r2b_bnn_block_2_out")!, "forged", [["x", 0, 0]], {
      function: melius.config.function.map((v: unknown, i: number) => (i === 2 ? null : v)),
    });
    assert.throws(
      () => lq.io.translateKerasTopology(topology([input("x", [5]), forged], ["x"], ["forged", 0, 0])),
      /Lambda layer "forged".*bytecode/,
    );
  });

  it("rejects a larq-zoo Lambda with an unexpected closure or arguments, naming the layer", () => {
    const split = MELIUS.get("stem_s1_groupconv_split")!;
    const fn = [...split.config.function];
    fn[2] = [[4], { axis: -1 }, "gather"];
    const gather = lambda(split, "g", [["x", 0, 0]], { function: fn });
    assert.throws(
      () => lq.io.translateKerasTopology(topology([input("x", [8]), gather], ["x"], ["g", 0, 0])),
      /Lambda layer "g".*tf\.gather is not supported/,
    );
    const extra = lambda(split, "e", [["x", 0, 0]], { arguments: { scale: 2 } });
    assert.throws(
      () => lq.io.translateKerasTopology(topology([input("x", [8]), extra], ["x"], ["e", 0, 0])),
      /Lambda layer "e".*no extra arguments/,
    );
    const merge = lambda(MELIUS.get("section_0_block_0_improve_merge")!, "m", [["x", 0, 0]], { function: ["", null, ["x"]] });
    assert.throws(
      () => lq.io.translateKerasTopology(topology([input("x", [8]), merge], ["x"], ["m", 0, 0])),
      /Lambda layer "m".*closure \[f_in\]/,
    );
  });

  it("split rejects sizes that do not fit the axis, naming the layer", async () => {
    const split = MELIUS.get("stem_s1_groupconv_split")!;
    const fn = [...split.config.function];
    fn[2] = [[3], { axis: -1 }, "split"];
    const layers = [input("x", [8]), lambda(split, "bad_split", [["x", 0, 0]], { function: fn })];
    await assert.rejects(load(topology(layers, ["x"], ["bad_split", 0, 0])), /"bad_split".*positive integer dividing the axis size 8/);
  });
});
