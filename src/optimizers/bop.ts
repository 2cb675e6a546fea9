/**
 * Bop, the latent-free Binary Optimizer of Helwegen et al. (NeurIPS 2019), as a tfjs optimizer.
 */
import * as tf from "@tensorflow/tfjs-core";

import { sign as larqSign } from "../math/index.js";
import { checkNumber, invalidArgument } from "../utils/errors.js";
import { variablePrecision, type LayerVariable, type NamedTensor } from "./variables.js";

/** Arguments of {@link Bop}. */
export interface BopArgs {
  /** τ: magnitude the averaged gradient signal must exceed (in the weight's direction) to flip a weight. Default 1e-8. */
  threshold?: number;
  /** γ: adaptivity rate of the exponential moving average of the gradients. Default 1e-4. */
  gamma?: number;
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
 * combined with a float optimizer through {@link CaseOptimizer}. `gamma` and `threshold` are public,
 * mutable numbers (e.g. for `lq.callbacks.HyperparameterScheduler`).
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

  /** τ, the flip threshold. */
  threshold: number;
  /** γ, the adaptivity rate. */
  gamma: number;
  /** Name of the optimizer. */
  readonly name: string;

  private momenta: Array<MomentumSlot | undefined> = [];

  constructor(args: BopArgs = {}) {
    super();
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      invalidArgument("args", args, "an object {threshold?, gamma?, name?}");
    }
    this.threshold = checkNumber("threshold", args.threshold ?? 1e-8, { min: 0 }) as number;
    this.gamma = checkNumber("gamma", args.gamma ?? 1e-4, { min: 0 }) as number;
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
        const mNew = tf.add(m, tf.mul(tf.sub(tensor, m), this.gamma));
        m.assign(mNew);
        // sign(−sign(w·m − τ)·w) written without tf.sign, whose wasm kernel returns 0 for small
        // |x| (~1e-7) and would turn −1 weights into +1: flip where w·m > τ, +1 in the tie w·m = τ.
        const product = tf.mul(variable, mNew);
        const flipped = tf.where(tf.greater(product, this.threshold), tf.neg(variable), variable);
        variable.assign(tf.where(tf.equal(product, this.threshold), tf.onesLike(variable), larqSign(flipped)));
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

  override getConfig(): tf.serialization.ConfigDict {
    return { threshold: this.threshold, gamma: this.gamma, name: this.name };
  }

  /** Rebuilds a Bop from {@link Bop.getConfig} output (camelCase or snake_case keys). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ threshold: config.threshold, gamma: config.gamma, name: config.name } as never);
  }
}
tf.serialization.registerClass(Bop as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
