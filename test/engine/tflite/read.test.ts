import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import { readTFLite } from "../../../src/engine/tflite/read.js";
import { seededValues } from "../../helpers.js";

import { LCE_FIXTURES } from "./fixtures.js";

function fixture(name: string): { bytes: Uint8Array; expected: { ops: Record<string, number>; x_shape: number[]; y_shape: number[] } } {
  return {
    bytes: new Uint8Array(readFileSync(join(LCE_FIXTURES, name, "model.tflite"))),
    expected: JSON.parse(readFileSync(join(LCE_FIXTURES, name, "expected.json"), "utf8")),
  };
}

describe("readTFLite", () => {
  it("reads LCE's converted tutorial BNN: the ops TensorFlow's own schema module counted, consistent tensors", () => {
    const { bytes, expected } = fixture("TutorialBNN");
    const graph = readTFLite(bytes);
    const counts: Record<string, number> = {};
    for (const op of graph.operators) counts[op.opcode] = (counts[op.opcode] ?? 0) + 1;
    assert.deepEqual(counts, expected.ops);
    assert.deepEqual(
      graph.inputs.map((i) => graph.tensors[i].shape),
      [expected.x_shape],
    );
    assert.deepEqual(
      graph.outputs.map((i) => graph.tensors[i].shape),
      [expected.y_shape],
    );
    const bconv = graph.operators.find((op) => op.opcode === "LceBconv2d")!;
    assert.equal(bconv.custom, true);
    assert.equal(bconv.options.channels_in, 32);
    assert.equal(graph.tensors[bconv.inputs[1]].dtype, "int32");
    assert.deepEqual(graph.tensors[bconv.inputs[1]].shape, [64, 3, 3, 1]);
    const conv = graph.operators.find((op) => op.opcode === "CONV_2D")!;
    assert.equal(conv.options.strideW, 1);
    const filter = graph.tensors[conv.inputs[1]];
    assert.equal(filter.data!.length, filter.shape.reduce((a, b) => a * b, 1) * 4);
  });

  it("rejects what is not a TFLite flatbuffer, naming the problem", () => {
    assert.throws(() => readTFLite(new Uint8Array(3)), /Invalid TFLite file: missing the "TFL3" file identifier/);
    assert.throws(() => readTFLite(new TextEncoder().encode("not a model at all")), /Invalid TFLite file/);
    assert.throws(
      () => readTFLite([1, 2, 3] as unknown as Uint8Array),
      /Invalid TFLite file: expected the file's bytes as a Uint8Array, received \[object Array\]/,
    );
  });

  it("2,000 seeded byte flips and truncations: each file is read or rejected with an Invalid TFLite file error", () => {
    const { bytes } = fixture("TutorialBNN");
    const random = seededValues(8000, 77, 0, 1);
    let rejected = 0;
    let flipsRejected = 0;
    for (let k = 0; k < 2000; k++) {
      const r = random.slice(4 * k, 4 * k + 4);
      let mutated: Uint8Array;
      if (k % 4 === 3) {
        mutated = bytes.slice(0, Math.floor(r[0] * bytes.length));
      } else {
        mutated = bytes.slice();
        // Flip bytes in the flatbuffer's tables (the first 2 KB and the last 4 KB hold most offsets and vectors).
        const flips = 1 + Math.floor(r[1] * 4);
        for (let f = 0; f < flips; f++) {
          const inTables = r[2] < 0.5;
          const at = inTables ? Math.floor(((r[3] * (f + 1)) % 1) * 2048) : bytes.length - 1 - Math.floor(((r[3] * (f + 7)) % 1) * 4096);
          mutated[at] ^= 1 << Math.floor(((r[0] * (f + 3)) % 1) * 8);
        }
      }
      try {
        const graph = readTFLite(mutated);
        assert.ok(Array.isArray(graph.operators));
      } catch (error) {
        assert.ok(error instanceof Error && /^Invalid TFLite file: /.test(error.message), `mutation ${k}: ${String(error)}`);
        assert.ok(!/Invalid TFLite file.*Invalid TFLite file/.test(error.message), `mutation ${k}: doubled prefix`);
        rejected++;
        if (k % 4 !== 3) flipsRejected++;
      }
    }
    // Every truncation cuts into tables or buffers; flips mostly land in weights, which stay a valid file.
    assert.ok(rejected - flipsRejected >= 450, `only ${rejected - flipsRejected} of 500 truncated files were rejected`);
    assert.ok(flipsRejected > 0, "no flipped file was rejected: the mutations never reach the tables");
  });
});
