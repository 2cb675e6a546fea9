/**
 * `avgpool`: float average pooling over the in-image taps (double sum / count, as the tfjs cpu kernel), kernel
 * `lce_favgpool`.
 *
 * @packageDocumentation
 */
import { poolRule, validatePool } from "./pool.js";
import { stateless, type OpDef } from "./types.js";
import { windowGeometry } from "./window.js";

/** The `avgpool` op. */
export const avgpoolOp: OpDef = {
  op: "avgpool",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: validatePool,
  layers: { AveragePooling2D: poolRule("avgpool") },
  prepare: (engine, node) => {
    const a = node.attrs as Record<string, any>;
    return stateless(([x], y) =>
      engine.kernels.favgpool(x.ptr, y.ptr, x.shape[3], windowGeometry(x.shape, a.poolSize, a.strides, [1, 1], a.padding)),
    );
  },
};
