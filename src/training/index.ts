/**
 * lq.training — training support for tfjs backends: gradient kernels for tfjs-backend-wasm
 * (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`, which it
 * lacks, and fast `Conv2DBackpropInput` and `MaxPoolGrad`), fast replacements for tfjs-backend-cpu's slow
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` and `MaxPoolGrad`, and the fix that lets tfjs's
 * `BatchNormalization({scale: false})` train. Importing this module changes nothing; the effects
 * `wasmTrainingKernels`, `cpuTrainingKernels` and `batchNormalizationFix` of `lq.effects` (installed on import of
 * `larq-ts`, not of `larq-ts/core`) put them in place, and the functions exported here switch or inspect them.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-wasm";
 * import * as lq from "larq-ts";
 *
 * await tf.setBackend("wasm");
 * lq.training.trainingKernelStatus(); // { Conv2DBackpropFilter: "larq-ts", ..., MaxPoolGrad: "larq-ts" }
 * lq.training.trainingKernelStatus("cpu"); // cpu kernels, "larq-ts" once tfjs-backend-cpu is loaded
 * ```
 *
 * @packageDocumentation
 */
export {
  registerTrainingKernels,
  unregisterTrainingKernels,
  trainingKernelStatus,
  trainingKernelsRegistered,
  displacedKernel,
  MISSING_WASM_KERNELS,
  REPLACED_WASM_KERNELS,
  REPLACED_CPU_KERNELS,
  TRAINING_BACKENDS,
  TRAINING_KERNEL_HOOK,
  type TrainingBackend,
  type TrainingKernelOptions,
  type TrainingKernelSource,
  type UnregisterTrainingKernelOptions,
} from "../effects/training_kernels.js";
export { conv2dBackpropFilterCpu, conv2dBackpropFilterWasm } from "./conv2d_backprop_filter.js";
export { conv2dBackpropInputWasm } from "./conv2d_backprop_input.js";
export {
  depthwiseConv2dBackpropFilterCpu,
  depthwiseConv2dBackpropFilterWasm,
  depthwiseConv2dBackpropInputWasm,
} from "./depthwise_conv2d_backprop.js";
export { maxPoolGradCpu, maxPoolGradWasm } from "./max_pool_grad.js";
export { batchNormTrainingCall } from "./batch_normalization.js";
export { batchNormalizationPatched, patchBatchNormalization, unpatchBatchNormalization } from "../effects/batch_normalization.js";
