/**
 * The engine's graph → a TFLite flatbuffer with Larq Compute Engine's custom ops, which LCE's interpreter runs.
 *
 * Binary layers become `LceQuantize` / `LceBconv2d` / `LceBMaxPool2d` (32-bit bitpacking, thresholds for packed
 * outputs, filters of negative-multiplier channels negated as LCE's converter does); a binary dense layer, which
 * LCE has no op for, becomes `LceDequantize` + `FULLY_CONNECTED` with ±1 weights + `MUL` / `ADD`, as LCE's
 * converter writes a `QuantDense`. Float ops become TFLite builtins.
 *
 * @packageDocumentation
 */
import * as flatbuffers from "flatbuffers";
import { encode as flexbufferEncode } from "flatbuffers/js/flexbuffers.js";

import { CLAMPS } from "../convert_util.js";
import type { EngineGraph, GraphNode } from "../graph.js";
import { computeThresholds, type ResolvedTransform } from "../ops.js";
import { ActivationFunctionType } from "./schema/tflite/activation-function-type.js";
import { Buffer as TBuffer } from "./schema/tflite/buffer.js";
import { BuiltinOperator } from "./schema/tflite/builtin-operator.js";
import { BuiltinOptions } from "./schema/tflite/builtin-options.js";
import { ConcatenationOptions } from "./schema/tflite/concatenation-options.js";
import { Conv2DOptions } from "./schema/tflite/conv2-doptions.js";
import { DepthwiseConv2DOptions } from "./schema/tflite/depthwise-conv2-doptions.js";
import { FullyConnectedOptions } from "./schema/tflite/fully-connected-options.js";
import { Model } from "./schema/tflite/model.js";
import { Operator } from "./schema/tflite/operator.js";
import { OperatorCode } from "./schema/tflite/operator-code.js";
import { Padding } from "./schema/tflite/padding.js";
import { Pool2DOptions } from "./schema/tflite/pool2-doptions.js";
import { ReducerOptions } from "./schema/tflite/reducer-options.js";
import { SoftmaxOptions } from "./schema/tflite/softmax-options.js";
import { SubGraph } from "./schema/tflite/sub-graph.js";
import { Tensor } from "./schema/tflite/tensor.js";
import { TensorType } from "./schema/tflite/tensor-type.js";

type Attrs = Record<string, any>;

function fail(index: number, node: GraphNode, why: string): never {
  throw new Error(`lq.engine.toTFLite: node ${index} ${JSON.stringify(node.name)} (${node.op}) cannot be written: ${why}.`);
}

interface PendingTensor {
  name: string;
  shape: number[];
  type: TensorType;
  data: Uint8Array | null;
}

interface PendingOp {
  code: string;
  inputs: number[];
  outputs: number[];
  /** Builtin options: the union type and a function that writes the table. */
  builtin?: { type: BuiltinOptions; write: (b: flatbuffers.Builder) => number };
  custom?: Record<string, number>;
}

const bytesOf = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** LCE's bitpacked filter `[cout, kh, kw, ⌈cin/32⌉]` (1 = −1) from ±1 HWIO values, rows of `negate` channels flipped. */
function packLceFilter(hwio: Float32Array, kh: number, kw: number, cin: number, cout: number, negate?: Uint8Array): Int32Array {
  const wpp = Math.ceil(cin / 32);
  const out = new Int32Array(cout * kh * kw * wpp);
  for (let o = 0; o < cout; o++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < cin; c++) {
          const negative = hwio[((y * kw + x) * cin + c) * cout + o] < 0;
          if (negative !== (negate?.[o] === 1)) out[((o * kh + y) * kw + x) * wpp + (c >>> 5)] |= 1 << (c & 31);
        }
  return out;
}

class Writer {
  readonly tensors: PendingTensor[] = [];
  readonly ops: PendingOp[] = [];
  /** TFLite tensor of each engine node (float or LCE-bitpacked int32). */
  readonly tensorOf = new Map<number, number>();

