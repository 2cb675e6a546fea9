/**
 * The memory plan of a graph: how many bytes of wasm memory its weights, op scratch and node buffers take at a
 * batch size, computed from the shapes alone before anything is allocated, so a file whose buffers would grow
 * the memory to gigabytes is rejected at load with the node that needs them.
 *
 * @packageDocumentation
 */
import { packedLength } from "./bitpacking.js";
import type { EngineGraph, GraphNode } from "./graph.js";
import { opDef, type OpBytes } from "./ops/index.js";

/** Default limit of {@link planMemory}'s peak at batch 1: 256 MiB. */
export const DEFAULT_MAX_MEMORY_BYTES = 256 * 2 ** 20;

const align16 = (n: number) => Math.ceil(n / 16) * 16;
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Bytes of one node's output buffer at a batch size. */
export function nodeBufferBytes(node: GraphNode, batch: number): number {
  const shape = [batch, ...node.shape];
  return align16(node.dtype === "float32" ? prod(shape) * 4 : packedLength(shape) * 4);
}

/** Bytes of wasm memory a node's prepared weights (`weights`) and per-batch scratch (`scratch`) take. */
export function nodeOpBytes(graph: EngineGraph, index: number, batch: number): OpBytes {
  const node = graph.nodes[index];
  const def = opDef(node.op);
  if (!def?.bytes) return { weights: 0, scratch: 0 };
  const inShape = node.inputs.length ? graph.nodes[node.inputs[0]].shape : [];
  return def.bytes(node, inShape, batch, (role) =>
    node.weights[role] === undefined ? -1 : (graph.weights.get(node.weights[role])?.data.length ?? -1),
  );
}

/** The result of {@link planMemory}. */
export interface MemoryPlan {
  /** Peak bytes: weights + scratch + the node buffers live at the widest point. */
  peakBytes: number;
  /** The node whose buffer allocation reached the peak. */
  peakNode: number;
  /** Bytes of that node's own output buffer. */
  peakNodeBytes: number;
  /** The node buffer bytes live at the peak (without weights and scratch). */
  liveBytes: number;
  /** Bytes of prepared weights and op scratch. */
  fixedBytes: number;
}

/**
 * Computes the wasm memory a graph needs at `batch` with the runtime's buffer lifetimes (a node's buffer is freed
 * once its last consumer has its own buffer; the input and the output stay live).
 */
export function planMemory(graph: EngineGraph, batch = 1): MemoryPlan {
  const nodes = graph.nodes;
  let fixedBytes = 0;
  for (let i = 0; i < nodes.length; i++) {
    const { weights, scratch } = nodeOpBytes(graph, i, batch);
    fixedBytes += weights + scratch;
  }
  const lastUse = nodes.map(() => -1);
  nodes.forEach((n, i) => n.inputs.forEach((j) => (lastUse[j] = i)));
  lastUse[0] = lastUse[graph.output] = nodes.length;
  const sizes = nodes.map((n) => nodeBufferBytes(n, batch));
  let live = 0;
  let best = { peak: -1, node: 0, live: 0 };
  for (let i = 0; i < nodes.length; i++) {
    live += sizes[i];
    if (live > best.peak) best = { peak: live, node: i, live };
    for (const j of new Set(nodes[i].inputs)) if (lastUse[j] === i) live -= sizes[j];
  }
  return { peakBytes: fixedBytes + best.live, peakNode: best.node, peakNodeBytes: sizes[best.node], liveBytes: best.live, fixedBytes };
}
