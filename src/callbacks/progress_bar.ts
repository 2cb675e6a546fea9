/**
 * A terminal progress display for `model.fit`.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { checkArgNames } from "../utils/args.js";
import { invalidArgument } from "../utils/errors.js";

/** The part of a Node writable stream the progress bar uses (`process.stdout` fits). */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for an interactive terminal: the bar is redrawn in place. */
  isTTY?: boolean;
  /** Terminal width; lines are cut to fit. */
  columns?: number;
}

/** Arguments of {@link ProgressBar}. */
export interface ProgressBarArgs {
  /** Output stream. Default `process.stdout`. */
  stream?: ProgressStream;
  /** Redraw the bar in place (TTY mode) or print plain lines. Default: `stream.isTTY === true`. */
  tty?: boolean;
  /** Width of the bar in characters. Default 30. */
  width?: number;
  /** Minimum time between two redraws in TTY mode, in milliseconds. Default 100. */
  updateIntervalMs?: number;
  /** Clock in milliseconds. Default `performance.now`. */
  now?: () => number;
}

type LogValue = number | tf.Scalar;

async function resolve(value: LogValue | undefined): Promise<number | undefined> {
  if (typeof value === "number") return value;
  if (value instanceof tf.Tensor) return (await value.data())[0];
  return undefined;
}

/** A metric value with 4 decimals, or in exponent form when tiny or huge. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(3);
  return value.toFixed(4);
}

/** A duration: "42s", "3:07" (m:ss) or "1:02:03" (h:mm:ss). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}:${pad(s % 60)}`;
  return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/** Time per step: "96ms/step" or "1.23s/step". */
