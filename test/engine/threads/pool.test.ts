/**
 * The engine's worker threads: the chunk protocol (every row exactly once, arguments adjusted per chunk), results
 * identical to one thread on whole models and on every split kernel, option checks, fallbacks, termination, traps
 * and a Node process that exits with an idle pool.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { buildTutorialBnn } from "../../../examples/tutorial_bnn.js";
import * as lq from "../../../src/index.js";
import { chunkCount, type Split } from "../../../src/engine/threads/protocol.js";
import { spinMs, ThreadPool } from "../../../src/engine/threads/pool.js";
import { THREAD_KERNELS } from "../../../src/engine/wasm.js";
import { useBackend } from "../../helpers.js";

/** A pool with no workers: the calling thread claims every chunk (the protocol without threads). */
async function callerOnlyPool(record: (args: number[]) => void, trapAt = -1): Promise<ThreadPool> {
  let calls = 0;
  const exports = {
    kernel: (...args: number[]) => {
      if (calls++ === trapAt) throw new Error("trap");
      record(args);
    },
  };
  return ThreadPool.create(undefined as unknown as WebAssembly.Module, undefined as unknown as WebAssembly.Memory, [], exports, ["kernel"]);
}

describe("thread protocol", () => {
  it("cuts rows into chunks per image, adjusts pointers and pads, keeps NULL pointers NULL", async () => {
    const calls: number[][] = [];
    const pool = await callerOnlyPool((a) => calls.push(a));
    // args: [in, out, batch, padTop, rows, nullPtr]
    const split: Split = {
      units: 10,
      images: 3,
      rowsPerChunk: 4,
      countArg: 4,
      batchArg: 2,
      adjust: [
        [0, 1000, 0, 1],
        [1, 100_000, 10, 1],
        [3, 0, -2, 0],
        [5, 7, 7, 1],
      ],
    };
    assert.equal(chunkCount(split), 9);
    pool.run(0, [64, 5000, 3, 1, 10, 0], split);
    assert.equal(calls.length, 9);
    const expected: number[][] = [];
    for (let b = 0; b < 3; b++) {
      for (const r0 of [0, 4, 8]) {
        expected.push([64 + 1000 * b, 5000 + 100_000 * b + 10 * r0, 1, 1 - 2 * r0, Math.min(4, 10 - r0), 0]);
      }
    }
    assert.deepEqual(calls, expected);
    // Posting again reuses the block: a new job, new arguments.
    calls.length = 0;
    pool.run(0, [1, 2, 0, 0, 5, 0], { units: 5, images: 1, rowsPerChunk: 2, countArg: 4, batchArg: -1, adjust: [[1, 0, 3, 1]] });
    assert.deepEqual(calls, [
      [1, 2, 0, 0, 2, 0],
      [1, 8, 0, 0, 2, 0],
      [1, 14, 0, 0, 1, 0],
    ]);
    pool.terminate();
    assert.throws(() => pool.run(0, [0], { ...split, adjust: [] }), /terminated/);
  });

  it("reports a chunk that throws after the others ran, and stays usable", async () => {
    const calls: number[][] = [];
    const pool = await callerOnlyPool((a) => calls.push(a), 1);
    const split: Split = { units: 4, images: 1, rowsPerChunk: 1, countArg: 0, batchArg: -1, adjust: [[1, 0, 1, 0]] };
    assert.throws(() => pool.run(0, [0, 0], split), /failed in a worker thread/);
    assert.equal(calls.length, 3);
    calls.length = 0;
    pool.run(0, [0, 0], split);
    assert.equal(calls.length, 4);
  });

  it("spins for the last chunks twice a chunk's estimated time, from 50 µs to 0.25 ms", () => {
    assert.equal(spinMs(800_000, 8), 0.2); // 0.8 ms in 8 chunks: 100 µs each
    assert.equal(spinMs(0, 8), 0.05);
    assert.equal(spinMs(100_000, 8), 0.05); // 12.5 µs chunks: the floor
    assert.equal(spinMs(40_000_000, 8), 0.25); // 5 ms chunks: the cap
    assert.equal(spinMs(100_000, 0), 0.2); // no chunk count: the call's whole time
  });

  it("rejects jobs beyond the control block", async () => {
    const pool = await callerOnlyPool(() => {});
    const split: Split = { units: 1, images: 1, rowsPerChunk: 1, countArg: 0, batchArg: -1, adjust: [] };
    assert.throws(() => pool.run(0, new Array(33).fill(0), split), /internal error/);
    assert.throws(() => pool.run(0, [0], { ...split, adjust: new Array(9).fill([0, 0, 0, 0]) }), /internal error/);
  });
});

