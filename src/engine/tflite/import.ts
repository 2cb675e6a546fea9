/**
 * Larq Compute Engine `.tflite` files → the engine's graph: LCE's custom ops (`LceQuantize`, `LceBconv2d`,
 * `LceBMaxPool2d`, `LceDequantize`) and the TFLite builtins that LCE-converted larq models contain.
 *
 * @packageDocumentation
 */
import type { EngineGraph, GraphNode, GraphWeight, OpKind, ValueDType } from "../graph.js";
import { readTFLite, type TFLiteGraph, type TFLiteOperator, type TFLiteTensor } from "./read.js";

/** The TFLite builtins and LCE ops {@link tfliteToGraph} maps, with the engine ops they become. */
export const TFLITE_SUPPORTED_OPS: Readonly<Record<string, string>> = {
  LceQuantize: "signpack (float → packed signs)",
  LceDequantize: "unpack (right after LceQuantize: sign of the float input)",
  LceBconv2d: "bconv2d (float or bitpacked output; pad values 0 / 1; groups 1)",
  LceBMaxPool2d: "bmaxpool",
  CONV_2D: "conv2d (+ activation)",
  DEPTHWISE_CONV_2D: "depthwise (+ activation)",
  FULLY_CONNECTED: "dense (+ activation)",
  ADD: "add of two tensors, or affine with a constant (+ activation)",
  MUL: "affine with a per-channel or scalar constant (+ activation)",
  MAX_POOL_2D: "maxpool (+ activation)",
  AVERAGE_POOL_2D: "avgpool (+ activation)",
  MEAN: "globalavg (over height and width)",
  PAD: "pad (zeros; not the batch)",
  CONCATENATION: "concat (+ activation)",
  SPLIT: "slice per output (channels)",
  RESHAPE: "reshape",
  SOFTMAX: "activation softmax (beta 1)",
  RELU: "activation relu",
  RELU6: "activation relu6",
  TANH: "activation tanh",
  LOGISTIC: "activation sigmoid",
};

/** TFLite's `ActivationFunctionType` → the engine's activation name (NONE = 0 has none). */
const FUSED: Record<number, string> = { 1: "relu", 2: "hardtanh", 3: "relu6", 4: "tanh" };

function opLabel(op: TFLiteOperator): string {
  return `operator ${op.index} (${op.opcode})`;
}

function unsupported(op: TFLiteOperator, why: string): never {
  throw new Error(`lq.engine.fromTFLite: ${opLabel(op)} is not supported: ${why}.`);
}

function paddingOf(op: TFLiteOperator, value: unknown): "same" | "valid" {
  if (value === 0) return "same";
  if (value === 1) return "valid";
  unsupported(op, `padding ${JSON.stringify(value)}`);
}

