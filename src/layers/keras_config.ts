/**
 * What Keras 2.13+ (tf_keras) writes into a layer config that tfjs 4.22 cannot read as is, translated to what
 * tfjs expects. Applied to the arguments of every quantized layer, so models saved by Python larq load.
 */
import type { KernelSpec } from "./quantized_layer.js";

type Args = Record<string, unknown>;

function field(value: Args, snake: string, camel: string): unknown {
  return value[camel] ?? value[snake];
}

/**
 * A custom activation function that Keras serializes as `{module: "builtins", class_name: "function",
 * config: "hard_tanh", registered_name: "function"}` is given by its registered name (`"hard_tanh"`).
 */
function activationName(activation: unknown): unknown {
  if (activation === null || typeof activation !== "object" || Array.isArray(activation)) return activation;
  const record = activation as Args;
  const className = field(record, "class_name", "className");
  if (className === "function" && typeof record.config === "string") return record.config;
  return activation;
}

/** Whether `value` is Keras's default kernel initializer (`GlorotUniform` without a seed), in any spelling. */
function isDefaultGlorotUniform(value: unknown): boolean {
  if (value === "glorot_uniform" || value === "glorotUniform" || value === "GlorotUniform") return true;
  if (value === null || typeof value !== "object") return false;
  const record = value as Args;
  const className = field(record, "class_name", "className");
  const config = (record.config ?? {}) as Args;
  return className === "GlorotUniform" && (config.seed === null || config.seed === undefined);
}

/**
 * Rewrites, in place, the Keras-2-only parts of a quantized layer's arguments.
 *
 * @remarks
 * - `activation` in Keras's serialized-function form becomes its registered name.
 * - Keras's separable convolutions inherit and save `kernel_initializer` / `kernel_regularizer` /
 *   `kernel_constraint` from its base convolution and never use them; tfjs rejects them. For a layer without a
 *   `kernel` weight they are removed when they hold exactly what Keras writes (glorot_uniform without seed,
 *   `null`, `null`); any other value still reaches tfjs and its error.
 */
export function translateKerasConfig(args: Args, kernels: readonly KernelSpec[]): void {
  if ("activation" in args) args.activation = activationName(args.activation);
  if (kernels.some((k) => k.weight === "kernel")) return;
  const inert =
    (args.kernelInitializer === undefined || isDefaultGlorotUniform(args.kernelInitializer)) &&
    (args.kernelRegularizer === undefined || args.kernelRegularizer === null) &&
    (args.kernelConstraint === undefined || args.kernelConstraint === null);
  if (inert) {
    delete args.kernelInitializer;
    delete args.kernelRegularizer;
    delete args.kernelConstraint;
  }
}
