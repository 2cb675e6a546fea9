/**
 * The converter: a trained tfjs LayersModel of larq-ts and tfjs layers → an {@link EngineGraph}, with binary layers
 * as bitpacked ops, their bias / BatchNormalization folded into the output transform, and packed-bit outputs with
 * per-channel thresholds where the next consumer is again a binary layer.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

import { applyQuantizer, precisionOf, type QuantizerLike } from "../quantizers/base.js";
import { invalidArgument } from "../utils/errors.js";
import type { EngineGraph, GraphNode, GraphWeight, OpKind, ValueDType } from "./graph.js";

/** Options of {@link convertGraph} / `lq.engine.convert`. */
export interface ConvertOptions {
  /** Emit packed-bit outputs with thresholds between binary layers (default true; false keeps float outputs). */
  chainBits?: boolean;
}

type AnyLayer = tfl.layers.Layer & Record<string, any>;
interface SymTensor {
  id: number;
  shape: (number | null)[];
  sourceLayer: AnyLayer;
  inputs: SymTensor[];
}
/**
 * A layer's config with Keras 2's one-element `axis` lists ([3], as Python Keras saves BatchNormalization)
 * read as the integer they hold; tfjs keeps whatever the file gave.
 */
function layerConfig(layer: { getConfig(): unknown }): Record<string, any> {
  const cfg = { ...(layer.getConfig() as Record<string, any>) };
  if (Array.isArray(cfg.axis) && cfg.axis.length === 1) cfg.axis = cfg.axis[0];
  return cfg;
}

interface LNode {
  id: number;
  layer: AnyLayer;
  cls: string;
  inputs: number[];
  shape: number[];
  consumers: number[];
}

const SIGN_QUANTIZERS = new Set(["stesign", "approxsign", "swishsign", "magnitudeawaresign"]);

/** Normalised name of a quantizer: lower-case class or function name without underscores. */
function quantizerName(q: QuantizerLike): string {
  if (q === null || q === undefined) return "";
  const raw = typeof q === "function" ? q.name : (q as { getClassName(): string }).getClassName();
  return raw.replace(/_/g, "").toLowerCase();
}

/** Whether a quantizer is a 1-bit sign quantizer (forward: larq's sign, or α·sign for MagnitudeAwareSign). */
export function isSignQuantizer(q: QuantizerLike): boolean {
  return q !== null && q !== undefined && precisionOf(q) === 1 && SIGN_QUANTIZERS.has(quantizerName(q));
}

function activationName(a: unknown): string {
  if (a === undefined || a === null) return "linear";
  if (typeof a === "string") return a.replace(/_/g, "").toLowerCase();
  if (typeof a === "object") {
    const o = a as Record<string, unknown>;
    if (typeof o.getClassName === "function") return activationName((o.getClassName as () => string)());
    if (typeof o.className === "string") return activationName(o.className);
    if (typeof o.class_name === "string") return activationName(o.class_name);
  }
  return String(a);
}

/** Activations the engine evaluates (normalised names). */
export const ENGINE_ACTIVATIONS = new Set([
  "linear", "relu", "relu6", "hardtanh", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus", "softsign",
  "hardsigmoid", "swish", "mish", "gelu",
]);

const CLAMPS: Record<string, [number, number]> = { relu: [0, Infinity], relu6: [0, 6], hardtanh: [-1, 1] };

function pairOf(v: unknown, dflt: number): [number, number] {
  if (v === undefined || v === null) return [dflt, dflt];
  if (typeof v === "number") return [v, v];
  const a = v as number[];
  return [a[0], a.length > 1 ? a[1] : a[0]];
}

/** Reads a layer weight by its short name (`kernel`, `bias`, `gamma`, …): latent values for quantized weights. */
function readWeight(layer: AnyLayer, short: string): tf.Tensor | undefined {
  const v = (layer.weights as Array<Record<string, any>>).find(
    (w) => w.originalName?.split("/").pop() === short || String(w.name).split("/").pop()?.replace(/_\d+$/, "") === short,
  );
  if (!v) return undefined;
  return typeof v.readLatent === "function" ? v.readLatent() : v.read();
}

