/**
 * Training support that larq-ts installs on import: wasm-backend gradient kernels and the tfjs
 * `BatchNormalization({scale: false})` training fix.
 *
 * @packageDocumentation
 */
import { patchBatchNormalization } from "./batch_normalization.js";
import { registerTrainingKernels } from "./register.js";

export {
  registerTrainingKernels,
  unregisterTrainingKernels,
  trainingKernelStatus,
  MISSING_WASM_KERNELS,
  REPLACED_WASM_KERNELS,
  type TrainingKernelOptions,
  type TrainingKernelSource,
} from "./register.js";
export { conv2dBackpropFilterWasm } from "./conv2d_backprop_filter.js";
export { conv2dBackpropInputWasm } from "./conv2d_backprop_input.js";
export { depthwiseConv2dBackpropFilterWasm, depthwiseConv2dBackpropInputWasm } from "./depthwise_conv2d_backprop.js";
export { maxPoolGradWasm } from "./max_pool_grad.js";
export { patchBatchNormalization } from "./batch_normalization.js";

registerTrainingKernels();
patchBatchNormalization();
