/**
 * A per-node profile of an {@link EngineModel}: the median wall time of every graph node over a number of runs,
 * its share of the total, its work (binary or float multiply-accumulates) and throughput, and a summary by op.
 *
 * @packageDocumentation
 */
import { checkNumber, invalidArgument } from "../utils/errors.js";
import { median } from "../utils/timing.js";
import type { GraphNode, OpKind } from "./graph.js";
import type { EngineModel } from "./model.js";

/** Options of {@link profile}. */
export interface ProfileOptions {
  /** Timed runs (default 20); the node times are medians over them. */
  runs?: number;
  /** Untimed runs before (default `min(3, runs)`). */
  warmup?: number;
  /** Batch size (default 1; ignored when `input` is given with its `shape`). */
  batch?: number;
  /** The input, `[batch, ...inputShape]` values (default: `sin(i)` for element i). */
  input?: Float32Array;
  /** Shape of `input` (default `[batch, ...inputShape]`). */
  shape?: readonly number[];
}

/** Multiply-accumulates of a node: binary (XNOR-popcount on ±1 values) or float32; `null` for ops without. */
export type MacKind = "binary" | "float" | null;

/** One graph node in an {@link EngineProfile}. */
export interface NodeProfile {
  /** Node index in execution order. */
  index: number;
  /** The node's name (its source layer). */
  name: string;
  /** The op. */
  op: OpKind;
  /** Output shape, batch included. */
  shape: number[];
  /** Median wall time over the timed runs, in milliseconds (node 0, the input: writing the input into wasm memory). */
  ms: number;
  /** `ms` over the sum of every node's `ms`. */
  share: number;
  /** Multiply-accumulates at the profiled batch (0 for ops without). */
  macs: number;
  /** Kind of {@link NodeProfile.macs}. */
  macKind: MacKind;
  /** `macs` per second in billions (binary GMAC/s for binary ops); `null` without MACs or when `ms` is 0. */
  gmacPerSecond: number | null;
}

/** Nodes of one op kind in an {@link EngineProfile}. */
export interface OpKindProfile {
  /** The op. */
  op: OpKind;
  /** Number of nodes. */
  count: number;
  /** Sum of the nodes' median times, in milliseconds. */
  ms: number;
  /** `ms` over the sum of every node's `ms`. */
  share: number;
  /** Sum of the nodes' MACs. */
  macs: number;
}

/** The result of {@link profile}. */
export interface EngineProfile {
  /** Input shape, batch included. */
  inputShape: number[];
  /** Timed runs. */
  runs: number;
  /** Median wall time of a whole timed run (input in, every node, output out), in milliseconds. */
  wholeMs: number;
  /** Sum of the node medians, in milliseconds. */
  nodesMs: number;
  /** Every timed run: its whole wall time and the sum of its node times (never above the whole). */
  perRun: { wholeMs: number; nodesMs: number }[];
  /** Every node, in execution order. */
  nodes: NodeProfile[];
  /** Every op kind present, slowest first. */
  ops: OpKindProfile[];
  /** Binary and float MACs of the whole model at the profiled batch. */
  macs: { binary: number; float: number };
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/**
 * The multiply-accumulates of a node at batch `batch`: `bconv2d` output elements × kernel taps × input channels /
 * groups and `bdense` M·N·K (binary); `conv2d` output elements × taps × input channels, `depthwise` output elements
 * × taps, `dense` M·N·K (float); none for the other ops.
 *
 * @param node - the node; `inShape` its first input's shape (without the batch).
 */
export function nodeMacs(node: GraphNode, inShape: readonly number[], batch = 1): { macs: number; kind: MacKind } {
  const a = node.attrs as { kernelSize?: [number, number]; groups?: number };
  const out = batch * prod(node.shape);
  const taps = a.kernelSize ? a.kernelSize[0] * a.kernelSize[1] : 1;
  switch (node.op) {
    case "bconv2d":
      return { macs: out * taps * (inShape[2] / (a.groups ?? 1)), kind: "binary" };
    case "bdense":
      return { macs: out * inShape[0], kind: "binary" };
    case "conv2d":
      return { macs: out * taps * inShape[2], kind: "float" };
    case "depthwise":
      return { macs: out * taps, kind: "float" };
    case "dense":
      return { macs: out * inShape[0], kind: "float" };
    default:
      return { macs: 0, kind: null };
  }
}

/**
 * Runs `model` `runs` times (after `warmup` untimed runs) and times every graph node.
 *
 * @remarks
 * Each node's time is `performance.now()` around its prepared `run` (node 0: writing the input); the reported
 * time is the median over the runs. The shares are of the sum of the node medians; the whole run also includes
 * reading the output and the loop itself (`wholeMs`).
 */
export function profile(model: EngineModel, options: ProfileOptions = {}): EngineProfile {
  if (options === null || typeof options !== "object") invalidArgument("options", options, "an object");
  const runs = checkNumber("runs", options.runs ?? 20, { integer: true, min: 1 })!;
  const warmup = checkNumber("warmup", options.warmup ?? Math.min(3, runs), { integer: true, min: 0 })!;
  const batch = checkNumber("batch", options.batch ?? 1, { integer: true, min: 1 })!;
  const shape = options.shape ? [...options.shape] : [batch, ...model.inputShape];
  if (options.input !== undefined && !(options.input instanceof Float32Array)) invalidArgument("input", options.input, "a Float32Array");
  const input = options.input ?? Float32Array.from({ length: prod(shape) }, (_, i) => Math.sin(i));
  const nodes = model.graph.nodes;
  const times = nodes.map(() => new Array<number>(runs));
  const perRun: { wholeMs: number; nodesMs: number }[] = [];
  for (let r = 0; r < warmup; r++) model.runTimed(input, shape, () => {});
  for (let r = 0; r < runs; r++) {
    let sum = 0;
    const t0 = performance.now();
    model.runTimed(input, shape, (i, ms) => {
      times[i][r] = ms;
      sum += ms;
    });
    perRun.push({ wholeMs: performance.now() - t0, nodesMs: sum });
  }
  const medians = times.map((t) => median(t));
  const nodesMs = medians.reduce((a, b) => a + b, 0);
  const shareOf = (ms: number) => (nodesMs > 0 ? ms / nodesMs : 0);
  const profiled: NodeProfile[] = nodes.map((node, i) => {
    const { macs, kind } = nodeMacs(node, i === 0 ? [] : nodes[node.inputs[0]].shape, shape[0]);
    const ms = medians[i];
    return {
      index: i,
      name: node.name,
      op: node.op,
      shape: [shape[0], ...node.shape],
      ms,
      share: shareOf(ms),
      macs,
      macKind: kind,
      gmacPerSecond: kind !== null && ms > 0 ? macs / (ms * 1e6) : null,
    };
  });
  const byOp = new Map<OpKind, OpKindProfile>();
  for (const n of profiled) {
    const e = byOp.get(n.op) ?? { op: n.op, count: 0, ms: 0, share: 0, macs: 0 };
    e.count++;
    e.ms += n.ms;
    e.macs += n.macs;
    byOp.set(n.op, e);
  }
  const ops = [...byOp.values()].map((e) => ({ ...e, share: shareOf(e.ms) })).sort((a, b) => b.ms - a.ms);
  const total = (k: MacKind) => profiled.filter((n) => n.macKind === k).reduce((a, n) => a + n.macs, 0);
  return {
    inputShape: shape,
    runs,
    wholeMs: median(perRun.map((p) => p.wholeMs)),
    nodesMs,
    perRun,
    nodes: profiled,
    ops,
    macs: { binary: total("binary"), float: total("float") },
  };
}
