/**
 * The engine runtime, re-exported from its modules: the loader (loader.ts), the {@link Engine} with its memory and
 * calibration (engine.ts), tensors (tensor.ts) and the prepared binary ops (ops/bconv2d.ts, ops/bdense.ts).
 *
 * @packageDocumentation
 */
export { defaultWasmUrl, embeddedWasm, loadWasmBytes, simdSupported, type WasmSource } from "./loader.js";
export { Engine, loadEngine, type Calibration, type EngineOptions, type GemmKernel } from "./engine.js";
export { EngineTensor, type EngineDType } from "./tensor.js";
export { BConv2DOp } from "./ops/bconv2d.js";
export { BDenseOp } from "./ops/bdense.js";
