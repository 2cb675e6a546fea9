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
function reference(iterations: number, words: bigint[], x: bigint): number {
  const sums = [0n, 0n, 0n, 0n];
  for (let i = 0; i < 2 * iterations; i++) {
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

test("the hand-assembled popcount loop is a valid module computing 16 popcounts per iteration", async () => {
  const bytes = popcountPeakModule();
  assert.ok(WebAssembly.validate(bytes));
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes), {});
  const peak = instance.exports.peak as (iterations: number, ...words: bigint[]) => number;
  for (const [iterations, seed] of [
    [0, 1n],
    [1, 12345n],
    [7, 3n],
    [1000, 0x0123456789abcdefn],
  ] as const) {
    const words = [seed, (seed * 3n) & MASK, (seed * 5n) & MASK, (seed * 7n) & MASK];
    const x = seed ^ GOLDEN;
    // wasm i64 parameters take signed BigInts (or wrap larger ones).
    const got = peak(iterations, ...[...words, x].map((w) => BigInt.asIntN(64, w)));
    assert.equal(got, reference(iterations, words, x), `iterations ${iterations}, seed ${seed}`);
  }
  assert.equal(peak(0, 5n, 1n, 2n, 3n, 4n), 0);
});

test("peakRate converts iterations and milliseconds to G binary MAC/s", () => {
  assert.equal(MACS_PER_ITERATION, 1024);
  assert.equal(peakRate(1e6, 10.24), 100);
});
