/**
 * SplitPolicy: calls stay split where splitting is measured faster and move to the calling thread where it is
 * slower (a busy machine), follow a change of load, weigh kernels by their share of the time, and are not swayed
 * by one slow call a stretch or by the warm-up.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SplitPolicy, STRETCH } from "../../../src/engine/threads/policy.js";

type Cost = (i: number) => number;

/**
 * Runs `calls` calls, kernel "a" then "b" alternately, each estimated at `est` ms; their wall time per estimated
 * time is `alone[k](i)` or `split[k](i)` by the mode the policy chose. Returns the share of calls run split from
 * call `from` on.
 */
function drive(p: SplitPolicy, calls: number, alone: [Cost, Cost], split: [Cost, Cost], from = 0, est: [number, number] = [1, 1]): number {
  let splitCalls = 0;
  for (let i = 0; i < calls; i++) {
    const k = i % 2;
    const s = p.split();
    if (s && i >= from) splitCalls++;
    p.record(k ? "b" : "a", est[k] * 1e6, est[k] * (s ? split[k](i) : alone[k](i)));
  }
  return splitCalls / (calls - from);
}
const both = (c: Cost): [Cost, Cost] => [c, c];

describe("SplitPolicy", () => {
  it("keeps calls split where splitting is faster, exploring the other mode only now and then", () => {
    const share = drive(
      new SplitPolicy(),
      200 * STRETCH,
      both(() => 1),
      both(() => 0.55),
      8 * STRETCH,
    );
    assert.ok(share > 0.9 && share < 1, `split share ${share}`);
  });

  it("runs calls alone where splitting is slower (a descheduled worker)", () => {
    const share = drive(
      new SplitPolicy(),
      200 * STRETCH,
      both(() => 1),
      both(() => 1.4),
      8 * STRETCH,
    );
    assert.ok(share < 0.1 && share > 0, `split share ${share}`);
  });

  it("weighs kernels by their share of the estimated time", () => {
    // "a" gains from splitting, "b" loses: with "a" 9 ms a call and "b" 1 ms splitting wins overall; reversed, it loses.
    const share = (est: [number, number]) =>
      drive(
        new SplitPolicy(),
        200 * STRETCH,
        both(() => 1),
        [() => 0.6, () => 1.5],
        8 * STRETCH,
        est,
      );
    assert.ok(share([9, 1]) > 0.9);
    assert.ok(share([1, 9]) < 0.1);
  });

  it("follows a change of the machine's load within a few dozen stretches, both ways", () => {
    const p = new SplitPolicy();
    const n = 100 * STRETCH;
    // quiet, then busy from call n, then quiet again from 2n
    const split = (i: number) => (i >= n && i < 2 * n ? 1.5 : 0.6);
    let late = 0;
    for (let i = 0; i < 3 * n; i++) {
      const s = p.split();
      const phase = Math.floor(i / n);
      if (i % n >= 40 * STRETCH && s !== (phase !== 1)) late++;
      p.record("a", 1e6, s ? split(i) : 1);
    }
    // after 40 stretches of each phase, the other mode runs only in the exploring stretches
    assert.ok(late <= 3 * 3 * STRETCH, `${late} calls in the wrong mode`);
  });

  it("is not swayed by one slow call a stretch, nor by each mode's first stretch", () => {
    const p = new SplitPolicy();
    // every split stretch has one call 50x slower (a wait for a descheduled worker), and each mode's first
    // stretch is 100x slower (warm-up)
    let aloneCalls = 0,
      splitCalls = 0;
    const share = drive(
      p,
      100 * STRETCH,
      both(() => (aloneCalls++ < STRETCH ? 100 : 1)),
      both(() => (splitCalls++ < STRETCH ? 100 : splitCalls % STRETCH === 0 ? 50 : 0.6)),
      8 * STRETCH,
    );
    assert.ok(share > 0.9, `split share ${share}`);
    const [alone, split] = p.costs("a");
    assert.ok(Math.abs(alone - 1) < 1e-9 && Math.abs(split - 0.6) < 1e-9, `costs ${alone} / ${split}`);
  });
});
