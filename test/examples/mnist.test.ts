import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { loadMnist, mulberry32 } from "../../examples/data/mnist.js";

describe("examples/data/mnist", () => {
  it("splits the 10,000 real digits deterministically and disjointly", () => {
    const a = loadMnist(8000, 2000);
    const b = loadMnist(8000, 2000);
    assert.equal(a.train.count, 8000);
    assert.equal(a.test.count, 2000);
    assert.deepEqual(a.test.labels, b.test.labels);
    assert.deepEqual(a.train.images.subarray(0, 784 * 3), b.train.images.subarray(0, 784 * 3));
    // Every class appears in both splits, roughly 10% each.
    for (const split of [a.train, a.test]) {
      const counts = new Array(10).fill(0);
      for (const l of split.labels) counts[l]++;
      for (const c of counts) assert.ok(c > split.count * 0.07 && c < split.count * 0.13, `class count ${c}`);
    }
    // Pixels are intensities in [0, 1] and digits are not blank.
    let max = 0;
    let min = 1;
    for (const v of a.test.images) {
      max = Math.max(max, v);
      min = Math.min(min, v);
    }
    assert.equal(min, 0);
    assert.ok(max > 0.9 && max <= 1);
    assert.throws(() => loadMnist(9000, 2000), /trainCount \+ testCount.*11000/);
  });

  it("mulberry32 is a deterministic generator in [0, 1)", () => {
    const r1 = mulberry32(7);
    const r2 = mulberry32(7);
    const xs = Array.from({ length: 1000 }, () => r1());
    assert.deepEqual(
      xs.slice(0, 5),
      Array.from({ length: 5 }, () => r2()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05);
  });
});
