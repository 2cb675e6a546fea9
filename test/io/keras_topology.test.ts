import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { LARQ_FIXTURES, loadSeededZooModel, readExpected } from "../interop/fixtures.js";
import { assertClose, seededValues, useBackend } from "../helpers.js";

type Json = Record<string, any>;

/** Two dense branches of one input joined by `a + b`, as Python Keras 2.16 writes it (snake_case). */
function kerasTopology(addKwargs: Json = { y: ["dense_b", 0, 0], name: null }): Json {
  const dense = (name: string) => ({
    class_name: "Dense",
    config: {
      name,
      trainable: true,
      dtype: "float32",
      units: 2,
      activation: "linear",
      use_bias: false,
      kernel_initializer: { module: "keras.initializers", class_name: "Zeros", config: {}, registered_name: null },
    },
    name,
    inbound_nodes: [[["input_1", 0, 0, {}]]],
  });
  return {
    class_name: "Functional",
    config: {
      name: "model",
      trainable: true,
      layers: [
        {
          class_name: "InputLayer",
          config: { batch_input_shape: [null, 3], dtype: "float32", sparse: false, ragged: false, name: "input_1" },
          name: "input_1",
          inbound_nodes: [],
        },
        dense("dense_a"),
        dense("dense_b"),
        {
          class_name: "TFOpLambda",
          config: { name: "tf.__operators__.add", trainable: true, dtype: "float32", function: "__operators__.add" },
          name: "tf.__operators__.add",
          inbound_nodes: [["dense_a", 0, 0, addKwargs]],
        },
      ],
      input_layers: [["input_1", 0, 0]],
      output_layers: [["tf.__operators__.add", 0, 0]],
    },
    keras_version: "2.16.0",
    backend: "tensorflow",
  };
}

const KA = [
  [1, -1],
  [0.5, 2],
  [-3, 0.25],
];
const KB = [
  [2, 0],
  [-1, 1],
  [0.5, -2],
];
const X = [
  [1, 2, 3],
  [-1, 0.5, 2],
];

function matmul(x: number[][], k: number[][]): number[][] {
  return x.map((row) => k[0].map((_, j) => row.reduce((s, v, i) => s + v * k[i][j], 0)));
}

function artifacts(topology: Json): tf.io.ModelArtifacts {
  return {
    modelTopology: topology,
    format: "layers-model",
    generatedBy: "keras v2.16.0",
    convertedBy: "TensorFlow.js Converter v4.22.0",
    weightSpecs: [
      { name: "dense_a/kernel", shape: [3, 2], dtype: "float32" },
      { name: "dense_b/kernel", shape: [3, 2], dtype: "float32" },
    ],
    weightData: new Float32Array([...KA.flat(), ...KB.flat()]).buffer,
  };
}

/** The model's output checked against tf.add of the two branches, each computed on its own. */
async function checkAdd(model: tfl.LayersModel): Promise<void> {
  const x = tf.tensor2d(X);
  const y = model.predict(x) as tf.Tensor;
  const reference = tf.add(tf.tensor2d(matmul(X, KA)), tf.tensor2d(matmul(X, KB)));
  assertClose(y, reference, 1e-6);
  tf.dispose([x, y, reference]);
  model.dispose();
}