  tensor(name: string, shape: number[], type: TensorType, data: Uint8Array | null = null): number {
    this.tensors.push({ name, shape, type, data });
    return this.tensors.length - 1;
  }

  f32(name: string, shape: number[], data: Float32Array): number {
    return this.tensor(name, shape, TensorType.FLOAT32, bytesOf(data));
  }

  i32(name: string, shape: number[], data: Int32Array): number {
    return this.tensor(name, shape, TensorType.INT32, bytesOf(data));
  }

  op(code: string, inputs: number[], outputs: number[], extra: Partial<PendingOp> = {}): void {
    this.ops.push({ code, inputs, outputs, ...extra });
  }

  /** Float activation tensor `[1, ...shape]`. */
  value(name: string, shape: number[]): number {
    return this.tensor(name, [1, ...shape], TensorType.FLOAT32);
  }

  /** LCE-bitpacked activation tensor `[1, ...spatial, ⌈C/32⌉]` int32. */
  bits(name: string, shape: number[]): number {
    return this.tensor(name, [1, ...shape.slice(0, -1), Math.ceil(shape[shape.length - 1] / 32)], TensorType.INT32);
  }
}

const ACT: Record<string, [string, number]> = {
  relu: ["RELU", ActivationFunctionType.RELU],
  relu6: ["RELU6", ActivationFunctionType.RELU6],
  hardtanh: ["RELU_N1_TO_1", ActivationFunctionType.RELU_N1_TO_1],
  tanh: ["TANH", ActivationFunctionType.TANH],
  sigmoid: ["LOGISTIC", -1],
  softmax: ["SOFTMAX", -1],
};

function padding(p: string): number {
  return p === "same" ? Padding.SAME : Padding.VALID;
}

/** Emits `y = clamp(m·x + b)` after a float tensor `x` (MUL, ADD, then the clamp's activation op). */
function affineAfter(
  w: Writer,
  name: string,
  x: number,
  shape: number[],
  m: Float32Array | undefined,
  b: Float32Array | undefined,
  lo = -Infinity,
  hi = Infinity,
  index = 0,
  node?: GraphNode,
): number {
  const c = shape[shape.length - 1];
  if (m) {
    const y = w.value(`${name}/mul`, shape);
    w.op("MUL", [x, w.f32(`${name}/multiplier`, [c], m)], [y], { builtin: { type: BuiltinOptions.MulOptions, write: emptyTable } });
    x = y;
  }
  if (b) {
    const y = w.value(`${name}/add`, shape);
    w.op("ADD", [x, w.f32(`${name}/bias`, [c], b)], [y], { builtin: { type: BuiltinOptions.AddOptions, write: emptyTable } });
    x = y;
  }
  if (lo !== -Infinity || hi !== Infinity) {
    const code = lo === 0 && hi === Infinity ? "RELU" : lo === 0 && hi === 6 ? "RELU6" : lo === -1 && hi === 1 ? "RELU_N1_TO_1" : null;
    if (code === null) fail(index, node!, `clamp bounds [${lo}, ${hi}] (TFLite has RELU, RELU6 and RELU_N1_TO_1)`);
    const y = w.value(`${name}/${code.toLowerCase()}`, shape);
    w.op(code, [x], [y]);
    x = y;
  }
  return x;
}

/** An options table with no fields (TFLite expects the table to exist for some builtins). */
function emptyTable(fb: flatbuffers.Builder): number {
  fb.startObject(0);
  return fb.endObject();
}

