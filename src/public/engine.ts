/**
 * `lq.engine`: the bitpacked WebAssembly inference engine — convert a trained model, load / save engine files,
 * run Larq Compute Engine `.tflite` files and write them, profile a model node by node (`profile`), and the
 * runtime's own tensor and op API.
 */
export {
  BConv2DOp,
  BDenseOp,
  DEFAULT_MAX_MEMORY_BYTES,
  Engine,
  EngineModel,
  EngineTensor,
  TFLITE_SUPPORTED_OPS,
  convert,
  defaultWasmUrl,
  embeddedWasm,
  exportTFLite,
  fromTFLite,
  load,
  loadEngine,
  profile,
  readTFLite,
  simdSupported,
} from "../engine/index.js";
export type * from "../engine/index.js";
