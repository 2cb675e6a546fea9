/**
 * HyperparameterScheduler: sets an optimizer hyperparameter from a schedule every epoch or step.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import { checkArgNames } from "../utils/args.js";
import { describeValue, invalidArgument } from "../utils/errors.js";

/** The arguments {@link HyperparameterScheduler} accepts; any other is rejected. */
const HYPERPARAMETER_SCHEDULER_ARG_NAMES: readonly string[] = Object.freeze([
  "schedule",
  "hyperparameter",
  "optimizer",
  "updateFreq",
  "verbose",
  "logName",
  "print",
]);

/** A schedule: the new value for epoch / step `index` (from 0), given the current value. */
export type Schedule = (index: number, current: number) => number;

/** Arguments of {@link HyperparameterScheduler}. */
export interface HyperparameterSchedulerArgs {
  /** Maps the epoch index (or, with `updateFreq: "step"`, the optimizer's global step) to the new value. */
  schedule: Schedule;
  /**
   * Name of the numeric optimizer property to set, e.g. `"gamma"` or `"threshold"` of
   * {@link optimizers.Bop | Bop}, `"learningRate"` of tfjs optimizers (`"lr"` is accepted as larq/Keras's alias).
   */
  hyperparameter: string;
  /** The optimizer holding the hyperparameter. Default: the model's optimizer at the start of `fit`. */
  optimizer?: tf.Optimizer | null;
  /** `"epoch"` (default): update at the start of every epoch; `"step"`: before every batch. */
  updateFreq?: "epoch" | "step";
  /** 0 (default): quiet; 1: print each update. */
  verbose?: number;
  /** Key under which the value is added to the epoch logs. Default: `hyperparameter`. */
  logName?: string;
  /** Where update messages go when `verbose > 0`. Default `console.log`. */
  print?: (message: string) => void;
}

/**
 * A `model.fit` callback that schedules an optimizer hyperparameter (larq's `HyperparameterScheduler`).
 *
 * @remarks
 * With `updateFreq: "epoch"` it sets h ← schedule(epoch, h) at the start of every epoch; with
 * `"step"`, h ← schedule(t, h) before every batch, where t is the optimizer's `iterations` (the global
 * step, not the batch index within the epoch). At the end of every epoch the current value is added to
 * the logs under `logName` (so it appears in `history.history`). `learningRate` of tfjs's SGD and
 * Momentum optimizers is set through their `setLearningRate`, which they need to take effect.
 *
 * @example
 * ```ts
 * const bop = new lq.optimizers.Bop({ threshold: 1e-6, gamma: 1e-3 });
 * const optimizer = new lq.optimizers.CaseOptimizer([lq.optimizers.Bop.isBinaryVariable, bop], {
 *   defaultOptimizer: tf.train.adam(0.01),
 * });
 * const scheduler = new lq.callbacks.HyperparameterScheduler({
 *   schedule: (epoch) => 1e-3 * 0.1 ** Math.floor(epoch / 30),
 *   hyperparameter: "gamma",
 *   optimizer: bop,
 * });
 * await model.fit(x, y, { epochs: 90, callbacks: [scheduler] });
 * ```
 */
export class HyperparameterScheduler extends tfl.Callback {
  /** The schedule. */
  readonly schedule: Schedule;
  /** Requested hyperparameter name (as given). */
  readonly hyperparameter: string;
  /** `"epoch"` or `"step"`. */
  readonly updateFreq: "epoch" | "step";
  /** Verbosity: 0 quiet, 1 print updates. */
  readonly verbose: number;
  /** Log key of the value. */
  readonly logName: string;
  /** The scheduled optimizer (resolved at the start of training when not given). */
  optimizer: tf.Optimizer | null;

  private readonly print: (message: string) => void;
  private property: string | null = null;