function writeNode(w: Writer, g: EngineGraph, index: number): void {
  const node = g.nodes[index];
  const a = node.attrs as Attrs;
  const weight = (role: string) => {
    const key = node.weights[role];
    return key === undefined ? undefined : g.weights.get(key)?.data;
  };
  const input = (k: number) => {
    const t = w.tensorOf.get(node.inputs[k]);
    if (t === undefined) fail(index, node, `input ${k} has no tensor`);
    return t;
  };
  const name = node.name;
  const set = (t: number) => void w.tensorOf.set(index, t);
  /**
   * The float32 multiplier and bias LCE applies after a binary layer's dot. A centred double form
   * (`B + (d − C)·M`, see OutputTransform) has no LCE counterpart; it is written as LCE's float32 fold
   * `float32(M)·d + float32(B − C·M)`, which can differ from the engine (and from tfjs) by an ulp.
   */
  /** A binary layer's fused residual (its second input, if any) as the TFLite `ADD` it stands for. */
  const residualAdd = (x: number): number => {
    if (node.inputs.length < 2) return x;
    const y = w.value(`${name}/residual_add`, node.shape);
    w.op("ADD", [x, input(1)], [y], { builtin: { type: BuiltinOptions.AddOptions, write: emptyTable } });
    return y;
  };
  const floatAffine = (): { m: Float32Array; b: Float32Array } => {
    const m = weight("multiplier")!;
    const b = weight("bias")!;
    const c = weight("center");
    if (c === undefined) return { m, b };
    const lo = weight("multiplierLo")!;
    const M = Float64Array.from(m, (v, n) => v + lo[n]);
    return { m: Float32Array.from(M), b: Float32Array.from(b, (v, n) => v - c[n] * M[n]) };
  };
  switch (node.op) {
    case "input":
      return set(w.value(name, node.shape));
    case "signpack": {
      const y = w.bits(name, node.shape);
      w.op("LceQuantize", [input(0)], [y], { custom: {} });
      return set(y);
    }
    case "sign": {
      const packed = w.bits(`${name}/packed`, node.shape);
      w.op("LceQuantize", [input(0)], [packed], { custom: {} });
      const y = w.value(name, node.shape);
      w.op("LceDequantize", [packed], [y], { custom: {} });
      return set(y);
    }
    case "bconv2d": {
      if ((a.groups ?? 1) !== 1) fail(index, node, "grouped binary convolutions");
      const [kh, kw] = a.kernelSize as number[];
      const cin = a.inChannels as number;
      const cout = a.outChannels as number;
      if (a.padValue === -1) fail(index, node, "padValue −1 (LCE pads with 0 or +1)");
      const filter = weight("filter")!;
      const K = kh * kw * cin;
      const options = {
        channels_in: cin,
        dilation_height_factor: a.dilations[0],
        dilation_width_factor: a.dilations[1],
        fused_activation_function: ActivationFunctionType.NONE,
        pad_values: a.padValue ?? 0,
        padding: padding(a.padding),
        stride_height: a.strides[0],
        stride_width: a.strides[1],
      };
      const { m, b } = floatAffine();
      if (a.transform === "bits") {
        const { thresholds, negate } = computeThresholds(
          { kind: "bits", multiplier: m, bias: b, clampMin: -Infinity, clampMax: Infinity } as ResolvedTransform,
          K,
        );
        const t = Int32Array.from(thresholds, (T) => Math.floor((K - T) / 2));
        const filterT = w.i32(`${name}/filter`, [cout, kh, kw, Math.ceil(cin / 32)], packLceFilter(filter, kh, kw, cin, cout, negate));
        const ones = w.f32(`${name}/post_activation_multiplier`, [cout], new Float32Array(cout).fill(1));
        const zeros = w.f32(`${name}/post_activation_bias`, [cout], new Float32Array(cout));
        const y = w.bits(name, node.shape);
        w.op("LceBconv2d", [input(0), filterT, ones, zeros, w.i32(`${name}/output_threshold`, [cout], t)], [y], { custom: options });
        return set(y);
      }
      const filterT = w.i32(`${name}/filter`, [cout, kh, kw, Math.ceil(cin / 32)], packLceFilter(filter, kh, kw, cin, cout));
      const y = w.value(name, node.shape);
      if (a.dotMin !== undefined || a.dotMax !== undefined) {
        // The dot pre-clamp is LCE's fused activation (applied before the multiplier and bias).
        const bounds = `${a.dotMin ?? -Infinity},${a.dotMax ?? Infinity}`;
        const fused: Record<string, number> = {
          "0,Infinity": ActivationFunctionType.RELU,
          "-1,1": ActivationFunctionType.RELU_N1_TO_1,
          "0,6": ActivationFunctionType.RELU6,
        };
        if (fused[bounds] === undefined) fail(index, node, `dot bounds [${bounds}] (LCE fuses ReLU, ReLU6 and [−1, 1])`);
        options.fused_activation_function = fused[bounds];
      }
      w.op(
        "LceBconv2d",
        [input(0), filterT, w.f32(`${name}/post_activation_multiplier`, [cout], m), w.f32(`${name}/post_activation_bias`, [cout], b), -1],
        [y],
        { custom: options },
      );
      return set(
        residualAdd(
          affineAfter(
            w,
            `${name}/clamp`,
            y,
            node.shape,
            undefined,
            undefined,
            a.clampMin ?? -Infinity,
            a.clampMax ?? Infinity,
            index,
            node,
          ),
        ),
      );
    }
    case "bdense": {
      const cin = a.inChannels as number;
      const cout = a.outChannels as number;
      const kernel = weight("kernel")!;
      const signs = w.value(`${name}/input_signs`, [cin]);
      w.op("LceDequantize", [input(0)], [signs], { custom: {} });
      const k = new Float32Array(cin * cout);
      for (let i = 0; i < cin; i++) for (let j = 0; j < cout; j++) k[j * cin + i] = kernel[i * cout + j] < 0 ? -1 : 1;
      const dot = w.value(`${name}/dot`, [cout]);
      w.op("FULLY_CONNECTED", [signs, w.f32(`${name}/kernel`, [cout, cin], k), -1], [dot], {
        builtin: {
          type: BuiltinOptions.FullyConnectedOptions,
          write: (fb) => FullyConnectedOptions.createFullyConnectedOptions(fb, 0, 0, false, false, 0),
        },
      });
      const { m, b } = floatAffine();
      if (a.transform === "bits") {
        const y = affineAfter(w, name, dot, [cout], m, b);
        const packed = w.bits(`${name}/packed`, [cout]);
        w.op("LceQuantize", [y], [packed], { custom: {} });
        return set(packed);
      }
      // The dot pre-clamp (a ReLU / ReLU6 / hard_tanh folded onto the bare dot) comes before the multiplier.
      const clampedDot = affineAfter(
        w,
        `${name}/dot`,
        dot,
        [cout],
        undefined,
        undefined,
        a.dotMin ?? -Infinity,
        a.dotMax ?? Infinity,
        index,
        node,
      );
      return set(residualAdd(affineAfter(w, name, clampedDot, [cout], m, b, a.clampMin ?? -Infinity, a.clampMax ?? Infinity, index, node)));
    }
    case "bmaxpool": {
      const y = w.bits(name, node.shape);
      const [ph, pw] = a.poolSize;
      w.op("LceBMaxPool2d", [input(0)], [y], {
        custom: {
          filter_height: ph,
          filter_width: pw,
          padding: padding(a.padding),
          stride_height: a.strides[0],
          stride_width: a.strides[1],
        },
      });
      return set(y);
    }
    case "conv2d":
    case "depthwise": {
      if ((a.padValue ?? 0) !== 0) fail(index, node, `padValue ${a.padValue} on a float convolution`);
      const kernel = weight("kernel")!;
      const [kh, kw] = a.kernelSize;
      const cin = g.nodes[node.inputs[0]].shape[2];
      const cout = node.shape[2];
      const bias = weight("bias") ?? new Float32Array(cout);
      const y = w.value(name, node.shape);
      if (node.op === "depthwise") {
        const filter = w.f32(`${name}/kernel`, [1, kh, kw, cout], kernel);
        w.op("DEPTHWISE_CONV_2D", [input(0), filter, w.f32(`${name}/bias`, [cout], bias)], [y], {
          builtin: {
            type: BuiltinOptions.DepthwiseConv2DOptions,
            write: (fb) =>
              DepthwiseConv2DOptions.createDepthwiseConv2DOptions(
                fb,
                padding(a.padding),
                a.strides[1],
                a.strides[0],
                cout / cin,
                0,
                a.dilations[1],
                a.dilations[0],
              ),
          },
        });
      } else {
        const ohwi = new Float32Array(kernel.length);
        for (let y0 = 0; y0 < kh; y0++)
          for (let x0 = 0; x0 < kw; x0++)
            for (let c = 0; c < cin; c++)
              for (let o = 0; o < cout; o++) ohwi[((o * kh + y0) * kw + x0) * cin + c] = kernel[((y0 * kw + x0) * cin + c) * cout + o];
        w.op("CONV_2D", [input(0), w.f32(`${name}/kernel`, [cout, kh, kw, cin], ohwi), w.f32(`${name}/bias`, [cout], bias)], [y], {
          builtin: {
            type: BuiltinOptions.Conv2DOptions,
            write: (fb) =>
              Conv2DOptions.createConv2DOptions(fb, padding(a.padding), a.strides[1], a.strides[0], 0, a.dilations[1], a.dilations[0], 0),
          },
        });
      }
      return set(y);
    }
    case "dense": {
      const kernel = weight("kernel")!;
      const cin = g.nodes[node.inputs[0]].shape.reduce((p, d) => p * d, 1);
      const cout = node.shape[0];
      const k = new Float32Array(cin * cout);
      for (let i = 0; i < cin; i++) for (let j = 0; j < cout; j++) k[j * cin + i] = kernel[i * cout + j];
      const bias = weight("bias");
      const y = w.value(name, node.shape);
      w.op("FULLY_CONNECTED", [input(0), w.f32(`${name}/kernel`, [cout, cin], k), bias ? w.f32(`${name}/bias`, [cout], bias) : -1], [y], {
        builtin: {
          type: BuiltinOptions.FullyConnectedOptions,
          write: (fb) => FullyConnectedOptions.createFullyConnectedOptions(fb, 0, 0, false, false, 0),
        },
      });
      return set(y);
    }
    case "batchnorm": {
      const mean = weight("mean")!,
        variance = weight("variance")!,
        gamma = weight("gamma"),
        beta = weight("beta");
      const c = mean.length;
      const scale = new Float32Array(c),
        offset = new Float32Array(c);
      for (let k = 0; k < c; k++) {
        scale[k] = (gamma ? gamma[k] : 1) / Math.sqrt(variance[k] + a.epsilon);
        offset[k] = (beta ? beta[k] : 0) - mean[k] * scale[k];
      }
      const [lo, hi] = a.clamp === undefined ? [-Infinity, Infinity] : CLAMPS[a.clamp as string];
      return set(affineAfter(w, name, input(0), node.shape, scale, offset, lo, hi, index, node));
    }
    case "affine":
      return set(affineAfter(w, name, input(0), node.shape, weight("multiplier"), weight("bias")));
    case "maxpool":
    case "avgpool": {
      const y = w.value(name, node.shape);
      w.op(node.op === "maxpool" ? "MAX_POOL_2D" : "AVERAGE_POOL_2D", [input(0)], [y], {
        builtin: {
          type: BuiltinOptions.Pool2DOptions,
          write: (fb) =>
            Pool2DOptions.createPool2DOptions(
              fb,
              padding(a.padding),
              a.strides[1],
              a.strides[0],
              a.poolSize[1],
              a.poolSize[0],
              // A folded clamp: TFLite clamps the pooled value, which differs from clamping the taps only in
              // all-NaN windows and in the sign of a zero.
              a.clamp === undefined ? 0 : ACT[a.clamp as string][1],
            ),
        },
      });
      return set(y);
    }
    case "globalavg":
    case "globalmax": {
      const y = w.value(name, node.shape);
      w.op(node.op === "globalavg" ? "MEAN" : "REDUCE_MAX", [input(0), w.i32(`${name}/axes`, [2], Int32Array.from([1, 2]))], [y], {
        builtin: { type: BuiltinOptions.ReducerOptions, write: (fb) => ReducerOptions.createReducerOptions(fb, false) },
      });
      return set(y);
    }
    case "add": {
      let x = input(0);
      for (let k = 1; k < node.inputs.length; k++) {
        const y = w.value(k === node.inputs.length - 1 ? name : `${name}/${k}`, node.shape);
        w.op("ADD", [x, input(k)], [y], { builtin: { type: BuiltinOptions.AddOptions, write: emptyTable } });
        x = y;
      }
      return set(x);
    }
    case "concat": {
      const y = w.value(name, node.shape);
      w.op(
        "CONCATENATION",
        node.inputs.map((_, k) => input(k)),
        [y],
        {
          builtin: {
            type: BuiltinOptions.ConcatenationOptions,
            write: (fb) => ConcatenationOptions.createConcatenationOptions(fb, (a.axis as number) + 1, 0),
          },
        },
      );
      return set(y);
    }
    case "reshape": {
      // Packed bits reshape as their 32-bit words when whole words move (the engine allows whole 64-bit words).
      const packed = node.dtype === "bits";
      const y = packed ? w.bits(name, node.shape) : w.value(name, node.shape);
      const words = [...node.shape.slice(0, -1), Math.ceil(node.shape[node.shape.length - 1] / 32)];
      if (packed) {
        w.op("RESHAPE", [input(0), w.i32(`${name}/shape`, [words.length + 1], Int32Array.from([1, ...words]))], [y]);
        return set(y);
      }
      w.op("RESHAPE", [input(0), w.i32(`${name}/shape`, [node.shape.length + 1], Int32Array.from([1, ...node.shape]))], [y]);
      return set(y);
    }
    case "activation": {
      if (a.activation === "linear") return set(input(0));
      const act = ACT[a.activation as string];
      if (act === undefined)
        fail(index, node, `activation ${JSON.stringify(a.activation)} (TFLite builtins: linear, ${Object.keys(ACT).join(", ")})`);
      const y = w.value(name, node.shape);
      const extra: Partial<PendingOp> =
        act[0] === "SOFTMAX"
          ? { builtin: { type: BuiltinOptions.SoftmaxOptions, write: (fb) => SoftmaxOptions.createSoftmaxOptions(fb, 1) } }
          : {};
      w.op(act[0], [input(0)], [y], extra);
      return set(y);
    }
    case "pad": {
      const p = a.paddings as number[][];
      const y = w.value(name, node.shape);
      w.op("PAD", [input(0), w.i32(`${name}/paddings`, [4, 2], Int32Array.from([0, 0, ...p.flat()]))], [y]);
      return set(y);
    }
    case "slice": {
      const inShape = g.nodes[node.inputs[0]].shape;
      const y = w.value(name, node.shape);
      const begin = Int32Array.from([0, ...inShape.slice(0, -1).map(() => 0), a.begin]);
      const size = Int32Array.from([-1, ...node.shape]);
      w.op("SLICE", [input(0), w.i32(`${name}/begin`, [begin.length], begin), w.i32(`${name}/size`, [size.length], size)], [y]);
      return set(y);
    }
    default:
      fail(index, node, "larq-ts does not write this op to TFLite");
  }
}

