/**
 * Hyperparameter schedules (`lq.optimizers.schedules`): the Keras learning-rate schedules
 * (`tf.keras.optimizers.schedules`), usable for {@link Bop}'s `threshold` and `gamma` as larq allows.
 *
 * @remarks
 * A schedule maps the optimizer's step (its `iterations` before the update: 0 for the first step) to
 * a value. The classes here use Keras's formulas, defaults and argument names (camelCased, as tfjs
 * spells them) and serialize as Keras does: {@link serializeSchedule} gives
 * `{class_name: "ExponentialDecay", config: {initial_learning_rate, decay_steps, …}}`, and
 * {@link deserializeSchedule} reads that as well as the camelCased form tfjs produces when it loads
 * Keras JSON (`{className, config: {initialLearningRate, …}}`).
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { registeredClass } from "../effects/internals.js";
import { toCamelCase, toSnakeCase } from "../quantizers/registry.js";
import { checkNumber, describeValue, invalidArgument } from "../utils/errors.js";
import { registerLayer } from "../utils/serialization.js";

/** A schedule given as a plain function of the optimizer's step. It works, but cannot be serialized. */
export type ScheduleFunction = (step: number) => number;

/** A hyperparameter: a constant, a {@link ScheduleFunction} or a serializable {@link LearningRateSchedule}. */
export type Hyperparameter = number | ScheduleFunction | LearningRateSchedule;

/** Keras's serialized form of a schedule: `{class_name, config}` with snake_case config keys. */
export interface SerializedSchedule {
  /** Registered class name, e.g. `"ExponentialDecay"`. */
  class_name: string;
  /** Constructor arguments with Keras's snake_case names. */
  config: Record<string, unknown>;
}

/**
 * Base class of serializable schedules, the counterpart of Keras's `LearningRateSchedule`.
 *
 * @remarks
 * Subclasses implement {@link LearningRateSchedule.call} and `getConfig()` (camelCase keys, the tfjs
 * convention), set `static className`, take a single args object whose keys are those of `getConfig()`,
 * and are registered with `tf.serialization.registerClass`; {@link deserializeSchedule} then finds
 * them by class name. `fromConfig` accepts snake_case or camelCase keys.
 *
 * @example
 * ```ts
 * class Halving extends lq.optimizers.schedules.LearningRateSchedule {
 *   static className = "Halving";
 *   constructor(readonly args: { initialValue: number }) { super(); }
 *   call(step: number) { return this.args.initialValue / 2 ** step; }
 *   getConfig() { return { initialValue: this.args.initialValue }; }
 * }
 * tf.serialization.registerClass(Halving);
 * ```
 */
export abstract class LearningRateSchedule extends tf.serialization.Serializable {
  /** The value at optimizer step `step` (0 for the first step). */
  abstract call(step: number): number;

  /** Rebuilds a schedule from its `getConfig()` output or Keras's `get_config()` output. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config ?? {})) args[toCamelCase(key)] = value;
    return new cls(args as never);
  }
}

/** Throws for keys of `args` that are not in `allowed` (Keras also rejects unknown arguments). */
function checkKeys(className: string, args: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    invalidArgument(`${className} args`, args, `an object with keys among ${allowed.join(", ")}`);
  }
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key)) invalidArgument(`${className} args`, key, `keys among ${allowed.join(", ")}`);
  }
  return args as Record<string, unknown>;
}

function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") invalidArgument(name, value, "a boolean");
  return value;
}

function checkName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") invalidArgument("name", value, "a string or null");
  return value;
}

function positive(name: string, value: unknown): number {
  return checkNumber(name, value, { min: 0, exclusiveMin: true }) as number;
}

function finite(name: string, value: unknown, fallback?: number): number {
  return checkNumber(name, value === undefined ? fallback : value) as number;
}

/** Arguments of {@link ExponentialDecay} and {@link InverseTimeDecay} (Keras's names, camelCased). */
export interface RateDecayArgs {
  /** Value at step 0. */
  initialLearningRate: number;
  /** Length of one decay period in steps; > 0. */
  decaySteps: number;
  /** Decay rate (see each schedule's formula). */
  decayRate: number;
  /** Decay in whole periods (integer division of the step). Default `false`. */
  staircase?: boolean;
  /** Name (serialized only). Default `null`. */
  name?: string | null;
}

/** Arguments of {@link ExponentialDecay}. */
export type ExponentialDecayArgs = RateDecayArgs;
/** Arguments of {@link InverseTimeDecay}. */
export type InverseTimeDecayArgs = RateDecayArgs;