  constructor(args: HyperparameterSchedulerArgs) {
    super();
    if (args === null || typeof args !== "object") invalidArgument("args", args, "an object {schedule, hyperparameter, …}");
    checkArgNames("HyperparameterScheduler", args, HYPERPARAMETER_SCHEDULER_ARG_NAMES);
    if (typeof args.schedule !== "function") invalidArgument("schedule", args.schedule, "a function (index, current) => value");
    if (typeof args.hyperparameter !== "string" || args.hyperparameter === "") {
      invalidArgument("hyperparameter", args.hyperparameter, "the name of an optimizer property");
    }
    const updateFreq = args.updateFreq ?? "epoch";
    if (updateFreq !== "epoch" && updateFreq !== "step") invalidArgument("updateFreq", updateFreq, '"epoch" or "step"');
    const verbose = args.verbose ?? 0;
    if (typeof verbose !== "number" || !Number.isInteger(verbose) || verbose < 0) invalidArgument("verbose", verbose, "0 or 1");
    if (args.optimizer !== undefined && args.optimizer !== null && !(args.optimizer instanceof tf.Optimizer)) {
      invalidArgument("optimizer", args.optimizer, "a tf.Optimizer or null");
    }
    if (args.logName !== undefined && typeof args.logName !== "string") invalidArgument("logName", args.logName, "a string");
    this.schedule = args.schedule;
    this.hyperparameter = args.hyperparameter;
    this.updateFreq = updateFreq;
    this.verbose = verbose;
    this.logName = args.logName ?? args.hyperparameter;
    this.print = args.print ?? ((message: string) => console.log(message));
    this.optimizer = args.optimizer ?? null;
    if (this.optimizer !== null) this.property = this.resolveProperty(this.optimizer);
  }

  /** The property that holds the hyperparameter on `optimizer` ("lr" falls back to "learningRate"). */
  private resolveProperty(optimizer: tf.Optimizer): string {
    const record = optimizer as unknown as Record<string, unknown>;
    if (typeof record[this.hyperparameter] === "number") return this.hyperparameter;
    if (this.hyperparameter === "lr" && typeof record.learningRate === "number") return "learningRate";
    throw new Error(
      `HyperparameterScheduler: the optimizer ${optimizer.getClassName()} has no numeric hyperparameter ` +
        `${describeValue(this.hyperparameter)}.`,
    );
  }

  override setModel(model: tfl.LayersModel): void {
    super.setModel(model);
    if (this.optimizer === null) {
      const optimizer = (model as unknown as { optimizer?: tf.Optimizer }).optimizer;
      if (!optimizer) throw new Error("HyperparameterScheduler: the model has no optimizer; compile it first or pass {optimizer}.");
      this.optimizer = optimizer;
    }
    this.property = this.resolveProperty(this.optimizer);
  }

  /** The current value of the hyperparameter. */
  get value(): number {
    if (this.optimizer === null || this.property === null) {
      throw new Error("HyperparameterScheduler: no optimizer yet (it is taken from the model when training starts).");
    }
    return (this.optimizer as unknown as Record<string, number>)[this.property];
  }

  private update(index: number): number {
    const next = this.schedule(index, this.value);
    if (typeof next !== "number" || !Number.isFinite(next)) {
      throw new Error(
        `HyperparameterScheduler: schedule(${index}) returned ${typeof next === "number" ? String(next) : describeValue(next)}, expected a finite number.`,
      );
    }
    const optimizer = this.optimizer as unknown as Record<string, unknown>;
    if (this.property === "learningRate" && typeof optimizer.setLearningRate === "function") {
      (optimizer.setLearningRate as (lr: number) => void)(next);
    } else {
      optimizer[this.property as string] = next;
    }
    return next;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (this.updateFreq !== "epoch") return;
    const value = this.update(epoch);
    if (this.verbose > 0) this.print(`Epoch ${epoch}: ${this.logName} is now ${value}.`);
  }

  override async onBatchBegin(): Promise<void> {
    if (this.updateFreq !== "step") return;
    const step = (this.optimizer as tf.Optimizer).iterations;
    const value = this.update(step);
    if (this.verbose > 0) this.print(`Batch ${step}: ${this.logName} is now ${value}.`);
  }

  override async onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    if (logs) logs[this.logName] = this.value;
  }
}
