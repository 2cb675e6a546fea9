/**
 * `sign`: larq-ts's sign in float (+1 for x ≥ 0, −1 otherwise, NaN → −1), the input quantizer of a float layer.
 *
 * @packageDocumentation
 */
import { sign } from "../float_ops.js";
import { floatView, needSameShape, stateless, type OpDef } from "./types.js";

/** The `sign` op. */
export const signOp: OpDef = {
  op: "sign",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: needSameShape,
  prepare: (engine) => stateless(([x], y) => sign(floatView(engine, x), floatView(engine, y))),
};