/**
 * Shared base of {@link ExponentialDecay} and {@link InverseTimeDecay}, which take the same arguments
 * and decay with the elapsed periods p = step / decaySteps (⌊step / decaySteps⌋ when `staircase`).
 */
export abstract class RateDecay extends LearningRateSchedule {
  /** Value at step 0. */
  readonly initialLearningRate: number;
  /** Length of one decay period in steps. */
  readonly decaySteps: number;
  /** Decay rate. */
  readonly decayRate: number;
  /** Whether p is rounded down to whole periods. */
  readonly staircase: boolean;
  /** Name, or `null`. */
  readonly name: string | null;

  constructor(className: string, args: RateDecayArgs) {
    super();
    const a = checkKeys(className, args, ["initialLearningRate", "decaySteps", "decayRate", "staircase", "name"]);
    this.initialLearningRate = finite("initialLearningRate", a.initialLearningRate);
    this.decaySteps = positive("decaySteps", a.decaySteps);
    this.decayRate = finite("decayRate", a.decayRate);
    this.staircase = checkBoolean("staircase", a.staircase, false);
    this.name = checkName(a.name);
  }

  /** The elapsed decay periods p at `step`. */
  protected periods(step: number): number {
    const p = step / this.decaySteps;
    return this.staircase ? Math.floor(p) : p;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      decayRate: this.decayRate,
      staircase: this.staircase,
      name: this.name,
    };
  }
}

/**
 * Exponential decay (Keras's `ExponentialDecay`).
 *
 * @remarks
 * value(step) = initialLearningRate · decayRate^p with p = step / decaySteps, or ⌊step / decaySteps⌋
 * when `staircase` (default false).
 *
 * @example
 * ```ts
 * const gamma = new lq.optimizers.schedules.ExponentialDecay({ initialLearningRate: 1e-4, decaySteps: 1000, decayRate: 0.1 });
 * const bop = new lq.optimizers.Bop({ gamma });
 * ```
 */
export class ExponentialDecay extends RateDecay {
  /** @nocollapse */
  static className = "ExponentialDecay";

  constructor(args: ExponentialDecayArgs) {
    super("ExponentialDecay", args);
  }

  override call(step: number): number {
    return this.initialLearningRate * this.decayRate ** this.periods(step);
  }
}

/**
 * Inverse time decay (Keras's `InverseTimeDecay`).
 *
 * @remarks
 * value(step) = initialLearningRate / (1 + decayRate · p) with p = step / decaySteps, or
 * ⌊step / decaySteps⌋ when `staircase` (default false).
 */
export class InverseTimeDecay extends RateDecay {
  /** @nocollapse */
  static className = "InverseTimeDecay";

  constructor(args: InverseTimeDecayArgs) {
    super("InverseTimeDecay", args);
  }

  override call(step: number): number {
    return this.initialLearningRate / (1 + this.decayRate * this.periods(step));
  }
}

/** Arguments of {@link PiecewiseConstantDecay}. */
export interface PiecewiseConstantDecayArgs {
  /** Strictly increasing step boundaries. */
  boundaries: number[];
  /** One value per interval: one more than `boundaries`. */
  values: number[];
  /** Name (serialized only). Default `null`. */
  name?: string | null;
}