function floats(t: TFLiteTensor): Float32Array {
  const d = t.data!;
  return new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

function int32s(t: TFLiteTensor): Int32Array {
  const d = t.data!;
  return new Int32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** Transposes a [d0, d1, d2, d3] array by `perm`. */
function transpose4(src: Float32Array, shape: number[], perm: number[]): Float32Array {
  const out = new Float32Array(src.length);
  const outShape = perm.map((p) => shape[p]);
  const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  let o = 0;
  const idx = [0, 0, 0, 0];
  for (idx[0] = 0; idx[0] < outShape[0]; idx[0]++)
    for (idx[1] = 0; idx[1] < outShape[1]; idx[1]++)
      for (idx[2] = 0; idx[2] < outShape[2]; idx[2]++)
        for (idx[3] = 0; idx[3] < outShape[3]; idx[3]++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += idx[k] * strides[perm[k]];
          out[o++] = src[s];
        }
  return out;
}

/**
 * LCE's bitpacked filter `[cout, kh, kw, ⌈cin/32⌉]` int32 (channel c is bit c % 32 of word ⌊c/32⌋, 1 = −1) →
 * ±1 in the engine's HWIO layout.
 */
function unpackLceFilter(words: Int32Array, cout: number, kh: number, kw: number, cin: number): Float32Array {
  const wpp = Math.ceil(cin / 32);
  const out = new Float32Array(kh * kw * cin * cout);
  for (let o = 0; o < cout; o++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < cin; c++) {
          const word = words[((o * kh + y) * kw + x) * wpp + (c >>> 5)];
          out[((y * kw + x) * cin + c) * cout + o] = (word >>> (c & 31)) & 1 ? -1 : 1;
        }
  return out;
}

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly weights = new Map<string, GraphWeight>();
  /** Engine node of each TFLite tensor (activations only). */
  readonly valueOf = new Map<number, number>();
  /** TFLite tensors that hold LceQuantize outputs, with the float tensor they quantize (for LceDequantize). */
  readonly quantizedFrom = new Map<number, number>();

  constructor(private readonly g: TFLiteGraph) {}

  tensor(op: TFLiteOperator, k: number): TFLiteTensor {
    const i = op.inputs[k];
    if (i === undefined || i < 0) unsupported(op, `input ${k} is missing`);
    return this.g.tensors[i];
  }

  /** The engine node holding a TFLite activation tensor. */
  value(op: TFLiteOperator, k: number, dtype: ValueDType = "float32"): number {
    const t = this.tensor(op, k);
    const id = this.valueOf.get(t.index);
    if (id === undefined)
      unsupported(op, `input ${k} (${JSON.stringify(t.name)}) is ${t.data ? "a constant" : "not computed by an earlier operator"}`);
    if (this.nodes[id].dtype !== dtype) unsupported(op, `input ${k} holds ${this.nodes[id].dtype}, expected ${dtype}`);
    return id;
  }

  constant(op: TFLiteOperator, k: number, dtype: "float32" | "int32"): TFLiteTensor {
    const t = this.tensor(op, k);
    if (t.data === null) unsupported(op, `input ${k} (${JSON.stringify(t.name)}) must be a constant`);
    if (t.dtype !== dtype) unsupported(op, `input ${k} (${JSON.stringify(t.name)}) is ${t.dtype}, expected ${dtype}`);
    return t;
  }

  weight(name: string, kind: "float32" | "bits", shape: number[], data: Float32Array): string {
    let key = name;
    for (let n = 1; this.weights.has(key); n++) key = `${name}#${n}`;
    this.weights.set(key, { kind, shape, data });
    return key;
  }

  emit(
    name: string,
    op: OpKind,
    inputs: number[],
    attrs: Record<string, unknown>,
    shape: number[],
    dtype: ValueDType,
    weights: Record<string, string> = {},
  ): number {
    this.nodes.push({ name, op, inputs, attrs, weights, shape, dtype });
    return this.nodes.length - 1;
  }

  /** Output shape without the batch dimension (checked: batch 1 or the same batch as the input). */
  outShape(op: TFLiteOperator, k = 0): number[] {
    const t = this.g.tensors[op.outputs[k]];
    if (t.shape.length === 0) unsupported(op, "scalar outputs");
    return t.shape.slice(1);
  }

  /** Binds output `k` of `op` to node `id`, adding the fused activation first. */
  bind(op: TFLiteOperator, id: number, k = 0): void {
    const fused = op.options.fusedActivationFunction ?? op.options.fused_activation_function ?? 0;
    if (fused !== 0) {
      const act = FUSED[fused as number];
      if (act === undefined) unsupported(op, `fused activation ${JSON.stringify(fused)}`);
      id = this.emit(`${this.nodes[id].name}/${act}`, "activation", [id], { activation: act }, this.nodes[id].shape, "float32");
    }
    this.valueOf.set(op.outputs[k], id);
  }
}

function nameOf(g: TFLiteGraph, op: TFLiteOperator): string {
  const out = g.tensors[op.outputs[0]];
  return out ? out.name : `op_${op.index}`;
}

function convert(b: GraphBuilder, g: TFLiteGraph, op: TFLiteOperator): void {
  const name = nameOf(g, op);
  const o = op.options;
  switch (op.opcode) {
    case "LceQuantize": {
      const x = b.value(op, 0);
      b.quantizedFrom.set(op.outputs[0], op.inputs[0]);
      b.valueOf.set(op.outputs[0], b.emit(name, "signpack", [x], {}, b.nodes[x].shape, "bits"));
      return;
    }
    case "LceDequantize": {
      // Right after LceQuantize the pair is sign(x) in float; otherwise the bits are unpacked.
      const source = b.quantizedFrom.get(op.inputs[0]);
      if (source !== undefined) {
        const x = b.valueOf.get(source)!;
        b.valueOf.set(op.outputs[0], b.emit(name, "sign", [x], {}, b.nodes[x].shape, "float32"));
        return;
      }
      const bits = b.value(op, 0, "bits");
      b.valueOf.set(op.outputs[0], b.emit(name, "unpack", [bits], {}, b.nodes[bits].shape, "float32"));
      return;
    }
    case "LceBconv2d": {
      const x = b.value(op, 0, "bits");
      const filter = b.constant(op, 1, "int32");
      const [cout, kh, kw, words] = filter.shape;
      const cin = o.channels_in as number;
      const xShape = b.nodes[x].shape;
      if (!Number.isInteger(cin) || cin !== xShape[2])
        unsupported(op, `channels_in ${JSON.stringify(cin)} differs from the input's ${xShape[2]} channels`);
      if (words !== Math.ceil(cin / 32)) unsupported(op, `grouped binary convolutions (filter depth ${words} words for ${cin} channels)`);
      const pad = o.pad_values;
      if (pad !== 0 && pad !== 1) unsupported(op, `pad_values ${JSON.stringify(pad)}`);
      const outT = g.tensors[op.outputs[0]];
      const shape = b.outShape(op);
      const attrs: Record<string, unknown> = {
        kernelSize: [kh, kw],
        strides: [o.stride_height, o.stride_width],
        dilations: [o.dilation_height_factor, o.dilation_width_factor],
        padding: paddingOf(op, o.padding),
        padValue: pad,
        inChannels: cin,
        outChannels: cout,
      };
      const weights: Record<string, string> = {
        filter: b.weight(`${name}/filter`, "bits", [kh, kw, cin, cout], unpackLceFilter(int32s(filter), cout, kh, kw, cin)),
      };
      const K = kh * kw * cin;
      if (outT.dtype === "int32") {
        // Bitpacked output: bit = 1 (−1) exactly when the XOR-popcount exceeds the threshold t, i.e. when the
        // ±1 dot product K − 2·popcount is below K − 2t; as the engine's rule multiplier·dot + bias < 0.
        const thresholds = int32s(b.constant(op, 4, "int32"));
        if (thresholds.length !== cout) unsupported(op, `${thresholds.length} thresholds for ${cout} channels`);
        weights.multiplier = b.weight(`${name}/multiplier`, "float32", [cout], new Float32Array(cout).fill(1));
        weights.bias = b.weight(
          `${name}/bias`,
          "float32",
          [cout],
          Float32Array.from(thresholds, (t) => 0.5 - (K - 2 * t)),
        );
        b.valueOf.set(
          op.outputs[0],
          b.emit(name, "bconv2d", [x], { ...attrs, transform: "bits" }, [...shape.slice(0, 2), cout], "bits", weights),
        );
        return;
      }
      if (outT.dtype !== "float32") unsupported(op, `${outT.dtype} output`);
      const multiplier = floats(b.constant(op, 2, "float32"));
      const bias = floats(b.constant(op, 3, "float32"));
      const fused = o.fused_activation_function ?? 0;
      const transform: Record<string, unknown> = { transform: "float" };
      if (fused !== 0) {
        // LCE clamps the integer dot product (the fused activation) before its multiplier and bias: the engine's
        // transform has the same pre-clamp (dotMin / dotMax), so the layer stays one op.
        const bounds: Record<number, [number, number]> = { 1: [0, Infinity], 2: [-1, 1], 3: [0, 6] };
        const bound = bounds[fused as number];
        if (bound === undefined) unsupported(op, `fused activation ${JSON.stringify(fused)}`);
        transform.dotMin = bound[0];
        if (Number.isFinite(bound[1])) transform.dotMax = bound[1];
      }
      weights.multiplier = b.weight(`${name}/multiplier`, "float32", [cout], multiplier);
      weights.bias = b.weight(`${name}/bias`, "float32", [cout], bias);
      b.valueOf.set(op.outputs[0], b.emit(name, "bconv2d", [x], { ...attrs, ...transform }, shape, "float32", weights));
      return;
    }
    case "LceBMaxPool2d": {
      const x = b.value(op, 0, "bits");
      const attrs = {
        poolSize: [o.filter_height, o.filter_width],
        strides: [o.stride_height, o.stride_width],
        padding: paddingOf(op, o.padding),
      };
      // The int32 output holds ⌈C/32⌉ words per pixel; the engine's shape keeps the channel count.
      const shape = [...b.outShape(op).slice(0, -1), b.nodes[x].shape[2]];
      b.valueOf.set(op.outputs[0], b.emit(name, "bmaxpool", [x], attrs, shape, "bits"));
      return;
    }
    case "CONV_2D":
    case "DEPTHWISE_CONV_2D": {
      const x = b.value(op, 0);
      const filter = b.constant(op, 1, "float32");
      const [f0, kh, kw, f3] = filter.shape;
      const depthwise = op.opcode === "DEPTHWISE_CONV_2D";
      const cin = b.nodes[x].shape[2];
      const weights: Record<string, string> = {};
      if (depthwise) {
        // [1, kh, kw, cin·mult] holds the same order as Keras's [kh, kw, cin, mult].
        if (f0 !== 1 || f3 % cin !== 0) unsupported(op, `depthwise filter shape [${filter.shape}] for ${cin} channels`);
        weights.kernel = b.weight(`${name}/kernel`, "float32", [kh, kw, cin, f3 / cin], floats(filter));
      } else {
        if (f3 !== cin) unsupported(op, `grouped convolutions (filter depth ${f3} for ${cin} channels)`);
        weights.kernel = b.weight(`${name}/kernel`, "float32", [kh, kw, cin, f0], transpose4(floats(filter), filter.shape, [1, 2, 3, 0]));
      }
      if (op.inputs.length > 2 && op.inputs[2] >= 0)
        weights.bias = b.weight(`${name}/bias`, "float32", [g.tensors[op.inputs[2]].shape[0]], floats(b.constant(op, 2, "float32")));
      const attrs = {
        kernelSize: [kh, kw],
        strides: [o.strideH, o.strideW],
        dilations: [o.dilationHFactor, o.dilationWFactor],
        padding: paddingOf(op, o.padding),
        padValue: 0,
      };
      b.bind(op, b.emit(name, depthwise ? "depthwise" : "conv2d", [x], attrs, b.outShape(op), "float32", weights));
      return;
    }
    case "FULLY_CONNECTED": {
      let x = b.value(op, 0);
      const kernel = b.constant(op, 1, "float32");
      const [cout, cin] = kernel.shape;
      const xShape = b.nodes[x].shape;
      if (xShape.reduce((a, d) => a * d, 1) !== cin) unsupported(op, `input of shape [${xShape}] for ${cin} input features`);
      if (xShape.length !== 1) x = b.emit(`${name}/flatten`, "reshape", [x], {}, [cin], "float32");
      const src = floats(kernel);
      const k = new Float32Array(cin * cout);
      for (let i = 0; i < cin; i++) for (let j = 0; j < cout; j++) k[i * cout + j] = src[j * cin + i];
      const weights: Record<string, string> = { kernel: b.weight(`${name}/kernel`, "float32", [cin, cout], k) };
      if (op.inputs.length > 2 && op.inputs[2] >= 0)
        weights.bias = b.weight(`${name}/bias`, "float32", [cout], floats(b.constant(op, 2, "float32")));
      const shape = b.outShape(op);
      if (shape.length !== 1 || shape[0] !== cout) unsupported(op, `output shape [${shape}] (keep_num_dims)`);
      b.bind(op, b.emit(name, "dense", [x], {}, shape, "float32", weights));
      return;
    }
    case "ADD":
    case "MUL": {
      const [t0, t1] = [b.tensor(op, 0), b.tensor(op, 1)];
      const shape = b.outShape(op);
      if (t0.data === null && t1.data === null) {
        if (op.opcode === "MUL") unsupported(op, "a product of two computed tensors");
        const ins = [b.value(op, 0), b.value(op, 1)];
        if (!ins.every((id) => b.nodes[id].shape.join() === shape.join())) unsupported(op, "broadcasting between computed tensors");
        b.bind(op, b.emit(name, "add", ins, {}, shape, "float32"));
        return;
      }
      const k = t0.data === null ? 1 : 0;
      const x = b.value(op, 1 - k);
      const c = b.constant(op, k, "float32");
      const channels = shape[shape.length - 1];
      const size = c.shape.reduce((a, d) => a * d, 1);
      if (!(size === 1 || (size === channels && c.shape[c.shape.length - 1] === channels)))
        unsupported(op, `a constant of shape [${c.shape}] (scalars and per-channel vectors are supported)`);
      const role = op.opcode === "MUL" ? "multiplier" : "bias";
      b.bind(op, b.emit(name, "affine", [x], {}, shape, "float32", { [role]: b.weight(`${name}/${role}`, "float32", [size], floats(c)) }));
      return;
    }
    case "MAX_POOL_2D":
    case "AVERAGE_POOL_2D": {
      const x = b.value(op, 0);
      const attrs = { poolSize: [o.filterHeight, o.filterWidth], strides: [o.strideH, o.strideW], padding: paddingOf(op, o.padding) };
      b.bind(op, b.emit(name, op.opcode === "MAX_POOL_2D" ? "maxpool" : "avgpool", [x], attrs, b.outShape(op), "float32"));
      return;
    }
    case "MEAN": {
      const x = b.value(op, 0);
      const axes = Array.from(int32s(b.constant(op, 1, "int32")))
        .map((a) => (a < 0 ? a + 4 : a))
        .sort();
      if (axes.join() !== "1,2" || b.nodes[x].shape.length !== 3) unsupported(op, `a mean over axes [${axes}] (only height and width)`);
      const channels = b.nodes[x].shape[2];
      let id = b.emit(name, "globalavg", [x], {}, [channels], "float32");
      const shape = b.outShape(op);
      if (shape.length !== 1) id = b.emit(`${name}/keep_dims`, "reshape", [id], {}, shape, "float32");
      b.bind(op, id);
      return;
    }
    case "PAD": {
      const x = b.value(op, 0);
      const p = Array.from(int32s(b.constant(op, 1, "int32")));
      if (p.length !== 8 || p[0] !== 0 || p[1] !== 0) unsupported(op, `paddings [${p}] (a rank-4 tensor, batch not padded)`);
      const paddings = [p.slice(2, 4), p.slice(4, 6), p.slice(6, 8)];
      b.bind(op, b.emit(name, "pad", [x], { paddings }, b.outShape(op), "float32"));
      return;
    }
    case "CONCATENATION": {
      const shape = b.outShape(op);
      const axis = (o.axis as number) < 0 ? (o.axis as number) + shape.length + 1 : (o.axis as number);
      if (axis < 1) unsupported(op, "concatenation along the batch");
      const ins = op.inputs.map((_, k) => b.value(op, k));
      b.bind(op, b.emit(name, "concat", ins, { axis: axis - 1 }, shape, "float32"));
      return;
    }
    case "SPLIT": {
      // TFLite's SPLIT takes the axis first, then the value.
      const axisT = int32s(b.constant(op, 0, "int32"));
      const x = b.valueOf.get(op.inputs[1]);
      if (x === undefined) unsupported(op, "its value is not computed by an earlier operator");
      const rank = b.nodes[x].shape.length + 1;
      const axis = axisT[0] < 0 ? axisT[0] + rank : axisT[0];
      if (axis !== rank - 1) unsupported(op, `a split along axis ${axisT[0]} (only channels)`);
      let begin = 0;
      op.outputs.forEach((out, k) => {
        const shape = b.outShape(op, k);
        b.valueOf.set(out, b.emit(`${g.tensors[out].name}`, "slice", [x], { begin }, shape, "float32"));
        begin += shape[shape.length - 1];
      });
      return;
    }
    case "RESHAPE": {
      const x = b.valueOf.get(op.inputs[0]);
      if (x === undefined) unsupported(op, "its input is not computed by an earlier operator");
      const dtype = b.nodes[x].dtype;
      let shape = b.outShape(op);
      if (dtype === "bits") {
        // A reshape of LCE's 32-bit words: whole words per pixel on both sides keep the channel order.
        const channels = b.nodes[x].shape[b.nodes[x].shape.length - 1];
        if (channels % 32 !== 0) unsupported(op, `reshaping packed bits of ${channels} channels (not whole 32-bit words)`);
        const words = shape[shape.length - 1];
        shape = [...shape.slice(0, -1), words * 32];
        if (shape.reduce((p, d) => p * d, 1) !== b.nodes[x].shape.reduce((p, d) => p * d, 1))
          unsupported(op, "a bit reshape that changes the element count");
      }
      b.valueOf.set(op.outputs[0], b.emit(name, "reshape", [x], {}, shape, dtype));
      return;
    }
    case "SOFTMAX":
    case "RELU":
    case "RELU6":
    case "TANH":
    case "LOGISTIC": {
      if (op.opcode === "SOFTMAX" && o.beta !== 1) unsupported(op, `softmax beta ${JSON.stringify(o.beta)}`);
      const x = b.value(op, 0);
      const act = { SOFTMAX: "softmax", RELU: "relu", RELU6: "relu6", TANH: "tanh", LOGISTIC: "sigmoid" }[op.opcode as "RELU"];
      b.bind(op, b.emit(name, "activation", [x], { activation: act }, b.outShape(op), "float32"));
      return;
    }
    default:
      unsupported(op, `larq-ts maps ${Object.keys(TFLITE_SUPPORTED_OPS).join(", ")}`);
  }
}

/**
 * Maps a parsed TFLite graph onto the engine's graph (see {@link TFLITE_SUPPORTED_OPS}).
 *
 * @remarks
 * LCE's bitpacking uses 32-bit words; the engine's weights hold ±1 values and are packed into its 64-bit layout
 * when the model is prepared. One float input (batch first, NHWC) and one output; batch sizes other than the
 * file's are allowed, as for every engine model.
 *
 * @throws naming the operator (index and opcode) and the reason for anything it cannot map.
 */
export function tfliteToGraph(g: TFLiteGraph): EngineGraph {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new Error(
      `lq.engine.fromTFLite: the model has ${g.inputs.length} inputs and ${g.outputs.length} outputs; larq-ts runs models with one of each.`,
    );
  }
  const input = g.tensors[g.inputs[0]];
  if (input.dtype !== "float32" || input.quantized)
    throw new Error(
      `lq.engine.fromTFLite: the input ${JSON.stringify(input.name)} is ${input.quantized ? "quantized " : ""}${input.dtype}; larq-ts runs float32 inputs.`,
    );
  if (input.shape.length < 2)
    throw new Error(`lq.engine.fromTFLite: the input ${JSON.stringify(input.name)} has shape [${input.shape}]; expected [batch, …].`);
  const b = new GraphBuilder(g);
  b.valueOf.set(input.index, b.emit(input.name, "input", [], {}, input.shape.slice(1), "float32"));
  for (const op of g.operators) {
    for (const k of op.outputs) {
      const t = g.tensors[k];
      if (t.quantized) unsupported(op, `its output ${JSON.stringify(t.name)} is int8-quantized`);
    }
    convert(b, g, op);
  }
  const output = b.valueOf.get(g.outputs[0]);
  if (output === undefined)
    throw new Error(`lq.engine.fromTFLite: no operator computes the output ${JSON.stringify(g.tensors[g.outputs[0]].name)}.`);
  if (b.nodes[output].dtype !== "float32")
    throw new Error("lq.engine.fromTFLite: the output holds packed bits; larq-ts returns float outputs.");
  return { nodes: b.nodes, output, weights: b.weights };
}

/** Parses a `.tflite` file and maps it onto the engine's graph: {@link readTFLite} then {@link tfliteToGraph}. */
export function tfliteFileToGraph(bytes: Uint8Array): EngineGraph {
  return tfliteToGraph(readTFLite(bytes));
}
