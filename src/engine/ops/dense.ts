/**
 * `dense`: float fully connected layer (`[cin, cout]` kernel, optional bias), run as a 1×1 `lce_fconv2d`.
 *
 * @packageDocumentation
 */
import { checkBiasAndPad, floatLayerRule, floatWeightBytes, prepareFloatWeights } from "./float_weights.js";
import type { OpDef } from "./types.js";

/** The `dense` op. */
export const denseOp: OpDef = {
  op: "dense",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    c.need(
      c.inShape.length === 1 && c.node.shape.length === 1,
      `needs rank-1 input and output shapes, received [${c.inShape}] and [${c.node.shape}]`,
    );
    const want = c.inShape[0] * c.node.shape[0];
    c.need(c.len("kernel") === want, `kernel needs ${want} values for [${c.inShape[0]}, ${c.node.shape[0]}], received ${c.len("kernel")}`);
    checkBiasAndPad(c);
  },
  bytes: floatWeightBytes,
  layers: { Dense: floatLayerRule("dense"), QuantDense: floatLayerRule("dense") },
  prepare: (engine, node, w) =>
    prepareFloatWeights(engine, w, (kernel, bias, [x], y) => {
      const one = { batch: x.shape[0], h: 1, w: 1, kh: 1, kw: 1, sy: 1, sx: 1, dy: 1, dx: 1, padTop: 0, padLeft: 0, oh: 1, ow: 1 };
      engine.kernels.fconv(false, x.ptr, kernel, bias, y.ptr, x.shape[1], node.shape[0], one, 0);
    }),
};