/**
 * Piecewise constant values (Keras's `PiecewiseConstantDecay`).
 *
 * @remarks
 * value(step) = values[0] for step ≤ boundaries[0], values[i] for boundaries[i−1] < step ≤ boundaries[i],
 * and the last value for step > the last boundary.
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  /** @nocollapse */
  static className = "PiecewiseConstantDecay";
  /** Step boundaries. */
  readonly boundaries: readonly number[];
  /** Values of the intervals. */
  readonly values: readonly number[];
  /** Name, or `null`. */
  readonly name: string | null;

  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const a = checkKeys("PiecewiseConstantDecay", args, ["boundaries", "values", "name"]);
    if (!Array.isArray(a.boundaries)) invalidArgument("boundaries", a.boundaries, "an array of numbers");
    if (!Array.isArray(a.values)) invalidArgument("values", a.values, "an array of numbers");
    const boundaries = a.boundaries.map((b, i) => finite(`boundaries[${i}]`, b));
    const values = a.values.map((v, i) => finite(`values[${i}]`, v));
    if (boundaries.length !== values.length - 1) {
      invalidArgument("values", values, `one value more than the ${boundaries.length} boundaries`);
    }
    for (let i = 1; i < boundaries.length; i++) {
      if (!(boundaries[i] > boundaries[i - 1])) invalidArgument("boundaries", boundaries, "strictly increasing numbers");
    }
    this.boundaries = boundaries;
    this.values = values;
    this.name = checkName(a.name);
  }

  override call(step: number): number {
    const i = this.boundaries.findIndex((b) => step <= b);
    return this.values[i < 0 ? this.values.length - 1 : i];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

/** Arguments of {@link PolynomialDecay} (Keras's names, camelCased). */
export interface PolynomialDecayArgs {
  /** Value at step 0. */
  initialLearningRate: number;
  /** Steps to reach `endLearningRate`; > 0. */
  decaySteps: number;
  /** Final value. Default 1e-4. */
  endLearningRate?: number;
  /** Power of the polynomial. Default 1. */
  power?: number;
  /** Restart the decay after every multiple of `decaySteps`. Default `false`. */
  cycle?: boolean;
  /** Name (serialized only). Default `null`. */
  name?: string | null;
}

/**
 * Polynomial decay (Keras's `PolynomialDecay`).
 *
 * @remarks
 * value(step) = (initial − end) · (1 − s / D)^power + end, where without `cycle` s = min(step, decaySteps)
 * and D = decaySteps, and with `cycle` s = step and D = decaySteps · ⌈step / decaySteps⌉ (D = decaySteps at
 * step 0). Defaults: endLearningRate 1e-4, power 1, cycle false.
 */
export class PolynomialDecay extends LearningRateSchedule {
  /** @nocollapse */
  static className = "PolynomialDecay";
  /** Value at step 0. */
  readonly initialLearningRate: number;
  /** Decay length in steps. */
  readonly decaySteps: number;
  /** Final value. */
  readonly endLearningRate: number;
  /** Power of the polynomial. */
  readonly power: number;
  /** Whether the decay restarts after each multiple of `decaySteps`. */
  readonly cycle: boolean;
  /** Name, or `null`. */
  readonly name: string | null;

  constructor(args: PolynomialDecayArgs) {
    super();
    const a = checkKeys("PolynomialDecay", args, ["initialLearningRate", "decaySteps", "endLearningRate", "power", "cycle", "name"]);
    this.initialLearningRate = finite("initialLearningRate", a.initialLearningRate);
    this.decaySteps = positive("decaySteps", a.decaySteps);
    this.endLearningRate = finite("endLearningRate", a.endLearningRate, 1e-4);
    this.power = finite("power", a.power, 1);
    this.cycle = checkBoolean("cycle", a.cycle, false);
    this.name = checkName(a.name);
  }

  override call(step: number): number {
    let s = step;
    let d = this.decaySteps;
    if (this.cycle) d *= s === 0 ? 1 : Math.ceil(s / this.decaySteps);
    else s = Math.min(s, d);
    return (this.initialLearningRate - this.endLearningRate) * (1 - s / d) ** this.power + this.endLearningRate;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      endLearningRate: this.endLearningRate,
      power: this.power,
      cycle: this.cycle,
      name: this.name,
    };
  }
}

/** Arguments of {@link CosineDecay} (Keras's names, camelCased). */
export interface CosineDecayArgs {
  /** Value at step 0 (the start of the warmup when there is one). */
  initialLearningRate: number;
  /** Length of the cosine decay in steps; > 0. */
  decaySteps: number;
  /** Final value as a fraction of the decay's starting value. Default 0. */
  alpha?: number;
  /** Name (serialized only). Default `null`. */
  name?: string | null;
  /** Value reached by a linear warmup, from which the cosine decay starts. Default `null`: no warmup. */
  warmupTarget?: number | null;
  /** Length of the warmup in steps. Default 0. */
  warmupSteps?: number;
}

/**
 * Cosine decay with optional linear warmup (Keras's `CosineDecay`).
 *
 * @remarks
 * With c(s, from) = from · ((1 − alpha) · ½(1 + cos(π · s / decaySteps)) + alpha):
 * without warmup (warmupTarget null) value(step) = c(min(step, decaySteps), initialLearningRate); with
 * warmup, s = min(step, warmupSteps + decaySteps) and value = initial + (warmupTarget − initial) · s / warmupSteps
 * while s < warmupSteps, else c(s − warmupSteps, warmupTarget). Defaults: alpha 0, no warmup.
 */
