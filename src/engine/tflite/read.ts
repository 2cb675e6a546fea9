/**
 * Reads a TFLite flatbuffer (as Larq Compute Engine's converter writes it) into plain objects: tensors with
 * their constant data, operators with their builtin options and their decoded custom (flexbuffer) options.
 *
 * The flatbuffer is read with the `flatbuffers` runtime and code generated from TFLite's `schema.fbs`
 * (`schema/`, see `schema/README.md`). Every index and size is checked, so a malformed file is rejected with an
 * error instead of being read out of bounds.
 */
import * as flatbuffers from "flatbuffers";
import { toObject as flexbufferToObject } from "flatbuffers/js/flexbuffers.js";

import { BuiltinOperator } from "./schema/tflite/builtin-operator.js";
import { BuiltinOptions, unionToBuiltinOptions } from "./schema/tflite/builtin-options.js";
import { Model } from "./schema/tflite/model.js";
import { TensorType } from "./schema/tflite/tensor-type.js";

/** Element types larq-ts reads (others are reported by name). */
export type TFLiteDType = "float32" | "int32" | "int8" | "uint8" | "int64" | "bool" | "float16";

const DTYPES: Partial<Record<TensorType, [TFLiteDType, number]>> = {
  [TensorType.FLOAT32]: ["float32", 4],
  [TensorType.INT32]: ["int32", 4],
  [TensorType.INT8]: ["int8", 1],
  [TensorType.UINT8]: ["uint8", 1],
  [TensorType.INT64]: ["int64", 8],
  [TensorType.BOOL]: ["bool", 1],
  [TensorType.FLOAT16]: ["float16", 2],
};

/** One tensor of the graph. */
export interface TFLiteTensor {
  /** Position in the subgraph's tensor list. */
  index: number;
  name: string;
  /** Static shape (TFLite writes −1 only in `shape_signature`; `shape` is concrete). */
  shape: number[];
  dtype: TFLiteDType;
  /** Constant data (bytes, little-endian as stored), or `null` for activations and inputs. */
  data: Uint8Array | null;
  /** Whether the tensor has quantization parameters (scale / zero point). */
  quantized: boolean;
}

/** One operator of the graph, in execution order. */
export interface TFLiteOperator {
  /** Position in the subgraph's operator list. */
  index: number;
  /** The builtin operator's name (`"CONV_2D"`) or the custom code (`"LceBconv2d"`). */
  opcode: string;
  /** Whether `opcode` is a custom operator. */
  custom: boolean;
  /** Tensor indices; −1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  /** Builtin options as a plain object (field names as the schema's accessors: `strideW`, `fusedActivationFunction`, …). */
  options: Record<string, unknown>;
}

/** A TFLite model's first subgraph. */
export interface TFLiteGraph {
  /** Schema version written in the file (3 for every current converter). */
  version: number;
  description: string;
  tensors: TFLiteTensor[];
  operators: TFLiteOperator[];
  inputs: number[];
  outputs: number[];
}

function fail(message: string): never {
  throw new Error(`Invalid TFLite file: ${message}`);
}

/**
 * A ByteBuffer whose reads fail outside the file. The flatbuffers runtime reads typed-array elements, which
 * yield `undefined` (then 0) past the end: a truncated or forged file would otherwise parse as zero-filled
 * tables. Vectors are checked against the file's end when they are taken.
 */
