/**
 * The `larq-ts` CLI: `summary` on a model saved to a temporary directory (spawned as a separate
 * process, the way the package `bin` runs), and the dispatch (help, errors) in-process.
 *
 * Expected figures are derived by hand for the saved model: a QuantConv2D (4 filters, 3×3, one input
 * channel, binary input and kernel) on 6×6×1 inputs → 4×4×4 outputs, Flatten (64), Dense (2).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import * as tfl from "@tensorflow/tfjs-layers";

import { runCli, type CliCommand, type CliIO } from "../../src/cli/index.js";
// The package entry registers all quantizers and layers (as the CLI does when it loads a model).
import { io as lqio, layers } from "../../src/index.js";
import { useBackend } from "../helpers.js";

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function memoryIO(): CliIO & { out: string; err: string } {
  const io = { out: "", err: "", stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

let dir = "";

before(async () => {
  await useBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "larq-ts-cli-"));
  const model = tfl.sequential({ name: "bnn" });
  model.add(
    layers.quantConv2d({
      filters: 4,
      kernelSize: 3,
      inputShape: [6, 6, 1],
      inputQuantizer: "ste_sign",
      kernelQuantizer: "ste_sign",
      kernelConstraint: "weight_clip",
      name: "qconv",
    }),
  );
  model.add(tfl.layers.flatten({ name: "flat" }));
  model.add(tfl.layers.dense({ units: 2, name: "head" }));
  await model.save(lqio.fileSystem(dir));
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("larq-ts summary (spawned)", () => {
  it("prints larq's two tables for a saved model", async () => {
    const { stdout } = await run(process.execPath, [MAIN, "summary", join(dir, "model.json")]);
    const lines = stdout.split("\n");
    assert.match(lines[0], /^\+bnn stats-+\+$/);
    assert.match(lines[1], /^\| Layer +Input prec\. +Outputs +# 1-bit +# 32-bit +Memory +1-bit MACs +32-bit MACs \|$/);
    // kernel 3·3·1·4 = 36 binary weights, 4 float biases; 36 · 16 pixels = 576 binary MACs.
    // memory (36 + 4·32) bits = 164 bits = 0.02 kB.
    assert.match(stdout, /^\| qconv +1 +\(-1, 4, 4, 4\) +36 +4 +0\.02 +576 +0 \|$/m);
    assert.match(stdout, /^\| flat +- +\(-1, 64\) +0 +0 +0 +0 +0 \|$/m);
    // dense: 64·2 + 2 = 130 float weights (4160 bits = 0.51 kB), 128 float MACs.
    assert.match(stdout, /^\| head +- +\(-1, 2\) +0 +130 +0\.51 +0 +128 \|$/m);
    assert.match(stdout, /^\| Total +36 +134 +0\.53 +576 +128 \|$/m);
    assert.match(stdout, /^\+bnn summary-+\+$/m);
    assert.match(stdout, /^\| Total params +170 +\|$/m);
    // (164 + 4160) bits = 540.5 bytes; 8-bit floats: 36 + 134·8 bits = 138.5 bytes; float32: 680 bytes.
    assert.match(stdout, /^\| Model size +540\.50 B \|$/m);
    assert.match(stdout, /^\| Model size \(8-bit FP weights\) +138\.50 B +\|$/m);
    assert.match(stdout, /^\| Float-32 Equivalent +680\.00 B +\|$/m);
    assert.match(stdout, /^\| Number of MACs +704 +\|$/m);
    // 576 / 704 = 0.81818…
    assert.match(stdout, /^\| Ratio of MACs that are binarized +0\.8182 +\|$/m);
    assert.ok(stdout.endsWith("+\n"));
  });

  it("--json prints the profile; a missing file fails with exit code 1 naming it", async () => {
    const { stdout } = await run(process.execPath, [MAIN, "summary", dir, "--json"]);
    const json = JSON.parse(stdout);
    assert.equal(json.name, "bnn");
    assert.equal(json.totals.totalParams, 170);
    assert.deepEqual(json.totals.macsByPrecision, { 1: 576, 32: 128 });
    assert.equal(json.layers[0].inputPrecision, 1);
    const missing = join(dir, "nope.json");
    await assert.rejects(run(process.execPath, [MAIN, "summary", missing]), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.ok(error.stderr.includes(`larq-ts summary: `) && error.stderr.includes(missing), error.stderr);
      return true;
    });
  });
});

describe("larq-ts summary options (in-process)", () => {
  it("--markdown prints Markdown tables; --no-macs drops the MAC rows of the summary", async () => {
    const io = memoryIO();
    assert.equal(await runCli(["summary", join(dir, "model.json"), "--markdown", "--no-macs"], io), 0, io.err);
    const lines = io.out.split("\n");
    assert.equal(lines[0], "### bnn stats");
    assert.ok(lines.includes("| qconv | 1 | (-1, 4, 4, 4) | 36 | 4 | 0.02 | 576 | 0 |"), io.out);
    assert.ok(lines.includes("| Model size | 540.50 B |"), io.out);
    assert.ok(!io.out.includes("Number of MACs"));
    const both = memoryIO();
    assert.equal(await runCli(["summary", dir, "--json", "--markdown"], both), 2);
    assert.match(both.err, /--json and --markdown exclude each other/);
  });

  it("a model.json without weights, or with a weight of the wrong shape, fails naming the file (and the weight)", async () => {
    const { readFile, writeFile, mkdir, copyFile } = await import("node:fs/promises");
    const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    const noWeights = join(dir, "noweights");
    await mkdir(noWeights, { recursive: true });
    const stripped = { ...json };
    delete stripped.weightsManifest;
    await writeFile(join(noWeights, "model.json"), JSON.stringify(stripped));
    const io = memoryIO();
    assert.equal(await runCli(["summary", join(noWeights, "model.json")], io), 1);
    assert.match(io.err, /Invalid model file .*noweights\/model\.json: it has no "weightsManifest"/);
    const wrong = join(dir, "wrongshape");
    await mkdir(wrong, { recursive: true });
    const swapped = structuredClone(json);
    const head = swapped.weightsManifest[0].weights.find((w: { name: string }) => w.name === "head/kernel");
    head.shape = [...head.shape].reverse();
    await writeFile(join(wrong, "model.json"), JSON.stringify(swapped));
    await copyFile(join(dir, "weights.bin"), join(wrong, "weights.bin"));
    const io2 = memoryIO();
    assert.equal(await runCli(["summary", join(wrong, "model.json")], io2), 1);
    assert.match(io2.err, /weight "head\/kernel" of layer "head" has shape \[2, 64\] in the file, but the layer expects \[64, 2\]/);
  });
});

describe("larq-ts dispatch (in-process)", () => {
  it("--help lists the commands; <command> --help shows its usage", async () => {
    const io = memoryIO();
    assert.equal(await runCli(["--help"], io), 0);
    assert.match(io.out, /Usage: larq-ts <command>/);
    assert.match(io.out, /^ {2}summary +print larq's bit-aware summary/m);
    const io2 = memoryIO();
    assert.equal(await runCli(["summary", "--help"], io2), 0);
    assert.match(io2.out, /Usage: larq-ts summary <model\.json/);
  });

  it("bad command lines exit with 2 and say why", async () => {
    const io = memoryIO();
    assert.equal(await runCli(["frobnicate"], io), 2);
    assert.match(io.err, /unknown command "frobnicate"; commands: summary/);
    const io2 = memoryIO();
    assert.equal(await runCli(["summary"], io2), 2);
    assert.match(io2.err, /expected exactly one model path, received 0/);
    const io3 = memoryIO();
    assert.equal(await runCli(["summary", "m.json", "--colour"], io3), 2);
    assert.match(io3.err, /unknown option "--colour"/);
    const io4 = memoryIO();
    assert.equal(await runCli([], io4), 2);
    assert.match(io4.err, /Usage: larq-ts/);
  });

  it("dispatches to a command from the table with the remaining arguments", async () => {
    const seen: string[][] = [];
    const echo: CliCommand = {
      name: "echo",
      description: "test command",
      help: "Usage: larq-ts echo …",
      run: async (args, io) => {
        seen.push(args);
        io.stdout(args.join(" "));
        return 3;
      },
    };
    const failing: CliCommand = { ...echo, name: "fail", run: async () => Promise.reject(new Error("boom")) };
    const io = memoryIO();
    assert.equal(await runCli(["echo", "a", "b"], io, [echo, failing]), 3);
    assert.deepEqual(seen, [["a", "b"]]);
    assert.equal(io.out, "a b");
    const io2 = memoryIO();
    assert.equal(await runCli(["fail"], io2, [echo, failing]), 1);
    assert.equal(io2.err, "larq-ts fail: boom\n");
  });
});
