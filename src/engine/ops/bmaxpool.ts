/**
 * `bmaxpool`: max pooling on packed bits (AND of the window's in-image taps), kernel `lce_bmaxpool`.
 *
 * @packageDocumentation
 */
import type { BMaxPoolParams } from "../ops.js";
import { validatePool } from "./pool.js";
import { stateless, type OpDef } from "./types.js";

/** The `bmaxpool` op. */
export const bmaxpoolOp: OpDef = {
  op: "bmaxpool",
  arity: 1,
  inputKind: "bits",
  outputDType: () => "bits",
  validate: validatePool,
  prepare: (engine, node) => stateless(([x], y) => engine.bmaxpool(node.attrs as unknown as BMaxPoolParams, x, y)),
};
