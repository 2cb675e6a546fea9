/**
 * {@link TwinPolicy}: whether a threaded model's next `predict` runs on its threaded engine or on its
 * single-thread twin, decided by measuring whole predicts.
 *
 * @packageDocumentation
 */
import { median } from "../../utils/timing.js";

/** Unscored predicts per variant at the start (compilation, first-touch of buffers, the split policy's warm-up). */
export const TWIN_WARMUP = 2;
/** Scored predicts kept per variant; the decision takes their median. */
export const TWIN_WINDOW = 5;

/** The threads run only when their median is below this fraction of the twin's (a bias toward one thread). */
export const TWIN_MARGIN = 0.95;

/** Variant of a predict: 0 the single-thread twin, 1 the threaded engine. */
export type TwinVariant = 0 | 1;

/**
 * Chooses, predict by predict, between a threaded model and its single-thread twin (the same graph prepared on a
 * one-thread engine with its own, non-shared wasm memory) by the wall time of their recent predicts.
 *
 * @remarks
 * Why a twin: on a busy machine (another process holding a core), the threaded engine's split policy keeps its
 * kernel calls on the calling thread, but that thread still runs the threaded module on a shared memory, which V8
 * runs a few percent slower than the same code on a non-shared memory (measured 1–7%, BENCHMARKS.md). The twin
 * runs the plain single-thread module, so a busy machine costs what one thread costs.
 *
 * Rule: each variant's first {@link TWIN_WARMUP} predicts are not scored; until both have {@link TWIN_WINDOW}
 * scored predicts, the variants alternate. Then the variant with the lower median over its last
 * {@link TWIN_WINDOW} predicts runs, and the other is tried every 16th predict while the two medians are within
 * 25% of each other, every 32nd otherwise — so a change of the machine's load is noticed within two or three
 * tries, at a cost of a few percent of the gap. Both variants give bit-identical outputs.
 */
export class TwinPolicy {
  private readonly times: [number[], number[]] = [[], []];
  private readonly seen: [number, number] = [0, 0];
  private predicts = 0;

  /** The variant the next predict should run. */
  choose(): TwinVariant {
    const [a, b] = this.times;
    if (a.length < TWIN_WINDOW || b.length < TWIN_WINDOW) {
      // Warm-up and first scores: give the variant with fewer predicts its turn.
      return this.seen[0] <= this.seen[1] ? 0 : 1;
    }
    const ma = median(a);
    const mb = median(b);
    const better: TwinVariant = mb < TWIN_MARGIN * ma ? 1 : 0;
    const every = Math.abs(ma - mb) < 0.25 * Math.min(ma, mb) ? 16 : 32;
    return this.predicts % every === every - 1 ? ((1 - better) as TwinVariant) : better;
  }

  /** Records that a predict on `variant` took `ms`. */
  record(variant: TwinVariant, ms: number): void {
    this.predicts++;
    if (++this.seen[variant] <= TWIN_WARMUP) return;
    const t = this.times[variant];
    t.push(ms);
    if (t.length > TWIN_WINDOW) t.shift();
  }

  /** The medians of the recent predicts (single-thread twin, threaded; NaN until scored), for tests and diagnostics. */
  medians(): [number, number] {
    return [this.times[0].length ? median(this.times[0]) : NaN, this.times[1].length ? median(this.times[1]) : NaN];
  }
}
