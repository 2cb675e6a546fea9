/**
 * The op registry: every graph {@link OpKind} and its {@link OpDef} (validation, memory, preparation, run). The
 * file decoder (format.ts), the memory plan (memory.ts) and {@link EngineModel} (model.ts) all read this one map.
 * Adding a float op: one `ops/<op>.ts` exporting its `OpDef` (and its C kernel in kernels/, exported in wasm.ts),
 * one line here, its name in {@link OpKind}, and a converter rule in convert.ts if a tfjs layer maps to it.
 *
 * @packageDocumentation
 */
import type { OpKind } from "../graph.js";
import { activationOp } from "./activation.js";
import { affineOp } from "./affine.js";
import { addOp } from "./add.js";
import { avgpoolOp } from "./avgpool.js";
import { batchnormOp } from "./batchnorm.js";
import { bconv2dOp } from "./bconv2d.js";
import { bdenseOp } from "./bdense.js";
import { bmaxpoolOp } from "./bmaxpool.js";
import { concatOp } from "./concat.js";
import { conv2dOp } from "./conv2d.js";
import { denseOp } from "./dense.js";
import { depthwiseOp } from "./depthwise.js";
import { globalavgOp, globalmaxOp } from "./globalpool.js";
import { inputOp } from "./input.js";
import { maxpoolOp } from "./maxpool.js";
import { padOp } from "./pad.js";
import { preluOp } from "./prelu.js";
import { reshapeOp } from "./reshape.js";
import { signOp } from "./sign.js";
import { signpackOp } from "./signpack.js";
import { sliceOp } from "./slice.js";
import { unpackOp } from "./unpack.js";
import type { LayerRule, OpDef } from "./types.js";

/** Every graph op by name. */
export const OP_REGISTRY: ReadonlyMap<OpKind, OpDef> = new Map<OpKind, OpDef>([
  ["input", inputOp],
  ["bconv2d", bconv2dOp],
  ["bdense", bdenseOp],
  ["bmaxpool", bmaxpoolOp],
  ["signpack", signpackOp],
  ["sign", signOp],
  ["conv2d", conv2dOp],
  ["depthwise", depthwiseOp],
  ["dense", denseOp],
  ["batchnorm", batchnormOp],
  ["maxpool", maxpoolOp],
  ["avgpool", avgpoolOp],
  ["globalavg", globalavgOp],
  ["globalmax", globalmaxOp],
  ["add", addOp],
  ["concat", concatOp],
  ["reshape", reshapeOp],
  ["activation", activationOp],
  ["prelu", preluOp],
  ["affine", affineOp],
  ["pad", padOp],
  ["slice", sliceOp],
  ["unpack", unpackOp],
]);

/** The converter's layer rules of every op, by tfjs layer class name. */
export const LAYER_RULES: ReadonlyMap<string, LayerRule> = new Map(
  [...OP_REGISTRY.values()].flatMap((def) => Object.entries(def.layers ?? {})),
);

/** The {@link OpDef} of an op name, or undefined for an unknown one. */
export function opDef(op: unknown): OpDef | undefined {
  return typeof op === "string" ? OP_REGISTRY.get(op as OpKind) : undefined;
}

export type { LayerContext, LayerRule, NodeCheck, OpBytes, OpDef, PreparedNode, WeightReader } from "./types.js";
