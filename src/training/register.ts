/**
 * Registration of larq-ts's training kernels for tfjs-backend-wasm.
 */
import * as tf from "@tensorflow/tfjs-core";

import { conv2dBackpropFilterWasm } from "./conv2d_backprop_filter.js";
import { conv2dBackpropInputWasm } from "./conv2d_backprop_input.js";
import { depthwiseConv2dBackpropFilterWasm, depthwiseConv2dBackpropInputWasm } from "./depthwise_conv2d_backprop.js";
import { maxPoolGradWasm } from "./max_pool_grad.js";
import { describeValue } from "../utils/errors.js";

const BACKEND = "wasm";

/** Kernels tfjs-backend-wasm 4.22 lacks; larq-ts always provides them. */
export const MISSING_WASM_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
];

/** Kernels tfjs-backend-wasm has but runs slowly; larq-ts replaces them unless asked not to. */
export const REPLACED_WASM_KERNELS: readonly string[] = [tf.Conv2DBackpropInput, tf.MaxPoolGrad];

const IMPLEMENTATIONS: Record<string, tf.KernelFunc> = {
  [tf.Conv2DBackpropFilter]: conv2dBackpropFilterWasm as tf.KernelFunc,
  [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseConv2dBackpropFilterWasm as tf.KernelFunc,
  [tf.DepthwiseConv2dNativeBackpropInput]: depthwiseConv2dBackpropInputWasm as tf.KernelFunc,
  [tf.Conv2DBackpropInput]: conv2dBackpropInputWasm as tf.KernelFunc,
  [tf.MaxPoolGrad]: maxPoolGradWasm as tf.KernelFunc,
};

/** Kernel configs created here, to recognise our own registrations. */
const ours = new WeakSet<tf.KernelConfig>();
/** tfjs-backend-wasm's configs that larq-ts displaced, restored by {@link unregisterTrainingKernels}. */
const displaced = new Map<string, tf.KernelConfig>();
let replaceSlow = true;

/** Options of {@link registerTrainingKernels}. */
export interface TrainingKernelOptions {
  /**
   * Also replace tfjs-backend-wasm's slow `Conv2DBackpropInput` and `MaxPoolGrad` with larq-ts's fast ones.
   * Default true. false keeps (or restores) the stock kernels and only adds the missing ones.
   */
  replaceSlowKernels?: boolean;
}

/** Where each training kernel of the wasm backend currently comes from. */
export type TrainingKernelSource = "larq-ts" | "tfjs" | "missing";

function lookup(kernelName: string): tf.KernelConfig | undefined {
  return tf.getKernel(kernelName, BACKEND) ?? undefined;
}

function install(config: tf.KernelConfig): void {
  if (lookup(config.kernelName) !== undefined) tf.unregisterKernel(config.kernelName, BACKEND);
  tf.registerKernel(config);
}

function currentWasmBackend(): tf.KernelBackend | undefined {
  const engine = tf.engine();
  return engine.backendName === BACKEND ? engine.registry[BACKEND] : undefined;
}

/** Puts the fast replacements in place of tfjs-backend-wasm's slow kernels (idempotent). */
function installReplacements(backend?: tf.KernelBackend): void {
  if (!replaceSlow) return;
  for (const kernelName of REPLACED_WASM_KERNELS) {
    const current = lookup(kernelName);
    if (current !== undefined && ours.has(current)) continue;
    // Only replace a kernel the wasm package actually registered: without the package there is nothing to
    // speed up, and registering first would make the package warn about a duplicate when it loads later.
    if (current === undefined) continue;
    displaced.set(kernelName, current);
    const config: tf.KernelConfig = {
      kernelName,
      backendName: BACKEND,
      kernelFunc: IMPLEMENTATIONS[kernelName],
      // The stock kernel's setup binds its wasm function; keep it bound so restoring it later works.
      setupFunc: current.setupFunc,
      disposeFunc: current.disposeFunc,
    };
    ours.add(config);
    install(config);
    if (backend !== undefined) current.setupFunc?.(backend);
  }
}

/**
 * Registers larq-ts's training kernels for tfjs-backend-wasm (called on import of `larq-ts`; idempotent).
 *
 * @remarks
 * tfjs-backend-wasm 4.22 cannot train convolutional networks: it has no `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter` or `DepthwiseConv2dNativeBackpropInput`. These are registered here,
 * composed from ops the wasm backend runs natively. Its `Conv2DBackpropInput` and `MaxPoolGrad` work but dominate
 * a training step (a scalar loop, and a window search per input pixel); with `replaceSlowKernels` (default) they
 * are replaced by an XNNPACK forward convolution and a single-pass arg-max scatter.
 *
 * Nothing here imports `@tensorflow/tfjs-backend-wasm`; registering kernels for a backend that is not installed
 * is harmless. The replacements go in as soon as the wasm package's own kernels exist: immediately if it was
 * imported first, else when the wasm backend is activated (`tf.setBackend("wasm")` / `tf.ready()`).
 * The kernels produce the cpu backend's results (within float rounding; ties in max pooling go to the first
 * maximum in row-major window order, as on cpu).
 *
 * @example
 * ```ts
 * import * as lq from "larq-ts"; // registers the kernels
 * lq.training.registerTrainingKernels({ replaceSlowKernels: false }); // stock Conv2DBackpropInput/MaxPoolGrad
 * lq.training.registerTrainingKernels(); // back to the fast ones
 * ```
 */
export function registerTrainingKernels(options: TrainingKernelOptions = {}): void {
  if (options === null || typeof options !== "object") {
    throw new Error(`Invalid options: expected an object, received ${describeValue(options)}.`);
  }
  const flag = options.replaceSlowKernels ?? true;
  if (typeof flag !== "boolean") {
    throw new Error(`Invalid replaceSlowKernels: expected a boolean, received ${describeValue(flag)}.`);
  }
  if (!flag) restoreDisplaced();
  replaceSlow = flag;
  for (const kernelName of MISSING_WASM_KERNELS) {
    const current = lookup(kernelName);
    if (current !== undefined && ours.has(current)) continue;
    const config: tf.KernelConfig = {
      kernelName,
      backendName: BACKEND,
      kernelFunc: IMPLEMENTATIONS[kernelName],
      // Runs whenever the wasm backend becomes active: by then the wasm package's kernels are registered.
      setupFunc: (backend) => installReplacements(backend as tf.KernelBackend),
    };
    ours.add(config);
    install(config);
  }
  installReplacements(currentWasmBackend());
}

function restoreDisplaced(): void {
  for (const [kernelName, stock] of displaced) {
    const current = lookup(kernelName);
    if (current !== undefined && ours.has(current)) install(stock);
  }
  displaced.clear();
}

/**
 * Removes larq-ts's wasm training kernels and restores tfjs-backend-wasm's own (idempotent).
 * Training conv nets on wasm then fails again; meant for comparisons and tests.
 */
export function unregisterTrainingKernels(): void {
  restoreDisplaced();
  replaceSlow = false;
  for (const kernelName of MISSING_WASM_KERNELS) {
    const current = lookup(kernelName);
    if (current !== undefined && ours.has(current)) tf.unregisterKernel(kernelName, BACKEND);
  }
}

/**
 * Reports, per training kernel of the wasm backend, whether larq-ts, tfjs-backend-wasm or nobody provides it.
 *
 * @example
 * ```ts
 * trainingKernelStatus(); // { Conv2DBackpropFilter: "larq-ts", MaxPoolGrad: "larq-ts", ... }
 * ```
 */
export function trainingKernelStatus(): Record<string, TrainingKernelSource> {
  const status: Record<string, TrainingKernelSource> = {};
  for (const kernelName of [...MISSING_WASM_KERNELS, ...REPLACED_WASM_KERNELS]) {
    const current = lookup(kernelName);
    status[kernelName] = current === undefined ? "missing" : ours.has(current) ? "larq-ts" : "tfjs";
  }
  return status;
}
