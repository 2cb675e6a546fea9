/**
 * `signpack`: float32 → packed sign bits (larq-ts's sign: bit 1 where !(x ≥ 0), so 0 → +1 and NaN → −1), with
 * the SIMD kernel `lce_sign_pack`.
 *
 * @packageDocumentation
 */
import { needSameShape, stateless, type OpDef } from "./types.js";

/** The `signpack` op. */
export const signpackOp: OpDef = {
  op: "signpack",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "bits",
  validate: needSameShape,
  prepare: (engine) => stateless(([x], y) => engine.signPack(x, y)),
};
