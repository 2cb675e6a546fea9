/**
 * {@link SplitPolicy}: whether the engine splits its kernel calls across its worker threads, decided by measuring.
 *
 * @packageDocumentation
 */

/** Kernel calls per measured stretch. */
export const STRETCH = 32;

/** What is known of one kernel. */
interface KernelState {
  /** Wall time per estimated single-thread time, alone (index 0) and split (1); NaN: not scored yet. */
  cost: [number, number];
  /** Whether each mode has had its (unscored) warm-up stretch for this kernel. */
  warm: [boolean, boolean];
  /** Estimated single-thread ms of this kernel's calls per stretch (recent average): its weight. */
  weight: number;
  /** This stretch's ratios and estimated ms. */
  ratios: number[];
  estMs: number;
}

/**
 * Chooses between running the engine's kernel calls on the calling thread alone and splitting them across the
 * workers, by the wall time each choice takes.
 *
 * @remarks
 * Calls run in stretches of {@link STRETCH}, all alone or all split (one mode for every kernel: a call left on the
 * calling thread lets the workers fall asleep, which would make the next split call pay their wake-up). Per
 * kernel, the cost of a mode is the median over the stretch's calls of wall time per estimated single-thread time
 * (so that one call waiting for a descheduled worker does not decide), averaged over stretches with halving
 * weights; a kernel's first stretch in each mode is its warm-up and not scored. The mode whose costs, weighted by
 * each kernel's share of the estimated time, are lower runs next; the other is tried again every 8th stretch while
 * the two are within 10% and every 32nd otherwise, so a change of the machine's load is noticed. On a quiet
 * machine splitting wins and stays; where another process holds a core, split calls wait for descheduled workers,
 * and calls stay on the calling thread (the workers asleep), so two threads cost about what one does. A model with
 * a single-thread twin (twin.ts) does not ask this policy: its own policy chooses per predict.
 */
export class SplitPolicy {
  private readonly kernels = new Map<string, KernelState>();
  private mode: 0 | 1 = 1;
  private left = STRETCH;
  private stretches = 0;

  /** Whether the next call should be split. */
  split(): boolean {
    return this.mode === 1;
  }

  /** Records that a call of `kernel`, estimated at `estNs` on one thread, took `wallMs` in the current mode. */
  record(kernel: string, estNs: number, wallMs: number): void {
    let s = this.kernels.get(kernel);
    if (!s) {
      s = { cost: [NaN, NaN], warm: [false, false], weight: 0, ratios: [], estMs: 0 };
      this.kernels.set(kernel, s);
    }
    s.ratios.push((wallMs * 1e6) / Math.max(estNs, 1));
    s.estMs += estNs / 1e6;
    if (--this.left > 0) return;
    this.endStretch();
  }

  /** The measured costs of `kernel` (alone, split; NaN where not scored yet), for tests and diagnostics. */
  costs(kernel: string): readonly [number, number] {
    return this.kernels.get(kernel)?.cost ?? [NaN, NaN];
  }

  private endStretch(): void {
    const m = this.mode;
    let alone = 0,
      split = 0,
      scored = 0;
    for (const s of this.kernels.values()) {
      if (s.ratios.length > 0) {
        const c = s.ratios.sort((a, b) => a - b)[s.ratios.length >> 1];
        const old = s.cost[m];
        if (s.warm[m]) s.cost[m] = Number.isNaN(old) ? c : 0.5 * old + 0.5 * c;
        s.warm[m] = true;
        s.weight = s.weight === 0 ? s.estMs : 0.5 * s.weight + 0.5 * s.estMs;
      }
      s.ratios.length = 0;
      s.estMs = 0;
      if (!Number.isNaN(s.cost[0]) && !Number.isNaN(s.cost[1])) {
        alone += s.weight * s.cost[0];
        split += s.weight * s.cost[1];
        scored++;
      }
    }
    this.left = STRETCH;
    this.stretches++;
    if (scored === 0) {
      // Until some kernel is scored both ways, alternate (each mode's first stretch warms up).
      this.mode = this.stretches % 2 === 1 ? 0 : 1;
      return;
    }
    const better: 0 | 1 = split < alone ? 1 : 0;
    const every = Math.abs(split - alone) < 0.1 * Math.min(split, alone) ? 8 : 32;
    this.mode = this.stretches % every === 0 ? ((1 - better) as 0 | 1) : better;
  }
}
