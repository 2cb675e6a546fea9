/**
 * Bop, the latent-free Binary Optimizer of Helwegen et al. (NeurIPS 2019), as a tfjs optimizer.
 */
import * as tf from "@tensorflow/tfjs-core";

import { sign as larqSign } from "../math/index.js";
import { invalidArgument } from "../utils/errors.js";
import {
  checkHyperparameter,
  deserializeHyperparameter,
  hyperparameterValue,
  serializeHyperparameter,
  type Hyperparameter,
} from "./schedules.js";
import { variablePrecision, type LayerVariable, type NamedTensor } from "./variables.js";
import { registerLayer } from "../utils/serialization.js";

/** Arguments of {@link Bop}. */
export interface BopArgs {
  /**
   * τ: magnitude the averaged gradient signal must exceed (in the weight's direction) to flip a weight:
   * a number ≥ 0, a function of the step or a schedule of `lq.optimizers.schedules`. Default 1e-8.
   */
  threshold?: Hyperparameter;
  /**
   * γ: adaptivity rate of the exponential moving average of the gradients: a number ≥ 0, a function of
   * the step or a schedule of `lq.optimizers.schedules`. Default 1e-4.
   */
  gamma?: Hyperparameter;
  /** Name of the optimizer. Default `"Bop"`. */
  name?: string;
}

/** One momentum slot: the moving average m of one binary variable. */
interface MomentumSlot {
  originalName: string;
  variable: tf.Variable;
}

/**
 * Binary Optimizer (Bop): trains binary weights without latent weights, flipping a weight when an
 * exponential moving average of its gradients is large enough and points in the weight's direction.
 *
 * @remarks
 * For every binary variable w with gradient g and momentum m (initially 0), one step does
 *
 *   m ← m + γ·(g − m)
 *   w ← sign(−sign(w·m − τ)·w)
 *
 * where the inner sign is the ordinary sign and the outer one larq's sign (0 → +1), so w flips exactly
 * where w·m > τ and stays otherwise (and becomes +1 in the tie w·m = τ, as in larq). Only variables for
 * which {@link Bop.isBinaryVariable} holds are touched; all others are left unchanged, so Bop is normally
 * combined with a float optimizer through {@link CaseOptimizer}.
 *
 * `gamma` and `threshold` may be schedules, as larq accepts Keras `LearningRateSchedule`s: a function
 * `(step) => value` or a serializable schedule (`lq.optimizers.schedules.ExponentialDecay`, …), evaluated
 * at this optimizer's own `iterations` before the update (step 0 is the first call). They are public,
 * mutable properties; when they are numbers `lq.callbacks.HyperparameterScheduler` can set them.
 * `getConfig()` writes schedules in Keras's `{class_name, config}` form and throws for a plain function,
 * which cannot be serialized; `fromConfig` reads numbers and schedules in Keras's or tfjs's spelling.
 *
 * Momentum slots are kept by position among the binary variables of each call (as tfjs's Adam keeps
 * its state by position), so each call must list the variables in the same order — `model.fit` and
 * {@link CaseOptimizer} do. `getWeights()` returns `[iterations, m_0, m_1, …]`.
 *
 * Defaults: threshold 1e-8, gamma 1e-4.
 *
 * @example
 * ```ts
 * const optimizer = new lq.optimizers.CaseOptimizer(
 *   [lq.optimizers.Bop.isBinaryVariable, new lq.optimizers.Bop({ threshold: 1e-6, gamma: 1e-3 })],
 *   { defaultOptimizer: tf.train.adam(0.01) },
 * );
 * model.compile({ optimizer, loss: "categoricalCrossentropy" });
 * ```
 */
export class Bop extends tf.Optimizer {
  /** @nocollapse */
  static className = "Bop";

  /** τ, the flip threshold: a number or a schedule of the step. */
  threshold: Hyperparameter;
  /** γ, the adaptivity rate: a number or a schedule of the step. */
  gamma: Hyperparameter;
  /** Name of the optimizer. */
  readonly name: string;

