/**
 * Timing helpers shared by the benchmarks, the CLI's `bench` and the demo.
 */

/** The median of a non-empty list (the upper middle element for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs `fn` `warmup` times untimed, then `runs` times, and returns the median wall time in milliseconds. */
export function medianTime(fn: () => void, runs: number, warmup = Math.min(3, runs)): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}
