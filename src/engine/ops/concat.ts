/**
 * `concat`: concatenation of float inputs along `attrs.axis` (without the batch axis), in TS.
 *
 * @packageDocumentation
 */
import { floatView, sizeOf, stateless, type OpDef } from "./types.js";

/** The `concat` op. */
export const concatOp: OpDef = {
  op: "concat",
  arity: "many",
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    const { node } = c;
    const axis = (node.attrs as Record<string, unknown>).axis as number;
    c.need(
      Number.isInteger(axis) && axis >= 0 && axis < node.shape.length,
      `bad axis ${JSON.stringify(axis)?.slice(0, 20)} for a rank-${node.shape.length} output`,
    );
    c.need(
      c.inputs.every((x) => x.shape.length === node.shape.length && x.shape.every((d, k) => k === axis || d === node.shape[k])),
      "input shapes differ off the axis",
    );
    const total = c.inputs.reduce((s, x) => s + sizeOf(x.shape), 0);
    c.need(total === sizeOf(node.shape), `the inputs have ${total} elements, the output ${sizeOf(node.shape)}`);
  },
  layers: {
    Concatenate: (g, ln, cfg) => {
      let axis = cfg.axis ?? -1;
      if (axis < 0) axis += ln.shape.length + 1;
      if (axis < 1) g.unsupported(ln, `axis ${cfg.axis}`);
      g.set(
        ln,
        g.emit(
          ln.layer.name,
          "concat",
          ln.inputs.map((_, i) => g.floatIn(ln, i)),
          { axis: axis - 1 },
          ln.shape,
        ),
      );
    },
  },
  prepare: (engine, node) => {
    const axis = (node.attrs as Record<string, unknown>).axis as number;
    return stateless((ins, out) => {
      const y = floatView(engine, out);
      const outer = out.shape.slice(0, axis + 1).reduce((p, q) => p * q, 1); // batch included
      const innerOut = node.shape.slice(axis).reduce((p, q) => p * q, 1);
      let offset = 0;
      for (const t of ins) {
        const z = floatView(engine, t);
        const inner = t.shape.slice(axis + 1).reduce((p, q) => p * q, 1);
        for (let o = 0; o < outer; o++) y.set(z.subarray(o * inner, (o + 1) * inner), o * innerOut + offset);
        offset += inner;
      }
    });
  },
};
