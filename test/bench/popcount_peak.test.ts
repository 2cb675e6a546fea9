import assert from "node:assert/strict";
import { test } from "node:test";

import { MACS_PER_ITERATION, peakRate, popcountPeakModule } from "../../bench/popcount_peak.js";

const MASK = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function popcount(x: bigint): bigint {
  let n = 0n;
  for (let v = x & MASK; v; v &= v - 1n) n++;
  return n;
}

/** The loop the module is meant to run, written out with BigInts. */
function reference(iterations: number, seed: bigint): number {
  const words = [1n, 3n, 5n, 7n].map((m) => (seed * m) & MASK);
  let x = (seed ^ GOLDEN) & MASK;
  const sums = [0n, 0n, 0n, 0n];
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < 4; j++) sums[j] += popcount(words[j] ^ x);
    for (let j = 0; j < 4; j++) sums[j] += popcount(words[j] + x);
    x = (x + GOLDEN) & MASK;
  }
  return Number(
    BigInt.asIntN(
      32,
      sums.reduce((a, b) => a + b, 0n),
    ),
  );
}

test("the hand-assembled popcount loop is a valid module computing eight popcounts per iteration", async () => {
  const bytes = popcountPeakModule();
  assert.ok(WebAssembly.validate(bytes));
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), {});
  const peak = instance.exports.peak as (iterations: number, seed: bigint) => number;
  for (const [iterations, seed] of [
    [0, 1n],
    [1, 12345n],
    [7, -3n],
    [1000, 0x0123456789abcdefn],
  ] as const) {
    assert.equal(peak(iterations, seed), reference(iterations, seed), `iterations ${iterations}, seed ${seed}`);
  }
  assert.equal(peak(0, 5n), 0);
});

test("peakRate converts iterations and milliseconds to G binary MAC/s", () => {
  assert.equal(MACS_PER_ITERATION, 512);
  assert.equal(peakRate(1e6, 5.12), 100);
});
