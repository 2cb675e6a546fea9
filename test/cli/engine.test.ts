/**
 * `larq-ts convert` and `larq-ts bench`, spawned as the package `bin` runs them, on a small saved BNN; and
 * `convert` writing to a full disk (a tmpfs where root allows, else an injected ENOSPC).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { runCli, type CliIO } from "../../src/cli/index.js";
import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { setAtomicWriteFaultHook } from "../../src/io/atomic_write.js";
import { assertClose, useBackend } from "../helpers.js";
import { enospc, mountTmpfs } from "../io/tmpfs.js";

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

let dir = "";
let model: tfl.Sequential;

before(async () => {
  await useBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "larq-ts-engine-cli-"));
  const bin = { inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", useBias: false } as const;
  model = tfl.sequential({
    layers: [
      lq.layers.quantConv2d({ filters: 8, kernelSize: 3, inputShape: [8, 8, 2], kernelQuantizer: "ste_sign", padding: "same" }),
      tfl.layers.batchNormalization({}),
      lq.layers.quantConv2d({ filters: 64, kernelSize: 3, padValues: 1, padding: "same", ...bin }),
      tfl.layers.batchNormalization({}),
      tfl.layers.flatten({}),
      lq.layers.quantDense({ units: 3, ...bin }),
      tfl.layers.activation({ activation: "softmax" }),
    ],
  });
  const bn = model.layers[3];
  bn.setWeights(bn.getWeights().map((w, i) => tf.fill(w.shape, [1.5, 0.25, 2, 9][i])));
  await model.save(`file://${dir}`);
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("larq-ts convert / bench (spawned)", () => {
  it("convert writes an engine file that lq.engine.load runs like the model", async () => {
    const out = join(dir, "model.lce");
    const { stdout } = await run(process.execPath, [MAIN, "convert", join(dir, "model.json"), out]);
    assert.match(stdout, /^wrote .*model\.lce: \d+ bytes, \d+ nodes \(.*bconv2d 1.*bdense 1/);
    const bytes = new Uint8Array(await readFile(out));
    const em = await lq.engine.load(bytes);
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, "float32", 1);
    assertClose(em.predict(x), model.predict(x) as tf.Tensor, 1e-4);
    em.dispose();
    x.dispose();
  });

  it("bench times an engine file and a model.json", async () => {
    const out = join(dir, "bench.lce");
    await run(process.execPath, [MAIN, "convert", join(dir, "model.json"), out]);
    const a = await run(process.execPath, [MAIN, "bench", out, "--runs=2"]);
    assert.match(a.stdout, /engine file .*bench\.lce \(\d+ bytes\), input \[1, 8, 8, 2\]\nengine predict: \d+\.\d+ ms \(median of 2\)/);
    const b = await run(process.execPath, [MAIN, "bench", join(dir, "model.json"), "--runs=2", "--cpu"]);
    assert.match(b.stdout, /tfjs predict \(cpu\): [\d.]+ ms\nengine predict: [\d.]+ ms\nspeed-up: [\d.]+x/);
  });

  it("reports usage errors (exit 2) and bad engine files (exit 1)", async () => {
    await assert.rejects(
      run(process.execPath, [MAIN, "convert", join(dir, "model.json")]),
      (e: { code: number; stderr: string }) => e.code === 2 && /expected a model path and an output path/.test(e.stderr),
    );
    await assert.rejects(
      run(process.execPath, [MAIN, "bench", "x", "--runs=0"]),
      (e: { code: number; stderr: string }) => e.code === 2 && /--runs must be a positive integer/.test(e.stderr),
    );
    const bad = join(dir, "bad.lce");
    const good = new Uint8Array(await readFile(join(dir, "bench.lce")));
    await writeFile(bad, good.subarray(0, good.length - 7));
    await assert.rejects(
      run(process.execPath, [MAIN, "bench", bad]),
      (e: { code: number; stderr: string }) => e.code === 1 && /invalid engine file: .*truncated/.test(e.stderr),
    );
  });
});

/** The node rows of `bench --profile`'s table: [index, name, op]. */
function profileRows(stdout: string): string[][] {
  const lines = stdout.split("\n");
  const head = lines.findIndex((l) => /^\s*#\s+Node\s+Op\s+Output shape\s+ms\s+Share\s+MACs\s+GMAC\/s$/.test(l));
  assert.ok(head >= 0, stdout);
  const end = lines.indexOf("", head);
  return lines.slice(head + 2, end).map((l) => l.trim().split(/\s{2,}/));
}

describe("larq-ts bench --profile", () => {
  const cli = async (...args: string[]) => {
    const io: CliIO & { out: string; err: string } = {
      out: "",
      err: "",
      stdout: (t) => void (io.out += t),
      stderr: (t) => void (io.err += t),
    };
    const code = await runCli(["bench", ...args], io);
    return { code, ...io };
  };

  it("prints one row per graph node with its op, and the op summary, for engine, .tflite and model.json files", async () => {
    const lce = join(dir, "profile.lce");
    const em = await lq.engine.convert(model);
    const tflite = join(dir, "profile.tflite");
    try {
      await writeFile(lce, em.save());
      await writeFile(tflite, lq.engine.exportTFLite(em));
    } finally {
      em.dispose();
    }
    for (const [file, first] of [
      [lce, /^engine file .*profile\.lce/],
      [tflite, /^TFLite file .*profile\.tflite/],
      [join(dir, "model.json"), /^model .*model\.json, input \[1, 8, 8, 2\]/],
    ] as const) {
      const r = await cli(file, "--runs=2", "--profile", "--cpu");
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, first);
      assert.match(r.out, /engine predict: [\d.]+ ms/);
      assert.match(r.out, /^Per-node profile, input \[1, 8, 8, 2\], medians of 2 runs:$/m);
      // A model.json converts to the graph of the engine file written from it.
      const want = lqi.engine.decodeEngineFile(new Uint8Array(await readFile(lce))).nodes;
      const rows = profileRows(r.out);
      if (!file.endsWith(".tflite"))
        assert.deepEqual(
          rows.map((c) => [c[0], c[1], c[2]]),
          want.map((n, i) => [String(i), n.name, n.op]),
        );
      else
        assert.deepEqual(
          rows.map((c) => c[0]),
          rows.map((_, i) => String(i)),
        );
      const ops = rows.map((c) => c[2]);
      // (the .tflite's binary dense comes back as a float FULLY_CONNECTED on unpacked signs)
      for (const op of file.endsWith(".tflite") ? ["bconv2d", "conv2d", "dense"] : ["bconv2d", "bdense", "conv2d"])
        assert.ok(ops.includes(op), `no ${op} in ${ops.join(", ")}`);
      // the binary conv 8×8×2 → 8×8×64 with 3×3 taps of 8 channels: 8·8·64·(3·3·8) = 294912 binary MACs.
      assert.match(rows.find((c) => c[2] === "bconv2d")!.join("  "), / {2}294\.9k bin {2}/);
      assert.match(r.out, /^By op:$/m);
      assert.match(r.out, /^Op\s+Nodes\s+ms\s+Share\s+MACs$/m);
      assert.match(r.out, /^bconv2d\s+1\s+[\d.]+\s+[\d.]+%/m);
      assert.match(r.out, /^Nodes: [\d.]+ ms of [\d.]+ ms per run; /m);
    }
  });

  it("--json prints the figures and the profile as JSON", async () => {
    const r = await cli(join(dir, "profile.lce"), "--runs=2", "--profile", "--json");
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.kind, "engine");
    assert.deepEqual(j.inputShape, [1, 8, 8, 2]);
    assert.ok(j.engineMs >= 0);
    assert.equal(j.profile.runs, 2);
    assert.equal(j.profile.nodes.find((n: { op: string }) => n.op === "bconv2d").macs, 294912);
    assert.ok(j.profile.ops.length > 0);
    const plain = JSON.parse((await cli(join(dir, "profile.lce"), "--runs=1", "--json")).out);
    assert.equal(plain.profile, undefined);
  });

  it("rejects bad options (exit 2) and foreign files (exit 1) with clear errors", async () => {
    const lce = join(dir, "profile.lce");
    for (const [args, msg] of [
      [["--profile=3"], /unknown option "--profile=3" \(known: --cpu, --profile, --json\)/],
      [["--runs"], /--runs must be a positive integer \(--runs=N\)/],
      [["--runs=two", "--profile"], /--runs must be a positive integer/],
      [["--profiles"], /unknown option "--profiles"/],
    ] as const) {
      const r = await cli(lce, ...args);
      assert.equal(r.code, 2, `${args}: ${r.err}`);
      assert.match(r.err, msg);
    }
    const h5 = join(dir, "bench.h5");
    await writeFile(h5, Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    const r = await cli(h5, "--profile");
    assert.equal(r.code, 1);
    assert.match(r.err, /bench\.h5 is a Keras HDF5 file/);
    // `run` goes through the same recogniser.
    const x = join(dir, "x.json");
    await writeFile(x, JSON.stringify([[[[0]]]]));
    const io = { err: "", stdout: () => undefined, stderr: (t: string) => void (io.err += t) };
    assert.equal(await runCli(["run", h5, "--input", x], io), 1);
    assert.match(io.err, /^larq-ts run: .*bench\.h5 is a Keras HDF5 file/);
  });
});

