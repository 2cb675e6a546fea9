/**
 * The engine's model graph: a list of plain-object nodes in execution order, and the weight table they point
 * into. The converter builds it from a tfjs model, the file format stores it, {@link EngineModel} runs it.
 *
 * @packageDocumentation
 */

/** Element kind of a graph value: float32 or packed sign bits (see bitpacking.ts). */
export type ValueDType = "float32" | "bits";

/**
 * The ops a graph node can hold.
 *
 * @remarks
 * Binary: `bconv2d`, `bdense` (weights: `filter` HWIO / `kernel` [cin, cout] signs, `multiplier`, `bias` of the
 * output transform), `bmaxpool`, `signpack` (float → bits, larq's sign: 0 → +1). Float: `conv2d`, `depthwise`,
 * `dense`, `batchnorm`, `affine` (per-channel x·m + b, as TFLite's MUL / ADD), `pad`, `slice` (channels), `unpack` (bits → ±1 floats), `maxpool`, `avgpool`, `globalavg`, `globalmax`, `add`, `concat`, `reshape` (also Flatten;
 * on bits only when the layout is unchanged), `activation`, `prelu`, `sign`.
 */
export type OpKind =
  | "input"
  | "bconv2d"
  | "bdense"
  | "bmaxpool"
  | "signpack"
  | "sign"
  | "conv2d"
  | "depthwise"
  | "dense"
  | "batchnorm"
  | "maxpool"
  | "avgpool"
  | "globalavg"
  | "globalmax"
  | "add"
  | "concat"
  | "reshape"
  | "activation"
  | "prelu"
  | "affine"
  | "pad"
  | "slice"
  | "unpack";

/** One node: an op applied to earlier nodes' outputs. */
export interface GraphNode {
  /** The source layer's name (for error messages and summaries). */
  name: string;
  /** The op. */
  op: OpKind;
  /** Indices of the input nodes (earlier in the list). */
  inputs: number[];
  /** Op attributes (JSON-serialisable). */
  attrs: Record<string, unknown>;
  /** Weight keys into {@link EngineGraph.weights}, by role (`filter`, `kernel`, `bias`, `multiplier`, …). */
  weights: Record<string, string>;
  /** Output shape without the batch dimension. */
  shape: number[];
  /** Output element kind. */
  dtype: ValueDType;
}

/** A weight array: `"bits"` weights only keep their signs (stored with 1 bit per value). */
export interface GraphWeight {
  /** Storage kind. */
  kind: "float32" | "bits";
  /** Logical shape. */
  shape: number[];
  /** Values (for `"bits"`: ±1). */
  data: Float32Array;
}

/** A converted model: nodes in execution order (node 0 is the input), the output node and the weights. */
export interface EngineGraph {
  nodes: GraphNode[];
  output: number;
  weights: Map<string, GraphWeight>;
}
