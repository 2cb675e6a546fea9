/**
 * CaseOptimizer: trains different subsets of the variables with different optimizers.
 */
import * as tf from "@tensorflow/tfjs-core";

import { registeredClass } from "../effects/internals.js";
import { toCamelCase } from "../quantizers/registry.js";
import { describeValue, invalidArgument } from "../utils/errors.js";
import { updatedVariables } from "./constraints.js";
import type { NamedTensor } from "./variables.js";
import { registerLayer } from "../utils/serialization.js";

/** Decides whether an optimizer should train a variable. */
export type VariablePredicate = (variable: tf.Variable) => boolean;

/** A `[predicate, optimizer]` pair of {@link CaseOptimizer}. */
export type PredicateOptimizerPair = readonly [VariablePredicate, tf.Optimizer];

/** Options of {@link CaseOptimizer}, passed after the pairs. */
export interface CaseOptimizerOptions {
  /** Trains every variable no predicate claims. Default `null`: such variables are not trained (with a warning). */
  defaultOptimizer?: tf.Optimizer | null;
  /** Name of the optimizer. Default `"optimizer_case"`. */
  name?: string;
}

function isOptimizer(value: unknown): value is tf.Optimizer {
  return value instanceof tf.Optimizer;
}

/** Looks up a registered optimizer class and deserializes `{className, config}`. */
function deserializeOptimizer(config: unknown, what: string): tf.Optimizer {
  const record = (config ?? {}) as Record<string, unknown>;
  const className = (record.className ?? record.class_name) as string | undefined;
  const entry = className === undefined ? undefined : registeredClass(className);
  if (entry === undefined) invalidArgument(what, config, "a {className, config} object of a registered optimizer class");
  const [cls, fromConfig] = entry;
  return fromConfig(cls, (record.config ?? {}) as tf.serialization.ConfigDict) as unknown as tf.Optimizer;
}

/**
 * An optimizer that routes each variable to one of several optimizers, e.g. Bop for the binary kernels
 * and Adam for everything else.
 *
 * @remarks
 * Modelled on larq's `CaseOptimizer`. Every predicate is asked about every variable: a variable goes to
 * the optimizer of the one pair whose predicate returns true for it, else to `defaultOptimizer`. As in
 * larq, a variable claimed by several predicates is an error, and so is an optimizer of a pair that
 * claims no variable at all; a variable that no predicate claims when there is no default optimizer is
 * not trained (not even projected by its constraint), and `console.warn` names it once, when it is first
 * seen. The assignment is computed once per variable name and cached. Each call hands every inner
 * optimizer its variables in the order of the call, so inner optimizers that keep their state by
 * position (tfjs's Adam, {@link Bop}) always see the same subset in the same order. Works with
 * `model.compile({optimizer})` / `model.fit` and in custom loops (`minimize`, `applyGradients`).
 *
 * `getWeights()` is, as larq's `weights`, the concatenation of the inner optimizers' weights (each with
 * its own `iter`), with names prefixed `case_<i>/`; the CaseOptimizer's own step count is not stored.
 * `setWeights()` restores the inner optimizers and sets `iterations` to the largest of theirs, which is
 * the number of steps taken whenever every step updated all variables (as in `model.fit`).
 * `getConfig()` stores the inner optimizers and the cached assignment (predicates are functions and
 * are not serialized); an optimizer restored by `fromConfig` routes by that assignment only: by
 * variable name, else by the order in which the variables first appeared (so a model saved with
 * `includeOptimizer: true` and loaded again keeps training each variable with the same optimizer).
 * In `varOptMapping` and `varOptOrder`, −1 marks a variable that no optimizer trains.
 *
 * @example
 * ```ts
 * const optimizer = new lq.optimizers.CaseOptimizer(
 *   [lq.optimizers.Bop.isBinaryVariable, new lq.optimizers.Bop()],
 *   { defaultOptimizer: tf.train.adam(0.01) },
 * );
 * ```
 */
export class CaseOptimizer extends tf.Optimizer {
  /** @nocollapse */
  static className = "CaseOptimizer";

  /** The `[predicate, optimizer]` pairs, in priority order. */
  readonly pairs: readonly PredicateOptimizerPair[];
  /** The optimizer for unclaimed variables, or `null`. */
  readonly defaultOptimizer: tf.Optimizer | null;
  /** All optimizers: those of the pairs, then the default one (if any). */
  readonly optimizers: readonly tf.Optimizer[];
  /** Name of the optimizer. */
  readonly name: string;

  /** Cached assignment: variable name → index into {@link CaseOptimizer.optimizers}. */
  private mapping = new Map<string, number>();
  /** Optimizer index of each routed variable, in the order the variables were first seen. */
  private order: number[] = [];
  /** Assignment read by {@link CaseOptimizer.fromConfig}: by name and by order of first appearance. */
  private restored: { byName: Map<string, number>; byOrder: number[] } | null = null;
  private checkedClaims = false;
  /** Untrained variables already named in a warning. */
  private warned = new Set<string>();