export class CosineDecay extends LearningRateSchedule {
  /** @nocollapse */
  static className = "CosineDecay";
  /** Value at step 0. */
  readonly initialLearningRate: number;
  /** Decay length in steps. */
  readonly decaySteps: number;
  /** Final fraction of the starting value. */
  readonly alpha: number;
  /** Name, or `null`. */
  readonly name: string | null;
  /** Warmup target, or `null` for no warmup. */
  readonly warmupTarget: number | null;
  /** Warmup length in steps. */
  readonly warmupSteps: number;

  constructor(args: CosineDecayArgs) {
    super();
    const a = checkKeys("CosineDecay", args, ["initialLearningRate", "decaySteps", "alpha", "name", "warmupTarget", "warmupSteps"]);
    this.initialLearningRate = finite("initialLearningRate", a.initialLearningRate);
    this.decaySteps = positive("decaySteps", a.decaySteps);
    this.alpha = finite("alpha", a.alpha, 0);
    this.name = checkName(a.name);
    this.warmupTarget = a.warmupTarget === undefined ? null : checkNumber("warmupTarget", a.warmupTarget, { allowNull: true });
    this.warmupSteps = checkNumber("warmupSteps", a.warmupSteps ?? 0, { min: 0 }) as number;
  }

  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * step) / this.decaySteps));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  override call(step: number): number {
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) {
      return this.initialLearningRate + ((this.warmupTarget - this.initialLearningRate) * s) / this.warmupSteps;
    }
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      initialLearningRate: this.initialLearningRate,
      decaySteps: this.decaySteps,
      alpha: this.alpha,
      name: this.name,
      warmupTarget: this.warmupTarget,
      warmupSteps: this.warmupSteps,
    };
  }
}

/** Arguments of {@link CosineDecayRestarts} (Keras's names, camelCased). */
export interface CosineDecayRestartsArgs {
  /** Value at step 0. */
  initialLearningRate: number;
  /** Length of the first period in steps; > 0. */
  firstDecaySteps: number;
  /** Factor on the length of each following period. Default 2. */
  tMul?: number;
  /** Factor on the starting value of each following period. Default 1. */
  mMul?: number;
  /** Final value of each period as a fraction of its starting value. Default 0. */
  alpha?: number;
  /** Name (serialized only). Default `null`. */
  name?: string | null;
}

/**
 * Cosine decay with warm restarts, SGDR (Keras's `CosineDecayRestarts`).
 *
 * @remarks
 * With f = step / firstDecaySteps: for tMul = 1, i = ⌊f⌋ and f ← f − i; otherwise
 * i = ⌊log(1 − f(1 − tMul)) / log tMul⌋ and f ← (f − (1 − tMul^i) / (1 − tMul)) / tMul^i. Then
 * value = initial · ((1 − alpha) · ½ · mMul^i · (1 + cos(π f)) + alpha). Defaults: tMul 2, mMul 1, alpha 0.
 */
export class CosineDecayRestarts extends LearningRateSchedule {
  /** @nocollapse */
  static className = "CosineDecayRestarts";
  /** Value at step 0. */
  readonly initialLearningRate: number;
  /** Length of the first period. */
  readonly firstDecaySteps: number;
  /** Period length factor. */
  readonly tMul: number;
  /** Period start value factor. */
  readonly mMul: number;
  /** Final fraction of each period's starting value. */
  readonly alpha: number;
  /** Name, or `null`. */
  readonly name: string | null;

  constructor(args: CosineDecayRestartsArgs) {
    super();
    const a = checkKeys("CosineDecayRestarts", args, ["initialLearningRate", "firstDecaySteps", "tMul", "mMul", "alpha", "name"]);
    this.initialLearningRate = finite("initialLearningRate", a.initialLearningRate);
    this.firstDecaySteps = positive("firstDecaySteps", a.firstDecaySteps);
    this.tMul = positive("tMul", a.tMul ?? 2);
    this.mMul = finite("mMul", a.mMul, 1);
    this.alpha = finite("alpha", a.alpha, 0);
    this.name = checkName(a.name);
  }

  override call(step: number): number {
    let fraction = step / this.firstDecaySteps;
    let restart: number;
    if (this.tMul === 1) {
      restart = Math.floor(fraction);
      fraction -= restart;
    } else {
      restart = Math.floor(Math.log(1 - fraction * (1 - this.tMul)) / Math.log(this.tMul));
      const elapsed = (1 - this.tMul ** restart) / (1 - this.tMul);
      fraction = (fraction - elapsed) / this.tMul ** restart;
    }
    const cosine = 0.5 * this.mMul ** restart * (1 + Math.cos(Math.PI * fraction));
    return this.initialLearningRate * ((1 - this.alpha) * cosine + this.alpha);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      initialLearningRate: this.initialLearningRate,
      firstDecaySteps: this.firstDecaySteps,
      tMul: this.tMul,
      mMul: this.mMul,
      alpha: this.alpha,
      name: this.name,
    };
  }
}

