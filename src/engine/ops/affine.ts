/**
 * `affine`: per-channel `y = x · multiplier[c] + bias[c]` on float input, each step rounded to float32 as TFLite's
 * separate MUL and ADD ops round (so a TFLite graph's batch normalisation, written as MUL then ADD, is reproduced
 * exactly). Either weight may be absent (a MUL alone, an ADD of a constant alone).
 *
 * @packageDocumentation
 */
import { floatView, needSameShape, stateless, type OpDef } from "./types.js";

/** The `affine` op. */
export const affineOp: OpDef = {
  op: "affine",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    needSameShape(c);
    const channels = c.node.shape[c.node.shape.length - 1];
    const m = c.len("multiplier");
    const b = c.len("bias");
    c.need(m >= 0 || b >= 0, "needs a multiplier or a bias");
    c.need(m < 0 || m === channels || m === 1, `multiplier has ${m} values for ${channels} channels`);
    c.need(b < 0 || b === channels || b === 1, `bias has ${b} values for ${channels} channels`);
    for (const role of ["multiplier", "bias"]) {
      const w = c.weight(role);
      if (w) c.need(w.data.every(Number.isFinite), `${role} has a non-finite value`);
    }
  },
  prepare: (engine, node, w) => {
    const m = w.opt("multiplier");
    const b = w.opt("bias");
    const channels = node.shape[node.shape.length - 1];
    const mul = m === undefined ? null : m.length === 1 ? new Float32Array(channels).fill(m[0]) : Float32Array.from(m);
    const add = b === undefined ? null : b.length === 1 ? new Float32Array(channels).fill(b[0]) : Float32Array.from(b);
    return stateless((ins, y) => {
      const src = floatView(engine, ins[0]);
      const dst = floatView(engine, y);
      const f = Math.fround;
      for (let i = 0; i < dst.length; i++) {
        const ch = i % channels;
        let v = src[i];
        if (mul !== null) v = f(v * mul[ch]);
        if (add !== null) v = f(v + add[ch]);
        dst[i] = v;
      }
    });
  },
};