function mustWeight(layer: AnyLayer, short: string): tf.Tensor {
  const t = readWeight(layer, short);
  if (!t) throw new Error(`lq.engine.convert: layer "${layer.name}" (${layer.getClassName()}) has no weight "${short}".`);
  return t;
}

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
      throw new Error(`lq.engine.convert: layer "${st.sourceLayer.name}" has an undefined output shape [${st.shape.join(", ")}]; give the model a fixed input shape.`);
    }
    const node: LNode = { id: lnodes.length, layer: st.sourceLayer, cls: st.sourceLayer.getClassName(), inputs, shape: shape as number[], consumers: [] };
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
    return new Builder(lnodes, outputL, chainBits).build();
  } finally {
    tf.engine().endScope();
  }
}

class Builder {
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

  emit(name: string, op: OpKind, inputs: number[], attrs: Record<string, unknown>, shape: number[], dtype: ValueDType = "float32", weights: Record<string, GraphWeight> = {}): number {
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
    return isSignQuantizer(inQ) && quantizerName(inQ) !== "magnitudeawaresign" && isSignQuantizer(ln.layer.kernelQuantizer);
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
    // Keras/larq grouped convolutions (QuantConv1D/2D/3D with groups > 1) have no engine kernel yet.
    if ((cfg.groups ?? 1) !== 1) this.unsupported(ln, `groups ${cfg.groups}: grouped convolutions are not yet supported by the engine`);
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
      case "QuantConv2D":
      case "QuantDense":
        if (this.isBinaryLayer(ln)) return this.binaryLayer(ln, cfg);
        return this.floatConvOrDense(ln, cfg);
      case "Conv2D":
      case "Dense":
        return this.floatConvOrDense(ln, cfg);
      case "DepthwiseConv2D":
      case "QuantDepthwiseConv2D":
        return this.floatConvOrDense(ln, cfg);
      case "BatchNormalization": {
        const axis = cfg.axis ?? -1;
        const rank = shape.length + 1;
        if (axis !== -1 && axis !== rank - 1) this.unsupported(ln, `axis ${axis} (only the last axis)`);
        return set(this.emit(name, "batchnorm", [this.floatIn(ln)], { epsilon: cfg.epsilon ?? 1e-3 }, shape, "float32", this.bnWeights(L)));
      }
      case "MaxPooling2D":
      case "AveragePooling2D": {
        const [ph, pw] = pairOf(cfg.poolSize, 2);
        const strides = cfg.strides ? pairOf(cfg.strides, ph) : [ph, pw];
        const attrs = { poolSize: [ph, pw], strides, padding: cfg.padding ?? "valid" };
        this.checkNHWC(ln, cfg);
        return set(this.emit(name, ln.cls === "MaxPooling2D" ? "maxpool" : "avgpool", [this.floatIn(ln)], attrs, shape));
      }
      case "GlobalAveragePooling2D":
      case "GlobalMaxPooling2D":
        this.checkNHWC(ln, cfg);
        if (cfg.keepDims) this.unsupported(ln, "keepDims");
        return set(this.emit(name, ln.cls === "GlobalMaxPooling2D" ? "globalmax" : "globalavg", [this.floatIn(ln)], {}, shape));
      case "Add":
        return set(this.emit(name, "add", ln.inputs.map((_, i) => this.floatIn(ln, i)), {}, shape));
      case "Concatenate": {
        const rank = shape.length + 1;
        let axis = cfg.axis ?? -1;
        if (axis < 0) axis += rank;
        if (axis < 1) this.unsupported(ln, `axis ${cfg.axis}`);
        return set(this.emit(name, "concat", ln.inputs.map((_, i) => this.floatIn(ln, i)), { axis: axis - 1 }, shape));
      }
      case "Flatten":
      case "Reshape":
        return set(this.emit(name, "reshape", [this.floatIn(ln)], {}, shape));
      case "Activation":
      case "ReLU":
      case "Softmax": {
        let act = ln.cls === "Activation" ? activationName(cfg.activation) : ln.cls === "ReLU" ? "relu" : "softmax";
        if (ln.cls === "ReLU" && (cfg.maxValue ?? null) !== null) {
          if (cfg.maxValue !== 6) this.unsupported(ln, `maxValue ${cfg.maxValue}`);
          act = "relu6";
        }
        if (ln.cls === "Softmax" && cfg.axis !== undefined && cfg.axis !== -1 && cfg.axis !== shape.length) this.unsupported(ln, `axis ${cfg.axis}`);
        return set(this.activation(ln, this.floatIn(ln), act, shape));
      }
      case "LeakyReLU":
        return set(this.emit(name, "activation", [this.floatIn(ln)], { activation: "leakyrelu", alpha: cfg.alpha ?? 0.3 }, shape));
      case "ELU":
        return set(this.emit(name, "activation", [this.floatIn(ln)], { activation: "elu", alpha: cfg.alpha ?? 1 }, shape));
      case "PReLU": {
        const alpha = mustWeight(L, "alpha");
        const full = tf.broadcastTo(alpha, shape);
        return set(this.emit(name, "prelu", [this.floatIn(ln)], {}, shape, "float32", { alpha: this.f32(full) }));
      }
      default:
        this.unsupported(ln);
    }
  }

  checkNHWC(ln: LNode, cfg: Record<string, any>): void {
    if (cfg.dataFormat && cfg.dataFormat !== "channelsLast") this.unsupported(ln, `dataFormat ${cfg.dataFormat}`);
  }

  activation(ln: LNode, input: number, act: string, shape: number[]): number {
    if (!ENGINE_ACTIVATIONS.has(act)) this.unsupported(ln, `activation "${act}"`);
    if (act === "linear") return input;
    return this.emit(`${ln.layer.name}${ln.cls === "Activation" || ln.cls === "ReLU" || ln.cls === "Softmax" ? "" : "/activation"}`, "activation", [input], { activation: act }, shape);
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

  /** Conv2D / Dense / DepthwiseConv2D (and their Quant versions without binary input+kernel) in float. */
  floatConvOrDense(ln: LNode, cfg: Record<string, any>): void {
    const L = ln.layer;
    const isDepthwise = ln.cls.endsWith("DepthwiseConv2D");
    const inQ: QuantizerLike = L.inputQuantizer ?? null;
    let x = this.floatIn(ln);
    if (inQ !== null && inQ !== undefined) {
      if (!isSignQuantizer(inQ) || quantizerName(inQ) === "magnitudeawaresign") this.unsupported(ln, `input quantizer ${quantizerName(inQ)}`);
      x = this.emit(`${L.name}/input_sign`, "sign", [x], {}, this.nodes[x].shape);
    }
    const kq: QuantizerLike = (isDepthwise ? L.depthwiseQuantizer : L.kernelQuantizer) ?? null;
    let kernel = mustWeight(L, isDepthwise ? "depthwise_kernel" : "kernel");
    if (kq !== null && kq !== undefined) kernel = applyQuantizer(kq, kernel);
    // A plain sign quantizer leaves ±1 values: store them with 1 bit each.
    const signKernel = kq !== null && kq !== undefined && isSignQuantizer(kq) && quantizerName(kq) !== "magnitudeawaresign";
    const weights: Record<string, GraphWeight> = {
      kernel: signKernel ? { kind: "bits", shape: kernel.shape.slice(), data: Float32Array.from(kernel.dataSync()) } : this.f32(kernel),
    };
    if (cfg.useBias !== false) {
      const bias = readWeight(L, "bias");
      if (bias) weights.bias = this.f32(bias);
    }
    let op: OpKind = "dense";
    let attrs: Record<string, unknown> = {};
    if (ln.cls.endsWith("Dense")) {
      if (ln.shape.length !== 1) this.unsupported(ln, "inputs of rank > 2");
    } else {
      this.checkNHWC(ln, cfg);
      op = isDepthwise ? "depthwise" : "conv2d";
      const padding = cfg.padding ?? "valid";
      if (padding !== "valid" && padding !== "same") this.unsupported(ln, `padding "${padding}"`);
      attrs = {
        kernelSize: kernel.shape.slice(0, 2),
        strides: pairOf(cfg.strides, 1),
        dilations: pairOf(cfg.dilationRate, 1),
        padding,
        padValue: L.padValues ?? 0,
      };
    }
    const id = this.emit(L.name, op, [x], attrs, ln.shape, "float32", weights);
    this.value.set(ln.id, this.activation(ln, id, activationName(cfg.activation), ln.shape));
  }

  /** A binary QuantConv2D / QuantDense with the following foldable layers. */
  binaryLayer(ln: LNode, cfg: Record<string, any>): void {
    const L = ln.layer;
    const isConv = ln.cls === "QuantConv2D";
    const x = this.bitsIn(ln);
    const kernel = mustWeight(L, "kernel");
    const cout = kernel.shape[kernel.shape.length - 1];
    const cin = kernel.shape[kernel.shape.length - 2];
    const taps = isConv ? kernel.shape[0] * (kernel.shape[1] as number) : 1;
    const K = taps * cin;
    const scale = new Float64Array(cout).fill(1);
    if (quantizerName(L.kernelQuantizer) === "magnitudeawaresign") {
      const s = tf.mean(tf.abs(kernel), kernel.shape.slice(0, -1).map((_, i) => i)).dataSync();
      for (let n = 0; n < cout; n++) scale[n] = s[n];
    }
    const bias = cfg.useBias !== false ? readWeight(L, "bias")?.dataSync() : undefined;
    let attrs: Record<string, unknown> = { inChannels: cin, outChannels: cout };
    if (isConv) {
      this.checkNHWC(ln, cfg);
      const padding = cfg.padding ?? "valid";
      if (padding !== "valid" && padding !== "same") this.unsupported(ln, `padding "${padding}"`);
      const pv = L.padValues ?? 0;
      if (pv !== 0 && pv !== 1 && pv !== -1) this.unsupported(ln, `padValues ${pv} (binary layers take 0, 1 or -1)`);
      attrs = { ...attrs, kernelSize: kernel.shape.slice(0, 2), strides: pairOf(cfg.strides, 1), dilations: pairOf(cfg.dilationRate, 1), padding, padValue: pv };
    } else if (ln.shape.length !== 1) {
      this.unsupported(ln, "inputs of rank > 2");
    }
    // The per-channel float pipeline after the dot product, as tfjs evaluates it.
    type Step = { kind: "affine"; f: (x: number, n: number) => number; m: Float64Array; b: Float64Array } | { kind: "clamp"; lo: number; hi: number; f: (x: number, n: number) => number } | { kind: "maxpool"; ln: LNode } | { kind: "reshape"; ln: LNode } | { kind: "dropout" };
    const steps: Step[] = [];
    const f32 = Math.fround;
    {
      const m = Float64Array.from(scale);
      const b = new Float64Array(cout);
      if (bias) for (let n = 0; n < cout; n++) b[n] = bias[n];
      steps.push({ kind: "affine", m, b, f: (d, n) => (bias ? f32(f32(scale[n] * d) + bias[n]) : f32(scale[n] * d)) });
    }
    const ownAct = activationName(cfg.activation);
    if (ownAct !== "linear") {
      if (!(ownAct in CLAMPS)) this.unsupported(ln, `activation "${ownAct}" on a binary layer`);
      const [lo, hi] = CLAMPS[ownAct];
      steps.push({ kind: "clamp", lo, hi, f: (v) => Math.min(Math.max(v, lo), hi) });
    }
    // Walk the single-consumer chain of foldable layers: each entry is [layer node, step].
    const chain: Array<[LNode, Step]> = [];
    let cur = ln.id;
    let reshaped = false;
    for (;;) {
      const next = this.singleConsumer(cur);
      if (!next) break;
      const ncfg = layerConfig(next.layer);
      let step: Step | undefined;
      if (next.cls === "BatchNormalization" && !reshaped && (ncfg.axis ?? -1) === -1 || next.cls === "BatchNormalization" && !reshaped && ncfg.axis === next.shape.length) {
        const w = this.bnWeights(next.layer);
        const eps = ncfg.epsilon ?? 1e-3;
        const mean = w.mean.data, vr = w.variance.data, gm = w.gamma?.data, bt = w.beta?.data;
        const m = new Float64Array(cout), b = new Float64Array(cout);
        for (let n = 0; n < cout; n++) {
          m[n] = (gm ? gm[n] : 1) / Math.sqrt(vr[n] + eps);
          b[n] = (bt ? bt[n] : 0) - mean[n] * m[n];
        }
        step = { kind: "affine", m, b, f: (v, n) => f32((bt ? bt[n] : 0) + ((v - mean[n]) * (gm ? gm[n] : 1)) / Math.sqrt(vr[n] + eps)) };
      } else if ((next.cls === "Activation" || next.cls === "ReLU") && !reshaped) {
        let act = next.cls === "ReLU" ? (ncfg.maxValue === 6 ? "relu6" : ncfg.maxValue == null ? "relu" : "?") : activationName(ncfg.activation);
        if (act === "linear") step = { kind: "dropout" };
        else if (act in CLAMPS) {
          const [lo, hi] = CLAMPS[act];
          step = { kind: "clamp", lo, hi, f: (v) => Math.min(Math.max(v, lo), hi) };
        }
      } else if (next.cls === "MaxPooling2D" && !reshaped) {
        step = { kind: "maxpool", ln: next };
      } else if ((next.cls === "Flatten" || next.cls === "Reshape") && next.shape.length === 1 && cout % 64 === 0) {
        step = { kind: "reshape", ln: next };
        reshaped = true;
      } else if (next.cls === "Dropout") {
        step = { kind: "dropout" };
      }
      if (!step) break;
      chain.push([next, step]);
      cur = next.id;
    }
    // Packed-bit output: the whole chain ends at layers that all binarize their input.
    let bitsEnd = -1;
    if (this.chainBits) {
      for (let i = chain.length; i >= 0; i--) {
        const endId = i === 0 ? ln.id : chain[i - 1][0].id;
        if (this.feedsOnlyBinary(endId)) {
          bitsEnd = i;
          break;
        }
      }
    }
    if (bitsEnd >= 0) {
      const used = chain.slice(0, bitsEnd);
      const all: Step[] = [...steps, ...used.map(([, s]) => s)];
      const rule = bitRule(all, cout, K);
      if (rule) {
        let id = this.emit(L.name, isConv ? "bconv2d" : "bdense", [x], { ...attrs, transform: "bits" }, ln.shape, "bits", {
          [isConv ? "filter" : "kernel"]: { kind: "bits", shape: kernel.shape.slice(), data: Float32Array.from(kernel.dataSync()) },
          multiplier: this.f32(rule.multiplier), bias: this.f32(rule.bias),
        });
        this.value.set(ln.id, id);
        for (const [cl, s] of used) {
          if (s.kind === "maxpool") {
            const c = layerConfig(cl.layer);
            const [ph, pw] = pairOf(c.poolSize, 2);
            id = this.emit(cl.layer.name, "bmaxpool", [id], { poolSize: [ph, pw], strides: c.strides ? pairOf(c.strides, ph) : [ph, pw], padding: c.padding ?? "valid" }, cl.shape, "bits");
          } else if (s.kind === "reshape") {
            id = this.emit(cl.layer.name, "reshape", [id], {}, cl.shape, "bits");
          }
          this.value.set(cl.id, id);
        }
        return;
      }
    }
    // Float output: fold the leading affine and clamp steps into multiplier, bias and clamp bounds.
    const m = new Float64Array(cout).fill(1), b = new Float64Array(cout);
    let lo = -Infinity, hi = Infinity, clamped = false;
    const fold = (s: Step): boolean => {
      if (s.kind === "dropout") return true;
      if (s.kind === "affine") {
        if (clamped) return false;
        for (let n = 0; n < cout; n++) {
          m[n] *= s.m[n];
          b[n] = b[n] * s.m[n] + s.b[n];
        }
        return true;
      }
      if (s.kind === "clamp") {
        if (clamped) return false;
        [lo, hi, clamped] = [s.lo, s.hi, true];
        return true;
      }
      return false;
    };
    for (const s of steps) if (!fold(s)) throw new Error("lq.engine.convert: internal error folding a binary layer.");
    // A step is folded only when the folded float32 transform still equals tfjs's step-by-step evaluation for every
    // dot in [−K, K] (a BatchNormalization folded into multiplier/bias can be one ulp off where tfjs gives an exact
    // 0, which flips the next sign); otherwise it runs as its own op.
    const pipeline: Array<(x: number, n: number) => number> = steps.filter((s) => "f" in s).map((s) => (s as { f: (x: number, n: number) => number }).f);
    const exact = (): boolean => {
      const m32 = Float32Array.from(m), b32 = Float32Array.from(b);
      for (let n = 0; n < cout; n++) {
        for (let d = -K; d <= K; d++) {
          const got = Math.min(Math.max(f32(f32(m32[n] * d) + b32[n]), lo), hi);
          let want = d;
          for (const f of pipeline) want = f(want, n);
          if (got !== want && !(got !== got && want !== want)) return false;
        }
      }
      return true;
    };
    let folded = 0;
    while (folded < chain.length) {
      const s = chain[folded][1];
      const saved = { m: m.slice(), b: b.slice(), lo, hi, clamped };
      if (!fold(s)) break;
      if ("f" in s) {
        pipeline.push(s.f);
        if (!exact()) {
          pipeline.pop();
          m.set(saved.m);
          b.set(saved.b);
          [lo, hi, clamped] = [saved.lo, saved.hi, saved.clamped];
          break;
        }
      }
      folded++;
    }
    const transform: Record<string, unknown> = { transform: "float" };
    if (clamped) Object.assign(transform, { clampMin: lo, clampMax: hi });
    const id = this.emit(L.name, isConv ? "bconv2d" : "bdense", [x], { ...attrs, ...transform }, ln.shape, "float32", {
      [isConv ? "filter" : "kernel"]: { kind: "bits", shape: kernel.shape.slice(), data: Float32Array.from(kernel.dataSync()) },
      multiplier: this.f32(Float32Array.from(m)), bias: this.f32(Float32Array.from(b)),
    });
    this.value.set(ln.id, id);
    for (let i = 0; i < folded; i++) this.value.set(chain[i][0].id, id);
  }
}

