/**
 * Crash-safe saving (src/io/atomic_write.ts): a save killed at random points, a full disk, a failure at
 * every single step of a save, the cleanup of files left by killed saves, and writeFileAtomic itself.
 *
 * The kill test spawns test/io/save_child.ts, which saves save number k (every weight = k, model.json
 * metadata saveIndex = k) in a loop, and SIGKILLs it after a seeded random delay; after each kill the
 * folder must load as one save whose metadata and weights agree (the previous model or one the child
 * wrote). The full-disk test mounts a small tmpfs where root allows, and otherwise injects `ENOSPC`
 * through the internal fault hook (setAtomicWriteFaultHook), with the same assertions either way.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { setAtomicWriteFaultHook, type AtomicWriteEvent } from "../../src/io/atomic_write.js";
import { useBackend } from "../helpers.js";
import { weightsOf, type SaveSpec } from "./save_child.js";
import { enospc, mountTmpfs, type Tmpfs } from "./tmpfs.js";

const CHILD = fileURLToPath(new URL("./save_child.js", import.meta.url));

/** The save spec (topology + weight specs) of a one-Dense-layer model. */
async function specOf(units: number, inputs: number): Promise<SaveSpec> {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units, inputShape: [inputs], name: "dense" })] });
  let spec: SaveSpec | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      spec = {
        modelTopology: a.modelTopology as object,
        weightSpecs: a.weightSpecs as SaveSpec["weightSpecs"],
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
      };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  model.dispose();
  return spec!;
}

/** The artifacts of save `k` (what `model.save` hands to the handler). */
function artifactsOf(spec: SaveSpec, k: number): tf.io.ModelArtifacts {
  return {
    modelTopology: spec.modelTopology,
    weightSpecs: spec.weightSpecs as tf.io.WeightsManifestEntry[],
    weightData: weightsOf(spec, k).buffer as ArrayBuffer,
    format: spec.format,
    generatedBy: spec.generatedBy,
    convertedBy: spec.convertedBy,
    userDefinedMetadata: { saveIndex: k },
  };
}

/** Loads `dir` with tf.loadLayersModel and returns its save index, checking that every weight equals it. */
async function loadedIndex(dir: string): Promise<number> {
  const model = await tfl.loadLayersModel(`file://${dir}/model.json`);
  try {
    const k = (model.getUserDefinedMetadata() as { saveIndex?: unknown } | undefined)?.saveIndex;
    assert.equal(typeof k, "number", "model.json has no saveIndex");
    for (const w of model.weights) {
      const values = w.read().dataSync();
      const wrong = values.findIndex((v) => v !== k);
      assert.equal(wrong, -1, `model.json is save ${k} but ${w.name}[${wrong}] = ${values[wrong]}: a mixed folder`);
    }
    return k as number;
  } finally {
    model.dispose();
  }
}

/** The files of `dir` other than model.json and the weights file it references. */
async function extraFiles(dir: string): Promise<string[]> {
  const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  const referenced = new Set<string>(json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths));
  return (await readdir(dir)).filter((n) => n !== "model.json" && !referenced.has(n)).sort();
}

/** The folder's files with hashes and temporary suffixes generalized, and what model.json references: one line. */
async function folderState(dir: string): Promise<string> {
  const general = (name: string) => name.replace(/[0-9a-f]{16}/, "<sha>").replace(/\.\d+\.[0-9a-f]{12}\.tmp$/, ".<pid>.<rnd>.tmp");
  const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  const names = (await readdir(dir))
    .filter((n) => n !== "model.json")
    .map(general)
    .sort();
  return `model.json → ${general(json.weightsManifest[0].paths[0])}; files: ${names.join(", ")}`;
}

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ChildRun {
  started: number[];
  saved: number[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** Runs save_child and SIGKILLs it `delayMs` after it reports ready. */
function saveAndKill(mode: "folder" | "handler", dir: string, specFile: string, first: number, delayMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, mode, dir, specFile, String(first)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let stderr = "";
    let armed = false;
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
      if (!armed && out.startsWith("ready\n")) {
        armed = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => void (stderr += text));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      const numbers = (word: string) => [...out.matchAll(new RegExp(`^${word} (\\d+)$`, "gm"))].map((m) => Number(m[1]));
      resolve({ started: numbers("saving"), saved: numbers("saved"), signal, code, stderr });
    });
  });
}

