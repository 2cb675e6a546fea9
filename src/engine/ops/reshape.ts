/**
 * `reshape` (also Flatten): a copy with a new shape; on packed bits only with whole 64-bit words per pixel on both
 * sides, so the bit layout is unchanged.
 *
 * @packageDocumentation
 */
import { sizeOf, stateless, type LayerRule, type OpDef } from "./types.js";

const rule: LayerRule = (g, ln) => g.set(ln, g.emit(ln.layer.name, "reshape", [g.floatIn(ln)], {}, ln.shape));

/** The `reshape` op. */
export const reshapeOp: OpDef = {
  op: "reshape",
  arity: 1,
  inputKind: "any",
  outputDType: (_node, inputs) => inputs[0].dtype,
  validate: (c) => {
    c.need(sizeOf(c.inShape) === sizeOf(c.node.shape), `element count changes from ${sizeOf(c.inShape)} to ${sizeOf(c.node.shape)}`);
    if (c.node.dtype === "bits") {
      c.need(
        c.inShape[c.inShape.length - 1] % 64 === 0 && c.node.shape[c.node.shape.length - 1] % 64 === 0,
        "packed bits can only be reshaped with whole 64-bit words per pixel",
      );
    }
  },
  layers: { Flatten: rule, Reshape: rule },
  prepare: (engine) =>
    stateless(([x], y) => new Uint8Array(engine.buffer, y.ptr, y.byteLength).set(new Uint8Array(engine.buffer, x.ptr, y.byteLength))),
};
