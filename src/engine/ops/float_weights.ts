/**
 * Shared by the float layers with a kernel (`conv2d`, `depthwise`, `dense`): the kernel and optional bias copied
 * into wasm memory, their memory, and the bias check.
 *
 * @packageDocumentation
 */
import { applyQuantizer, type QuantizerLike } from "../../quantizers/base.js";
import { activationName, isPlainSign, mustWeight, pairOf, quantizerLabel, readWeight } from "../convert_util.js";
import type { Engine } from "../engine.js";
import type { GraphNode } from "../graph.js";
import type { EngineTensor } from "../tensor.js";
import type { GraphWeight } from "../graph.js";
import { align16, copyFloats, type LayerRule, type NodeCheck, type OpBytes, type PreparedNode, type WeightReader } from "./types.js";

/** Wasm bytes of a float kernel and bias. */
export function floatWeightBytes(_node: GraphNode, _in: number[], _batch: number, len: (role: string) => number): OpBytes {
  return { weights: align16(Math.max(len("kernel"), 1) * 4) + align16(Math.max(len("bias"), 0) * 4), scratch: 0 };
}

/** Checks the optional bias (one per output channel) and a finite float `padValue`. */
export function checkBiasAndPad(c: NodeCheck): void {
  const ch = c.node.shape[c.node.shape.length - 1];
  if (c.node.weights.bias !== undefined) c.need(c.len("bias") === ch, `bias needs ${ch} values, received ${c.len("bias")}`);
  const pv = (c.node.attrs as Record<string, unknown>).padValue;
  c.need(pv === undefined || Number.isFinite(pv), `bad padValue ${JSON.stringify(pv)?.slice(0, 40)}`);
}

/** Copies the kernel and bias into wasm memory and returns the prepared node running `run(kernelPtr, biasPtr, …)`. */
export function prepareFloatWeights(
  engine: Engine,
  w: WeightReader,
  run: (kernel: number, bias: number, ins: EngineTensor[], out: EngineTensor) => void,
): PreparedNode {
  const kernel = copyFloats(engine, w.get("kernel"));
  let bias = 0;
  try {
    bias = copyFloats(engine, w.opt("bias"));
  } catch (e) {
    engine.free(kernel);
    throw e;
  }
  return {
    run: (ins, out) => run(kernel, bias, ins, out),
    dispose: () => {
      engine.free(kernel);
      if (bias) engine.free(bias);
    },
  };
}

/**
 * The converter rule of Conv2D / DepthwiseConv2D / Dense and their Quant versions that are not binary: the kernel
 * quantizer is applied at conversion (a plain sign kernel is stored with 1 bit per weight), a sign input quantizer
 * becomes a `sign` op, the activation follows as its own op.
 */
export function floatLayerRule(op: "conv2d" | "depthwise" | "dense"): LayerRule {
  return (g, ln, cfg) => {
    const L = ln.layer;
    const isDepthwise = op === "depthwise";
    const inQ: QuantizerLike = L.inputQuantizer ?? null;
    let x = g.floatIn(ln);
    if (inQ !== null && inQ !== undefined) {
      if (!isPlainSign(inQ))
        g.unsupported(
          ln,
          `input quantizer ${quantizerLabel(inQ)} (the engine runs input quantizers that declare the inference form { kind: "sign", zero: "positive" })`,
        );
      x = g.emit(`${L.name}/input_sign`, "sign", [x], {}, g.shapeOf(x));
    }
    const kq: QuantizerLike = (isDepthwise ? L.depthwiseQuantizer : L.kernelQuantizer) ?? null;
    let kernel = mustWeight(L, isDepthwise ? "depthwise_kernel" : "kernel");
    if (kq !== null && kq !== undefined) kernel = applyQuantizer(kq, kernel);
    const weights: Record<string, GraphWeight> = {
      kernel: isPlainSign(kq) ? { kind: "bits", shape: kernel.shape.slice(), data: Float32Array.from(kernel.dataSync()) } : g.f32(kernel),
    };
    if (cfg.useBias !== false) {
      const bias = readWeight(L, "bias");
      if (bias) weights.bias = g.f32(bias);
    }
    let attrs: Record<string, unknown> = {};
    if (op === "dense") {
      if (ln.shape.length !== 1) g.unsupported(ln, "inputs of rank > 2");
    } else {
      g.checkNHWC(ln, cfg);
      const padding = cfg.padding ?? "valid";
      if (padding !== "valid" && padding !== "same") g.unsupported(ln, `padding "${padding}"`);
      attrs = {
        kernelSize: kernel.shape.slice(0, 2),
        strides: pairOf(cfg.strides, 1),
        dilations: pairOf(cfg.dilationRate, 1),
        padding,
        padValue: L.padValues ?? 0,
      };
    }
    const id = g.emit(L.name, op, [x], attrs, ln.shape, "float32", weights);
    g.set(ln, g.activation(ln, id, activationName(cfg.activation), ln.shape));
  };
}
