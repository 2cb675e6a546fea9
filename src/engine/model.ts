/**
 * {@link EngineModel}: a converted graph prepared on the wasm engine, and `convert` / `load`.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { invalidArgument } from "../utils/errors.js";
import { convertGraph, type ConvertOptions } from "./convert.js";
import * as F from "./float_ops.js";
import { decodeEngineFile, encodeEngineFile, nodeLabel } from "./format.js";
import type { EngineGraph, GraphNode } from "./graph.js";
import type { BMaxPoolParams, OutputTransform, Padding } from "./ops.js";
import { packedLength } from "./bitpacking.js";
import { DEFAULT_MAX_MEMORY_BYTES, planMemory } from "./memory.js";
import { EngineTensor, loadEngine, type BConv2DOp, type BDenseOp, type Engine, type EngineOptions } from "./runtime.js";

/** Per-batch-size buffers: one engine tensor per node (nodes with disjoint lifetimes share memory). */
interface Plan {
  batch: number;
  tensors: EngineTensor[];
  /** Blocks currently allocated for the plan. */
  held: Set<number>;
}

/**
 * A model converted for the bitpacked wasm engine. Create with {@link convert} or {@link load}.
 *
 * @remarks
 * All weights and activations live in the engine's wasm memory; binary layers run the XNOR-popcount kernels,
 * the other layers float32 code. Buffers are allocated per batch size on the first call and kept until the
 * batch size changes or {@link EngineModel.dispose}.
 *
 * @example
 * ```ts
 * const em = await lq.engine.convert(model);
 * const y = em.predict(x);            // tf.Tensor in → tf.Tensor out
 * const bytes = em.save();            // Uint8Array (engine file format, see format.ts)
 * const again = await lq.engine.load(bytes);
 * em.dispose(); again.dispose();
 * ```
 */
export class EngineModel {
  private readonly ops = new Map<number, BConv2DOp | BDenseOp>();
  /** Float kernels and biases copied into wasm memory, by node: byte addresses (0 = none). */
  private readonly floatWeights = new Map<number, { kernel: number; bias: number }>();
  private plan: Plan | undefined;
  private disposed = false;

  /** @internal Use {@link convert} or {@link load}. */
  constructor(
    /** The engine the model runs on. */
    readonly engine: Engine,
    /** The converted graph. */
    readonly graph: EngineGraph,
    options: { maxMemoryBytes?: number } = {},
  ) {
    const limit = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
    if (typeof limit !== "number" || !(limit > 0)) invalidArgument("maxMemoryBytes", limit, "a positive number of bytes");
    const mem = planMemory(graph, 1);
    if (mem.peakBytes > limit) {
      const i = mem.peakNode;
      throw new Error(
        `lq.engine: the model needs ${mem.peakBytes} bytes of wasm memory at batch 1 (weights and scratch ${mem.fixedBytes}, ` +
          `buffers ${mem.liveBytes} at ${nodeLabel(i, graph.nodes[i])}, whose output takes ${mem.peakNodeBytes} bytes), ` +
          `above the limit of ${limit} bytes; raise it with the option maxMemoryBytes.`,
      );
    }
    let i = 0;
    try {
      for (; i < graph.nodes.length; i++) {
        const node = graph.nodes[i];
        if (node.op === "conv2d" || node.op === "depthwise" || node.op === "dense") {
          const copy = (data: Float32Array | undefined): number => {
            if (!data) return 0;
            const ptr = engine.alloc(data.length * 4);
            new Float32Array(engine.buffer, ptr, data.length).set(data);
            return ptr;
          };
          const kernel = copy(this.w(node, "kernel"));
          this.floatWeights.set(i, { kernel, bias: 0 }); // freed by dispose() even if the bias copy fails
          this.floatWeights.set(i, { kernel, bias: copy(this.wOpt(node, "bias")) });
          continue;
        }
        if (node.op === "batchnorm") {
          // beta, mean, gamma, √(var + ε) as doubles, the arithmetic of the tfjs cpu kernel.
          const c = node.shape[node.shape.length - 1];
          const ptr = engine.alloc(c * 32);
          this.floatWeights.set(i, { kernel: ptr, bias: 0 });
          const p = new Float64Array(engine.buffer, ptr, 4 * c);
          const mean = this.w(node, "mean"), variance = this.w(node, "variance");
          const gamma = this.wOpt(node, "gamma"), beta = this.wOpt(node, "beta");
          for (let k = 0; k < c; k++) {
            p[k] = beta ? beta[k] : 0;
            p[c + k] = mean[k];
            p[2 * c + k] = gamma ? gamma[k] : 1;
            p[3 * c + k] = Math.sqrt(variance[k] + (node.attrs.epsilon as number));
          }
          continue;
        }
        if (node.op !== "bconv2d" && node.op !== "bdense") continue;
        const a = node.attrs as Record<string, any>;
        const transform: OutputTransform =
          a.transform === "bits"
            ? { kind: "bits", multiplier: this.w(node, "multiplier"), bias: this.w(node, "bias") }
            : { kind: "float", multiplier: this.w(node, "multiplier"), bias: this.w(node, "bias"), clampMin: a.clampMin ?? -Infinity, clampMax: a.clampMax ?? Infinity };
        if (node.op === "bconv2d") {
          this.ops.set(i, engine.createBConv2D({ kernelSize: a.kernelSize, inChannels: a.inChannels, outChannels: a.outChannels, strides: a.strides, dilations: a.dilations, padding: a.padding, padValue: a.padValue, transform }, this.w(node, "filter")));
        } else {
          this.ops.set(i, engine.createBDense({ inChannels: a.inChannels, outChannels: a.outChannels, transform }, this.w(node, "kernel")));
        }
      }
    } catch (e) {
      this.dispose();
      const msg = (e as Error).message ?? String(e);
      throw new Error(msg.startsWith("lq.engine") ? msg : `lq.engine: cannot prepare ${nodeLabel(i, graph.nodes[i])}: ${msg}`);
    }
  }

