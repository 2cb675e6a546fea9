/**
 * {@link EngineModel}: a converted graph prepared on the wasm engine (made by `convert` / `load`, model_io.ts).
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { invalidArgument } from "../utils/errors.js";
import type { Engine } from "./engine.js";
import { encodeEngineFile, nodeLabel } from "./format.js";
import type { EngineGraph, GraphNode } from "./graph.js";
import { DEFAULT_MAX_MEMORY_BYTES, nodeBufferBytes, planMemory } from "./memory.js";
import { opDef, type PreparedNode, type WeightReader } from "./ops/index.js";
import { ArenaPlanner } from "./allocator.js";
import { EngineTensor } from "./tensor.js";
import { TwinPolicy } from "./threads/twin.js";

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
  /** The same graph on a one-thread engine, for a threaded model (see {@link TwinPolicy}), and its policy. */
  private twin: EngineModel | undefined;
  private twinPolicy: { batch: number; policy: TwinPolicy } | undefined;

  /** @internal Use {@link convert} or {@link load}. */
  constructor(
    /** The engine the model runs on. */
    readonly engine: Engine,
    /** The converted graph. */
    readonly graph: EngineGraph,
    options: {
      maxMemoryBytes?: number;
      /** A one-thread engine to prepare a single-thread twin on (for an engine with more than one thread). */
      twinEngine?: Engine;
    } = {},
  ) {
    const limit = options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
    if (typeof limit !== "number" || !(limit > 0)) invalidArgument("maxMemoryBytes", limit, "a positive number of bytes");
    // Checked before anything is prepared, so that a bad twin engine leaves nothing allocated.
    if (options.twinEngine && options.twinEngine.threads !== 1) {
      invalidArgument("twinEngine.threads", options.twinEngine.threads, "1");
    }
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
    const twinEngine = options.twinEngine;
    if (twinEngine) {
      try {
        this.twin = new EngineModel(twinEngine, graph, { maxMemoryBytes: limit });
      } catch (e) {
        this.dispose();
        throw e;
      }
    }
  }

  /**
   * Whether the model has a single-thread twin: the same graph prepared on a one-thread engine, which `predict`
   * runs instead of the threaded engine when that is measured faster (a busy machine). See
   * `EngineModelOptions.singleThreadTwin`.
   */
  get hasTwin(): boolean {
    return this.twin !== undefined;
  }

  /** @internal The medians of recent predict times (twin, threaded), NaN where not measured; for tests and benchmarks. */
  twinMedians(): [number, number] {
    return this.twinPolicy?.policy.medians() ?? [NaN, NaN];
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
    const out = this.twin ? this.runMeasured(this.twin, data, batch) : this.run(data, batch);
    if (input instanceof tf.Tensor) return tf.tensor(out, [batch, ...this.outputShape], "float32");
    return out;
  }

  /**
   * Runs the graph on a checked input of `batch` images; with `onNode`, times every node (node 0: writing the
   * input) and reports it.
   */
  private run(data: Float32Array, batch: number, onNode?: (node: number, ms: number) => void): Float32Array {
    const now = onNode ? () => performance.now() : () => 0;
    const plan = this.planFor(batch);
    let t0 = now();
    this.engine.writeFloat(plan.tensors[0], data);
    onNode?.(0, now() - t0);
    const nodes = this.graph.nodes;
    for (let i = 1; i < nodes.length; i++) {
      const inputs = nodes[i].inputs.map((j) => plan.tensors[j]);
      t0 = now();
      this.prepared[i].run(inputs, plan.tensors[i]);
      onNode?.(i, now() - t0);
    }
    const outT = plan.tensors[this.graph.output];
    const out = new Float32Array(outT.byteLength / 4);
    this.engine.readFloat(outT, out);
    return out;
  }

  /** Runs on this model's engine or on its twin, as the policy for this batch size chooses, and times the run. */
  private runMeasured(twin: EngineModel, data: Float32Array, batch: number): Float32Array {
    if (this.twinPolicy?.batch !== batch) this.twinPolicy = { batch, policy: new TwinPolicy() };
    const policy = this.twinPolicy.policy;
    const variant = policy.choose();
    const t0 = performance.now();
    const out = variant === 0 ? twin.run(data, batch) : this.splitting(() => this.run(data, batch));
    policy.record(variant, performance.now() - t0);
    return out;
  }

  /**
   * Runs `fn` with every kernel call split across the threads (when the model has a twin: its policy chose the
   * threads for the whole predict, so the pool's own split policy is not asked).
   */
  private splitting<T>(fn: () => T): T {
    if (!this.twin) return fn();
    const kernels = this.engine.kernels;
    kernels.alwaysSplit = true;
    try {
      return fn();
    } finally {
      kernels.alwaysSplit = false;
    }
  }

  /**
   * @internal The profiler's hook (profile.ts): {@link EngineModel.predict} on a `Float32Array`, calling
   * `onNode(i, ms)` with the wall time of every node (node 0: writing the input). Always on this model's engine
   * (with a twin: every call split, as a predict on the threads runs). A first call for a batch size
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
    // predict may have run on the twin; run() makes this model's own plan then (the profile times this engine).
    return this.splitting(() => this.run(input, shape[0], onNode));
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

  /** Frees the model's weights and buffers in wasm memory (its twin's too). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.twin?.dispose();
    this.twin = undefined;
    this.freePlan();
    for (const p of this.prepared) p.dispose();
    this.prepared.length = 0;
  }
}