/**
 * Per-channel bit rule of a binary layer whose output goes, through `steps`, into a sign: bit n of the output is 1
 * exactly when h_n(dot) < 0 (or NaN: larq-ts's sign), where h_n is the float pipeline tfjs evaluates. Evaluates h_n
 * for every dot in [−K, K] and encodes the (prefix or suffix) set of negative dots as a `"bits"` transform with
 * multiplier ±1 and bias ½ − threshold, which the runtime turns back into the same integer threshold.
 *
 * @remarks
 * A max pool in the chain runs on bits as the AND of its window's bits, which equals the sign of the pooled float
 * values exactly when the steps *after* the pool map larger values to "not negative" no less than smaller ones:
 * over the values v reachable at the pool (the steps before it applied to every dot), the negative set of the
 * remaining steps must be a down-set (v < w and post(w) negative ⟹ post(v) negative). The steps before the pool
 * are free (a negative BatchNormalization γ there stays in bits, as in LCE). Returns undefined when a channel's
 * set of negative dots is neither a prefix nor a suffix, or a pool's condition fails.
 */
function bitRule(steps: Array<{ kind: string; f?: (x: number, n: number) => number }>, cout: number, K: number): { multiplier: Float32Array; bias: Float32Array } | undefined {
  const multiplier = new Float32Array(cout);
  const bias = new Float32Array(cout);
  const pools: number[] = [];
  steps.forEach((s, i) => s.kind === "maxpool" && pools.push(i));
  const vals = new Float64Array(2 * K + 1);
  for (let n = 0; n < cout; n++) {
    const neg = new Uint8Array(2 * K + 1);
    for (let d = -K; d <= K; d++) {
      let v = d;
      for (const s of steps) if (s.f) v = s.f(v, n);
      neg[d + K] = v >= 0 ? 0 : 1; // larq-ts's sign: NaN → −1
    }
    for (const p of pools) {
      for (let d = -K; d <= K; d++) {
        let v = d;
        for (let i = 0; i < p; i++) if (steps[i].f) v = steps[i].f!(v, n);
        if (v !== v) return undefined; // NaN at a pool: keep floats
        vals[d + K] = v;
      }
      // Down-set: no negative value above the smallest non-negative one.
      let minNonNeg = Infinity;
      for (let i = 0; i <= 2 * K; i++) if (!neg[i] && vals[i] < minNonNeg) minNonNeg = vals[i];
      for (let i = 0; i <= 2 * K; i++) if (neg[i] && vals[i] > minNonNeg) return undefined;
    }
    let prefixEnd = -K; // first d that is not negative
    while (prefixEnd <= K && neg[prefixEnd + K]) prefixEnd++;
    let rest = true;
    for (let d = prefixEnd; d <= K; d++) if (neg[d + K]) rest = false;
    if (rest) {
      // bit = d < prefixEnd
      multiplier[n] = 1;
      bias[n] = 0.5 - prefixEnd;
      continue;
    }
    let s = K;
    while (s >= -K && neg[s + K]) s--;
    for (let d = -K; d <= s; d++) if (neg[d + K]) return undefined;
    // bit = d > s  ⟺  −d < −s: negated filter with threshold −s.
    multiplier[n] = -1;
    bias[n] = 0.5 + s;
  }
  return { multiplier, bias };
}