  /** Input shape without the batch dimension. */
  get inputShape(): number[] {
    return [...this.graph.nodes[0].shape];
  }

  /** Output shape without the batch dimension. */
  get outputShape(): number[] {
    return [...this.graph.nodes[this.graph.output].shape];
  }

  private w(node: GraphNode, role: string): Float32Array {
    const key = node.weights[role];
    const w = key === undefined ? undefined : this.graph.weights.get(key);
    if (!w) throw new Error(`lq.engine: node "${node.name}" (${node.op}) lacks its weight "${role}".`);
    return w.data;
  }

  private wOpt(node: GraphNode, role: string): Float32Array | undefined {
    return node.weights[role] === undefined ? undefined : this.w(node, role);
  }

  /**
   * Runs the model on a batch.
   *
   * @param input - a `tf.Tensor` of shape `[batch, ...inputShape]` (returns a `tf.Tensor`), or a `Float32Array`
   *   with `shape` `[batch, ...inputShape]` (returns a new `Float32Array`; `shape` defaults to batch 1).
   * @returns the model output, `[batch, ...outputShape]`, in the same kind as the input.
   */
  predict(input: tf.Tensor, shape?: readonly number[]): tf.Tensor;
  predict(input: Float32Array, shape?: readonly number[]): Float32Array;
  predict(input: tf.Tensor | Float32Array, shape?: readonly number[]): tf.Tensor | Float32Array {
    if (this.disposed) throw new Error("This EngineModel was disposed.");
    const inShape = this.inputShape;
    let data: Float32Array;
    let fullShape: number[];
    if (input instanceof tf.Tensor) {
      fullShape = input.shape.slice();
      if (shape !== undefined) invalidArgument("shape", shape, "undefined when the input is a tf.Tensor");
      data = input.dtype === "float32" ? (input.dataSync() as Float32Array) : Float32Array.from(input.dataSync());
    } else if (input instanceof Float32Array) {
      fullShape = shape ? [...shape] : [1, ...inShape];
      data = input;
    } else {
      return invalidArgument("input", input, "a tf.Tensor or a Float32Array");
    }
    if (fullShape.length !== inShape.length + 1 || !(fullShape[0] >= 1) || !Number.isInteger(fullShape[0]) || fullShape.slice(1).some((d, i) => d !== inShape[i])) {
      invalidArgument("input shape", fullShape, `[batch, ${inShape.join(", ")}]`);
    }
    const n = fullShape.reduce((a, b) => a * b, 1);
    if (data.length !== n) invalidArgument("input.length", data.length, `${n} for shape [${fullShape.join(", ")}]`);
    const batch = fullShape[0];
    const plan = this.planFor(batch);
    this.engine.writeFloat(plan.tensors[0], data);
    for (let i = 1; i < this.graph.nodes.length; i++) this.runNode(i, plan);
    const outT = plan.tensors[this.graph.output];
    const out = new Float32Array(outT.byteLength / 4);
    this.engine.readFloat(outT, out);
    if (input instanceof tf.Tensor) return tf.tensor(out, [batch, ...this.outputShape], "float32");
    return out;
  }

