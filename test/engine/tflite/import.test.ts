/**
 * Larq Compute Engine `.tflite` files (made by python/generate_lce_fixtures.py with larq-compute-engine's
 * converter) imported with lq.engine.fromTFLite and compared with what LCE's own interpreter computed.
 *
 * Tolerance: binary convolutions compute LCE's integer dot products exactly, but float outputs round in a
 * different order (LCE: float(2·popcount)·m′ + b′; the engine: m·dot + b), and float convolutions sum in a
 * different order. Over a network with random weights a 1-ulp difference can flip a later sign, so the bound is
 * what the Keras float forward pass of the same model shows against LCE (recorded in the fixture), doubled, and
 * at least 1e-5 of the output scale.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { runCli, type CliIO } from "../../../src/cli/index.js";
import { parseNpy } from "../../../src/cli/npy.js";
import { readTFLite } from "../../../src/engine/tflite/read.js";
import * as lq from "../../../src/index.js";
import * as lqi from "../../../src/internal.js";
import { seededValues, useBackend } from "../../helpers.js";
import { LCE_FIXTURES } from "./fixtures.js";

interface LceExpected {
  x_shape: number[];
  x_seed: number;
  y_shape: number[];
  y: number[];
  y_keras: number[];
}

const MODELS = existsSync(LCE_FIXTURES)
  ? readdirSync(LCE_FIXTURES)
      .filter((d) => existsSync(join(LCE_FIXTURES, d, "model.tflite")))
      .sort()
  : [];

function load(name: string): { bytes: Uint8Array; e: LceExpected } {
  return {
    bytes: new Uint8Array(readFileSync(join(LCE_FIXTURES, name, "model.tflite"))),
    e: JSON.parse(readFileSync(join(LCE_FIXTURES, name, "expected.json"), "utf8")),
  };
}

function bound(e: LceExpected): { scale: number; tol: number } {
  const scale = Math.max(...e.y.map(Math.abs));
  const keras = Math.max(...e.y.map((v, i) => Math.abs(v - e.y_keras[i])));
  return { scale, tol: Math.max(1e-5 * scale, 2 * keras) };
}

describe("lq.engine.fromTFLite on LCE-converted models", () => {
  before(() => useBackend("cpu"));

  it("has the committed fixtures (the tutorial BNN and QuickNet-small at 224x224)", () => {
    for (const name of ["TutorialBNN", "QuickNetSmall224"]) assert.ok(MODELS.includes(name), `missing fixture ${name} in ${LCE_FIXTURES}`);
  });

  for (const name of MODELS) {
    it(`${name}: output equals LCE's interpreter`, async () => {
      const { bytes, e } = load(name);
      const model = await lq.engine.fromTFLite(bytes);
      try {
        const x = seededValues(
          e.x_shape.reduce((a, b) => a * b, 1),
          e.x_seed,
          -2,
          2,
        );
        const y = model.predict(x, e.x_shape) as Float32Array;
        assert.deepEqual([e.x_shape[0], ...model.outputShape], e.y_shape);
        const { scale, tol } = bound(e);
        let worst = 0;
        for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - e.y[i]));
        assert.ok(worst <= tol, `max |engine − LCE| = ${worst}, bound ${tol} (output scale ${scale})`);
      } finally {
        model.dispose();
      }
    });
  }

  it("names an unsupported operator by index and opcode", async () => {
    const graph = readTFLite(load("TutorialBNN").bytes);
    const k = graph.operators.findIndex((op) => op.opcode === "MAX_POOL_2D");
    graph.operators[k] = { ...graph.operators[k], opcode: "GATHER" };
    assert.throws(
      () => lqi.engine.tfliteToGraph(graph),
      new RegExp(`^Error: lq\\.engine\\.fromTFLite: operator ${k} \\(GATHER\\) is not supported: larq-ts maps LceQuantize`),
    );
  });

  it("names an LCE option it cannot map (grouped filters, pad values)", () => {
    const graph = readTFLite(load("TutorialBNN").bytes);
    const k = graph.operators.findIndex((op) => op.opcode === "LceBconv2d");
    const bad = {
      ...graph,
      operators: graph.operators.map((op, i) => (i === k ? { ...op, options: { ...op.options, pad_values: 2 } } : op)),
    };
    assert.throws(() => lqi.engine.tfliteToGraph(bad), new RegExp(`operator ${k} \\(LceBconv2d\\) is not supported: pad_values 2`));
  });

  it("400 seeded mutations of a .tflite: each loads or is rejected with a clear error, nothing leaks", async () => {
    const { bytes } = load("TutorialBNN");
    const r = seededValues(1600, 91, 0, 1);
    const tensors = tf.memory().numTensors;
    for (let k = 0; k < 400; k++) {
      const mutated = k % 5 === 4 ? bytes.slice(0, Math.floor(r[4 * k] * bytes.length)) : bytes.slice();
      if (k % 5 !== 4) {
        // Header, tables and the option/shape vectors near the end, where a flip changes structure.
        const at = r[4 * k + 1] < 0.5 ? Math.floor(r[4 * k + 2] * 1024) : bytes.length - 1 - Math.floor(r[4 * k + 2] * 3072);
        mutated[at] ^= 1 << Math.floor(r[4 * k + 3] * 8);
      }
      try {
        const model = await lq.engine.fromTFLite(mutated);
        model.dispose();
      } catch (error) {
        assert.ok(error instanceof Error, `mutation ${k}: threw ${String(error)}`);
        assert.match(error.message, /^(Invalid TFLite file: |lq\.engine\.fromTFLite: )/, `mutation ${k}: ${error.message}`);
        assert.ok(!/invalid engine file/i.test(error.message), `mutation ${k}: engine-file wording: ${error.message}`);
      }
    }
    assert.equal(tf.memory().numTensors, tensors);
  });
});

describe("larq-ts run / bench on a .tflite", () => {
  const io = (): CliIO & { out: string; err: string } => {
    const s = { out: "", err: "", stdout: (t: string) => void (s.out += t), stderr: (t: string) => void (s.err += t) };
    return s;
  };

  it("run --input x.npy (saved by NumPy) prints LCE's output", async () => {
    const { e } = load("TutorialBNN");
    const out = io();
    const code = await runCli(
      ["run", join(LCE_FIXTURES, "TutorialBNN", "model.tflite"), "--input", join(LCE_FIXTURES, "TutorialBNN", "x.npy")],
      out,
    );
    assert.equal(code, 0, out.err);
    const result = JSON.parse(out.out) as { shape: number[]; data: number[] };
    assert.deepEqual(result.shape, e.y_shape);
    const { tol } = bound(e);
    result.data.forEach((v, i) => assert.ok(Math.abs(v - e.y[i]) <= tol, `output ${i}: ${v}, LCE ${e.y[i]}`));
  });

  it("run --output y.npy writes a .npy; a wrong input shape is a usage error naming both shapes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "larq-ts-run-"));
    try {
      const model = join(LCE_FIXTURES, "TutorialBNN", "model.tflite");
      const out = io();
      assert.equal(
        await runCli(["run", model, "--input", join(LCE_FIXTURES, "TutorialBNN", "x.npy"), "--output", join(dir, "y.npy")], out),
        0,
        out.err,
      );
      const y = parseNpy(new Uint8Array(await readFile(join(dir, "y.npy"))));
      assert.deepEqual(y.shape, load("TutorialBNN").e.y_shape);
      const bad = io();
      const wrong = join(LCE_FIXTURES, "QuickNetSmall224", "x.npy");
      assert.notEqual(await runCli(["run", model, "--input", wrong], bad), 0);
      assert.match(bad.err, /input has shape \[1,224,224,3\], the model takes \[batch, 28, 28, 1\]/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("bench recognises a .tflite by its identifier", async () => {
    const out = io();
    assert.equal(await runCli(["bench", join(LCE_FIXTURES, "TutorialBNN", "model.tflite"), "--runs=2"], out), 0, out.err);
    assert.match(
      out.out,
      /^TFLite file .*model\.tflite \(\d+ bytes\), input \[1, 28, 28, 1\]\nengine predict: [\d.]+ ms \(median of 2\)\n$/,
    );
    const threaded = io();
    assert.equal(
      await runCli(["bench", join(LCE_FIXTURES, "TutorialBNN", "model.tflite"), "--runs=2", "--threads=2"], threaded),
      0,
      threaded.err,
    );
    assert.match(threaded.out, /engine predict: [\d.]+ ms \(median of 2, 2 threads\)\n$/);
    const bad = io();
    assert.equal(await runCli(["bench", join(LCE_FIXTURES, "TutorialBNN", "model.tflite"), "--threads=0"], bad), 2);
    assert.match(bad.err, /--threads must be an integer from 1 to 64.*"0"/);
  });
});
