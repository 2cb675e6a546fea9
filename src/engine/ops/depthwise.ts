/**
 * `depthwise`: float depthwise convolution (kernel `[kh, kw, cin, mult]`, output channel c·mult + m), kernel
 * `lce_fdepthwise`.
 *
 * @packageDocumentation
 */
import { checkBiasAndPad, floatLayerRule, floatWeightBytes, prepareFloatWeights } from "./float_weights.js";
import type { OpDef } from "./types.js";
import { checkWindow, checkWindowAttrs, windowGeometry } from "./window.js";

/** The `depthwise` op. */
export const depthwiseOp: OpDef = {
  op: "depthwise",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    const a = c.node.attrs as Record<string, any>;
    checkWindowAttrs(c, a.kernelSize, a.strides, a.dilations, a.padding);
    checkWindow(c, a.kernelSize, a.strides, a.dilations, a.padding);
    const cin = c.inShape[2],
      cout = c.node.shape[2];
    c.need(cout % cin === 0, `output channels ${cout} are not a multiple of the input channels ${cin}`);
    const [kh, kw] = a.kernelSize;
    const want = kh * kw * cout;
    c.need(c.len("kernel") === want, `kernel needs ${want} values for [${kh}, ${kw}, ${cin}, ${cout / cin}], received ${c.len("kernel")}`);
    checkBiasAndPad(c);
  },
  bytes: floatWeightBytes,
  layers: { DepthwiseConv2D: floatLayerRule("depthwise"), QuantDepthwiseConv2D: floatLayerRule("depthwise") },
  prepare: (engine, node, w) => {
    const a = node.attrs as Record<string, any>;
    return prepareFloatWeights(engine, w, (kernel, bias, [x], y) => {
      const g = windowGeometry(x.shape, a.kernelSize, a.strides, a.dilations, a.padding);
      engine.kernels.fconv(true, x.ptr, kernel, bias, y.ptr, x.shape[3], node.shape[2] / x.shape[3], g, a.padValue ?? 0);
    });
  },
};
