/**
 * lq.engine — bitpacked WebAssembly inference for binarized layers (XNOR + popcount), after Larq Compute Engine.
 *
 * @remarks
 * - `bitpacking`: the one bit-layout contract (64-bit words, channels last, LSB first, bit 1 = −1, tails 0).
 * - `ops`: plain-object op records (BConv2D, BDense, BMaxPool, output transforms) and their shared math.
 * - `reference`: slow TS implementations of every op, the oracle of the tests.
 * - `runtime`: the wasm module loader (SIMD detection, scalar fallback, GEMM calibration), the memory allocator
 *   and the prepared binary ops.
 * - `ops/`: the op registry (`OP_REGISTRY`): one module per graph op with its validation, memory, preparation,
 *   run and converter rules; `planMemory`: the memory a graph needs. See src/engine/README.md.
 *
 * @packageDocumentation
 */
export {
  WORD_BITS,
  getBit,
  negatePackedRows,
  packBits,
  packDenseWeights,
  packFilter,
  packedLength,
  popcount32,
  realBitsMask,
  u32PerPixel,
  unpackBits,
  wordsPerPixel,
} from "./bitpacking.js";
export {
  axisGeometry,
  computeThresholds,
  filterTapSums,
  floatTransform,
  resolveBConv2D,
  resolveBDense,
  resolveBMaxPool,
  resolveTransform,
  type AxisGeometry,
  type BConv2DParams,
  type BDenseParams,
  type BMaxPoolParams,
  type OutputTransform,
  type Padding,
  type ResolvedBConv2D,
  type ResolvedTransform,
} from "./ops.js";
export { referenceBConv2D, referenceBDense, referenceBMaxPool, type ReferenceResult } from "./reference.js";
export { ALLOC_ALIGN, WasmAllocator } from "./allocator.js";
export {
  BConv2DOp,
  BDenseOp,
  Engine,
  EngineTensor,
  defaultWasmUrl,
  embeddedWasm,
  loadEngine,
  loadWasmBytes,
  simdSupported,
  type Calibration,
  type EngineDType,
  type EngineOptions,
  type GemmKernel,
  type WasmSource,
} from "./runtime.js";
export { convertGraph, isSignQuantizer, type ConvertOptions } from "./convert.js";
export { EngineModel } from "./model.js";
export { convert, load, type EngineModelOptions } from "./model_io.js";
export {
  nodeMacs,
  profile,
  type MacKind,
  type EngineProfile,
  type NodeProfile,
  type OpKindProfile,
  type ProfileOptions,
} from "./profile.js";
export { ENGINE_FORMAT_VERSION, ENGINE_MAGIC, crc32, decodeEngineFile, encodeEngineFile } from "./format.js";
export type { EngineGraph, GraphNode, GraphWeight, OpKind, ValueDType } from "./graph.js";
export { DEFAULT_MAX_MEMORY_BYTES, planMemory, type MemoryPlan } from "./memory.js";
export { OP_REGISTRY, opDef, type LayerContext, type LayerRule, type NodeCheck, type OpDef, type PreparedNode } from "./ops/index.js";
export {
  exportTFLite,
  fromTFLite,
  graphToTFLite,
  readTFLite,
  tfliteToGraph,
  TFLITE_SUPPORTED_OPS,
  type TFLiteDType,
  type TFLiteGraph,
  type TFLiteOperator,
  type TFLiteTensor,
} from "./tflite/index.js";
