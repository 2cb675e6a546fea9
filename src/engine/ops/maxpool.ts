/**
 * `maxpool`: float max pooling (padded taps and NaN values skipped, as tfjs's cpu kernel), kernel `lce_fmaxpool`;
 * `attrs.clamp` (a folded clamp activation before the pool) clamps every tap first.
 *
 * @packageDocumentation
 */
import { kernelClamp, needClamp } from "./activation.js";
import { poolRule, validatePool } from "./pool.js";
import { stateless, type OpDef } from "./types.js";
import { windowGeometry } from "./window.js";

/** The `maxpool` op. */
export const maxpoolOp: OpDef = {
  op: "maxpool",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    validatePool(c);
    needClamp(c);
  },
  layers: { MaxPooling2D: poolRule("maxpool") },
  prepare: (engine, node) => {
    const a = node.attrs as Record<string, any>;
    const clamp = kernelClamp(a.clamp);
    return stateless(([x], y) =>
      engine.kernels.fmaxpool(x.ptr, y.ptr, x.shape[3], windowGeometry(x.shape, a.poolSize, a.strides, [1, 1], a.padding), clamp),
    );
  },
};