let root = "";

before(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "lq-atomic-"));
});

after(async () => {
  setAtomicWriteFaultHook(null);
  if (root) await rm(root, { recursive: true, force: true });
});

describe("crash-safe saving: SIGKILL at random points", () => {
  it("after each of 33 kills the folder loads as the previous model or the new one; the next save leaves only model.json + weights.bin", async (t) => {
    const spec = await specOf(256, 256); // 65 792 floats: 263 kB of weights per save
    const specFile = join(root, "kill-spec.json");
    await writeFile(specFile, JSON.stringify(spec));
    const dir = join(root, "killed");
    await lq.io.fileSystem(dir).save(artifactsOf(spec, 0));
    const random = rng(20261202);
    let current = await loadedIndex(dir);
    let next = 1;
    let completed = 0;
    let leftovers = 0;
    const states = new Map<string, number>();
    const kills = 33;
    for (let i = 0; i < kills; i++) {
      // Every 11th child goes through FileSystemHandler (the model.save path) but starts slower.
      const mode = i % 11 === 10 ? "handler" : "folder";
      const delay = Math.floor(random() * 80);
      const run = await saveAndKill(mode, dir, specFile, next, delay);
      assert.equal(run.signal, "SIGKILL", `child ${i} was not killed (exit ${run.code}): ${run.stderr}`);
      const k = await loadedIndex(dir);
      const last = run.started.at(-1);
      const lastSaved = run.saved.at(-1);
      const fromChild = last !== undefined && k >= next && k <= last;
      assert.ok(
        k === current || fromChild,
        `kill ${i} (${mode}, ${delay} ms): folder holds save ${k}, expected ${current} or ${next}…${last}`,
      );
      if (lastSaved !== undefined) assert.ok(k >= lastSaved, `kill ${i}: save ${lastSaved} had completed but the folder holds ${k}`);
      if ((await extraFiles(dir)).length > 0) leftovers++;
      const state = await folderState(dir);
      states.set(state, (states.get(state) ?? 0) + 1);
      completed += run.saved.length;
      current = k;
      next = (last ?? next - 1) + 1;
    }
    t.diagnostic(`${kills} kills, ${completed} saves completed by the children, ${leftovers} kills left a temporary or staged file`);
    for (const [state, count] of [...states].sort((a, b) => b[1] - a[1])) t.diagnostic(`${count} × ${state}`);
    assert.ok(completed > 0, "the children never completed a save");
    assert.ok(leftovers > 0, "no kill landed inside a save");
    // The next save removes what the killed ones left.
    await lq.io.fileSystem(dir).save(artifactsOf(spec, next));
    assert.deepEqual((await readdir(dir)).sort(), ["model.json", "weights.bin"]);
    assert.equal(await loadedIndex(dir), next);
  });
});

