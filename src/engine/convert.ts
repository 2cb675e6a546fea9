/**
 * The converter: a trained tfjs LayersModel of larq-ts and tfjs layers → an {@link EngineGraph}, with binary layers
 * as bitpacked ops, their bias / BatchNormalization folded into the output transform, and packed-bit outputs with
 * per-channel thresholds where the next consumer is again a binary layer.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import type { QuantizerLike } from "../quantizers/base.js";
import { invalidArgument } from "../utils/errors.js";
import type { EngineGraph, GraphNode, GraphWeight, OpKind, ValueDType } from "./graph.js";
import {
  isPlainSign,
  isSignQuantizer,
  layerConfig,
  mustWeight,
  readWeight,
  type AnyLayer,
  type LNode,
  type SymTensor,
} from "./convert_util.js";
import { foldClamps } from "./float_fusion.js";
import { binaryLayer } from "./fusion.js";
import { ENGINE_ACTIVATIONS } from "./ops/activation.js";
import { LAYER_RULES, type LayerContext } from "./ops/index.js";

/** Options of {@link convertGraph} / `lq.engine.convert`. */
export interface ConvertOptions {
  /** Emit packed-bit outputs with thresholds between binary layers (default true; false keeps float outputs). */
  chainBits?: boolean;
}

/** Activations the engine evaluates (normalised names); defined with the `activation` op. */
export { ENGINE_ACTIVATIONS };
export { isSignQuantizer };

/**
 * Converts a tfjs LayersModel into an engine graph (see {@link EngineGraph}).
 *
 * @remarks
 * Binary layers are QuantConv2D / QuantDense whose input and kernel quantizers are both 1-bit sign quantizers
 * (SteSign, ApproxSign, SwishSign, MagnitudeAwareSign; the latter's per-channel mean |w| becomes the transform
 * multiplier). Everything else listed in {@link OpKind} runs in float; any other layer throws "unsupported layer".
 */
export function convertGraph(model: tfl.LayersModel, options: ConvertOptions = {}): EngineGraph {
  if (typeof options !== "object" || options === null) invalidArgument("options", options, "a ConvertOptions object");
  const chainBits = options.chainBits ?? true;
  if (!model || !Array.isArray((model as any).outputs) || !Array.isArray((model as any).inputs)) {
    invalidArgument("model", model, "a tfjs LayersModel (Sequential or functional)");
  }
  const ins = (model as any).inputs as SymTensor[];
  const outs = (model as any).outputs as SymTensor[];
  if (ins.length !== 1) invalidArgument("model.inputs.length", ins.length, "1 (one input)");
  if (outs.length !== 1) invalidArgument("model.outputs.length", outs.length, "1 (one output)");

  // 1. The layer graph in topological order.
  const lnodes: LNode[] = [];
  const byTensor = new Map<number, number>();
  const visit = (st: SymTensor): number => {
    const known = byTensor.get(st.id);
    if (known !== undefined) return known;
    const inputs = (st.inputs ?? []).map(visit);
    const shape = st.shape.slice(1);
    if (shape.some((d) => typeof d !== "number" || d < 1)) {
      throw new Error(
        `lq.engine.convert: layer "${st.sourceLayer.name}" has an undefined output shape [${st.shape.join(", ")}]; give the model a fixed input shape.`,
      );
    }
    const node: LNode = {
      id: lnodes.length,
      layer: st.sourceLayer,
      cls: st.sourceLayer.getClassName(),
      inputs,
      shape: shape as number[],
      consumers: [],
    };
    for (const i of inputs) lnodes[i].consumers.push(node.id);
    lnodes.push(node);
    byTensor.set(st.id, node.id);
    return node.id;
  };
  const outputL = visit(outs[0]);
  if (lnodes[0].cls !== "InputLayer") throw new Error("lq.engine.convert: the model must start with an InputLayer.");

  // Weight reads create tensors: release them all at the end.
  tf.engine().startScope();
  try {
    return foldClamps(new Builder(lnodes, outputL, chainBits).build());
  } finally {
    tf.engine().endScope();
  }
}

/** Builds the engine graph of a layer graph (see {@link convertGraph}). @internal */
export class Builder implements LayerContext {
  nodes: GraphNode[] = [];
  weights = new Map<string, GraphWeight>();
  /** Layer-node id → graph node id of its output. */
  value = new Map<number, number>();
  signCache = new Map<number, number>();
  constructor(
    readonly lnodes: LNode[],
    readonly outputL: number,
    readonly chainBits: boolean,
  ) {}

  build(): EngineGraph {
    for (const ln of this.lnodes) {
      if (this.value.has(ln.id)) continue;
      this.convertLayer(ln);
    }
    const out = this.value.get(this.outputL)!;
    if (this.nodes[out].dtype === "bits") throw new Error("lq.engine.convert: internal error, the model output is packed bits.");
    return { nodes: this.nodes, output: out, weights: this.weights };
  }

  emit(
    name: string,
    op: OpKind,
    inputs: number[],
    attrs: Record<string, unknown>,
    shape: number[],
    dtype: ValueDType = "float32",
    weights: Record<string, GraphWeight> = {},
  ): number {
    const id = this.nodes.length;
    const keys: Record<string, string> = {};
    for (const [role, w] of Object.entries(weights)) {
      const key = `${id}/${role}`;
      this.weights.set(key, w);
      keys[role] = key;
    }
    this.nodes.push({ name, op, inputs, attrs, weights: keys, shape: [...shape], dtype });
    return id;
  }

