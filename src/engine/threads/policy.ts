/**
 * {@link SplitPolicy}: whether the engine splits a kernel call across its worker threads, decided by measuring.
 *
 * @packageDocumentation
 */

/** Calls of one kernel per measured stretch. */
export const STRETCH = 16;

/** The measured state of one kernel. */
interface KernelState {
  /** Wall time per estimated single-thread time of recent stretches run alone (index 0) and split (1); NaN: none yet. */
  cost: [number, number];
  /** The mode of the current stretch: 0 alone, 1 split. */
  mode: 0 | 1;
  /** Calls left in the current stretch. */
  left: number;
  /** Wall time per estimated time of each call of the current stretch so far. */
  ratios: Float64Array;
  /** Stretches measured. */
  stretches: number;
  /** Whether each mode (alone, split) has had its warm-up stretch. */
  warm: [boolean, boolean];
}

/**
 * Chooses per kernel between running a call on the calling thread alone and splitting it across the workers, by
 * the wall time each choice took.
 *
 * @remarks
 * Calls of each kernel are measured in stretches of {@link STRETCH}, all alone or all split; a stretch's cost is the
 * median over its calls of wall time per estimated single-thread time. The mode with the lower recent cost (an average of its last
 * stretches, halving the weight of older ones) runs next; the other mode is tried again every 8th stretch while the
 * two are within 10% of each other and every 32nd otherwise, so that a change of the machine's load is noticed. A
 * mode's first stretch is not scored (warm-up), and until both are scored the modes alternate. On a
 * quiet machine splitting wins and stays; where another process holds a core, a worker that gets descheduled
 * makes split calls slower than running alone, and calls then stay on the calling thread (its workers asleep), so
 * two threads are never much slower than one. Measured costs include everything the choice causes: posting the
 * job, waking the workers, waiting for a descheduled one.
 */
export class SplitPolicy {
  private readonly kernels = new Map<string, KernelState>();

  /** Whether the next call of `kernel` should be split. */
  split(kernel: string): boolean {
    return this.state(kernel).mode === 1;
  }

  /** Records that a call of `kernel`, estimated at `estNs` on one thread, took `wallMs` in the mode {@link split} gave. */
  record(kernel: string, estNs: number, wallMs: number): void {
    const s = this.state(kernel);
    s.ratios[STRETCH - s.left] = (wallMs * 1e6) / Math.max(estNs, 1);
    if (--s.left > 0) return;
    // The median call: one call that waited for a descheduled worker does not decide; a busy machine, where most
    // split calls wait, does.
    const c = s.ratios.sort((a, b) => a - b)[STRETCH >> 1];
    const old = s.cost[s.mode];
    // A mode's first stretch only warms up (the workers' first calls run baseline-compiled code); it is not scored.
    if (s.warm[s.mode]) s.cost[s.mode] = Number.isNaN(old) ? c : 0.5 * old + 0.5 * c;
    s.warm[s.mode] = true;
    s.left = STRETCH;
    s.stretches++;
    const [alone, split] = s.cost;
    const better: 0 | 1 = split < alone ? 1 : 0;
    const every = Math.abs(split - alone) < 0.1 * Math.min(split, alone) ? 8 : 32;
    // Until both modes are scored, alternate.
    const unscored = Number.isNaN(alone) ? 0 : Number.isNaN(split) ? 1 : -1;
    s.mode = unscored >= 0 ? (unscored as 0 | 1) : s.stretches % every === 0 ? ((1 - better) as 0 | 1) : better;
  }

  /** The measured costs of `kernel` (alone, split; NaN where not measured yet), for tests and diagnostics. */
  costs(kernel: string): readonly [number, number] {
    return this.state(kernel).cost;
  }

  private state(kernel: string): KernelState {
    let s = this.kernels.get(kernel);
    if (!s) {
      // Start split: a fresh engine with threads was asked for them.
      s = { cost: [NaN, NaN], mode: 1, left: STRETCH, ratios: new Float64Array(STRETCH), stretches: 0, warm: [false, false] };
      this.kernels.set(kernel, s);
    }
    return s;
  }
}