describe("crash-safe saving: full disk", () => {
  let tmpfs: Tmpfs | null = null;
  before(async () => {
    tmpfs = await mountTmpfs(256 * 1024);
  });
  after(async () => {
    setAtomicWriteFaultHook(null);
    await tmpfs?.unmount();
  });

  it("a save that does not fit fails naming the folder, the file and ENOSPC; the previous model survives and no file is left", async (t) => {
    t.diagnostic(
      tmpfs
        ? `real full disk: tmpfs of 256 KiB at ${tmpfs.dir}`
        : "no tmpfs (mount not permitted, or LARQ_TS_TEST_NO_TMPFS=1): ENOSPC injected through setAtomicWriteFaultHook",
    );
    const small = await specOf(4, 8); // 36 floats
    const large = await specOf(512, 600); // 307 712 floats = 1.2 MB: more than the tmpfs, more than one write chunk
    const exact = await specOf(16, 127); // 2048 floats = 8 KiB exactly
    const dir = join(tmpfs?.dir ?? root, "full");
    await lq.io.fileSystem(dir).save(artifactsOf(small, 1));
    assert.equal(await loadedIndex(dir), 1);

    // 1. The weights do not fit: ENOSPC part-way through the staged weights file.
    if (!tmpfs) {
      setAtomicWriteFaultHook((e) => {
        if (/weights\.[0-9a-f]{16}\.bin$/.test(e.target) && e.step === "write" && e.offset > 0) throw enospc();
      });
    }
    const error = await lq.io
      .fileSystem(dir)
      .save(artifactsOf(large, 2))
      .then(
        () => assert.fail("the save succeeded"),
        (e: unknown) => e,
      );
    setAtomicWriteFaultHook(null);
    assert.ok(error instanceof lq.io.AtomicWriteError, String(error));
    assert.equal(error.code, "ENOSPC");
    assert.equal(error.path, dir);
    assert.match(
      error.message,
      new RegExp(
        `^cannot save the model in ${dir}: cannot write ${dir}/weights\\.[0-9a-f]{16}\\.bin: ENOSPC: no space left on device, write`,
      ),
    );
    assert.match(error.message, /the folder keeps its previous model/);
    assert.equal(await loadedIndex(dir), 1);
    assert.deepEqual((await readdir(dir)).sort(), ["model.json", "weights.bin"]);

    // 2. The weights fit but model.json does not (the disk fills up between the two).
    if (tmpfs) {
      await tmpfs.fill("filler", 8192);
    } else {
      setAtomicWriteFaultHook((e) => {
        if (e.target === join(dir, "model.json") && e.step === "write") throw enospc();
      });
    }
    await assert.rejects(lq.io.fileSystem(dir).save(artifactsOf(exact, 3)), (e: Error) => {
      assert.match(e.message, new RegExp(`cannot write ${dir}/model\\.json: ENOSPC`));
      return true;
    });
    setAtomicWriteFaultHook(null);
    assert.equal(await loadedIndex(dir), 1);
    assert.deepEqual((await readdir(dir)).sort(), ["model.json", "weights.bin"]);

    // Space again: the same save succeeds.
    if (tmpfs) await rm(join(tmpfs.dir, "filler"));
    await lq.io.fileSystem(dir).save(artifactsOf(exact, 3));
    assert.equal(await loadedIndex(dir), 3);
    assert.deepEqual((await readdir(dir)).sort(), ["model.json", "weights.bin"]);
  });
});

describe("crash-safe saving: a failure at every step", () => {
  it("fails before the commit (old model kept) or succeeds after it (new model), never leaving stray files", async () => {
    const spec = await specOf(3, 5);
    const dir = join(root, "every-step");
    await lq.io.fileSystem(dir).save(artifactsOf(spec, 0));
    const events: AtomicWriteEvent[] = [];
    setAtomicWriteFaultHook((e) => void events.push(e));
    await lq.io.fileSystem(dir).save(artifactsOf(spec, 1));
    setAtomicWriteFaultHook(null);
    const model = join(dir, "model.json");
    const commit = events.findIndex((e) => e.step === "rename" && e.target === model);
    // staged weights (open, write, sync, close, rename), model.json (5), weights.bin link (link, rename), model.json (5).
    assert.deepEqual(
      events.map((e) => `${e.step} ${e.target.slice(dir.length + 1).replace(/[0-9a-f]{16}/, "<sha>")}`),
      [
        ...["open", "write", "sync", "close", "rename"].map((s) => `${s} weights.<sha>.bin`),
        ...["open", "write", "sync", "close", "rename"].map((s) => `${s} model.json`),
        "link weights.bin",
        "rename weights.bin",
        ...["open", "write", "sync", "close", "rename"].map((s) => `${s} model.json`),
      ],
    );
    let current = 1;
    for (let i = 0; i < events.length; i++) {
      const k = 2 + i;
      let seen = 0;
      setAtomicWriteFaultHook((e) => {
        if (seen++ === i) throw Object.assign(enospc(e.step), { message: `injected failure at ${e.step}` });
      });
      const outcome = await lq.io
        .fileSystem(dir)
        .save(artifactsOf(spec, k))
        .then(
          (result) => result,
          (e: Error) => e,
        );
      setAtomicWriteFaultHook(null);
      const loaded = await loadedIndex(dir);
      if (i <= commit) {
        assert.ok(outcome instanceof lq.io.AtomicWriteError, `step ${i} (${events[i].step}): the save did not fail`);
        assert.match(
          outcome.message,
          new RegExp(`^cannot save the model in ${dir}: cannot write ${dir}/.*: injected failure at ${events[i].step}`),
        );
        assert.equal(loaded, current, `step ${i}: the previous model is gone`);
      } else {
        assert.ok(!(outcome instanceof Error), `step ${i}: a failure after the commit must not fail the save`);
        assert.equal(loaded, k, `step ${i}: the new model is not there`);
        // The weights keep their staged name, and the save result says why.
        const paths = JSON.parse(await readFile(model, "utf8")).weightsManifest[0].paths;
        assert.match(paths[0], /^weights\.[0-9a-f]{16}\.bin$/);
        assert.equal(outcome.errors?.length, 1);
        assert.match(
          String(outcome.errors![0]),
          new RegExp(
            `^saved with weights file ${paths[0]} instead of weights\\.bin: cannot write ${dir}/.*injected failure at ${events[i].step}`,
          ),
        );
        current = k;
      }
      assert.deepEqual(await extraFiles(dir), [], `step ${i} (${events[i].step} ${events[i].target}) left files`);
    }
    await lq.io.fileSystem(dir).save(artifactsOf(spec, 99));
    assert.deepEqual((await readdir(dir)).sort(), ["model.json", "weights.bin"]);
  });
});

