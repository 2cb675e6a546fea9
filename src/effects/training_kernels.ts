/**
 * Effects `wasmTrainingKernels` and `cpuTrainingKernels`: registration of larq-ts's training kernels for
 * tfjs-backend-wasm and tfjs-backend-cpu (the kernels themselves live in `src/training`).
 *
 * Both backends follow one plan: kernels the backend lacks are registered outright; kernels it has but runs slowly
 * are swapped for larq-ts's once the backend's own kernels exist, keeping the stock configs so they can be restored.
 */
import * as tf from "@tensorflow/tfjs-core";

import { conv2dBackpropFilterCpu, conv2dBackpropFilterWasm } from "../training/conv2d_backprop_filter.js";
import { conv2dBackpropInputWasm } from "../training/conv2d_backprop_input.js";
import {
  depthwiseConv2dBackpropFilterCpu,
  depthwiseConv2dBackpropFilterWasm,
  depthwiseConv2dBackpropInputWasm,
} from "../training/depthwise_conv2d_backprop.js";
import { maxPoolGradCpu, maxPoolGradWasm } from "../training/max_pool_grad.js";
import { describeValue } from "../utils/errors.js";
import { activeBackendInstance } from "./internals.js";

/** The tfjs backends larq-ts provides training kernels for. */
export type TrainingBackend = "wasm" | "cpu";

/** All {@link TrainingBackend}s, in the order {@link registerTrainingKernels} handles them by default. */
export const TRAINING_BACKENDS: readonly TrainingBackend[] = ["wasm", "cpu"];

/** Kernels tfjs-backend-wasm 4.22 lacks; larq-ts always provides them. */
export const MISSING_WASM_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.DepthwiseConv2dNativeBackpropInput,
];

/** Kernels tfjs-backend-wasm has but runs slowly; larq-ts replaces them unless asked not to. */
export const REPLACED_WASM_KERNELS: readonly string[] = [tf.Conv2DBackpropInput, tf.MaxPoolGrad];

/**
 * Kernels tfjs-backend-cpu 4.22 runs slowly; larq-ts replaces them unless asked not to.
 *
 * @remarks
 * Measured on a batch-64 step of the MNIST tutorial BNN (~50 s on stock cpu kernels): `Conv2DBackpropFilter`
 * took ~46 s (a scalar loop with strided reads), `MaxPoolGrad` ~0.8 s. The stock `DepthwiseConv2dNativeBackpropFilter`
 * has the same loop structure (~3.4 s for one batch-64 28x28x32 layer). tfjs-backend-cpu's `Conv2DBackpropInput`
 * and `DepthwiseConv2dNativeBackpropInput` are as fast as the alternatives tried, so they stay.
 */
export const REPLACED_CPU_KERNELS: readonly string[] = [tf.Conv2DBackpropFilter, tf.DepthwiseConv2dNativeBackpropFilter, tf.MaxPoolGrad];

/**
 * Name of the placeholder kernel larq-ts registers for each backend. It is never run: its `setupFunc`, which tfjs
 * calls whenever the backend becomes active, installs the replacements when the backend package was imported
 * after larq-ts.
 */
export const TRAINING_KERNEL_HOOK = "LarqTsTrainingKernels";

/** Per-backend registration plan and state. */
interface BackendPlan {
  readonly name: TrainingBackend;
  readonly missing: readonly string[];
  readonly replaced: readonly string[];
  readonly implementations: Readonly<Record<string, tf.KernelFunc>>;
  /** The backend's own configs that larq-ts displaced, restored by {@link unregisterTrainingKernels}. */
  readonly displaced: Map<string, tf.KernelConfig>;
  replaceSlow: boolean;
}

