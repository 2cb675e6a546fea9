/**
 * lq.layers — quantized layers: Keras/larq layers whose inputs and weights pass through quantizers.
 *
 * @packageDocumentation
 */
export * from "./base.js";
export { QuantConv2D, quantConv2d, type QuantConv2DArgs } from "./quant_conv2d.js";