describe("crash-safe saving: cleanup and writeFileAtomic", () => {
  it("the next save removes temporaries of dead processes and staged weights, keeps live temporaries and other files", async () => {
    const spec = await specOf(2, 2);
    const dir = join(root, "cleanup");
    await lq.io.fileSystem(dir).save(artifactsOf(spec, 0));
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
      child.on("exit", () => resolve(child.pid!));
    });
    const files = {
      deadTemp: `.weights.bin.${dead}.0123456789ab.tmp`,
      deadJsonTemp: `.model.json.${dead}.ba9876543210.tmp`,
      liveTemp: `.model.json.${process.pid}.aaaaaaaaaaaa.tmp`,
      staged: "weights.0123456789abcdef.bin",
      shard: "group1-shard1of1.bin",
      notes: "notes.txt",
    };
    for (const name of Object.values(files)) await writeFile(join(dir, name), "x");
    await lq.io.fileSystem(dir).save(artifactsOf(spec, 1));
    assert.deepEqual((await readdir(dir)).sort(), [files.liveTemp, files.shard, "model.json", files.notes, "weights.bin"].sort());
    assert.equal(await loadedIndex(dir), 1);
    assert.deepEqual(await lqi.io.removeStaleTemporaries(dir), []);
  });

  it("writeFileAtomic replaces whole files, keeps permission bits, and names the target and cause on failure", async () => {
    const file = join(root, "atomic.txt");
    await lq.io.writeFileAtomic(file, "first");
    await chmod(file, 0o600);
    await lq.io.writeFileAtomic(file, new TextEncoder().encode("second"));
    assert.equal(await readFile(file, "utf8"), "second");
    assert.equal((await stat(file)).mode & 0o777, 0o600);

    const missing = join(root, "no-such-folder", "x.bin");
    await assert.rejects(lq.io.writeFileAtomic(missing, "x"), (e: Error) => {
      assert.ok(e instanceof lq.io.AtomicWriteError);
      assert.equal(e.code, "ENOENT");
      assert.match(e.message, new RegExp(`^cannot write ${missing}: ENOENT: no such file or directory`));
      return true;
    });
    const folder = join(root, "a-folder");
    await mkdir(folder);
    await assert.rejects(lq.io.writeFileAtomic(folder, "x"), new RegExp(`cannot write ${folder}: E(ISDIR|NOTEMPTY|EXIST)`));
    assert.deepEqual(await readdir(root).then((n) => n.filter((x) => x.endsWith(".tmp"))), []);

    setAtomicWriteFaultHook((e) => {
      if (e.step === "sync") throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
    });
    await assert.rejects(
      lq.io.writeFileAtomic(file, "third"),
      new RegExp(`: cannot write ${file}: EIO: i/o error, fsync; ${file} is unchanged$`),
    );
    setAtomicWriteFaultHook(null);
    assert.equal(await readFile(file, "utf8"), "second");
    assert.deepEqual(await readdir(root).then((n) => n.filter((x) => x.endsWith(".tmp"))), []);
  });
});