const PLANS: Record<TrainingBackend, BackendPlan> = {
  wasm: {
    name: "wasm",
    missing: MISSING_WASM_KERNELS,
    replaced: REPLACED_WASM_KERNELS,
    implementations: {
      [tf.Conv2DBackpropFilter]: conv2dBackpropFilterWasm as tf.KernelFunc,
      [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseConv2dBackpropFilterWasm as tf.KernelFunc,
      [tf.DepthwiseConv2dNativeBackpropInput]: depthwiseConv2dBackpropInputWasm as tf.KernelFunc,
      [tf.Conv2DBackpropInput]: conv2dBackpropInputWasm as tf.KernelFunc,
      [tf.MaxPoolGrad]: maxPoolGradWasm as tf.KernelFunc,
    },
    displaced: new Map(),
    replaceSlow: true,
  },
  cpu: {
    name: "cpu",
    missing: [],
    replaced: REPLACED_CPU_KERNELS,
    implementations: {
      [tf.Conv2DBackpropFilter]: conv2dBackpropFilterCpu as tf.KernelFunc,
      [tf.DepthwiseConv2dNativeBackpropFilter]: depthwiseConv2dBackpropFilterCpu as tf.KernelFunc,
      [tf.MaxPoolGrad]: maxPoolGradCpu as tf.KernelFunc,
    },
    displaced: new Map(),
    replaceSlow: true,
  },
};

/** Kernel configs created here, to recognise our own registrations. */
const ours = new WeakSet<tf.KernelConfig>();

/** Options of {@link registerTrainingKernels}. */
export interface TrainingKernelOptions {
  /**
   * Also replace the slow stock kernels ({@link REPLACED_WASM_KERNELS}, {@link REPLACED_CPU_KERNELS}) with
   * larq-ts's fast ones. Default true. false keeps (or restores) the stock kernels and only adds the missing ones.
   */
  replaceSlowKernels?: boolean;
  /** The backends this call applies to. Default: all of {@link TRAINING_BACKENDS}; others keep their state. */
  backends?: readonly TrainingBackend[];
}

/** Options of {@link unregisterTrainingKernels}. */
export interface UnregisterTrainingKernelOptions {
  /** The backends whose stock kernels are restored. Default: all of {@link TRAINING_BACKENDS}. */
  backends?: readonly TrainingBackend[];
}

/** Where a training kernel of a backend currently comes from. */
export type TrainingKernelSource = "larq-ts" | "tfjs" | "missing";

function lookup(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return tf.getKernel(kernelName, backendName) ?? undefined;
}

function install(config: tf.KernelConfig): void {
  if (lookup(config.kernelName, config.backendName) !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

/** Puts the fast replacements in place of the backend's slow kernels (idempotent). */
function installReplacements(plan: BackendPlan, backend?: tf.KernelBackend): void {
  if (!plan.replaceSlow) return;
  for (const kernelName of plan.replaced) {
    const current = lookup(kernelName, plan.name);
    if (current !== undefined && ours.has(current)) continue;
    // Only replace a kernel the backend package actually registered: without the package there is nothing to
    // speed up, and registering first would make the package warn about a duplicate when it loads later.
    if (current === undefined) continue;
    plan.displaced.set(kernelName, current);
    const config: tf.KernelConfig = {
      kernelName,
      backendName: plan.name,
      kernelFunc: plan.implementations[kernelName],
      // A stock wasm kernel's setup binds its wasm function; keep it bound so restoring it later works.
      setupFunc: current.setupFunc,
      disposeFunc: current.disposeFunc,
    };
    ours.add(config);
    install(config);
    if (backend !== undefined) current.setupFunc?.(backend);
  }
}

function restoreDisplaced(plan: BackendPlan): void {
  for (const [kernelName, stock] of plan.displaced) {
    const current = lookup(kernelName, plan.name);
    if (current !== undefined && ours.has(current)) install(stock);
  }
  plan.displaced.clear();
}

function installHook(plan: BackendPlan): void {
  const current = lookup(TRAINING_KERNEL_HOOK, plan.name);
  if (current !== undefined && ours.has(current)) return;
  const config: tf.KernelConfig = {
    kernelName: TRAINING_KERNEL_HOOK,
    backendName: plan.name,
    kernelFunc: () => {
      throw new Error(`${TRAINING_KERNEL_HOOK} is a registration hook of larq-ts, not a kernel to run.`);
    },
    // Runs whenever the backend becomes active: by then the backend package's kernels are registered.
    setupFunc: (backend) => installReplacements(plan, backend as tf.KernelBackend),
  };
  ours.add(config);
  install(config);
}

function checkBackends(value: unknown): BackendPlan[] {
  if (value === undefined) return TRAINING_BACKENDS.map((name) => PLANS[name]);
  if (!Array.isArray(value) || value.some((name) => !TRAINING_BACKENDS.includes(name as TrainingBackend))) {
    throw new Error(`Invalid backends: expected an array of ${JSON.stringify(TRAINING_BACKENDS)} names, received ${describeValue(value)}.`);
  }
  return (value as TrainingBackend[]).map((name) => PLANS[name]);
}

function checkOptions(options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== "object") {
    throw new Error(`Invalid options: expected an object, received ${describeValue(options)}.`);
  }
  return options as Record<string, unknown>;
}

/**
 * Registers larq-ts's training kernels for tfjs-backend-wasm and tfjs-backend-cpu (the `wasmTrainingKernels` and
 * `cpuTrainingKernels` effects, installed on import of `larq-ts`, not of `larq-ts/core`; idempotent).
 *
 * @remarks
 * wasm: tfjs-backend-wasm 4.22 cannot train convolutional networks: it has no `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter` or `DepthwiseConv2dNativeBackpropInput`. These are registered here,
 * composed from ops the wasm backend runs natively. Its `Conv2DBackpropInput` and `MaxPoolGrad` work but dominate
 * a training step (a scalar loop, and a window search per input pixel); with `replaceSlowKernels` (default) they
 * are replaced by an XNNPACK forward convolution and a single-pass arg-max scatter.
 *
 * cpu: tfjs-backend-cpu 4.22 has every kernel, but its `Conv2DBackpropFilter` makes a batch-64 step of the MNIST
 * tutorial BNN take ~50 s; with `replaceSlowKernels` the kernels in {@link REPLACED_CPU_KERNELS} are replaced
 * by single-pass loops over the output positions whose innermost loop runs over contiguous channels (NCHW filter
 * gradients as a forward `tf.conv2d`); `BENCHMARKS.md` has the measured step times.
 *
 * Nothing here imports a backend package; registering kernels for a backend that is not installed is harmless.
 * The replacements go in as soon as the backend package's own kernels exist: immediately if it was imported
 * first, else when the backend is activated (`tf.setBackend(name)` / `tf.ready()`), through the
 * {@link TRAINING_KERNEL_HOOK} placeholder kernel. Either import order registers no duplicate, so tfjs prints
 * no warning. The kernels produce the stock cpu kernels' results (within float rounding; ties in max pooling go
 * to the first maximum in row-major window order, as on cpu).
 *
 * @example
 * ```ts
 * import * as lq from "larq-ts"; // registers the kernels (as lq.effects.install() does)
 * lq.training.registerTrainingKernels({ replaceSlowKernels: false }); // stock kernels where tfjs has them
 * lq.training.registerTrainingKernels({ backends: ["cpu"] }); // fast kernels again, on cpu only
 * ```
 */
export function registerTrainingKernels(options: TrainingKernelOptions = {}): void {
  const opts = checkOptions(options);
  const flag = opts.replaceSlowKernels ?? true;
  if (typeof flag !== "boolean") {
    throw new Error(`Invalid replaceSlowKernels: expected a boolean, received ${describeValue(flag)}.`);
  }
  for (const plan of checkBackends(opts.backends)) {
    if (!flag) restoreDisplaced(plan);
    plan.replaceSlow = flag;
    for (const kernelName of plan.missing) {
      const current = lookup(kernelName, plan.name);
      if (current !== undefined && ours.has(current)) continue;
      const config: tf.KernelConfig = { kernelName, backendName: plan.name, kernelFunc: plan.implementations[kernelName] };
      ours.add(config);
      install(config);
    }
    installHook(plan);
    installReplacements(plan, activeBackendInstance(plan.name));
  }
}

/**
 * Removes larq-ts's training kernels and restores the backends' own (idempotent).
 * Training conv nets on wasm then fails again; meant for comparisons and tests.
 *
 * @example
 * ```ts
 * lq.training.unregisterTrainingKernels({ backends: ["cpu"] }); // stock tfjs-backend-cpu kernels
 * ```
 */
export function unregisterTrainingKernels(options: UnregisterTrainingKernelOptions = {}): void {
  const opts = checkOptions(options);
  for (const plan of checkBackends(opts.backends)) {
    restoreDisplaced(plan);
    plan.replaceSlow = false;
    for (const kernelName of [...plan.missing, TRAINING_KERNEL_HOOK]) {
      const current = lookup(kernelName, plan.name);
      if (current !== undefined && ours.has(current)) tf.unregisterKernel(kernelName, plan.name);
    }
  }
}

/**
 * Reports, per training kernel of one backend, whether larq-ts, the backend package or nobody provides it.
 *
 * @param backend - `"wasm"` (default, as before cpu kernels existed) or `"cpu"`.
 * @returns For wasm the kernels of {@link MISSING_WASM_KERNELS} and {@link REPLACED_WASM_KERNELS}; for cpu those
 *   of {@link REPLACED_CPU_KERNELS}.
 *
 * @example
 * ```ts
 * trainingKernelStatus(); // { Conv2DBackpropFilter: "larq-ts", MaxPoolGrad: "larq-ts", ... } (wasm)
 * trainingKernelStatus("cpu"); // { Conv2DBackpropFilter: "larq-ts", DepthwiseConv2dNativeBackpropFilter: ..., MaxPoolGrad: ... }
 * ```
 */
export function trainingKernelStatus(backend: TrainingBackend = "wasm"): Record<string, TrainingKernelSource> {
  if (!TRAINING_BACKENDS.includes(backend)) {
    throw new Error(`Invalid backend: expected one of ${JSON.stringify(TRAINING_BACKENDS)}, received ${describeValue(backend)}.`);
  }
  const plan = PLANS[backend];
  const status: Record<string, TrainingKernelSource> = {};
  for (const kernelName of [...plan.missing, ...plan.replaced]) {
    const current = lookup(kernelName, plan.name);
    status[kernelName] = current === undefined ? "missing" : ours.has(current) ? "larq-ts" : "tfjs";
  }
  return status;
}

/**
 * The backend package's own config of a kernel that larq-ts displaced, or undefined when the stock kernel is in
 * place or was never displaced. Lets tests and benchmarks compare against the stock kernel directly.
 */
export function displacedKernel(kernelName: string, backend: TrainingBackend): tf.KernelConfig | undefined {
  if (!TRAINING_BACKENDS.includes(backend)) {
    throw new Error(`Invalid backend: expected one of ${JSON.stringify(TRAINING_BACKENDS)}, received ${describeValue(backend)}.`);
  }
  return PLANS[backend].displaced.get(kernelName);
}

/**
 * Whether larq-ts's training kernels of `backend` are registered: its placeholder {@link TRAINING_KERNEL_HOOK}
 * kernel (present from {@link registerTrainingKernels} to {@link unregisterTrainingKernels}) is larq-ts's.
 */
export function trainingKernelsRegistered(backend: TrainingBackend): boolean {
  if (!TRAINING_BACKENDS.includes(backend)) {
    throw new Error(`Invalid backend: expected one of ${JSON.stringify(TRAINING_BACKENDS)}, received ${describeValue(backend)}.`);
  }
  const hook = lookup(TRAINING_KERNEL_HOOK, backend);
  return hook !== undefined && ours.has(hook);
}