  private momenta: Array<MomentumSlot | undefined> = [];

  constructor(args: BopArgs = {}) {
    super();
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      invalidArgument("args", args, "an object {threshold?, gamma?, name?}");
    }
    this.threshold = checkHyperparameter("threshold", args.threshold ?? 1e-8);
    this.gamma = checkHyperparameter("gamma", args.gamma ?? 1e-4);
    if (args.name !== undefined && typeof args.name !== "string") invalidArgument("name", args.name, "a string");
    this.name = args.name ?? "Bop";
  }

  /**
   * Whether a variable is binary (precision 1), the default predicate for routing variables to Bop.
   *
   * @remarks
   * Looks, in order, at a numeric `precision` property of the given object, at one on its registered
   * `LayerVariable`, and at the precision of the quantizer its layer applies to it (e.g. a QuantDense
   * kernel with `kernelQuantizer: "ste_sign"` is binary). See `lq.optimizers.variablePrecision`.
   */
  static isBinaryVariable(this: void, variable: tf.Variable | LayerVariable): boolean {
    return variablePrecision(variable) === 1;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list: Array<{ name: string; tensor: tf.Tensor | undefined }> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => ({ name: g.name, tensor: g.tensor }))
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const registered = tf.engine().registeredVariables;
    const step = this.iterations;
    const gamma = hyperparameterValue("gamma", checkHyperparameter("gamma", this.gamma), step);
    const threshold = hyperparameterValue("threshold", checkHyperparameter("threshold", this.threshold), step);
    tf.tidy(() => {
      let slot = 0;
      for (const { name, tensor } of list) {
        const variable = registered[name];
        if (variable === undefined || !Bop.isBinaryVariable(variable)) continue;
        const index = slot++;
        if (this.momenta[index] === undefined) {
          this.momenta[index] = { originalName: `${name}/m`, variable: tf.zerosLike(variable).variable(false) };
        }
        if (tensor === undefined || tensor === null) continue;
        const m = (this.momenta[index] as MomentumSlot).variable;
        const mNew = tf.add(m, tf.mul(tf.sub(tensor, m), gamma));
        m.assign(mNew);
        // sign(−sign(w·m − τ)·w) written without tf.sign, whose wasm kernel returns 0 for small
        // |x| (~1e-7) and would turn −1 weights into +1: flip where w·m > τ, +1 in the tie w·m = τ.
        const product = tf.mul(variable, mNew);
        const flipped = tf.where(tf.greater(product, threshold), tf.neg(variable), variable);
        variable.assign(tf.where(tf.equal(product, threshold), tf.onesLike(variable), larqSign(flipped)));
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const slot of this.momenta) slot?.variable.dispose();
    this.momenta = [];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const slots = this.momenta.filter((s): s is MomentumSlot => s !== undefined);
    return [await this.saveIterations(), ...slots.map((s) => ({ name: s.originalName, tensor: s.variable }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    this.momenta = rest.map((w) => ({ originalName: w.name, variable: w.tensor.variable(false) }));
  }

  /**
   * `{threshold, gamma, name}`; a scheduled hyperparameter is written as Keras writes a schedule,
   * `{class_name, config}` with snake_case keys. Throws for a hyperparameter that is a plain function.
   */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      threshold: serializeHyperparameter("threshold", this.threshold) as tf.serialization.ConfigDictValue,
      gamma: serializeHyperparameter("gamma", this.gamma) as tf.serialization.ConfigDictValue,
      name: this.name,
    };
  }

  /**
   * Rebuilds a Bop from {@link Bop.getConfig} output or larq's `get_config()`; schedules may be spelled as
   * Keras writes them (`class_name`, snake_case keys) or as tfjs loads them (`className`, camelCase keys).
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({
      threshold: deserializeHyperparameter("threshold", config.threshold),
      gamma: deserializeHyperparameter("gamma", config.gamma),
      name: config.name,
    } as never);
  }
}
registerLayer(Bop);
