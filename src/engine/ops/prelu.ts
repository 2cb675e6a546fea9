/**
 * `prelu`: `x < 0 ? α·x : x` with one α per element (`weights.alpha`, broadcast at conversion), in TS.
 *
 * @packageDocumentation
 */
import * as tf from "@tensorflow/tfjs-core";

import { mustWeight } from "../convert_util.js";
import { floatView, needSameShape, sizeOf, stateless, type OpDef } from "./types.js";

/** The `prelu` op. */
export const preluOp: OpDef = {
  op: "prelu",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    needSameShape(c);
    c.need(c.len("alpha") === sizeOf(c.node.shape), `alpha needs ${sizeOf(c.node.shape)} values, received ${c.len("alpha")}`);
  },
  layers: {
    PReLU: (g, ln) => {
      const full = tf.broadcastTo(mustWeight(ln.layer, "alpha"), ln.shape);
      g.set(ln, g.emit(ln.layer.name, "prelu", [g.floatIn(ln)], {}, ln.shape, "float32", { alpha: g.f32(full) }));
    },
  },
  prepare: (engine, _node, w) => {
    const alpha = w.get("alpha");
    return stateless(([xt], yt) => {
      const x = floatView(engine, xt),
        y = floatView(engine, yt);
      for (let k = 0; k < x.length; k++) y[k] = x[k] < 0 ? alpha[k % alpha.length] * x[k] : x[k];
    });
  },
};
