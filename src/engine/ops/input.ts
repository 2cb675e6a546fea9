/**
 * `input`: node 0, the network input (written by `predict`).
 *
 * @packageDocumentation
 */
import { stateless, type OpDef } from "./types.js";

/** The `input` op. */
export const inputOp: OpDef = {
  op: "input",
  arity: 0,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: () => {},
  prepare: () => stateless(() => {}),
};
