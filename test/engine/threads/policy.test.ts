/**
 * SplitPolicy: per kernel, calls stay split where splitting is measured faster and move to the calling thread
 * where it is slower (a busy machine), follow a change of load, and are not swayed by one slow call or by the
 * warm-up.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SplitPolicy, STRETCH } from "../../../src/engine/threads/policy.js";

/**
 * Runs `calls` calls of kernel "k" whose wall time per estimated time is `alone(i)` or `split(i)` by the mode the
 * policy chose; returns the share of calls run split from call `from` on.
 */
function drive(p: SplitPolicy, calls: number, alone: (i: number) => number, split: (i: number) => number, from = 0): number {
  let splitCalls = 0;
  for (let i = 0; i < calls; i++) {
    const s = p.split("k");
    if (s && i >= from) splitCalls++;
    // estimated 1 ms (1e6 ns) per call: the recorded wall time is the ratio itself
    p.record("k", 1e6, s ? split(i) : alone(i));
  }
  return splitCalls / (calls - from);
}

describe("SplitPolicy", () => {
  it("keeps calls split where splitting is faster, exploring the other mode only now and then", () => {
    const share = drive(
      new SplitPolicy(),
      200 * STRETCH,
      () => 1,
      () => 0.55,
      8 * STRETCH,
    );
    assert.ok(share > 0.9 && share < 1, `split share ${share}`);
  });

  it("runs calls alone where splitting is slower (a descheduled worker)", () => {
    const share = drive(
      new SplitPolicy(),
      200 * STRETCH,
      () => 1,
      () => 1.4,
      8 * STRETCH,
    );
    assert.ok(share < 0.1 && share > 0, `split share ${share}`);
  });

  it("follows a change of the machine's load within a few dozen stretches, both ways", () => {
    const p = new SplitPolicy();
    const n = 100 * STRETCH;
    // quiet, then busy from call n, then quiet again from 2n
    const split = (i: number) => (i >= n && i < 2 * n ? 1.5 : 0.6);
    let late = 0;
    for (let i = 0; i < 3 * n; i++) {
      const s = p.split("k");
      const phase = Math.floor(i / n);
      if (i % n >= 40 * STRETCH && s !== (phase !== 1)) late++;
      p.record("k", 1e6, s ? split(i) : 1);
    }
    // after 40 stretches of each phase, the wrong mode runs only in the exploring stretches
    assert.ok(late <= 3 * 3 * STRETCH, `${late} calls in the wrong mode`);
  });

  it("is not swayed by one slow call a stretch, nor by the first stretch of each mode", () => {
    const p = new SplitPolicy();
    // every split stretch has one call 50x slower (a wait for a descheduled worker), and the first calls of each
    // mode are 100x slower (warm-up)
    let aloneCalls = 0,
      splitCalls = 0;
    const share = drive(
      p,
      100 * STRETCH,
      () => (aloneCalls++ < STRETCH ? 100 : 1),
      () => (splitCalls++ < STRETCH ? 100 : splitCalls % STRETCH === 0 ? 50 : 0.6),
      8 * STRETCH,
    );
    assert.ok(share > 0.9, `split share ${share}`);
    const [alone, split] = p.costs("k");
    assert.ok(Math.abs(alone - 1) < 1e-9 && Math.abs(split - 0.6) < 1e-9, `costs ${alone} / ${split}`);
  });

  it("keeps kernels apart", () => {
    const p = new SplitPolicy();
    for (let i = 0; i < 100 * STRETCH; i++) {
      for (const [name, splitCost] of [
        ["fast", 0.5],
        ["slow", 2],
      ] as const) {
        p.record(name, 1e6, p.split(name) ? splitCost : 1);
      }
    }
    assert.deepEqual([p.costs("fast")[1], p.costs("slow")[1]], [0.5, 2]);
    assert.equal(p.split("slow") && p.split("fast"), false);
  });
});
