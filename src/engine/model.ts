/**
 * {@link EngineModel}: a converted graph prepared on the wasm engine, and `convert` / `load`.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { invalidArgument } from "../utils/errors.js";
import { convertGraph, type ConvertOptions } from "./convert.js";
import { loadEngine, MAX_THREADS, sharedEngineWithThreads, type Engine, type EngineOptions } from "./engine.js";
import { decodeEngineFile, encodeEngineFile, nodeLabel, validateGraph } from "./format.js";
import type { EngineGraph, GraphNode } from "./graph.js";
import { DEFAULT_MAX_MEMORY_BYTES, nodeBufferBytes, planMemory } from "./memory.js";
import { opDef, type PreparedNode, type WeightReader } from "./ops/index.js";
import { ArenaPlanner } from "./allocator.js";
import { EngineTensor } from "./tensor.js";

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
  /** Every node prepared on the engine (weights in wasm memory, run function), by index. */
  private readonly prepared: PreparedNode[] = [];
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
        const def = opDef(node.op);
        if (!def) throw new Error(`unknown op ${JSON.stringify(node.op)}`);
        this.prepared.push(def.prepare(engine, node, this.weightReader(node)));
      }
    } catch (e) {
      this.dispose();
      const msg = (e as Error).message ?? String(e);
      throw new Error(msg.startsWith("lq.engine") ? msg : `lq.engine: cannot prepare ${nodeLabel(i, graph.nodes[i])}: ${msg}`, {
        cause: e,
      });
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

  private weightReader(node: GraphNode): WeightReader {
    const opt = (role: string): Float32Array | undefined => {
      const key = node.weights[role];
      return key === undefined ? undefined : this.graph.weights.get(key)?.data;
    };
    return {
      opt,
      get: (role) =>
        opt(role) ??
        (() => {
          throw new Error(`lacks its weight "${role}"`);
        })(),
    };
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
    if (
      fullShape.length !== inShape.length + 1 ||
      !(fullShape[0] >= 1) ||
      !Number.isInteger(fullShape[0]) ||
      fullShape.slice(1).some((d, i) => d !== inShape[i])
    ) {
      invalidArgument("input shape", fullShape, `[batch, ${inShape.join(", ")}]`);
    }
    const n = fullShape.reduce((a, b) => a * b, 1);
    if (data.length !== n) invalidArgument("input.length", data.length, `${n} for shape [${fullShape.join(", ")}]`);
    const batch = fullShape[0];
    const plan = this.planFor(batch);
    this.engine.writeFloat(plan.tensors[0], data);
    const nodes = this.graph.nodes;
    for (let i = 1; i < nodes.length; i++)
      this.prepared[i].run(
        nodes[i].inputs.map((j) => plan.tensors[j]),
        plan.tensors[i],
      );
    const outT = plan.tensors[this.graph.output];
    const out = new Float32Array(outT.byteLength / 4);
    this.engine.readFloat(outT, out);
    if (input instanceof tf.Tensor) return tf.tensor(out, [batch, ...this.outputShape], "float32");
    return out;
  }

  /**
   * @internal The profiler's hook (profile.ts): {@link EngineModel.predict} on a `Float32Array`, calling
   * `onNode(i, ms)` with the wall time of every node (node 0: writing the input). A first call for a batch size
   * (or a bad input, which then throws as `predict` does) goes through `predict` once, untimed, to make the plan.
   */
  runTimed(input: Float32Array, shape: readonly number[], onNode: (node: number, ms: number) => void): Float32Array {
    const x = this.plan?.tensors[0];
    if (
      this.disposed ||
      !x ||
      x.shape.length !== shape.length ||
      x.shape.some((d, k) => d !== shape[k]) ||
      input.length * 4 !== x.byteLength
    )
      this.predict(input, shape);
    const plan = this.plan!;
    const nodes = this.graph.nodes;
    let t0 = performance.now();
    this.engine.writeFloat(plan.tensors[0], input);
    onNode(0, performance.now() - t0);
    for (let i = 1; i < nodes.length; i++) {
      const inputs = nodes[i].inputs.map((j) => plan.tensors[j]);
      t0 = performance.now();
      this.prepared[i].run(inputs, plan.tensors[i]);
      onNode(i, performance.now() - t0);
    }
    const outT = plan.tensors[this.graph.output];
    const out = new Float32Array(outT.byteLength / 4);
    this.engine.readFloat(outT, out);
    return out;
  }

  /**
   * Buffers for one batch size, in one arena block of the engine's memory. A node's buffer is released once its
   * last consumer has its own buffer, so later nodes reuse it (first-fit inside the arena): memory follows the
   * widest point of the network, not its sum. The arena is the model's alone — other models and ops on the same
   * engine never get its released space, which its nodes still read and write during a run. Op scratch is
   * allocated first, here too: nothing is allocated while the graph runs.
   */
  private planFor(batch: number): Plan {
    if (this.plan?.batch === batch) return this.plan;
    this.freePlan();
    const nodes = this.graph.nodes;
    for (let i = 1; i < nodes.length; i++) this.prepared[i].prepare?.([batch, ...nodes[nodes[i].inputs[0]].shape]);
    const lastUse = nodes.map(() => -1);
    nodes.forEach((n, i) => n.inputs.forEach((j) => (lastUse[j] = i)));
    lastUse[0] = lastUse[this.graph.output] = nodes.length; // written / read by predict itself
    const arena = new ArenaPlanner();
    const offsets: number[] = [];
    const live = new Set<number>();
    for (let i = 0; i < nodes.length; i++) {
      offsets.push(arena.alloc(nodeBufferBytes(nodes[i], batch)));
      live.add(i);
      for (const j of nodes[i].inputs) {
        if (lastUse[j] === i && live.delete(j)) arena.dealloc(offsets[j]);
      }
    }
    let base: number;
    try {
      base = this.engine.alloc(arena.size);
    } catch (e) {
      throw new Error(
        `lq.engine: cannot allocate the ${arena.size} bytes of node buffers at batch ${batch} (${this.engine.allocatedBytes} bytes in use): ${(e as Error).message}`,
        { cause: e },
      );
    }
    const tensors = nodes.map((n, i) => new EngineTensor(this.engine, base + offsets[i], [batch, ...n.shape], n.dtype));
    this.plan = { batch, tensors, held: new Set([base]) };
    return this.plan;
  }

  private freePlan(): void {
    if (!this.plan) return;
    for (const ptr of this.plan.held) this.engine.free(ptr);
    this.plan = undefined;
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
    for (const p of this.prepared) p.dispose();
    this.prepared.length = 0;
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
  /**
   * Threads to run on (default 1; see {@link EngineOptions.threads}): models with the same count share one engine
   * and its workers. Not with `engine` (whose threads are fixed when it is loaded); with `engineOptions`, a new
   * engine with these threads.
   */
  threads?: number;
  /** Engine to run on; default the shared `loadEngine()` (or the shared engine with `threads`). */
  engine?: Engine;
  /** Options for a new engine (ignored when `engine` is given). */
  engineOptions?: EngineOptions;
}

/** The engine a model runs on: `options.engine`, a new one from `engineOptions`, or the shared one for `threads`. */
async function engineFor(options: Omit<EngineModelOptions, "chainBits">): Promise<Engine> {
  const { threads, engine, engineOptions } = options;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)) {
    invalidArgument("threads", threads, `an integer from 1 to ${MAX_THREADS}`);
  }
  if (engine) {
    if (threads !== undefined) {
      invalidArgument("threads", threads, "undefined when an engine is given (load the engine with { threads })");
    }
    return engine;
  }
  if (engineOptions) return loadEngine(threads === undefined ? engineOptions : { ...engineOptions, threads });
  return sharedEngineWithThreads(threads ?? 1);
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
  // The converter's graph goes through the same op validators as a loaded file.
  validateGraph(graph, "lq.engine.convert: internal error, the converted graph does not validate: ");
  const engine = await engineFor(options);
  return new EngineModel(engine, graph, { maxMemoryBytes: options.maxMemoryBytes });
}

/** Loads an {@link EngineModel} from bytes written by {@link EngineModel.save}; bad files throw. */
export async function load(bytes: Uint8Array | ArrayBuffer, options: Omit<EngineModelOptions, "chainBits"> = {}): Promise<EngineModel> {
  const graph = decodeEngineFile(bytes);
  const engine = await engineFor(options);
  return new EngineModel(engine, graph, { maxMemoryBytes: options.maxMemoryBytes });
}
