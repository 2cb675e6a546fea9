/**
 * {@link SplitPolicy}: whether the engine splits its kernel calls across its worker threads, decided by measuring.
 *
 * @packageDocumentation
 */

/** Kernel calls per measured stretch. */
export const STRETCH = 32;

/** Stretches between explorations while the two modes are within {@link CLOSE} of each other, and otherwise. */
const EXPLORE_CLOSE = 8;
const EXPLORE_FAR = 32;
/** Split / alone time ratios within this factor of 1 count as close. */
const CLOSE = 1.15;

/** What is known of one kernel. */
interface KernelState {
  /** log(split time / alone time), averaged over explorations with halving weights; NaN: not measured yet. */
  logRatio: number;
  /** Estimated single-thread ms of this kernel's calls per stretch (recent average): its weight. */
  weight: number;
  /** The median wall time per estimated time of the last stretch in the base mode; NaN: none. */
  base: number;
  /** Whether each mode (alone, split) has had its (unscored) warm-up stretch for this kernel. */
  warm: [boolean, boolean];
  /** This stretch's ratios and estimated ms. */
  ratios: number[];
  estMs: number;
}

/**
 * Chooses between running the engine's kernel calls on the calling thread alone and splitting them across the
 * workers, by comparing the wall time each choice takes at the same moment.
 *
 * @remarks
 * Calls run in stretches of {@link STRETCH}, all alone or all split (one mode for every kernel: a call left on the
 * calling thread lets the workers fall asleep, which would make the next split call pay their wake-up). Most
 * stretches run the base mode; every 8th (while the modes are within 15% of each other) or 32nd stretch explores
 * the other mode. Per kernel, a stretch's cost is the median of its calls' wall time per estimated single-thread
 * time (one call waiting for a descheduled worker does not decide), and each exploration compares its cost with
 * that of the base stretch just before it: the log of the split / alone ratio of that pair is averaged over
 * explorations with halving weights. Pairs are adjacent in time, so a virtual machine whose speed changes by 2×
 * within seconds slows both sides of a pair alike (comparing each mode's latest cost instead flipped the mode at
 * every change of speed). The base mode is split while the kernels' log-ratios, weighted by each kernel's share
 * of the estimated time, are below 0. On a quiet machine splitting wins and stays; where another process holds a
 * core, split calls wait for descheduled workers, and calls stay on the calling thread (the workers asleep), so
 * two threads cost about what one does. A kernel's first stretch in each mode is its warm-up and not scored.
 */
export class SplitPolicy {
  private readonly kernels = new Map<string, KernelState>();
  private base: 0 | 1 = 1;
  private exploring = false;
  private left = STRETCH;
  private stretches = 0;

  /** Whether the next call should be split. */
  split(): boolean {
    return (this.exploring ? 1 - this.base : this.base) === 1;
  }

  /** Records that a call of `kernel`, estimated at `estNs` on one thread, took `wallMs` in the current mode. */
  record(kernel: string, estNs: number, wallMs: number): void {
    let s = this.kernels.get(kernel);
    if (!s) {
      s = { logRatio: NaN, weight: 0, base: NaN, warm: [false, false], ratios: [], estMs: 0 };
      this.kernels.set(kernel, s);
    }
    s.ratios.push((wallMs * 1e6) / Math.max(estNs, 1));
    s.estMs += estNs / 1e6;
    if (--this.left > 0) return;
    this.endStretch();
  }

  /**
   * The measured split / alone time ratio of `kernel` (NaN while not measured), for tests and diagnostics.
   */
  ratio(kernel: string): number {
    return Math.exp(this.kernels.get(kernel)?.logRatio ?? NaN);
  }

  private endStretch(): void {
    const mode = this.split() ? 1 : 0;
    let sum = 0,
      weights = 0;
    for (const s of this.kernels.values()) {
      if (s.ratios.length > 0) {
        const c = s.ratios.sort((a, b) => a - b)[s.ratios.length >> 1];
        if (!s.warm[mode]) {
          s.warm[mode] = true;
        } else if (!this.exploring) {
          s.base = c;
        } else if (!Number.isNaN(s.base)) {
          const r = Math.log(this.base === 1 ? s.base / c : c / s.base);
          s.logRatio = Number.isNaN(s.logRatio) ? r : 0.5 * s.logRatio + 0.5 * r;
        }
        s.weight = s.weight === 0 ? s.estMs : 0.5 * s.weight + 0.5 * s.estMs;
      }
      s.ratios.length = 0;
      s.estMs = 0;
      if (!Number.isNaN(s.logRatio)) {
        sum += s.weight * s.logRatio;
        weights += s.weight;
      }
    }
    this.left = STRETCH;
    this.stretches++;
    const logRatio = weights > 0 ? sum / weights : 0;
    const base = weights > 0 ? (logRatio < 0 ? 1 : 0) : this.base;
    if (base !== this.base) {
      // The base costs were of the other mode: measure the new base before the next exploration.
      this.base = base;
      this.exploring = false;
      for (const s of this.kernels.values()) s.base = NaN;
      return;
    }
    // Until some kernel has a measured pair, explore every other stretch.
    const every = weights === 0 ? 2 : Math.abs(logRatio) < Math.log(CLOSE) ? EXPLORE_CLOSE : EXPLORE_FAR;
    this.exploring = !this.exploring && this.stretches % every === 0;
  }
}
