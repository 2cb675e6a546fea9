/** `lq.training`: the training kernels tfjs backends lack (installed as effects; these switch them per backend). */
export { TRAINING_BACKENDS, registerTrainingKernels, trainingKernelStatus, unregisterTrainingKernels } from "../training/index.js";
export type * from "../training/index.js";
