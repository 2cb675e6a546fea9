/**
 * Weights folders: save → SHA-256 → load round trips (a small model for the error paths, one zoo
 * model end to end) and the factories' argument validation. No network: everything is local.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { setAtomicWriteFaultHook } from "../../src/io/atomic_write.js";
import * as layers from "../../src/layers/index.js";
import * as zoo from "../../src/zoo/index.js";
import { assertClose, useBackend } from "../helpers.js";

let dir = "";

function smallModel(units = 4): tfl.LayersModel {
  const input = tfl.input({ shape: [3, 3, 2] });
  let x = layers
    .quantConv2d({ filters: 3, kernelSize: 3, padding: "same", inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign" })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({}).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: x });
}

/** Gives every weight distinct, non-initial values so that a successful load is visible. */
function randomize(model: tfl.LayersModel, seed: number): void {
  model.setWeights(model.weights.map((w, i) => tf.randomUniform(w.shape as number[], 0.5, 1.5, "float32", seed + i)));
}

describe("zoo weights folders", () => {
  before(async () => {
    await useBackend("wasm");
    dir = await mkdtemp(join(tmpdir(), "lq-zoo-weights-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("saveWeights writes model.json + weights.bin and returns the SHA-256 of weights.bin", async () => {
    const model = smallModel();
    randomize(model, 1);
    const folder = join(dir, "hash");
    const hash = await zoo.saveWeights(model, folder);
    const independent = createHash("sha256")
      .update(await readFile(join(folder, "weights.bin")))
      .digest("hex");
    assert.equal(hash, independent);
    const json = JSON.parse(await readFile(join(folder, "model.json"), "utf8"));
    assert.deepEqual(json.weightsManifest[0].paths, ["weights.bin"]);
    assert.equal(json.weightsManifest[0].weights.length, model.weights.length);
    model.dispose();
  });

  it("saveWeights is crash-safe: a failed save (injected ENOSPC) rejects naming the folder and keeps the previous weights", async () => {
    const folder = join(dir, "crash-safe");
    const first = smallModel();
    randomize(first, 3);
    const hash = await zoo.saveWeights(first, folder);
    const second = smallModel();
    randomize(second, 4);
    setAtomicWriteFaultHook((e) => {
      if (e.step === "write") throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    });
    try {
      await assert.rejects(
        zoo.saveWeights(second, folder),
        (e: Error) => e.message.startsWith(`cannot save the model in ${folder}: cannot write `) && /ENOSPC/.test(e.message),
      );
    } finally {
      setAtomicWriteFaultHook(null);
    }
    assert.deepEqual((await readdir(folder)).sort(), ["model.json", "weights.bin"]);
    const check = smallModel();
    assert.equal(await zoo.loadWeights(check, { path: folder, sha256: hash }), hash);
    assertClose(check.getWeights()[0], first.getWeights()[0], 0);
    [first, second, check].forEach((m) => m.dispose());
  });

  it("loadWeights restores every weight (folder, model.json path and file:// URL forms)", async () => {
    const source = smallModel();
    randomize(source, 10);
    const folder = join(dir, "forms");
    const hash = await zoo.saveWeights(source, folder);
    const expected = source.getWeights().map((w) => Array.from(w.dataSync()));
    for (const path of [folder, join(folder, "model.json"), pathToFileURL(folder).href]) {
      const target = smallModel();
      const loadedHash = await zoo.loadWeights(target, { path, sha256: hash.toUpperCase() });
      assert.equal(loadedHash, hash);
      target.getWeights().forEach((w, i) => assertClose(w, expected[i], 0, `weight ${i} from ${path}`));
      target.dispose();
    }
    source.dispose();
  });

  it("loads folders in Keras layer order (as converted Keras weights are) by weight kind, never mixing kinds", async () => {
    const target = smallModel();
    // Layer order with Keras-style names: each layer's weights together, batch-norm statistics inside.
    const kerasOrder = target.layers.flatMap((l) => l.weights);
    const kerasName = (w: tfl.LayerVariable, i: number) =>
      `layer${i}/${w.originalName.slice(w.originalName.lastIndexOf("/") + 1).replace(/_\d+$/, "")}`;
    const named = kerasOrder.map((w, i) => ({ name: kerasName(w, i), tensor: tf.fill(w.shape as number[], i + 1) }));
    const encoded = await tf.io.encodeWeights(named);
    const folder = join(dir, "keras-order");
    await zoo.saveWeights(target, folder); // creates the folder; the files are replaced below
    await writeFile(join(folder, "weights.bin"), new Uint8Array(encoded.data as ArrayBuffer));
    await writeFile(join(folder, "model.json"), JSON.stringify({ weightsManifest: [{ paths: ["weights.bin"], weights: encoded.specs }] }));
    await zoo.loadWeights(target, folder);
    kerasOrder.forEach((w, i) => assertClose(w.read(), new Array(w.read().size).fill(i + 1), 0, w.originalName));
    // The same data with the batch-norm beta and moving mean (same shape) swapped in name is refused.
    const swapped = encoded.specs.map((spec) => ({ ...spec }));
    const beta = swapped.findIndex((spec) => spec.name.endsWith("/beta"));
    const mean = swapped.findIndex((spec) => spec.name.endsWith("/moving_mean"));
    [swapped[beta].name, swapped[mean].name] = [swapped[mean].name, swapped[beta].name];
    await writeFile(join(folder, "model.json"), JSON.stringify({ weightsManifest: [{ paths: ["weights.bin"], weights: swapped }] }));
    const fresh = smallModel();
    await assert.rejects(zoo.loadWeights(fresh, folder), /cannot load into model/);
    tf.dispose(named.map((n) => n.tensor));
    target.dispose();
    fresh.dispose();
  });

  it("clear errors: hash mismatch, missing files, malformed hash, wrong architecture", async () => {
    const source = smallModel();
    const folder = join(dir, "errors");
    const hash = await zoo.saveWeights(source, folder);
    const target = smallModel();
    const wrong = hash.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    await assert.rejects(
      zoo.loadWeights(target, { path: folder, sha256: wrong }),
      /SHA-256 mismatch.*expected [0-9a-f]{64}, computed [0-9a-f]{64}/,
    );
    await assert.rejects(zoo.loadWeights(target, { path: folder, sha256: "abc" }), /Invalid sha256.*"abc"/);
    await assert.rejects(zoo.loadWeights(target, join(dir, "nowhere")), /file not found: .*nowhere.*model\.json/);
    const otherShape = smallModel(5);
    await assert.rejects(zoo.loadWeights(otherShape, folder), /shape \[27,4\].*expects \[27,5\]/);
    const fewer = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    await assert.rejects(zoo.loadWeights(fewer, folder), /holds 8 weight tensors but model .* has 2/);
    await unlink(join(folder, "weights.bin"));
    await assert.rejects(zoo.loadWeights(target, folder), /file not found: .*weights\.bin/);
    await writeFile(join(folder, "model.json"), "{not json");
    await assert.rejects(zoo.loadWeights(target, folder), /not valid JSON/);
    await writeFile(join(folder, "model.json"), "{}");
    await assert.rejects(zoo.loadWeights(target, folder), /no weightsManifest/);
    for (const m of [source, target, otherShape, fewer]) m.dispose();
  });

  it("a zoo model round trip: factory with {weights: {path, sha256}} reproduces weights and predictions", async () => {
    const args = { includeTop: false, inputShape: [32, 32, 3] as [number, number, number] };
    const original = zoo.binaryDenseNet28(args);
    randomize(original, 100);
    const folder = join(dir, "densenet28");
    const sha256 = await zoo.saveWeights(original, folder);
    const restored = await zoo.binaryDenseNet28({ ...args, weights: { path: folder, sha256 } });
    assert.equal(restored.name, "binary_densenet28");
    const a = original.getWeights();
    const b = restored.getWeights();
    assert.equal(b.length, a.length);
    a.forEach((w, i) => assert.ok(tf.util.arraysEqual(w.dataSync(), b[i].dataSync()), `weight ${i} differs`));
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, "float32", 4);
    const ya = original.predict(x) as tf.Tensor;
    const yb = restored.predict(x) as tf.Tensor;
    assertClose(yb, ya, 1e-6);
    // The full topology (lq layers, quantizers, constraints) deserializes with tfjs' own loader too.
    const json = JSON.parse(await readFile(join(folder, "model.json"), "utf8"));
    const bin = await readFile(join(folder, "weights.bin"));
    const reloaded = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      }),
    );
    assert.equal(reloaded.countParams(), original.countParams());
    const yc = reloaded.predict(x) as tf.Tensor;
    assertClose(yc, ya, 1e-5);
    tf.dispose([x, ya, yb, yc]);
    // A wrong hash rejects and disposes the half-built model.
    const before = tf.memory().numTensors;
    await assert.rejects(zoo.binaryDenseNet28({ ...args, weights: { path: folder, sha256: "0".repeat(64) } }), /SHA-256 mismatch/);
    assert.equal(tf.memory().numTensors, before);
    for (const m of [original, restored, reloaded]) m.dispose();
  });
});

