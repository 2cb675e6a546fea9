/**
 * lq.io — saving and loading models without tfjs-node.
 *
 * @remarks
 * Importing larq-ts (its `fileSystemRouter` effect; not `larq-ts/core`) under Node.js registers a `file://` save and load router, so that
 * `model.save("file://dir")` and `tf.loadLayersModel("file://dir/model.json")` work with only
 * tfjs-core, tfjs-layers and a cpu/wasm backend installed. {@link fileSystem} creates the handler
 * explicitly. {@link kerasCompat} wraps any handler so that Keras models with `TFOpLambda` layers load
 * ({@link translateKerasTopology}). {@link checkModelArtifacts} gives clear errors for malformed model files from any source.
 * Saving is crash-safe: {@link writeModelFolder} and {@link writeFileAtomic} (also used by the CLI and
 * `lq.zoo.saveWeights`) never leave a partial file or a folder mixing two models.
 * {@link loadLayersModel} loads a model with errors naming the file, layer and weight, no leaked tensors on
 * failure, and the weights exactly as saved (no constraint applied).
 *
 * @packageDocumentation
 */
export { FILE_SCHEME, FileSystemHandler, fileSystem, fileSystemRouter, isNode, registerFileSystemRouter } from "./file_system.js";
export { loadLayersModel, type LoadLayersModelOptions } from "./load.js";
export {
  AtomicWriteError,
  MODEL_JSON_NAME,
  WEIGHTS_BIN_NAME,
  linkFileAtomic,
  removeStaleTemporaries,
  writeFileAtomic,
  writeModelFolder,
  type ModelFolderResult,
} from "./atomic_write.js";
export {
  checkModelArtifacts,
  checkTrainingConfig,
  type CheckArtifactsOptions,
  checkModelTopology,
  checkWeightDataLength,
  checkWeightsManifest,
  weightByteLength,
} from "./validate.js";
export { KerasL1, KerasL2, BinaryDenseNetModel } from "./keras_objects.js";
export { KerasFunctional, kerasCompat, translateKerasTopology } from "./keras_topology.js";
