/**
 * Scoped flags that change how larq-ts layers behave: whether weights read from a layer are
 * quantized, and which training metrics quantizers should collect.
 *
 * @remarks
 * Mirrors `larq.context`. Scopes nest and restore the previous value on exit, also when the
 * function throws. A scope around an `async` function stays active until its promise settles;
 * overlapping asynchronous scopes are not isolated from each other (JavaScript has no
 * context-local storage that tfjs respects), so keep them sequential.
 *
 * @packageDocumentation
 */
import { describeValue } from "../utils/errors.js";

/** Names of the training metrics that quantizers can collect. */
export const AVAILABLE_METRICS: readonly string[] = Object.freeze(["flip_ratio"]);

let quantize = false;
let trainingMetrics: readonly string[] = [];

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as { then?: unknown }).then === "function"
  );
}

function runScoped<T>(enter: () => () => void, fn: () => T): T {
  const exit = enter();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    exit();
    throw error;
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).finally(exit) as unknown as T;
  }
  exit();
  return result;
}

/**
 * Runs `fn` with the quantized scope set to `quantize` and returns its result.
 *
 * @remarks
 * Inside `quantizedScope(true, …)`, `layer.getWeights()` and `model.getWeights()` of larq-ts layers
 * return the *quantized* kernels (e.g. exact ±1 values), which is how binary weights are exported.
 * Outside it they return the latent full-precision weights that the optimizer trains.
 *
 * @param quantize_ - whether weights should be read quantized inside the scope.
 * @param fn - the function to run; may be async.
 * @example
 * ```ts
 * const binaryWeights = lq.context.quantizedScope(true, () => model.getWeights());
 * ```
 */
export function quantizedScope<T>(quantize_: boolean, fn: () => T): T {
  if (typeof quantize_ !== "boolean") {
    throw new Error(`Invalid quantize: expected a boolean, received ${describeValue(quantize_)}.`);
  }
  if (typeof fn !== "function") throw new Error("quantizedScope: fn must be a function.");
  return runScoped(() => {
    const previous = quantize;
    quantize = quantize_;
    return () => {
      quantize = previous;
    };
  }, fn);
}

/** Whether the current code runs inside `quantizedScope(true, …)`. Default `false`. */
export function shouldQuantize(): boolean {
  return quantize;
}

/**
 * Runs `fn` with the given training metrics enabled for every quantizer created inside it that
 * does not specify `metrics` itself.
 *
 * @param metrics - metric names, a subset of {@link AVAILABLE_METRICS} (`["flip_ratio"]`).
 * @param fn - the function to run (typically building the model); may be async.
 * @throws if a metric name is unknown.
 * @example
 * ```ts
 * const model = lq.context.metricsScope(["flip_ratio"], () => buildModel());
 * ```
 */
export function metricsScope<T>(metrics: readonly string[], fn: () => T): T {
  if (!Array.isArray(metrics)) {
    throw new Error(`Invalid metrics: expected an array of metric names, received ${describeValue(metrics)}.`);
  }
  for (const metric of metrics) {
    if (!AVAILABLE_METRICS.includes(metric)) {
      throw new Error(`Unknown training metric ${JSON.stringify(metric)}; available metrics: ${AVAILABLE_METRICS.join(", ")}.`);
    }
  }
  if (typeof fn !== "function") throw new Error("metricsScope: fn must be a function.");
  return runScoped(() => {
    const previous = trainingMetrics;
    trainingMetrics = Object.freeze([...metrics]);
    return () => {
      trainingMetrics = previous;
    };
  }, fn);
}

/** The training metrics enabled by the innermost {@link metricsScope}; `[]` outside any scope. */
export function getTrainingMetrics(): string[] {
  return [...trainingMetrics];
}
