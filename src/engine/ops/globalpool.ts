/**
 * `globalavg` and `globalmax`: global pooling of NHWC to `[b, c]` (the average as tfjs's `Mean`: x / n in float32,
 * summed in double), in TS.
 *
 * @packageDocumentation
 */
import { globalPool } from "../float_ops.js";
import { floatView, stateless, type NodeCheck, type OpDef } from "./types.js";

function validate(c: NodeCheck): void {
  c.need(
    c.inShape.length === 3 && c.node.shape.length === 1 && c.node.shape[0] === c.inShape[2],
    `needs an [h, w, c] input and a [c] output, received [${c.inShape}] and [${c.node.shape}]`,
  );
}

function def(op: "globalavg" | "globalmax"): OpDef {
  return {
    op,
    arity: 1,
    inputKind: "float32",
    outputDType: () => "float32",
    validate,
    layers: {
      [op === "globalmax" ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D"]: (g, ln, cfg) => {
        g.checkNHWC(ln, cfg);
        if (cfg.keepDims) g.unsupported(ln, "keepDims");
        g.set(ln, g.emit(ln.layer.name, op, [g.floatIn(ln)], {}, ln.shape));
      },
    },
    prepare: (engine) => stateless(([x], y) => globalPool(floatView(engine, x), x.shape, floatView(engine, y), op === "globalmax")),
  };
}

/** The `globalavg` op. */
export const globalavgOp = def("globalavg");
/** The `globalmax` op. */
export const globalmaxOp = def("globalmax");
