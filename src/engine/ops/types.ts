/**
 * The contract of a graph op module (`ops/<op>.ts`): how a node of that op is validated, sized in memory,
 * prepared on an engine and run. One registry (`ops/index.ts`) maps every {@link OpKind} to its {@link OpDef};
 * the file decoder, the memory plan and {@link EngineModel} all go through it, so validation, preparation and
 * execution cannot drift apart.
 *
 * @packageDocumentation
 */
import type * as tf from "@tensorflow/tfjs-core";

import type { AnyLayer, LNode } from "../convert_util.js";
import type { Engine } from "../engine.js";
import type { GraphNode, GraphWeight, OpKind, ValueDType } from "../graph.js";
import type { EngineTensor } from "../tensor.js";

/** What a validator sees of a node being decoded: the node (already structurally checked), its inputs, its weights. */
export interface NodeCheck {
  /** The node (its attrs are still untrusted JSON). */
  node: GraphNode;
  /** The nodes it reads (validated earlier). */
  inputs: GraphNode[];
  /** Shape of the first input (without the batch). */
  inShape: number[];
  /** Length of the weight of a role, or −1 when the node has none. */
  len(role: string): number;
  /** The weight of a role, if any. */
  weight(role: string): GraphWeight | undefined;
  /** Throws "invalid engine file: node i "name" (op): `what`" unless `cond`. */
  need(cond: boolean, what: string): void;
  /** Throws "invalid engine file: node i "name" (op): `what`". */
  fail(what: string): never;
}

/** Weights of a node being prepared, by role. */
export interface WeightReader {
  /** The weight of a role; throws naming the node when it is missing. */
  get(role: string): Float32Array;
  /** The weight of a role, or undefined. */
  opt(role: string): Float32Array | undefined;
}

/** A node prepared on an engine: its weights in wasm memory and its run function. */
export interface PreparedNode {
  /** Allocates per-input-shape scratch before the node buffers of a plan (nothing may be allocated while running). */
  prepare?(inputShape: readonly number[]): void;
  /** Runs the node: `inputs` are the tensors of its input nodes, `output` its own buffer (batch included). */
  run(inputs: EngineTensor[], output: EngineTensor): void;
  /** Frees what {@link OpDef.prepare} allocated. */
  dispose(): void;
}

/** Bytes of wasm memory a node takes besides its output buffer. */
export interface OpBytes {
  /** Prepared weights (allocated once). */
  weights: number;
  /** Scratch at the given batch size. */
  scratch: number;
}

/** What the converter offers a layer rule (see {@link OpDef.layers}); implemented by `Builder` in convert.ts. */
export interface LayerContext {
  /** Appends a node; its weights get keys `<id>/<role>`. Returns the node id. */
  emit(
    name: string,
    op: OpKind,
    inputs: number[],
    attrs: Record<string, unknown>,
    shape: number[],
    dtype?: ValueDType,
    weights?: Record<string, GraphWeight>,
  ): number;
  /** The float graph value of the layer's input `i`. */
  floatIn(ln: LNode, i?: number): number;
  /** Output shape (without batch) of graph node `id`. */
  shapeOf(id: number): number[];
  /** Records node `id` as the layer's output. */
  set(ln: LNode, id: number): void;
  /** Throws `unsupported layer "<name>" (<Class>): <why>`. */
  unsupported(ln: LNode, why?: string): never;
  /** Rejects channels-first layers. */
  checkNHWC(ln: LNode, cfg: Record<string, any>): void;
  /** Appends the activation `act` (normalised name) after `input`, or returns `input` for linear. */
  activation(ln: LNode, input: number, act: string, shape: number[]): number;
  /** A float32 graph weight from a tensor or array. */
  f32(t: tf.Tensor | Float32Array, shape?: number[]): GraphWeight;
  /** A BatchNormalization layer's weights (mean, variance, optional gamma and beta). */
  bnWeights(layer: AnyLayer): Record<string, GraphWeight>;
}

/** A converter rule: turns one tfjs layer (layer-graph node `ln`, its config `cfg`) into graph nodes. */
export type LayerRule = (g: LayerContext, ln: LNode, cfg: Record<string, any>) => void;

/** One graph op: its validation, memory, preparation and execution. */
export interface OpDef {
  /** The op name stored in graph nodes. */
  readonly op: OpKind;
  /** Inputs: none (`input`), exactly one, or one or more (`"many"`). */
  readonly arity: 0 | 1 | "many";
  /** Element kind the inputs must have (`"any"`: either, e.g. a reshape). */
  readonly inputKind: ValueDType | "any";
  /**
   * With arity 1: optional further inputs after the first, by their element kinds (e.g. the float32 residual a
   * binary layer adds to its float output); default none.
   */
  readonly extraInputs?: readonly ValueDType[];
  /** The output element kind a node of this op has (from its attrs and inputs). */
  outputDType(node: GraphNode, inputs: GraphNode[]): ValueDType;
  /** Checks attrs, shapes and weight sizes so that running can never read or write outside a buffer. */
  validate(c: NodeCheck): void;
  /** Wasm bytes of the node's prepared weights and scratch at `batch` (the memory plan); default none. */
  bytes?(node: GraphNode, inShape: number[], batch: number, len: (role: string) => number): OpBytes;
  /** Prepares the node on an engine (copies its weights into wasm memory). */
  prepare(engine: Engine, node: GraphNode, weights: WeightReader): PreparedNode;
  /** Conversion rules of the tfjs layer classes that map to this op (class name → rule), if any. */
  readonly layers?: Readonly<Record<string, LayerRule>>;
}

/** A {@link PreparedNode} without weights or scratch. */
export function stateless(run: (inputs: EngineTensor[], output: EngineTensor) => void): PreparedNode {
  return { run, dispose() {} };
}

/** A float32 view of a tensor's buffer (take it after every allocation: memory growth replaces the buffer). */
export function floatView(engine: Engine, t: EngineTensor): Float32Array {
  return new Float32Array(engine.buffer, t.ptr, t.byteLength / 4);
}

/** Copies float weights into wasm memory; returns the byte address (0 for none). */
export function copyFloats(engine: Engine, data: Float32Array | undefined): number {
  if (!data) return 0;
  const ptr = engine.alloc(Math.max(data.length * 4, 4));
  new Float32Array(engine.buffer, ptr, data.length).set(data);
  return ptr;
}

/** Whether `v` is an array of positive integers below 2^31 (at least `min` of them). */
export function isDims(v: unknown, min = 1): v is number[] {
  return Array.isArray(v) && v.length >= min && v.every((d) => Number.isInteger(d) && d >= 1 && d < 2 ** 31);
}

/** Element count of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Rounds up to the allocator's 16-byte blocks. */
export function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

/** Checks that a node keeps its input's shape. */
export function needSameShape(c: NodeCheck): void {
  const { inShape, node } = c;
  c.need(
    inShape.length === node.shape.length && inShape.every((d, k) => d === node.shape[k]),
    `output shape [${node.shape}] differs from the input shape [${inShape}]`,
  );
}