  /**
   * Buffers for one batch size. A node's buffer goes back to the allocator once its last consumer has its own
   * buffer, so later nodes reuse it (first-fit): memory follows the widest point of the network, not its sum.
   * Blocks freed here are still read during a run, so every allocation (op scratch included) happens here.
   */
  private planFor(batch: number): Plan {
    if (this.plan?.batch === batch) return this.plan;
    this.freePlan();
    const nodes = this.graph.nodes;
    // Op scratch first: the node buffers below reuse memory, so nothing may be allocated while the graph runs.
    for (const [i, op] of this.ops) op.prepare([batch, ...nodes[nodes[i].inputs[0]].shape]);
    const lastUse = nodes.map(() => -1);
    nodes.forEach((n, i) => n.inputs.forEach((j) => (lastUse[j] = i)));
    lastUse[0] = lastUse[this.graph.output] = nodes.length; // written / read by predict itself
    const tensors: EngineTensor[] = [];
    const held = new Set<number>();
    try {
      for (let i = 0; i < nodes.length; i++) {
        const shape = [batch, ...nodes[i].shape];
        const bytes = nodes[i].dtype === "float32" ? shape.reduce((a, b) => a * b, 1) * 4 : packedLength(shape) * 4;
        let ptr: number;
        try {
          ptr = this.engine.alloc(bytes);
        } catch (e) {
          throw new Error(`lq.engine: cannot allocate ${bytes} bytes for ${nodeLabel(i, nodes[i])} at batch ${batch} (${this.engine.allocatedBytes} bytes in use): ${(e as Error).message}`);
        }
        held.add(ptr);
        tensors.push(new EngineTensor(this.engine, ptr, shape, nodes[i].dtype));
        for (const j of nodes[i].inputs) {
          if (lastUse[j] === i && held.delete(tensors[j].ptr)) this.engine.free(tensors[j].ptr);
        }
      }
    } catch (e) {
      for (const ptr of held) this.engine.free(ptr);
      throw e;
    }
    this.plan = { batch, tensors, held };
    return this.plan;
  }

  private freePlan(): void {
    if (!this.plan) return;
    for (const ptr of this.plan.held) this.engine.free(ptr);
    this.plan = undefined;
  }

  private fview(t: EngineTensor): Float32Array {
    return new Float32Array(this.engine.buffer, t.ptr, t.byteLength / 4);
  }

  private runNode(i: number, plan: Plan): void {
    const node = this.graph.nodes[i];
    const out = plan.tensors[i];
    const ins = node.inputs.map((j) => plan.tensors[j]);
    const a = node.attrs as Record<string, any>;
    const e = this.engine;
    switch (node.op) {
      case "bconv2d":
      case "bdense": {
        const op = this.ops.get(i)!;
        op.run(ins[0], out);
        return;
      }
      case "signpack":
        return e.signPack(ins[0], out);
      case "bmaxpool":
        return e.bmaxpool(a as BMaxPoolParams, ins[0], out);
      case "reshape":
        new Uint8Array(e.buffer, out.ptr, out.byteLength).set(new Uint8Array(e.buffer, ins[0].ptr, out.byteLength));
        return;
    }
    // Float ops (C kernels or TS on views taken after every allocation of this run: binary ops may allocate scratch).
    const x = this.fview(ins[0]);
    const y = this.fview(out);
    const s = ins[0].shape;
    switch (node.op) {
      case "sign":
        return F.sign(x, y);
      case "conv2d":
      case "depthwise": {
        const g = F.convGeom(s, a.kernelSize, a.strides, a.dilations, a.padding as Padding);
        const fw = this.floatWeights.get(i)!;
        const cout = node.shape[2];
        const fn = node.op === "conv2d" ? e.exports.lce_fconv2d : e.exports.lce_fdepthwise;
        fn(ins[0].ptr, fw.kernel, fw.bias, out.ptr, g.b, g.h, g.w, g.cin, node.op === "conv2d" ? cout : cout / g.cin, g.kh, g.kw, g.sy, g.sx, g.dy, g.dx, g.padTop, g.padLeft, g.oh, g.ow, a.padValue ?? 0);
        return;
      }
      case "dense": {
        const fw = this.floatWeights.get(i)!;
        e.exports.lce_fconv2d(ins[0].ptr, fw.kernel, fw.bias, out.ptr, s[0], 1, 1, s[1], node.shape[0], 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0);
        return;
      }
      case "batchnorm": {
        const c = s[s.length - 1];
        return e.exports.lce_fbatchnorm(ins[0].ptr, out.ptr, ins[0].byteLength / 4 / c, c, this.floatWeights.get(i)!.kernel);
      }
      case "maxpool": {
        const g = F.convGeom(s, a.poolSize, a.strides, [1, 1], a.padding);
        return e.exports.lce_fmaxpool(ins[0].ptr, out.ptr, g.b, g.h, g.w, g.cin, g.kh, g.kw, g.sy, g.sx, g.padTop, g.padLeft, g.oh, g.ow);
      }
      case "avgpool":
        return F.pool(x, F.convGeom(s, a.poolSize, a.strides, [1, 1], a.padding), y, false);
      case "globalavg":
      case "globalmax":
        return F.globalPool(x, s, y, node.op === "globalmax");
      case "activation":
        return F.activation(x, y, a.activation, node.shape[node.shape.length - 1], a.alpha);
      case "prelu": {
        const alpha = this.w(node, "alpha");
        for (let k = 0; k < x.length; k++) y[k] = x[k] < 0 ? alpha[k % alpha.length] * x[k] : x[k];
        return;
      }
      case "add": {
        if (ins.length === 1) return y.set(x);
        for (let j = 1; j < ins.length; j++) e.exports.lce_fadd(j === 1 ? ins[0].ptr : out.ptr, ins[j].ptr, out.ptr, y.length);
        return;
      }
      case "concat": {
        const axis = a.axis as number; // without batch
        const outer = plan.batch * node.shape.slice(0, axis).reduce((p, q) => p * q, 1);
        const innerOut = node.shape.slice(axis).reduce((p, q) => p * q, 1);
        let offset = 0;
        for (const t of ins) {
          const z = this.fview(t);
          const inner = t.shape.slice(axis + 1).reduce((p, q) => p * q, 1);
          for (let o = 0; o < outer; o++) y.set(z.subarray(o * inner, (o + 1) * inner), o * innerOut + offset);
          offset += inner;
        }
        return;
      }
      default:
        throw new Error(`lq.engine: node "${node.name}" has an unknown op "${node.op}".`);
    }
  }