  constructor(...args: Array<PredicateOptimizerPair | CaseOptimizerOptions>) {
    super();
    let options: CaseOptimizerOptions = {};
    const last = args[args.length - 1];
    if (last !== undefined && !Array.isArray(last)) {
      options = last as CaseOptimizerOptions;
      args = args.slice(0, -1);
    }
    if (options === null || typeof options !== "object") invalidArgument("options", options, "an object {defaultOptimizer?, name?}");
    const pairs = args as PredicateOptimizerPair[];
    pairs.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        invalidArgument(`predicateOptimizerPairs[${i}]`, pair, "a [predicate, optimizer] pair");
      }
      if (typeof pair[0] !== "function") invalidArgument(`predicateOptimizerPairs[${i}][0]`, pair[0], "a predicate function");
      if (!isOptimizer(pair[1])) invalidArgument(`predicateOptimizerPairs[${i}][1]`, pair[1], "a tf.Optimizer");
    });
    const defaultOptimizer = options.defaultOptimizer ?? null;
    if (defaultOptimizer !== null && !isOptimizer(defaultOptimizer)) {
      invalidArgument("defaultOptimizer", defaultOptimizer, "a tf.Optimizer or null");
    }
    if (pairs.length === 0 && defaultOptimizer === null) {
      invalidArgument("predicateOptimizerPairs", pairs, "at least one [predicate, optimizer] pair or a defaultOptimizer");
    }
    if (options.name !== undefined && typeof options.name !== "string") invalidArgument("name", options.name, "a string");
    this.pairs = pairs.map((p) => [p[0], p[1]] as const);
    this.defaultOptimizer = defaultOptimizer;
    this.optimizers = [...this.pairs.map((p) => p[1]), ...(defaultOptimizer ? [defaultOptimizer] : [])];
    this.name = options.name ?? "optimizer_case";
  }

  /**
   * Index into {@link CaseOptimizer.optimizers} of the optimizer that trains `name`, or −1 when none
   * does (computed once per name and cached).
   */
  private route(name: string): number {
    const cached = this.mapping.get(name);
    if (cached !== undefined) return cached;
    const index = this.restored !== null ? this.restoredRoute(name) : this.claim(name);
    this.mapping.set(name, index);
    this.order.push(index);
    return index;
  }

  /** The index a restored optimizer (which has no predicates) gives `name`, from the saved assignment. */
  private restoredRoute(name: string): number {
    const { byName, byOrder } = this.restored as { byName: Map<string, number>; byOrder: number[] };
    // By name (tfjs camel-cases the names when it loads a model), else by order of first appearance.
    const saved = byName.get(name) ?? byName.get(toCamelCase(name)) ?? byOrder[this.order.length];
    if (saved !== undefined) return saved;
    return this.defaultOptimizer === null ? -1 : this.pairs.length;
  }

  /** Asks every predicate about `name`; throws when more than one claims it. */
  private claim(name: string): number {
    const variable = tf.engine().registeredVariables[name];
    const claimants: number[] = [];
    if (variable !== undefined) {
      this.pairs.forEach(([predicate], i) => {
        if (predicate(variable) === true) claimants.push(i);
      });
    }
    if (claimants.length > 1) {
      throw new Error(
        `CaseOptimizer: variable ${describeValue(name)} is claimed by multiple optimizers: ` +
          `${claimants.map((i) => `predicateOptimizerPairs[${i}]`).join(" and ")}; at most one predicate may claim a variable.`,
      );
    }
    if (claimants.length === 1) return claimants[0];
    return this.defaultOptimizer === null ? -1 : this.pairs.length;
  }

  /**
   * The optimizer that trains the variable `name` (routing it now if it was not seen before), or
   * `null` if no optimizer trains it (no predicate claims it and there is no default optimizer).
   */
  optimizerFor(variable: tf.Variable | string): tf.Optimizer | null {
    const index = this.route(typeof variable === "string" ? variable : variable.name);
    return index < 0 ? null : this.optimizers[index];
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const groups: NamedTensor[][] = this.optimizers.map(() => []);
    const unclaimed: string[] = [];
    for (const entry of list) {
      const index = this.route(entry.name);
      if (index >= 0) groups[index].push(entry);
      else if (!this.warned.has(entry.name)) unclaimed.push(entry.name);
    }
    if (unclaimed.length > 0) {
      for (const name of unclaimed) this.warned.add(name);
      console.warn(
        `CaseOptimizer: no predicate claims ${unclaimed.length === 1 ? "variable" : "variables"} ` +
          `${unclaimed.map(describeValue).join(", ")} and there is no defaultOptimizer; ` +
          `${unclaimed.length === 1 ? "it is" : "they are"} not trained.`,
      );
    }
    if (!this.checkedClaims) {
      this.checkedClaims = true;
      this.pairs.forEach(([, optimizer], i) => {
        if (groups[i].length === 0) {
          throw new Error(
            `CaseOptimizer: the optimizer of predicateOptimizerPairs[${i}] (${optimizer.getClassName()}) claimed no variable.`,
          );
        }
      });
    }
    groups.forEach((group, i) => {
      if (group.length > 0) this.optimizers[i].applyGradients(group);
    });
    this.incrementIterations();
  }

  /** Names among `variableGradients` that some optimizer trains (used to apply only their constraints). */
  [updatedVariables](variableGradients: tf.NamedTensorMap | NamedTensor[]): string[] {
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    return names.filter((name) => this.route(name) >= 0);
  }

  override dispose(): void {
    for (const optimizer of this.optimizers) optimizer.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [];
    for (let i = 0; i < this.optimizers.length; i++) {
      for (const w of await this.optimizers[i].getWeights()) weights.push({ name: `case_${i}/${w.name}`, tensor: w.tensor });
    }
    return weights;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (!Array.isArray(weightValues)) invalidArgument("weightValues", weightValues, "an array of {name, tensor}");
    // A leading unprefixed "iter" is the CaseOptimizer's own counter as earlier larq-ts versions saved it.
    let rest = weightValues;
    let ownIterations: number | null = null;
    if (rest.length > 0 && rest[0].name === "iter") {
      ownIterations = (await rest[0].tensor.data())[0];
      rest = rest.slice(1);
    }
    const byOptimizer: NamedTensor[][] = this.optimizers.map(() => []);
    for (const w of rest) {
      const match = /^case_(\d+)\/(.*)$/s.exec(w.name);
      const i = match === null ? -1 : Number(match[1]);
      if (match === null || i >= this.optimizers.length) {
        invalidArgument("weightValues", w.name, `names prefixed case_<i>/ with i < ${this.optimizers.length}`);
      }
      byOptimizer[i].push({ name: match[2], tensor: w.tensor });
    }
    for (let i = 0; i < this.optimizers.length; i++) {
      if (byOptimizer[i].length > 0) await this.optimizers[i].setWeights(byOptimizer[i]);
    }
    this.iterations_ = ownIterations ?? Math.max(0, ...this.optimizers.map((o) => o.iterations));
  }

  override getConfig(): tf.serialization.ConfigDict {
    const serialize = (o: tf.Optimizer) => ({ className: o.getClassName(), config: o.getConfig() });
    return {
      name: this.name,
      optimizerConfigs: this.pairs.map(([, o]) => serialize(o)),
      defaultConfig: this.defaultOptimizer === null ? null : serialize(this.defaultOptimizer),
      varOptMapping: Object.fromEntries(this.mapping),
      varOptOrder: [...this.order],
    };
  }

  /** Rebuilds a CaseOptimizer from {@link CaseOptimizer.getConfig} output; routing follows the stored assignment. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const optimizerConfigs = (config.optimizerConfigs ?? config.optimizer_configs ?? []) as unknown[];
    const defaultConfig = config.defaultConfig ?? config.default_config ?? null;
    const mapping = (config.varOptMapping ?? config.var_opt_mapping ?? {}) as Record<string, number>;
    const order = (config.varOptOrder ?? config.var_opt_order ?? []) as number[];
    const never = () => false;
    const pairs = optimizerConfigs.map((c, i) => [never, deserializeOptimizer(c, `optimizerConfigs[${i}]`)] as const);
    const optimizer = new (cls as unknown as typeof CaseOptimizer)(...pairs, {
      defaultOptimizer: defaultConfig === null ? null : deserializeOptimizer(defaultConfig, "defaultConfig"),
      name: config.name as string | undefined,
    });
    const count = optimizer.optimizers.length;
    const checkIndex = (what: string, index: unknown) => {
      if (typeof index !== "number" || !Number.isInteger(index) || index < -1 || index >= count) {
        invalidArgument(what, index, `an optimizer index from -1 (not trained) to ${count - 1}`);
      }
    };
    if (mapping === null || typeof mapping !== "object" || Array.isArray(mapping)) invalidArgument("varOptMapping", mapping, "an object");
    if (!Array.isArray(order)) invalidArgument("varOptOrder", order, "an array");
    for (const [name, index] of Object.entries(mapping)) checkIndex(`varOptMapping[${describeValue(name)}]`, index);
    order.forEach((index, i) => checkIndex(`varOptOrder[${i}]`, index));
    optimizer.restored = { byName: new Map(Object.entries(mapping)), byOrder: [...order] };
    optimizer.checkedClaims = true;
    return optimizer as unknown as T;
  }
}
registerLayer(CaseOptimizer);