describe("larq-ts convert on a full disk", () => {
  it("fails with exit 1 naming the output and ENOSPC, leaves no partial file, and keeps a previous output", async (t) => {
    // A real full disk (a 64 KiB tmpfs, spawned CLI) where root allows; otherwise ENOSPC injected
    // through the internal fault hook into an in-process run (the hook cannot reach another process).
    const tmpfs = await mountTmpfs(64 * 1024);
    t.diagnostic(
      tmpfs
        ? `real full disk: tmpfs at ${tmpfs.dir}`
        : "no tmpfs (mount not permitted, or LARQ_TS_TEST_NO_TMPFS=1): ENOSPC injected through setAtomicWriteFaultHook, in-process",
    );
    const outDir = tmpfs?.dir ?? (await mkdtemp(join(tmpdir(), "larq-ts-convert-full-")));
    const out = join(outDir, "model.lce");
    const diskFull = async (full: boolean) => {
      if (tmpfs) {
        if (full) await tmpfs.fill("filler");
        else await rm(join(tmpfs.dir, "filler"), { force: true });
      } else {
        const failWrites = (e: { target: string; step: string }) => {
          if (e.target === out && e.step === "write") throw enospc();
        };
        setAtomicWriteFaultHook(full ? failWrites : null);
      }
    };
    const convert = async (spawned: boolean, ...extra: string[]): Promise<{ code: number; stderr: string }> => {
      const args = ["convert", join(dir, "model.json"), out, ...extra];
      if (tmpfs && spawned) {
        return run(process.execPath, [MAIN, ...args]).then(
          () => ({ code: 0, stderr: "" }),
          (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
        );
      }
      const io: CliIO & { err: string } = { err: "", stdout: () => undefined, stderr: (text) => void (io.err += text) };
      return { code: await runCli(args, io), stderr: io.err };
    };
    const ours = async () => (await readdir(outDir)).filter((n) => n !== "filler").sort();
    try {
      await diskFull(true);
      const failed = await convert(true);
      assert.equal(failed.code, 1, failed.stderr);
      assert.ok(
        failed.stderr.split("\n").some((l) => l.startsWith(`larq-ts convert: cannot write ${out}: ENOSPC: no space left on device`)),
        failed.stderr,
      );
      assert.deepEqual(await ours(), [], "a partial output or a temporary was left");

      await diskFull(false);
      assert.equal((await convert(false)).code, 0); // in-process: saves a second start-up of the CLI
      const previous = await readFile(out);
      assert.ok(previous.byteLength > 0);
      await diskFull(true);
      const again = await convert(true, "--no-chain");
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, /ENOSPC.*model\.lce is unchanged/);
      assert.deepEqual(await ours(), ["model.lce"]);
      assert.deepEqual(await readFile(out), previous, "the previous output was damaged");
    } finally {
      setAtomicWriteFaultHook(null);
      if (tmpfs) await tmpfs.unmount();
      else await rm(outDir, { recursive: true, force: true });
    }
  });
});