for (const cls of [ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay, CosineDecayRestarts]) {
  registerLayer(cls);
}

/**
 * Keras's serialized form of a schedule: `{class_name, config}` with snake_case config keys, as
 * `tf.keras.optimizers.schedules.serialize` writes it (without its `module` / `registered_name` metadata).
 */
export function serializeSchedule(schedule: LearningRateSchedule): SerializedSchedule {
  if (!(schedule instanceof LearningRateSchedule)) invalidArgument("schedule", schedule, "a LearningRateSchedule");
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schedule.getConfig())) config[toSnakeCase(key)] = value;
  return { class_name: schedule.getClassName(), config };
}

/** Keras's metadata keys of a serialized object, which carry nothing a schedule needs. */
const KERAS_METADATA = ["module", "registered_name", "registeredName"];

/**
 * Rebuilds a registered schedule from `{class_name, config}` (Keras, snake_case keys) or
 * `{className, config}` (tfjs, camelCase keys); Keras's `module` and `registered_name` are accepted.
 *
 * @param what - name of the argument, for error messages.
 */
export function deserializeSchedule(serialized: unknown, what = "schedule"): LearningRateSchedule {
  const expected = "a {class_name, config} object of a registered LearningRateSchedule class";
  if (serialized === null || typeof serialized !== "object" || Array.isArray(serialized)) invalidArgument(what, serialized, expected);
  const record = serialized as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!["class_name", "className", "config", ...KERAS_METADATA].includes(key)) invalidArgument(what, serialized, expected);
  }
  const className = record.class_name ?? record.className;
  const entry = typeof className === "string" ? registeredClass(className) : undefined;
  if (entry === undefined || !(entry[0].prototype instanceof LearningRateSchedule)) invalidArgument(what, serialized, expected);
  const config = record.config ?? {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) invalidArgument(`${what}.config`, config, "an object");
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config as tf.serialization.ConfigDict) as unknown as LearningRateSchedule;
}

/**
 * Checks a hyperparameter given to an optimizer: a finite number ≥ `min`, a function or a
 * {@link LearningRateSchedule}; throws naming `name` otherwise.
 */
export function checkHyperparameter(name: string, value: unknown, min = 0): Hyperparameter {
  if (value instanceof LearningRateSchedule || typeof value === "function") return value as Hyperparameter;
  if (typeof value !== "number") {
    invalidArgument(name, value, `a number >= ${min}, a function (step) => number or a LearningRateSchedule`);
  }
  return checkNumber(name, value, { min }) as number;
}

/**
 * The value of a hyperparameter at optimizer step `step`; a scheduled value must be a finite number
 * ≥ `min`, else this throws naming `name` and the step.
 */
export function hyperparameterValue(name: string, value: Hyperparameter, step: number, min = 0): number {
  if (typeof value === "number") return value;
  const result = value instanceof LearningRateSchedule ? value.call(step) : value(step);
  if (typeof result !== "number" || !Number.isFinite(result) || result < min) {
    throw new Error(`Invalid ${name}: its schedule returned ${describeValue(result)} at step ${step}, expected a finite number >= ${min}.`);
  }
  return result;
}

/**
 * A hyperparameter for `getConfig()`: numbers as they are, schedules in Keras's form
 * ({@link serializeSchedule}). A plain function has no serialized form: this throws naming `name`.
 */
export function serializeHyperparameter(name: string, value: Hyperparameter): number | SerializedSchedule {
  if (typeof value === "number") return value;
  if (value instanceof LearningRateSchedule) return serializeSchedule(value);
  return invalidArgument(
    name,
    value,
    "a number or a LearningRateSchedule to serialize the optimizer (a plain function cannot be serialized; " +
      "use a class of lq.optimizers.schedules or a registered LearningRateSchedule subclass)",
  );
}

/**
 * Reads a hyperparameter from a config: a number, or a serialized schedule in Keras's or tfjs's
 * spelling ({@link deserializeSchedule}); `undefined` stays `undefined` (the optimizer's default).
 */
export function deserializeHyperparameter(name: string, value: unknown): Hyperparameter | undefined {
  if (value === undefined || typeof value === "number") return value;
  if (value !== null && typeof value === "object") return deserializeSchedule(value, name);
  return invalidArgument(name, value, "a number or a serialized schedule {class_name, config}");
}