describe("lq.io.translateKerasTopology", () => {
  let dir = "";
  before(async () => {
    await useBackend("cpu");
    dir = await mkdtemp(join(tmpdir(), "lq-keras-topology-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("moves kwargs tensor references into the node inputs and records the argument order", () => {
    const topology = kerasTopology();
    const original = JSON.stringify(topology);
    const out = lq.io.translateKerasTopology(topology);
    assert.equal(JSON.stringify(topology), original, "the input is not modified");
    const op = out.config.layers[3];
    assert.deepEqual(op.inbound_nodes, [
      [
        ["dense_a", 0, 0, {}],
        ["dense_b", 0, 0, {}],
      ],
    ]);
    assert.deepEqual(op.config.argument_order, ["x", "y"]);
    assert.deepEqual(op.config.constants, {});
    assert.deepEqual(out.config.layers[1], topology.config.layers[1]);
    assert.deepEqual(lq.io.translateKerasTopology(out), out, "a translated topology stays as it is");
  });

  it("keeps scalar kwargs and _CONSTANT_VALUE first arguments as constants", () => {
    const scaled = kerasTopology({ y: 2.5, name: null });
    const op = lq.io.translateKerasTopology(scaled).config.layers[3];
    assert.deepEqual(op.inbound_nodes, [[["dense_a", 0, 0, {}]]]);
    assert.deepEqual(op.config.argument_order, ["x"]);
    assert.deepEqual(op.config.constants, { y: 2.5 });

    const reversed = kerasTopology();
    reversed.config.layers[3].config.function = "math.subtract";
    reversed.config.layers[3].inbound_nodes = [["_CONSTANT_VALUE", -1, 1, { y: ["dense_b", 0, 0], name: null }]];
    const sub = lq.io.translateKerasTopology(reversed).config.layers[3];
    assert.deepEqual(sub.inbound_nodes, [[["dense_b", 0, 0, {}]]]);
    assert.deepEqual(sub.config.argument_order, ["y"]);
    assert.deepEqual(sub.config.constants, { x: 1 });
  });

  it("handles list arguments (concat)", () => {
    const topology = kerasTopology();
    const op = topology.config.layers[3];
    op.config.function = "concat";
    op.inbound_nodes = [
      [
        ["dense_a", 0, 0, { axis: -1, name: null }],
        ["dense_b", 0, 0, { axis: -1, name: null }],
      ],
    ];
    const out = lq.io.translateKerasTopology(topology).config.layers[3];
    assert.deepEqual(out.inbound_nodes, [
      [
        ["dense_a", 0, 0, {}],
        ["dense_b", 0, 0, {}],
      ],
    ]);
    assert.deepEqual(out.config.argument_order, ["values.0", "values.1"]);
    assert.deepEqual(out.config.constants, { axis: -1 });
  });

  it("reads tfjs's camelCase spelling, where names inside kwargs arrive camel-cased", () => {
    const camel = {
      className: "Functional",
      config: {
        name: "model",
        layers: [
          { className: "InputLayer", name: "input_1", config: { name: "input_1" }, inboundNodes: [] },
          { className: "Dense", name: "dense_b", config: { name: "dense_b", units: 2 }, inboundNodes: [[["input_1", 0, 0, {}]]] },
          {
            className: "TFOpLambda",
            name: "tf.math.multiply",
            config: { name: "tf.math.multiply", function: "math.multiply" },
            inboundNodes: [["input_1", 0, 0, { y: ["denseB", 0, 0], name: null }]],
          },
        ],
      },
    };
    const op = lq.io.translateKerasTopology(camel).config.layers[2] as Json;
    assert.deepEqual(op.inboundNodes, [
      [
        ["input_1", 0, 0, {}],
        ["dense_b", 0, 0, {}],
      ],
    ]);
    assert.deepEqual(op.config.argumentOrder, ["x", "y"]);
  });

  it("rejects malformed references and unknown functions, naming the layer", () => {
    for (const y of [
      ["no_such_layer", 0, 0],
      ["dense_b", -1, 0],
      ["dense_b", 0, 0.5],
    ]) {
      assert.throws(
        () => lq.io.translateKerasTopology(kerasTopology({ y })),
        /TFOpLambda layer "tf.__operators__.add": malformed tensor reference .* for argument "y"/,
      );
    }
    const unknown = kerasTopology();
    unknown.config.layers[3].config.function = "linalg.matmul";
    assert.throws(
      () => lq.io.translateKerasTopology(unknown),
      /TFOpLambda layer "tf.__operators__.add": unsupported function "linalg.matmul"/,
    );
    const broken = kerasTopology();
    broken.config.layers[3].inbound_nodes = [[42]];
    assert.throws(() => lq.io.translateKerasTopology(broken), /TFOpLambda layer "tf.__operators__.add": malformed inbound node/);
  });

  it("a Keras model with a TFOpLambda add loads from model.json files and computes dense_a + dense_b", async () => {
    const a = artifacts(kerasTopology());
    const target = join(dir, "add");
    await rm(target, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(target, { recursive: true }));
    const modelJSON = {
      modelTopology: a.modelTopology,
      format: a.format,
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy,
      weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: a.weightSpecs }],
    };
    await writeFile(join(target, "model.json"), JSON.stringify(modelJSON));
    await writeFile(join(target, "group1-shard1of1.bin"), new Uint8Array(a.weightData as ArrayBuffer));
    await checkAdd(await tfl.loadLayersModel(lq.io.fileSystem(join(target, "model.json"))));
    await checkAdd(await tfl.loadLayersModel(`file://${join(target, "model.json")}`));
  });

  it("loads through lq.io.kerasCompat(handler) and from raw Keras JSON (tf.io.fromMemory)", async () => {
    await checkAdd(await tfl.loadLayersModel(lq.io.kerasCompat(tf.io.fromMemory(artifacts(kerasTopology())))));
    await checkAdd(await tfl.loadLayersModel(tf.io.fromMemory(artifacts(kerasTopology()))));
    const sync = lq.io.kerasCompat({});
    assert.equal(sync.load, undefined);
  });

  const zoo = join(LARQ_FIXTURES, "zoo", "QuickNetSmall");
  if (existsSync(join(zoo, "expected.json"))) {
    it("larq-zoo's QuickNetSmall (TFOpLambda residual adds) computes larq's output from seeded weights", async () => {
      await useBackend("wasm");
      const e = readExpected<{ weight_seed_base: number; x_shape: number[]; x_seed: number; probe_layer: string; y: number[] }>(
        "zoo",
        "QuickNetSmall",
      );
      const model = await loadSeededZooModel("QuickNetSmall", e.weight_seed_base);
      const probe = tfl.model({ inputs: model.inputs, outputs: model.getLayer(e.probe_layer).output as tfl.SymbolicTensor });
      const x = tf.tensor(
        seededValues(
          e.x_shape.reduce((p, d) => p * d, 1),
          e.x_seed,
          -2,
          2,
        ),
        e.x_shape,
      );
      const y = probe.predict(x) as tf.Tensor;
      const scale = Math.max(...e.y.map(Math.abs));
      const actual = y.dataSync();
      const worst = e.y.reduce((w, v, i) => Math.max(w, Math.abs(actual[i] - v)), 0);
      assert.ok(worst <= 2e-3 * scale, `max |difference| ${worst} exceeds 2e-3 of ${scale}`);
      tf.dispose([x, y]);
      model.dispose();
      await useBackend("cpu");
    });
  }
});