function formatPerStep(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms/step` : `${(ms / 1000).toFixed(2)}s/step`;
}

const IGNORED_KEYS = new Set(["batch", "size"]);

/**
 * A progress display for `model.fit`: epoch, step/steps, a bar, step rate, ETA, and the running loss
 * and metrics; at the end of each epoch, the epoch's logs (validation metrics, flip ratios, scheduled
 * hyperparameters included).
 *
 * @remarks
 * On a TTY the current epoch's line is redrawn in place (at most every `updateIntervalMs`):
 *
 * `Epoch 2/5  48/125 [===========>...................] 9.8 steps/s ETA 8s - loss: 0.4123 - acc: 0.8712`
 *
 * and replaced at the end of the epoch by a summary. Elsewhere (pipes, files, CI logs) only the
 * summary lines are printed:
 *
 * `Epoch 2/5 125/125 - 12s 96ms/step - loss: 0.4011 - acc: 0.8760 - val_loss: 0.3870`
 *
 * Running values are means over the epoch's batches weighted by batch size, like the epoch logs.
 * With `verbose: 2` in `fit`, the summary lines are printed even on a TTY.
 *
 * Importing larq-ts (its `progressBar` effect; not `larq-ts/core`) registers this class for verbosity 1, so
 * `model.fit(x, y, {verbose: 1})` (tfjs's default) shows it on `process.stdout`; pass `verbose: 0` to
 * silence it, or add an instance to `callbacks` (with `verbose: 0`) to choose the stream. The
 * registered instance stays silent on the tfjs-node backend, which brings its own progress logger.
 * `model.evaluate` in tfjs takes no callbacks; use {@link ProgressBar.evaluate} for an evaluation with
 * progress.
 *
 * @example
 * ```ts
 * await model.fit(x, y, { epochs: 5, verbose: 0, callbacks: [new lq.callbacks.ProgressBar()] });
 * ```
 */
export class ProgressBar extends tfl.Callback {
  private readonly stream: ProgressStream;
  private readonly ttyOverride: boolean | undefined;
  private readonly width: number;
  private readonly interval: number;
  private readonly now: () => number;

  private tty = false;
  private epochs = 0;
  private totalSteps: number | null = null;
  private epoch = 0;
  private epochStart = 0;
  private lastDraw = -Infinity;
  private seen = 0;
  private sums = new Map<string, number>();
  private steps = 0;
  private label: string | null = null;

  constructor(args: ProgressBarArgs = {}) {
    super();
    if (args === null || typeof args !== "object") invalidArgument("args", args, "an object {stream?, tty?, width?, …}");
    checkArgNames("ProgressBar", args, ["stream", "tty", "width", "updateIntervalMs", "now"]);
    const stream = args.stream ?? (globalThis as unknown as { process?: { stdout?: ProgressStream } }).process?.stdout;
    if (!stream || typeof stream.write !== "function") invalidArgument("stream", args.stream, "a writable stream with write(string)");
    const width = args.width ?? 30;
    if (!Number.isInteger(width) || width < 1) invalidArgument("width", width, "a positive integer");
    const interval = args.updateIntervalMs ?? 100;
    if (typeof interval !== "number" || !(interval >= 0)) invalidArgument("updateIntervalMs", interval, "a number >= 0");
    if (args.now !== undefined && typeof args.now !== "function") invalidArgument("now", args.now, "a function returning milliseconds");
    if (args.tty !== undefined && typeof args.tty !== "boolean") invalidArgument("tty", args.tty, "a boolean");
    this.stream = stream;
    this.ttyOverride = args.tty;
    this.width = width;
    this.interval = interval;
    this.now = args.now ?? (() => performance.now());
  }

  override async onTrainBegin(): Promise<void> {
    const params = (this.params ?? {}) as Record<string, unknown>;
    this.epochs = typeof params.epochs === "number" ? params.epochs : 0;
    const steps = params.steps;
    const samples = params.samples;
    const batchSize = params.batchSize;
    if (typeof steps === "number" && steps > 0) this.totalSteps = steps;
    else if (typeof samples === "number" && typeof batchSize === "number" && batchSize > 0)
      this.totalSteps = Math.ceil(samples / batchSize);
    else this.totalSteps = null;
    this.tty = (this.ttyOverride ?? this.stream.isTTY === true) && params.verbose !== 2;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
    this.epochStart = this.now();
    this.lastDraw = -Infinity;
    this.seen = 0;
    this.steps = 0;
    this.sums = new Map();
  }

  override async onBatchEnd(batch: number, logs?: tfl.Logs): Promise<void> {
    this.steps = batch + 1;
    const values = (logs ?? {}) as unknown as Record<string, LogValue>;
    const size = (await resolve(values.size)) ?? 1;
    this.seen += size;
    for (const key of Object.keys(values)) {
      if (IGNORED_KEYS.has(key)) continue;
      const value = await resolve(values[key]);
      if (value === undefined) continue;
      this.sums.set(key, (this.sums.get(key) ?? 0) + value * size);
    }
    if (!this.tty) return;
    const t = this.now();
    if (t - this.lastDraw < this.interval && this.steps !== this.totalSteps) return;
    this.lastDraw = t;
    this.draw(this.progressLine(t));
  }

  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    const values: Array<[string, number]> = [];
    for (const [key, raw] of Object.entries((logs ?? {}) as unknown as Record<string, LogValue>)) {
      if (IGNORED_KEYS.has(key)) continue;
      const value = await resolve(raw);
      if (value !== undefined) values.push([key, value]);
    }
    // Training values first, then validation values (tfjs puts val_* first in epoch logs).
    values.sort((a, b) => Number(a[0].startsWith("val_")) - Number(b[0].startsWith("val_")));
    const line = this.summaryLine(epoch, this.now(), values);
    if (this.tty) this.draw(line, true);
    else this.stream.write(`${line}\n`);
  }

  /**
   * `model.evaluate(x, y)` with a progress display (tfjs's `evaluate` takes no callbacks).
   *
   * @remarks
   * Evaluates batch by batch and returns the same values as `model.evaluate` — for each of
   * `model.metricsNames`, the mean over all samples (batch results weighted by batch size) — as
   * scalars (a single scalar when the model has only a loss). Prints `Evaluate <step>/<steps> …` lines
   * like an epoch of `fit`.
   *
   * @example
   * ```ts
   * const [loss, acc] = (await new lq.callbacks.ProgressBar().evaluate(model, xTest, yTest, { batchSize: 500 })) as tf.Scalar[];
   * ```
   */
  async evaluate(
    model: tfl.LayersModel,
    x: tf.Tensor | tf.Tensor[],
    y: tf.Tensor | tf.Tensor[],
    args: { batchSize?: number } = {},
  ): Promise<tf.Scalar | tf.Scalar[]> {
    const xs = Array.isArray(x) ? x : [x];
    const ys = Array.isArray(y) ? y : [y];
    if (xs.length === 0 || !(xs[0] instanceof tf.Tensor)) invalidArgument("x", x, "a tensor or an array of tensors");
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) invalidArgument("batchSize", batchSize, "a positive integer");
    const n = xs[0].shape[0];
    const steps = Math.ceil(n / batchSize);
    const names = model.metricsNames;
    const sums = new Array<number>(names.length).fill(0);
    this.setParams({ epochs: 0, steps, verbose: 1 } as never);
    this.label = "Evaluate";
    try {
      await this.onTrainBegin();
      await this.onEpochBegin(0);
      for (let step = 0; step < steps; step++) {
        const start = step * batchSize;
        const size = Math.min(batchSize, n - start);
        const values = await this.evaluateBatch(model, xs, ys, start, size);
        values.forEach((v, i) => (sums[i] += v * size));
        const logs: Record<string, number> = { batch: step, size };
        names.forEach((name, i) => (logs[name] = values[i]));
        await this.onBatchEnd(step, logs);
      }
      const means = sums.map((v) => v / Math.max(n, 1));
      await this.onEpochEnd(0, Object.fromEntries(names.map((name, i) => [name, means[i]])));
      const scalars = means.map((v) => tf.scalar(v));
      return scalars.length === 1 ? scalars[0] : scalars;
    } finally {
      this.label = null;
    }
  }

  private async evaluateBatch(model: tfl.LayersModel, xs: tf.Tensor[], ys: tf.Tensor[], start: number, size: number): Promise<number[]> {
    const slice = (t: tf.Tensor) => tf.slice(t, start, size);
    const xb = xs.map(slice);
    const yb = ys.map(slice);
    try {
      const out = model.evaluate(xb.length === 1 ? xb[0] : xb, yb.length === 1 ? yb[0] : yb, { batchSize: size });
      const list = Array.isArray(out) ? out : [out];
      const values = await Promise.all(list.map(async (t) => (await t.data())[0]));
      tf.dispose(list);
      return values;
    } finally {
      tf.dispose([...xb, ...yb]);
    }
  }

  /** The in-place line of the current epoch. */
  private progressLine(t: number): string {
    const elapsed = Math.max(t - this.epochStart, 1e-9);
    const perStep = elapsed / Math.max(this.steps, 1);
    const parts = [this.epochLabel(this.epoch)];
    if (this.totalSteps !== null) {
      const digits = String(this.totalSteps).length;
      parts.push(`${String(this.steps).padStart(digits)}/${this.totalSteps}`);
      parts.push(this.bar(this.steps / this.totalSteps));
    } else {
      parts.push(`${this.steps}/?`);
    }
    parts.push(`${(1000 / perStep).toFixed(1)} steps/s`);
    if (this.totalSteps !== null) parts.push(`ETA ${formatDuration(((this.totalSteps - this.steps) * perStep) / 1000)}`);
    const metrics = [...this.sums].map(([key, sum]) => `${key}: ${formatValue(sum / Math.max(this.seen, 1e-12))}`);
    return [parts.join(" "), ...metrics].join(" - ");
  }

  /** The end-of-epoch line. */
  private summaryLine(epoch: number, t: number, values: Array<[string, number]>): string {
    const elapsed = t - this.epochStart;
    const steps = this.steps;
    const head = `${this.epochLabel(epoch)} ${steps}/${this.totalSteps ?? steps}`;
    const timing = `${formatDuration(elapsed / 1000)} ${formatPerStep(elapsed / Math.max(steps, 1))}`;
    return [head, timing, ...values.map(([key, value]) => `${key}: ${formatValue(value)}`)].join(" - ");
  }

  private epochLabel(epoch: number): string {
    if (this.label !== null) return this.label;
    return this.epochs > 0 ? `Epoch ${epoch + 1}/${this.epochs}` : `Epoch ${epoch + 1}`;
  }

  /** `[=====>......]` for a fraction in [0, 1]. */
  private bar(fraction: number): string {
    const done = Math.min(this.width, Math.floor(Math.min(Math.max(fraction, 0), 1) * this.width));
    if (done >= this.width) return `[${"=".repeat(this.width)}]`;
    return `[${"=".repeat(done)}>${".".repeat(this.width - done - 1)}]`;
  }

  /** Redraws the current line in place (carriage return, text, clear to end of line). */
  private draw(line: string, final = false): void {
    const columns = this.stream.columns;
    const text = typeof columns === "number" && columns > 1 && line.length > columns - 1 ? line.slice(0, columns - 1) : line;
    this.stream.write(`\r${text}\x1b[K${final ? "\n" : ""}`);
  }
}

/**
 * The instance `model.fit` creates for `verbose >= 1`. It stays silent on the tfjs-node backend
 * ("tensorflow"), whose package registers its own progress logger for the same verbosity.
 */
export class DefaultProgressBar extends ProgressBar {
  private silent = false;

  override async onTrainBegin(): Promise<void> {
    this.silent = tf.getBackend() === "tensorflow";
    if (!this.silent) await super.onTrainBegin();
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (!this.silent) await super.onEpochBegin(epoch);
  }

  override async onBatchEnd(batch: number, logs?: tfl.Logs): Promise<void> {
    if (!this.silent) await super.onBatchEnd(batch, logs);
  }

  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    if (!this.silent) await super.onEpochEnd(epoch, logs);
  }
}