class CheckedByteBuffer extends flatbuffers.ByteBuffer {
  private check(offset: number, size: number): void {
    if (!(offset >= 0 && offset + size <= this.capacity())) {
      throw new RangeError(`read of ${size} byte(s) at offset ${offset} leaves the ${this.capacity()}-byte file`);
    }
  }
  override readInt8(offset: number): number {
    this.check(offset, 1);
    return super.readInt8(offset);
  }
  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }
  override readInt16(offset: number): number {
    this.check(offset, 2);
    return super.readInt16(offset);
  }
  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }
  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }
  override readUint32(offset: number): number {
    this.check(offset, 4);
    return super.readUint32(offset);
  }
  override readInt64(offset: number): bigint {
    this.check(offset, 8);
    return super.readInt64(offset);
  }
  override readUint64(offset: number): bigint {
    this.check(offset, 8);
    return super.readUint64(offset);
  }
  override readFloat32(offset: number): number {
    this.check(offset, 4);
    return super.readFloat32(offset);
  }
  override readFloat64(offset: number): number {
    this.check(offset, 8);
    return super.readFloat64(offset);
  }
  override __vector_len(offset: number): number {
    const length = super.__vector_len(offset);
    const start = super.__vector(offset);
    // The element size is not known here; every element is at least one byte.
    if (length < 0 || start + length > this.capacity())
      throw new RangeError(`vector of ${length} element(s) at offset ${start} leaves the file`);
    return length;
  }
}

/** The fields of a generated options table (its zero-argument accessors; `xArray()` for vector fields). */
function optionsObject(table: object | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (table === null) return out;
  const proto = Object.getPrototypeOf(table) as Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(proto)) {
    const accessor = proto[key];
    if (key === "constructor" || key.startsWith("__") || typeof accessor !== "function" || accessor.length !== 0) continue;
    if (key.endsWith("Length") || key.startsWith("unpack")) continue;
    const value = (accessor as () => unknown).call(table);
    if (value === null || value === undefined) continue;
    const name = key.endsWith("Array") ? key.slice(0, -"Array".length) : key;
    out[name] = ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value;
  }
  return out;
}

function indexList(values: Int32Array | null, limit: number, what: string, allowOmitted: boolean): number[] {
  const list = values === null ? [] : Array.from(values);
  for (const i of list) {
    if (!(Number.isInteger(i) && i < limit && (i >= 0 || (allowOmitted && i === -1)))) {
      fail(`${what} refers to tensor ${i}, but the subgraph has ${limit} tensors.`);
    }
  }
  return list;
}

