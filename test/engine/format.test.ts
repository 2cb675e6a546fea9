/**
 * The engine file format: round trip, size against the summary's "Model size", and rejection of bad files
 * (truncation at many offsets, bad magic, version, flags, lengths, checksum, graph) without leaking wasm memory.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { buildTutorialBnn } from "../../examples/tutorial_bnn.js";
import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { useBackend } from "../helpers.js";
import { randomizeWeights } from "./model_fixtures.js";

const { crc32, decodeEngineFile, encodeEngineFile, load } = lqi.engine;

/** Re-signs a modified file so that only the changed field is wrong. */
function resign(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(16, crc32(bytes.subarray(20)), true);
  return bytes;
}

/** Replaces the graph JSON of a file and fixes its header. */
function withGraph(bytes: Uint8Array, edit: (doc: any) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const g = view.getUint32(8, true);
  const doc = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + g)));
  edit(doc);
  const json = new TextEncoder().encode(JSON.stringify(doc));
  const out = new Uint8Array(20 + json.length + (bytes.length - 20 - g));
  out.set(bytes.subarray(0, 20));
  out.set(json, 20);
  out.set(bytes.subarray(20 + g), 20 + json.length);
  new DataView(out.buffer).setUint32(8, json.length, true);
  return resign(out);
}

describe("engine file format", () => {
  let bytes: Uint8Array;
  let model: ReturnType<typeof buildTutorialBnn>;
  let x: tf.Tensor;

  before(async () => {
    await useBackend("cpu");
    model = buildTutorialBnn();
    randomizeWeights(model, 3, () => 4);
    x = tf.randomNormal([3, 28, 28, 1], 0, 1, "float32", 5);
    const em = await lq.engine.convert(model);
    bytes = em.save();
    em.dispose();
  });

  it("round-trips: the loaded model gives the same outputs, and the file is close to the summary's model size", async () => {
    const em = await lq.engine.convert(model);
    const again = await load(bytes);
    const a = em.predict(x).dataSync();
    const b = again.predict(x).dataSync();
    assert.deepEqual(Array.from(b), Array.from(a));
    assert.deepEqual(Array.from(again.save()), Array.from(bytes));
    const size = lq.models.profile(model).totals.modelSizeBytes;
    // Binary kernels take 1 bit per weight; the graph JSON and float32 folded transforms add a little.
    assert.ok(bytes.length < size * 1.6 + 6000, `file ${bytes.length} bytes vs model size ${size}`);
    assert.ok(bytes.length > size * 0.8, `file ${bytes.length} bytes vs model size ${size}`);
    em.dispose();
    again.dispose();
    assert.deepEqual(Array.from(bytes.subarray(0, 4)), [0x4c, 0x51, 0x54, 0x45]);
  });

  it("rejects truncated files at many offsets", async () => {
    const engine = await lq.engine.loadEngine();
    const before = engine.allocatedBytes;
    const offsets = new Set<number>([0, 1, 3, 4, 8, 15, 19, 20, 21, bytes.length - 1]);
    for (let i = 0; i < 60; i++) offsets.add(Math.floor((bytes.length * i) / 60));
    for (const n of offsets) {
      await assert.rejects(load(bytes.subarray(0, n)), /invalid engine file: .*(header|truncated)/, `truncated at ${n}`);
    }
    assert.equal(engine.allocatedBytes, before);
  });

  it("rejects bad magic, version, flags, lengths and checksums with clear errors", () => {
    const mod = (at: number, v: number, sign = true) => {
      const b = bytes.slice();
      b[at] = v;
      return sign ? resign(b) : b;
    };
    assert.throws(() => decodeEngineFile(mod(0, 0x58)), /bad magic "XQTE"/);
    assert.throws(() => decodeEngineFile(mod(4, 2)), /unsupported format version 2/);
    assert.throws(() => decodeEngineFile(mod(6, 1)), /unknown flags 1/);
    assert.throws(() => decodeEngineFile(mod(8, bytes[8] ^ 4)), /header announces/);
    assert.throws(() => decodeEngineFile(mod(13, bytes[13] ^ 1)), /header announces/);
    assert.throws(() => decodeEngineFile(mod(bytes.length - 3, bytes[bytes.length - 3] ^ 16, false)), /checksum mismatch/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    assert.throws(() => decodeEngineFile(longer), /header announces/);
    assert.throws(() => decodeEngineFile("LQTE" as never), /Uint8Array/);
  });

  it("rejects graphs that do not validate, and frees wasm memory when preparing fails", async () => {
    assert.throws(() => decodeEngineFile(withGraph(bytes, (d) => (d.nodes[3].op = "fft"))), /unknown op "fft"/);
    assert.throws(() => decodeEngineFile(withGraph(bytes, (d) => (d.nodes[3].inputs = [7]))), /bad inputs/);
    assert.throws(() => decodeEngineFile(withGraph(bytes, (d) => (d.nodes[5].shape = [26, 26, 63]))), /node 5/);
    assert.throws(() => decodeEngineFile(withGraph(bytes, (d) => (d.weights[0].byteLength += 4))), /weight .* offset/);
    assert.throws(() => decodeEngineFile(withGraph(bytes, (d) => delete d.nodes[5].weights.filter)), /node 5/);
    assert.throws(() => decodeEngineFile(withGraph(bytes, (d) => (d.output = 5))), /bad output node/);
    // Shapes that do not follow from the geometry, and output kinds that do not match the op.
    const indexOf = (d: any, op: string) => d.nodes.findIndex((n: any) => n.op === op);
    assert.throws(
      () => decodeEngineFile(withGraph(bytes, (d) => (d.nodes[indexOf(d, "bmaxpool")].shape = [6, 5, 64]))),
      /bmaxpool\): output shape \[6,5,64\] does not follow/,
    );
    assert.throws(
      () => decodeEngineFile(withGraph(bytes, (d) => (d.nodes[indexOf(d, "bconv2d")].attrs.transform = "float"))),
      /output dtype bits, expected float32/,
    );
    assert.throws(
      () => decodeEngineFile(withGraph(bytes, (d) => (d.nodes[indexOf(d, "activation")].attrs.activation = "erf"))),
      /unknown activation "erf"/,
    );
    assert.throws(
      () => decodeEngineFile(withGraph(bytes, (d) => (d.nodes[indexOf(d, "conv2d")].attrs.strides = [2, 2]))),
      /conv2d\): output shape/,
    );
    assert.throws(() => decodeEngineFile(withGraph(bytes, (d) => (d.nodes = d.nodes.slice(1)))), /input must be node 0/);
    // A graph that decodes but whose last binary layer has a bad padding value: earlier ops are freed again.
    const engine = await lq.engine.loadEngine();
    const before = engine.allocatedBytes;
    const broken = withGraph(bytes, (d) => {
      const last = d.nodes.map((n: any) => n.op).lastIndexOf("bdense");
      d.nodes[last].attrs.inChannels = 0;
    });
    await assert.rejects(load(broken), /node \d+ .*channel counts|inChannels/);
    const broken2 = withGraph(bytes, (d) => {
      const last = d.nodes.map((n: any) => n.op).lastIndexOf("bconv2d");
      d.nodes[last].attrs.padValue = 2;
    });
    await assert.rejects(load(broken2), /padValue/);
    assert.equal(engine.allocatedBytes, before);
    // encode/decode are inverse on the graph.
    const graph = decodeEngineFile(bytes);
    assert.deepEqual(Array.from(encodeEngineFile(graph)), Array.from(bytes));
  });
});
