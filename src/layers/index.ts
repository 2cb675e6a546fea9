/**
 * lq.layers — quantized layers: Keras/larq layers whose inputs and weights pass through quantizers.
 *
 * @packageDocumentation
 */
export * from "./base.js";
export { QuantConv2D, quantConv2d, type QuantConv2DArgs } from "./quant_conv2d.js";
export { QuantSeparableConv1D, quantSeparableConv1d, type QuantSeparableConv1DArgs } from "./quant_separable_conv1d.js";
export { QuantLocallyConnected1D, quantLocallyConnected1d, type QuantLocallyConnected1DArgs } from "./quant_locally_connected1d.js";
export { QuantLocallyConnected2D, quantLocallyConnected2d, type QuantLocallyConnected2DArgs } from "./quant_locally_connected2d.js";
export {
  LocallyConnectedBase,
  connectedRange,
  localConvMasked,
  localConvPatches,
  localKernelShape,
  localMask,
  localOutputLength,
  type LocalGeometry,
  type LocallyConnectedArgs,
} from "./locally_connected_base.js";
export { QuantDense, quantDense, type QuantDenseArgs } from "./quant_dense.js";
export { TFOpLambda, tfOpLambda, TF_OP_FUNCTIONS, broadcastShapes, type TFOpLambdaArgs } from "./tf_op_lambda.js";
export { QuantConv1D, quantConv1d, type QuantConv1DArgs } from "./quant_conv1d.js";
export { QuantConv3D, quantConv3d, type QuantConv3DArgs } from "./quant_conv3d.js";
export { QuantConv2DTranspose, quantConv2dTranspose, type QuantConv2DTransposeArgs } from "./quant_conv2d_transpose.js";
export { QuantConv3DTranspose, quantConv3dTranspose, type QuantConv3DTransposeArgs } from "./quant_conv3d_transpose.js";
export { QuantDepthwiseConv2D, quantDepthwiseConv2d, type QuantDepthwiseConv2DArgs } from "./quant_depthwise_conv2d.js";
export { QuantSeparableConv2D, quantSeparableConv2d, type QuantSeparableConv2DArgs } from "./quant_separable_conv2d.js";
export { transposedConv, type TransposedConvArgs, type TransposedConvFields } from "./transposed_conv.js";
export { groupedConv, type GroupedConvFields, type GroupsArgs } from "./grouped_conv.js";
export { registerLayer, type RegistrableClass } from "../utils/serialization.js";
export * as tfjsClasses from "./tfjs_classes.js";
export * as convUtils from "./conv_utils.js";