describe("larq-ts summary on files that are not a model.json", () => {
  it("an engine file: says what it is and prints its graph (or JSON), not raw bytes", async () => {
    const out = join(dir, "summary.lce");
    await run(process.execPath, [MAIN, "convert", join(dir, "model.json"), out]);
    const { stdout } = await run(process.execPath, [MAIN, "summary", out]);
    assert.match(stdout, /summary\.lce: larq-ts engine file, format version 1, \d+ bytes/);
    assert.match(stdout, /not a Keras\/tfjs model\.json/);
    assert.match(stdout, /^#\s+Node\s+Op\s+Output shape\s+Dtype\s+Weights$/m);
    assert.match(stdout, /bconv2d/);
    assert.match(stdout, /^Input: \[1, 8, 8, 2\]|^Input: \[\S*8, 8, 2\]/m);
    assert.match(stdout, /^Nodes: \d+ \(input 1, .*\)$/m);
    assert.match(stdout, /^Weights: \d+ bitpacked arrays/m);
    assert.ok(!stdout.includes("LQTE"), "raw bytes printed");
    const json = JSON.parse((await run(process.execPath, [MAIN, "summary", out, "--json"])).stdout);
    assert.equal(json.format, "larq-ts engine");
    assert.equal(json.version, 1);
    assert.ok(json.nodes.some((n: { op: string }) => n.op === "bconv2d"));
  });

  it("a truncated engine file, an HDF5 file and a weights .bin are named instead of parsed as JSON", async () => {
    const good = new Uint8Array(await readFile(join(dir, "summary.lce")));
    const bad = join(dir, "cut.lce");
    await writeFile(bad, good.subarray(0, good.length - 5));
    await assert.rejects(
      run(process.execPath, [MAIN, "summary", bad]),
      (e: { code: number; stderr: string }) =>
        e.code === 1 && /starts like a larq-ts engine file but is not a valid one: .*truncated/.test(e.stderr),
    );
    const h5 = join(dir, "model.h5");
    await writeFile(h5, Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    await assert.rejects(
      run(process.execPath, [MAIN, "summary", h5]),
      (e: { code: number; stderr: string }) => e.code === 1 && /model\.h5 is a Keras HDF5 file .*tensorflowjs_converter/.test(e.stderr),
    );
    const bin = join(dir, "weights.bin");
    await assert.rejects(
      run(process.execPath, [MAIN, "summary", bin]),
      (e: { code: number; stderr: string }) => e.code === 1 && /weights\.bin is a binary file .*not a tfjs model\.json/.test(e.stderr),
    );
  });
});