describe("zoo factory arguments", () => {
  before(() => useBackend("cpu"));

  it("reject bad arguments naming the argument and the value", () => {
    assert.throws(
      () => zoo.binaryAlexNet({ inputShape: [null, null, 3] }),
      /Invalid inputShape: .*static shape when includeTop.*\[null,null,3\]/,
    );
    assert.throws(() => zoo.binaryAlexNet({ inputShape: [224, 224] as unknown as number[] }), /Invalid inputShape.*\[224,224\]/);
    assert.throws(() => zoo.binaryAlexNet({ inputShape: [0, 224, 3] }), /Invalid inputShape/);
    assert.throws(() => zoo.binaryAlexNet({ numClasses: 0 }), /Invalid numClasses.*received 0/);
    assert.throws(() => zoo.binaryAlexNet({ includeTop: "yes" as unknown as boolean }), /Invalid includeTop.*"yes"/);
    assert.throws(
      () => zoo.binaryAlexNet({ input_shape: [1, 1, 3] } as unknown as zoo.ZooModelArgs),
      /Invalid input_shape: .*no argument "input_shape".*Did you mean "inputShape"/,
    );
    assert.throws(() => zoo.binaryAlexNet({ weights: "imagenet" as unknown as null }), /Invalid weights.*"imagenet"/);
    assert.throws(() => zoo.binaryAlexNet({ inputTensor: tf.zeros([1, 8, 8, 3]) as unknown as tfl.SymbolicTensor }), /Invalid inputTensor/);
  });

  it("uses a given inputTensor as the model input", () => {
    const input = tfl.input({ shape: [64, 64, 3] });
    const model = zoo.binaryAlexNet({ inputTensor: input, includeTop: false });
    assert.equal(model.inputs[0], input);
    assert.deepEqual(model.outputs[0].shape, [null, 1, 1, 256]);
    model.dispose();
  });
});