function serialize(w: Writer, input: number, output: number): Uint8Array {
  const fb = new flatbuffers.Builder(1 << 20);
  // Buffer 0 is the empty sentinel; then one buffer per constant tensor.
  const bufferOffsets = [TBuffer.createBuffer(fb, TBuffer.createDataVector(fb, []), BigInt(0), BigInt(0))];
  const tensorBuffer: number[] = [];
  for (const t of w.tensors) {
    if (t.data === null) {
      tensorBuffer.push(0);
      continue;
    }
    fb.startVector(1, t.data.length, 16);
    for (let i = t.data.length - 1; i >= 0; i--) fb.addInt8(t.data[i]);
    const data = fb.endVector();
    bufferOffsets.push(TBuffer.createBuffer(fb, data, BigInt(0), BigInt(0)));
    tensorBuffer.push(bufferOffsets.length - 1);
  }
  const tensorOffsets = w.tensors.map((t, i) => {
    const name = fb.createString(t.name);
    const shape = Tensor.createShapeVector(fb, t.shape);
    Tensor.startTensor(fb);
    Tensor.addShape(fb, shape);
    Tensor.addType(fb, t.type);
    Tensor.addBuffer(fb, tensorBuffer[i]);
    Tensor.addName(fb, name);
    return Tensor.endTensor(fb);
  });
  const codes: string[] = [];
  const codeIndex = (code: string) => {
    let k = codes.indexOf(code);
    if (k < 0) k = codes.push(code) - 1;
    return k;
  };
  const operatorOffsets = w.ops.map((op) => {
    const inputs = Operator.createInputsVector(fb, op.inputs);
    const outputs = Operator.createOutputsVector(fb, op.outputs);
    const options = op.builtin ? op.builtin.write(fb) : 0;
    const custom = op.custom ? Operator.createCustomOptionsVector(fb, flexbufferEncode(op.custom)) : 0;
    Operator.startOperator(fb);
    Operator.addOpcodeIndex(fb, codeIndex(op.code));
    Operator.addInputs(fb, inputs);
    Operator.addOutputs(fb, outputs);
    if (op.builtin) {
      Operator.addBuiltinOptionsType(fb, op.builtin.type);
      Operator.addBuiltinOptions(fb, options);
    }
    if (op.custom) Operator.addCustomOptions(fb, custom);
    return Operator.endOperator(fb);
  });
  const codeOffsets = codes.map((code) => {
    const builtin = BuiltinOperator[code as keyof typeof BuiltinOperator];
    const custom = builtin === undefined ? fb.createString(code) : 0;
    const value = builtin === undefined ? BuiltinOperator.CUSTOM : builtin;
    OperatorCode.startOperatorCode(fb);
    // Readers before schema 3a look only at the 8-bit deprecated field (127 = "see builtin_code").
    OperatorCode.addDeprecatedBuiltinCode(fb, Math.min(value, 127));
    OperatorCode.addBuiltinCode(fb, value);
    if (custom) OperatorCode.addCustomCode(fb, custom);
    OperatorCode.addVersion(fb, 1);
    return OperatorCode.endOperatorCode(fb);
  });
  const subgraph = SubGraph.createSubGraph(
    fb,
    SubGraph.createTensorsVector(fb, tensorOffsets),
    SubGraph.createInputsVector(fb, [input]),
    SubGraph.createOutputsVector(fb, [output]),
    SubGraph.createOperatorsVector(fb, operatorOffsets),
    fb.createString("main"),
    0,
  );
  const description = fb.createString("larq-ts engine export");
  const model = Model.createModel(
    fb,
    3,
    Model.createOperatorCodesVector(fb, codeOffsets),
    Model.createSubgraphsVector(fb, [subgraph]),
    description,
    Model.createBuffersVector(fb, bufferOffsets),
    0,
    0,
    0,
    0,
    0,
  );
  Model.finishModelBuffer(fb, model);
  return fb.asUint8Array().slice();
}

/**
 * Writes the engine's graph as a TFLite flatbuffer with Larq Compute Engine's ops (see the module docs).
 *
 * @throws naming the node (index, name, op) for what TFLite or LCE cannot express (grouped binary convolutions,
 *   pad value −1, clamps other than ReLU / ReLU6 / [−1, 1], activations without a TFLite builtin).
 */
export function graphToTFLite(g: EngineGraph): Uint8Array {
  const w = new Writer();
  for (let i = 0; i < g.nodes.length; i++) writeNode(w, g, i);
  const output = w.tensorOf.get(g.output)!;
  if (w.tensors[output].type !== TensorType.FLOAT32)
    throw new Error("lq.engine.toTFLite: the output holds packed bits; TFLite models end in float.");
  return serialize(w, w.tensorOf.get(0)!, output);
}