  /** Serialises the model into the engine file format (see format.ts). */
  save(): Uint8Array {
    if (this.disposed) throw new Error("This EngineModel was disposed.");
    return encodeEngineFile(this.graph);
  }

  /** Frees the model's weights and buffers in wasm memory. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freePlan();
    for (const op of this.ops.values()) op.dispose();
    this.ops.clear();
    for (const { kernel, bias } of this.floatWeights.values()) {
      if (kernel) this.engine.free(kernel);
      if (bias) this.engine.free(bias);
    }
    this.floatWeights.clear();
  }
}

/** Options of {@link convert} and {@link load}: the converter's and the engine's. */
export interface EngineModelOptions extends ConvertOptions {
  /**
   * Largest wasm memory, in bytes, the model may need at batch 1 (weights, op scratch and the node buffers live at
   * its widest point; see `planMemory`). Default 256 MiB; a model above it is rejected before anything is
   * allocated, with the node at the peak.
   */
  maxMemoryBytes?: number;
  /** Engine to run on; default the shared `loadEngine()`. */
  engine?: Engine;
  /** Options for a new engine (ignored when `engine` is given). */
  engineOptions?: EngineOptions;
}

/**
 * Converts a trained tfjs LayersModel (larq-ts and tfjs layers) into an {@link EngineModel}.
 *
 * @remarks
 * Binary QuantConv2D / QuantDense (1-bit sign input and kernel quantizers) become bitpacked ops with bias,
 * BatchNormalization and clamp activations folded into the output transform, and packed-bit outputs with
 * per-channel thresholds when all consumers binarize again (also through MaxPool2D, where exact). Other layers
 * run in float; unsupported layers throw an error naming the layer and its class.
 *
 * @example
 * ```ts
 * const em = await lq.engine.convert(model);
 * ```
 */
export async function convert(model: tfl.LayersModel, options: EngineModelOptions = {}): Promise<EngineModel> {
  const graph = convertGraph(model, options);
  const engine = options.engine ?? (options.engineOptions ? await loadEngine(options.engineOptions) : await loadEngine());
  return new EngineModel(engine, graph, { maxMemoryBytes: options.maxMemoryBytes });
}

/** Loads an {@link EngineModel} from bytes written by {@link EngineModel.save}; bad files throw. */
export async function load(bytes: Uint8Array | ArrayBuffer, options: Omit<EngineModelOptions, "chainBits"> = {}): Promise<EngineModel> {
  const graph = decodeEngineFile(bytes);
  const engine = options.engine ?? (options.engineOptions ? await loadEngine(options.engineOptions) : await loadEngine());
  return new EngineModel(engine, graph, { maxMemoryBytes: options.maxMemoryBytes });
}
