/**
 * Larq Compute Engine interop: run LCE's `.tflite` files with the engine.
 *
 * @packageDocumentation
 */
import { encodeEngineFile, INVALID_FILE } from "../format.js";
import type { EngineGraph } from "../graph.js";
import type { EngineModel } from "../model.js";
import { load, type EngineModelOptions } from "../model_io.js";
import { tfliteFileToGraph } from "./import.js";
import { graphToTFLite } from "./write.js";

export { readTFLite, type TFLiteDType, type TFLiteGraph, type TFLiteOperator, type TFLiteTensor } from "./read.js";
export { TFLITE_SUPPORTED_OPS, tfliteToGraph } from "./import.js";
export { graphToTFLite } from "./write.js";

/**
 * Writes an engine model as a TFLite flatbuffer with Larq Compute Engine's ops, which LCE's interpreter
 * (`larq_compute_engine.tflite.python.interpreter.Interpreter`) runs, and {@link fromTFLite} reads back.
 *
 * @remarks
 * Binary convolutions become `LceBconv2d` (float outputs with LCE's post-activation multiplier and bias; packed
 * outputs with LCE's integer thresholds, filters of negative-multiplier channels negated); sign packing
 * `LceQuantize`; binary max pooling `LceBMaxPool2d`; a binary dense layer `LceDequantize` + `FULLY_CONNECTED` with
 * ±1 weights + `MUL` / `ADD`, as LCE's converter writes one; float ops the TFLite builtins. The batch is 1.
 *
 * @throws naming the node that TFLite / LCE cannot express.
 *
 * @example
 * ```ts
 * const engineModel = await lq.engine.convert(model);
 * await fs.writeFile("model.tflite", lq.engine.exportTFLite(engineModel));
 * ```
 */
export function exportTFLite(model: EngineModel | { graph: EngineGraph }): Uint8Array {
  return graphToTFLite(model.graph);
}

/**
 * Loads a Larq Compute Engine `.tflite` model (as `larq_compute_engine.convert_keras_model` writes it) into an
 * {@link EngineModel}.
 *
 * @remarks
 * The flatbuffer is parsed with bounds checks, LCE's custom ops and the TFLite builtins are mapped onto engine ops
 * (`TFLITE_SUPPORTED_OPS` lists them), and the graph then goes through the same validation as an engine file.
 * Binary convolutions compute LCE's integer dot products exactly; float outputs round in the engine's own order
 * (multiplier · dot + bias), so they agree with LCE's interpreter to float32 rounding.
 *
 * @param bytes - the `.tflite` file's bytes.
 * @param options - as for {@link load} (engine, memory limit, …).
 * @throws `Invalid TFLite file: …` for a malformed flatbuffer, `lq.engine.fromTFLite: operator i (OPCODE) is not
 *   supported: …` for what cannot be mapped.
 *
 * @example
 * ```ts
 * const model = await lq.engine.fromTFLite(await fs.readFile("quicknet.tflite"));
 * const logits = model.predict(tf.randomUniform([1, 224, 224, 3]));
 * ```
 */
export async function fromTFLite(
  bytes: Uint8Array | ArrayBuffer,
  options: Omit<EngineModelOptions, "chainBits"> = {},
): Promise<EngineModel> {
  const u8 = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  const graph = tfliteFileToGraph(u8);
  try {
    return await load(encodeEngineFile(graph), options);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(INVALID_FILE)) {
      throw new Error(`lq.engine.fromTFLite: the mapped graph is invalid: ${error.message.slice(INVALID_FILE.length)}`, { cause: error });
    }
    throw error;
  }
}
