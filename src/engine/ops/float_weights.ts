/**
 * Shared by the float layers with a kernel (`conv2d`, `depthwise`, `dense`): the kernel and optional bias copied
 * into wasm memory, their memory, and the bias check.
 *
 * @packageDocumentation
 */
import type { Engine } from "../engine.js";
import type { GraphNode } from "../graph.js";
import type { EngineTensor } from "../tensor.js";
import { align16, copyFloats, type NodeCheck, type OpBytes, type PreparedNode, type WeightReader } from "./types.js";

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
export function prepareFloatWeights(engine: Engine, w: WeightReader, run: (kernel: number, bias: number, ins: EngineTensor[], out: EngineTensor) => void): PreparedNode {
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
