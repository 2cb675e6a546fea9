/**
 * Shared fixtures of the engine tests: a seeded generator and inputs rich in exact zeros.
 */

/** A small seeded generator (LCG) so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` values drawn from {−2.5, −1, −0, 0, 0.25, 3}: exact zeros (both signs) are frequent. */
export function valuesWithZeros(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const pool = [-2.5, -1, -0, 0, 0.25, 3];
  return Float32Array.from({ length: n }, () => pool[Math.floor(r() * pool.length)]);
}

/** larq's sign: −1 where x < 0, +1 elsewhere (0 → +1). */
export function larqSign(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values, (v) => (v < 0 ? -1 : 1));
}

/** The channel counts that straddle 32/64-bit word boundaries. */
export const CHANNELS = [1, 31, 32, 33, 63, 64, 65, 127, 128, 129];

/** Per-channel multipliers (positive, negative and zero) and biases for transform tests. */
export function transformArrays(n: number, seed: number): { multiplier: Float32Array; bias: Float32Array } {
  const r = rng(seed);
  const mults = [0.5, -0.25, 1, -2, 0, 0.75];
  return {
    multiplier: Float32Array.from({ length: n }, () => mults[Math.floor(r() * mults.length)]),
    bias: Float32Array.from({ length: n }, () => Math.floor(r() * 9) - 4 + (r() < 0.5 ? 0 : 0.5)),
  };
}
