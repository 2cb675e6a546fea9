/**
 * The CLI's one model-file recogniser (`recogniseModelFile`, used by summary, run and bench): every kind by its
 * magic bytes, real engine and TFLite files written by lq.engine, and too-short, empty, JSON and text files.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as tfl from "@tensorflow/tfjs-layers";

import { recogniseModelFile } from "../../src/cli/model_file.js";
import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { useBackend } from "../helpers.js";

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe("recogniseModelFile", () => {
  before(() => useBackend("cpu"));

  it("recognises engine and TFLite files written by lq.engine", async () => {
    const model = tfl.sequential({
      layers: [
        lq.layers.quantConv2d({
          filters: 4,
          kernelSize: 3,
          inputShape: [6, 6, 2],
          inputQuantizer: "ste_sign",
          kernelQuantizer: "ste_sign",
        }),
        tfl.layers.flatten({}),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const em = await lq.engine.convert(model);
    try {
      const engineFile = em.save();
      assert.equal(recogniseModelFile(engineFile)?.kind, "engine");
      assert.equal(recogniseModelFile(engineFile.subarray(0, 4))?.kind, "engine", "4 bytes of magic suffice");
      assert.equal(new TextDecoder().decode(engineFile.subarray(0, 4)), lqi.engine.ENGINE_MAGIC);
      const tflite = lq.engine.exportTFLite(em);
      assert.equal(recogniseModelFile(tflite)?.kind, "tflite");
      assert.match(recogniseModelFile(tflite)!.description, /TensorFlow Lite flatbuffer.*run and bench/);
    } finally {
      em.dispose();
    }
  });

  it("names each foreign kind by its magic", () => {
    assert.equal(recogniseModelFile(bytes("LQTE", [1, 0, 0, 0]))?.kind, "engine");
    assert.equal(recogniseModelFile(bytes([0x1c, 0, 0, 0], "TFL3", [0, 0]))?.kind, "tflite");
    const h5 = recogniseModelFile(bytes([0x89], "HDF", [0x0d, 0x0a, 0x1a, 0x0a]));
    assert.equal(h5?.kind, "hdf5");
    assert.match(h5!.description, /Keras HDF5 file .*tensorflowjs_converter/);
    assert.equal(recogniseModelFile(bytes("PK", [3, 4, 20, 0, 0, 0]))?.kind, "zip");
    assert.equal(recogniseModelFile(bytes([0x08, 0x01, 0x12, 0x00, 0xff]))?.kind, "protobuf-or-binary");
  });

  it("too short, empty, JSON and text files are not recognised as a model format", () => {
    assert.equal(recogniseModelFile(new Uint8Array(0)), null);
    assert.equal(recogniseModelFile(bytes("LQT")), null, "3 bytes of the engine magic");
    // 7 bytes: too short for the TFLite identifier, but binary.
    assert.equal(recogniseModelFile(bytes([0x1c, 0, 0, 0], "TFL"))?.kind, "protobuf-or-binary");
    assert.equal(recogniseModelFile(bytes([0x89], "HDF")), null, "4 bytes: too short for HDF5");
    assert.equal(recogniseModelFile(bytes('{"modelTopology": {}}')), null);
    assert.equal(recogniseModelFile(bytes([0xef, 0xbb, 0xbf], "\n  [1, 2]")), null, "BOM and whitespace before JSON");
    assert.equal(recogniseModelFile(bytes("hello, not a model\n")), null, "text");
  });

  it("binary bytes after a leading '[' or '{' are binary, not JSON (a weights .bin whose first float starts with 0x5b)", () => {
    assert.equal(recogniseModelFile(bytes("[y_>", [0x00, 0x9c, 0x01, 0x3b]))?.kind, "protobuf-or-binary");
    assert.equal(recogniseModelFile(bytes("{", [0x02, 0x00]))?.kind, "protobuf-or-binary");
  });
});