describe("engine threads", () => {
  let one: lq.engine.Engine;
  let two: lq.engine.Engine;
  const models: tfl.LayersModel[] = [];

  before(async () => {
    await useBackend("cpu");
    one = await lq.engine.loadEngine({ gemmKernel: "scalar" });
    two = await lq.engine.loadEngine({ threads: 2, gemmKernel: "scalar" });
    two.kernels.minSplitNs = 0; // split every call, however small
  });

  after(() => {
    models.forEach((m) => m.dispose());
    two.terminate();
  });

  it("runs on the asked threads", () => {
    assert.equal(two.threads, 2, two.threadsNote);
    assert.equal(two.threadsNote, undefined);
    assert.equal(one.threads, 1);
  });

  const cases: Array<[string, () => tfl.LayersModel, number[]]> = [
    ["tutorial BNN (bits between binary layers, binary dense)", () => buildTutorialBnn(), [28, 28, 1]],
    [
      "QuickNet-small at 64×64 (float stem, depthwise, residual bconvs, pools)",
      () => lq.zoo.quickNetSmall({ inputShape: [64, 64, 3], weights: null }),
      [64, 64, 3],
    ],
    ["BiRealNet at 48×48", () => lq.zoo.biRealNet({ inputShape: [48, 48, 3], weights: null }), [48, 48, 3]],
  ];
  for (const [name, build, shape] of cases) {
    it(`${name}: outputs equal one thread's bit for bit, at batch 1 and 3`, async () => {
      const model = build();
      models.push(model);
      const a = await lq.engine.convert(model, { engine: one });
      const b = await lq.engine.convert(model, { engine: two, singleThreadTwin: false });
      try {
        for (const batch of [1, 3]) {
          const n = batch * shape.reduce((p, q) => p * q, 1);
          const x = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : Math.sin(i * 0.61) * 2));
          const ya = a.predict(x, [batch, ...shape]);
          const yb = b.predict(x, [batch, ...shape]);
          assert.equal(ya.length, yb.length);
          const diff = ya.findIndex((v, i) => !Object.is(v, yb[i]));
          assert.equal(diff, -1, `batch ${batch}: output ${diff} differs: ${ya[diff]} vs ${yb[diff]}`);
        }
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  }

  it("`threads` in convert/load shares one engine per thread count", async () => {
    const model = buildTutorialBnn();
    models.push(model);
    const a = await lq.engine.convert(model, { threads: 2 });
    const b = await lq.engine.load(a.save(), { threads: 2 });
    try {
      assert.equal(a.engine, b.engine);
      assert.equal(a.engine.threads, 2);
      assert.notEqual(a.engine, await lq.engine.loadEngine());
      const x = tf.randomNormal([2, 28, 28, 1], 0, 1, "float32", 3);
      const ya = a.predict(x);
      const yb = b.predict(x);
      assert.deepEqual(Array.from(ya.dataSync()), Array.from(yb.dataSync()));
      tf.dispose([x, ya, yb]);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("a threaded model keeps a single-thread twin: predicts run on both, bit-identical, and dispose frees both", async () => {
    const model = buildTutorialBnn();
    models.push(model);
    const shared = await lq.engine.loadEngine(); // the twin's engine
    const sharedBefore = shared.allocatedBytes;
    const twoBefore = two.allocatedBytes;
    const ref = await lq.engine.convert(model, { engine: one });
    const a = await lq.engine.convert(model, { engine: two });
    const bare = await lq.engine.convert(model, { engine: two, singleThreadTwin: false });
    try {
      assert.equal(a.hasTwin, true);
      assert.equal(bare.hasTwin, false);
      assert.equal(ref.hasTwin, false, "a one-thread model needs no twin");
      assert.ok(shared.allocatedBytes > sharedBefore, "the twin's weights live on the one-thread engine");
      const x = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 5 === 0 ? 0 : Math.sin(i * 0.3)));
      const expected = ref.predict(x, [2, 28, 28, 1]);
      for (let r = 0; r < 12; r++) {
        const y = a.predict(x, [2, 28, 28, 1]);
        const diff = y.findIndex((v, i) => !Object.is(v, expected[i]));
        assert.equal(diff, -1, `predict ${r}: output ${diff} differs`);
      }
      const [twinMs, threadsMs] = a.twinMedians();
      assert.ok(twinMs > 0 && threadsMs > 0, `both variants ran: ${twinMs} / ${threadsMs} ms`);
      // the profiler times the threaded engine, also when predict last ran the twin
      const prof = lq.engine.profile(a, { runs: 2, batch: 3 });
      assert.equal(prof.nodes.length, a.graph.nodes.length);
    } finally {
      ref.dispose();
      a.dispose();
      bare.dispose();
    }
    assert.equal(shared.allocatedBytes, sharedBefore, "the twin's memory is freed");
    assert.equal(two.allocatedBytes, twoBefore);
  });

  it("rejects a singleThreadTwin that is not a boolean", async () => {
    const model = buildTutorialBnn();
    models.push(model);
    await assert.rejects(
      lq.engine.convert(model, { threads: 2, singleThreadTwin: "yes" as unknown as boolean }),
      (e: Error) => e.message.includes("singleThreadTwin") && e.message.includes("yes"),
    );
  });

  it("rejects bad thread counts, naming the option and the value", async () => {
    for (const bad of [0, 1.5, 65, "2", NaN]) {
      await assert.rejects(
        lq.engine.loadEngine({ threads: bad as number }),
        (e: Error) => /threads/.test(e.message) && e.message.includes(String(bad)),
      );
    }
    const model = buildTutorialBnn();
    models.push(model);
    await assert.rejects(lq.engine.convert(model, { threads: 0 }), /threads/);
    await assert.rejects(lq.engine.convert(model, { threads: 2, engine: one }), /threads.*engine/);
  });

  it("falls back to one thread with a note where threads cannot run (the scalar build)", async () => {
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (m: string) => warnings.push(m);
    try {
      const e = await lq.engine.loadEngine({ threads: 2, simd: false });
      assert.equal(e.threads, 1);
      assert.match(e.threadsNote ?? "", /SIMD128.*one thread instead of 2/);
      assert.equal(warnings.length, 1);
    } finally {
      console.warn = warn;
    }
  });

  it("terminate() stops the workers and the engine keeps working on one thread", async () => {
    const e = await lq.engine.loadEngine({ threads: 3 });
    assert.equal(e.threads, 3);
    const before = e.allocatedBytes;
    e.terminate();
    assert.equal(e.threads, 1);
    assert.ok(e.allocatedBytes < before, "the workers' stacks are freed");
    const model = buildTutorialBnn();
    models.push(model);
    const a = await lq.engine.convert(model, { engine: e });
    const b = await lq.engine.convert(model, { engine: one });
    const x = Float32Array.from({ length: 784 }, (_, i) => Math.cos(i));
    assert.deepEqual(Array.from(a.predict(x)), Array.from(b.predict(x)));
    a.dispose();
    b.dispose();
  });

  it("a trap in a split kernel call is an error, not a hang", () => {
    const fadd = THREAD_KERNELS.indexOf("lce_fadd");
    const past = two.buffer.byteLength + 4096;
    const pool = two.kernels.pool!;
    assert.throws(
      () =>
        pool.run(fadd, [past, past, past, 64], {
          units: 64,
          images: 1,
          rowsPerChunk: 16,
          countArg: 3,
          batchArg: -1,
          adjust: [[2, 0, 4, 1]],
        }),
      /failed in a worker thread/,
    );
  });

  it("an idle pool does not keep a Node process alive", async () => {
    const entry = new URL("../../../src/index.js", import.meta.url).href;
    const code = `const lq = await import(${JSON.stringify(entry)}); const e = await lq.engine.loadEngine({ threads: 2 }); console.log(e.threads);`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", code], { timeout: 60_000 });
    assert.equal(stdout.trim(), "2");
  });
});
