/**
 * `conv2d`: float NHWC convolution (HWIO kernel, optional bias, float `padValue` for padded taps), kernel
 * `lce_fconv2d`.
 *
 * @packageDocumentation
 */
import { checkBiasAndPad, floatLayerRule, floatWeightBytes, prepareFloatWeights } from "./float_weights.js";
import type { OpDef } from "./types.js";
import { checkWindow, checkWindowAttrs, windowGeometry } from "./window.js";

/** The `conv2d` op. */
export const conv2dOp: OpDef = {
  op: "conv2d",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    const a = c.node.attrs as Record<string, any>;
    checkWindowAttrs(c, a.kernelSize, a.strides, a.dilations, a.padding);
    checkWindow(c, a.kernelSize, a.strides, a.dilations, a.padding);
    const [kh, kw] = a.kernelSize;
    const want = kh * kw * c.inShape[2] * c.node.shape[2];
    c.need(
      c.len("kernel") === want,
      `kernel needs ${want} values for [${kh}, ${kw}, ${c.inShape[2]}, ${c.node.shape[2]}], received ${c.len("kernel")}`,
    );
    checkBiasAndPad(c);
  },
  bytes: floatWeightBytes,
  layers: { Conv2D: floatLayerRule("conv2d"), QuantConv2D: floatLayerRule("conv2d") },
  prepare: (engine, node, w) => {
    const a = node.attrs as Record<string, any>;
    return prepareFloatWeights(engine, w, (kernel, bias, [x], y) => {
      const g = windowGeometry(x.shape, a.kernelSize, a.strides, a.dilations, a.padding);
      engine.kernels.fconv(false, x.ptr, kernel, bias, y.ptr, x.shape[3], node.shape[2], g, a.padValue ?? 0);
    });
  },
};