function readGraph(bytes: Uint8Array): TFLiteGraph {
  // A private copy: views of the caller's bytes could reach past the file into a larger ArrayBuffer.
  const bb = new CheckedByteBuffer(bytes.slice());
  if (bytes.length < 8 || !Model.bufferHasIdentifier(bb)) fail('missing the "TFL3" file identifier.');
  const model = Model.getRootAsModel(bb);
  const version = model.version();
  if (version !== 3) fail(`schema version ${version}; larq-ts reads version 3.`);
  if (model.subgraphsLength() < 1) fail("it has no subgraph.");
  const graph = model.subgraphs(0)!;
  const opcodes: Array<{ name: string; custom: boolean }> = [];
  for (let i = 0; i < model.operatorCodesLength(); i++) {
    const code = model.operatorCodes(i)!;
    const builtin = Math.max(code.builtinCode(), code.deprecatedBuiltinCode());
    if (builtin === BuiltinOperator.CUSTOM) {
      const name = code.customCode();
      if (!name) fail(`operator code ${i} is custom but has no name.`);
      opcodes.push({ name, custom: true });
    } else {
      const name = BuiltinOperator[builtin];
      opcodes.push({ name: name ?? `BUILTIN_${builtin}`, custom: false });
    }
  }
  const tensorCount = graph.tensorsLength();
  const tensors: TFLiteTensor[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const t = graph.tensors(i)!;
    const shape = Array.from(t.shapeArray() ?? []);
    const name = t.name() ?? `tensor_${i}`;
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`tensor ${i} (${JSON.stringify(name)}) has shape [${shape}].`);
    const dtypeInfo = DTYPES[t.type()];
    if (dtypeInfo === undefined)
      fail(`tensor ${i} (${JSON.stringify(name)}) has element type ${TensorType[t.type()] ?? t.type()}, which larq-ts does not read.`);
    const [dtype, size] = dtypeInfo;
    const bufferIndex = t.buffer();
    if (bufferIndex >= model.buffersLength())
      fail(`tensor ${i} (${JSON.stringify(name)}) refers to buffer ${bufferIndex} of ${model.buffersLength()}.`);
    let data: Uint8Array | null = null;
    if (bufferIndex > 0) {
      const buffer = model.buffers(bufferIndex)!;
      let stored = buffer.dataArray();
      const offset = buffer.offset();
      if ((stored === null || stored.length === 0) && offset > 1n) {
        const start = Number(offset);
        const length = Number(buffer.size());
        if (start + length > bytes.length) fail(`buffer ${bufferIndex} lies outside the file (offset ${start}, size ${length}).`);
        stored = bytes.subarray(start, start + length);
      }
      if (stored !== null && stored.length > 0) {
        const expected = shape.reduce((a, b) => a * b, 1) * size;
        if (stored.length !== expected) {
          fail(
            `tensor ${i} (${JSON.stringify(name)}) of shape [${shape}] ${dtype} needs ${expected} bytes, its buffer has ${stored.length}.`,
          );
        }
        data = stored;
      }
    }
    const q = t.quantization();
    const quantized = q !== null && (q.scaleLength() > 0 || q.zeroPointLength() > 0);
    tensors.push({ index: i, name, shape, dtype, data, quantized });
  }
  const operators: TFLiteOperator[] = [];
  for (let i = 0; i < graph.operatorsLength(); i++) {
    const op = graph.operators(i)!;
    const code = opcodes[op.opcodeIndex()];
    if (code === undefined) fail(`operator ${i} has opcode index ${op.opcodeIndex()} of ${opcodes.length}.`);
    let options: Record<string, unknown>;
    if (code.custom) {
      const raw = op.customOptionsArray();
      try {
        const decoded = raw === null || raw.length === 0 ? {} : flexbufferToObject(raw.slice().buffer);
        options =
          typeof decoded === "object" && decoded !== null && !Array.isArray(decoded)
            ? (decoded as Record<string, unknown>)
            : fail(`operator ${i} (${code.name}) has custom options that are not a map.`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith("Invalid TFLite file")) throw error;
        fail(`operator ${i} (${code.name}) has custom options that are not a valid flexbuffer.`);
      }
    } else {
      const type = op.builtinOptionsType();
      if (BuiltinOptions[type] === undefined) fail(`operator ${i} (${code.name}) has builtin options of unknown type ${type}.`);
      options = optionsObject(unionToBuiltinOptions(type, (obj) => op.builtinOptions(obj)) as object | null);
    }
    operators.push({
      index: i,
      opcode: code.name,
      custom: code.custom,
      inputs: indexList(op.inputsArray(), tensorCount, `operator ${i} (${code.name})`, true),
      outputs: indexList(op.outputsArray(), tensorCount, `operator ${i} (${code.name})`, false),
      options,
    });
  }
  return {
    version,
    description: model.description() ?? "",
    tensors,
    operators,
    inputs: indexList(graph.inputsArray(), tensorCount, "the subgraph's inputs", false),
    outputs: indexList(graph.outputsArray(), tensorCount, "the subgraph's outputs", false),
  };
}

/**
 * Reads the first subgraph of a TFLite flatbuffer.
 *
 * @param bytes - the `.tflite` file's bytes.
 * @returns plain objects: tensors (shape, element type, constant data), operators in execution order (opcode,
 *   tensor indices, builtin options or decoded custom options), graph inputs and outputs.
 * @throws `Invalid TFLite file: …` naming the tensor, buffer or operator at fault; flatbuffer reads that leave
 *   the file are reported the same way.
 */
export function readTFLite(bytes: Uint8Array): TFLiteGraph {
  if (!(bytes instanceof Uint8Array)) fail(`expected the file's bytes as a Uint8Array, received ${Object.prototype.toString.call(bytes)}.`);
  try {
    return readGraph(bytes);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("Invalid TFLite file")) throw error;
    // The generated accessors read offsets stored in the file; a forged offset shows up as a RangeError or as
    // garbage that fails a later check.
    fail(`the flatbuffer is malformed (${error instanceof Error ? error.message : String(error)}).`);
  }
}