  f32(t: tf.Tensor | Float32Array, shape?: number[]): GraphWeight {
    if (t instanceof Float32Array) return { kind: "float32", shape: shape ?? [t.length], data: t };
    return { kind: "float32", shape: t.shape.slice(), data: Float32Array.from(t.dataSync()) };
  }

  in(ln: LNode, i = 0): number {
    return this.value.get(ln.inputs[i])!;
  }

  /** A float value for node `v` (binary values never need unpacking: bits are only produced for binary consumers). */
  floatIn(ln: LNode, i = 0): number {
    const v = this.in(ln, i);
    if (this.nodes[v].dtype !== "float32") throw new Error(`lq.engine.convert: internal error, layer "${ln.layer.name}" got packed bits.`);
    return v;
  }

  bitsIn(ln: LNode): number {
    const v = this.in(ln);
    if (this.nodes[v].dtype === "bits") return v;
    const cached = this.signCache.get(v);
    if (cached !== undefined) return cached;
    const id = this.emit(`${this.nodes[v].name}/sign_pack`, "signpack", [v], {}, this.nodes[v].shape, "bits");
    this.signCache.set(v, id);
    return id;
  }

  unsupported(ln: LNode, why = ""): never {
    throw new Error(`lq.engine.convert: unsupported layer "${ln.layer.name}" (${ln.cls})${why ? `: ${why}` : ""}.`);
  }

  isBinaryLayer(ln: LNode): boolean {
    if (ln.cls !== "QuantConv2D" && ln.cls !== "QuantDense") return false;
    // MagnitudeAwareSign scales per channel: fine for kernels (folded), not for inputs.
    const inQ = ln.layer.inputQuantizer as QuantizerLike;
    return isPlainSign(inQ) && isSignQuantizer(ln.layer.kernelQuantizer);
  }

  /** Whether layer node `id` feeds only binary layers (and is not the model output). */
  feedsOnlyBinary(id: number): boolean {
    const ln = this.lnodes[id];
    return id !== this.outputL && ln.consumers.length > 0 && ln.consumers.every((c) => this.isBinaryLayer(this.lnodes[c]));
  }

  singleConsumer(id: number): LNode | undefined {
    const ln = this.lnodes[id];
    if (id === this.outputL || ln.consumers.length !== 1) return undefined;
    return this.lnodes[ln.consumers[0]];
  }

  convertLayer(ln: LNode): void {
    const L = ln.layer;
    const cfg = layerConfig(L);
    const shape = ln.shape;
    const name = L.name;
    const set = (id: number): void => {
      this.value.set(ln.id, id);
    };
    // Keras/larq grouped convolutions (groups > 1) run as grouped binary convolutions; float ones are not supported.
    if ((cfg.groups ?? 1) !== 1 && !(ln.cls === "QuantConv2D" && this.isBinaryLayer(ln)))
      this.unsupported(
        ln,
        `groups ${cfg.groups}: grouped convolutions are not yet supported by the engine for float layers (binary QuantConv2D ones are)`,
      );
    switch (ln.cls) {
      case "InputLayer":
        return set(this.emit(name, "input", [], {}, shape));
      case "Dropout":
      case "SpatialDropout1D":
      case "SpatialDropout2D":
      case "GaussianNoise":
      case "GaussianDropout":
      case "AlphaDropout":
        return set(this.in(ln));
    }
    if ((ln.cls === "QuantConv2D" || ln.cls === "QuantDense") && this.isBinaryLayer(ln)) return binaryLayer(this, ln, cfg);
    // Every other layer: the rule of the op it maps to (ops/<op>.ts, `layers`).
    const rule = LAYER_RULES.get(ln.cls);
    if (!rule) this.unsupported(ln);
    rule(this, ln, cfg);
  }

  set(ln: LNode, id: number): void {
    this.value.set(ln.id, id);
  }

  shapeOf(id: number): number[] {
    return this.nodes[id].shape;
  }

  checkNHWC(ln: LNode, cfg: Record<string, any>): void {
    if (cfg.dataFormat && cfg.dataFormat !== "channelsLast") this.unsupported(ln, `dataFormat ${cfg.dataFormat}`);
  }

  activation(ln: LNode, input: number, act: string, shape: number[]): number {
    if (!ENGINE_ACTIVATIONS.has(act)) this.unsupported(ln, `activation "${act}"`);
    if (act === "linear") return input;
    return this.emit(
      `${ln.layer.name}${ln.cls === "Activation" || ln.cls === "ReLU" || ln.cls === "Softmax" ? "" : "/activation"}`,
      "activation",
      [input],
      { activation: act },
      shape,
    );
  }

  bnWeights(L: AnyLayer): Record<string, GraphWeight> {
    const w: Record<string, GraphWeight> = {
      mean: this.f32(mustWeight(L, "moving_mean")),
      variance: this.f32(mustWeight(L, "moving_variance")),
    };
    const gamma = readWeight(L, "gamma");
    const beta = readWeight(L, "beta");
    if (gamma) w.gamma = this.f32(gamma);
    if (beta) w.beta = this.f32(beta);
    return w;
  }
}
