/**
 * lq.zoo — the published binarized network architectures of Larq Zoo, built layer for layer as
 * larq-zoo builds them (same layers, order, arguments and parameter counts), plus weight loading
 * with SHA-256 verification and ImageNet pre/post-processing.
 *
 * @remarks
 * Every model factory takes one argument object `{inputShape, inputTensor, includeTop = true,
 * numClasses = 1000, weights = null}` and returns a `tf.LayersModel` (a `Promise` of it when
 * `weights` is given). The custom pieces the architectures need (blur-pool initializer, XNOR-Net's
 * and DoReFa-Net's scaled sign quantizers, MeliusNet's channel split and padded add, DoReFa-Net's
 * clipping activation) are registered for serialization when this module is imported.
 *
 * @example
 * ```ts
 * const model = lq.zoo.quickNetSmall();                        // 224x224x3 → 1000 softmax
 * const image = lq.zoo.preprocessInput(tf.browser.fromPixels(img));
 * const probs = model.predict(tf.expandDims(image, 0)) as tf.Tensor;
 * console.log(await lq.zoo.decodePredictions(probs, 5));
 * ```
 *
 * @packageDocumentation
 */
export { type ZooModelArgs, type ZooModelFactory, globalPool } from "./common.js";
export { quickNet, quickNetSmall, quickNetLarge } from "./quicknet.js";
export { biRealNet } from "./birealnet.js";
export { binaryResNetE18 } from "./resnet_e.js";
export { binaryDenseNet28, binaryDenseNet37, binaryDenseNet37Dilated, binaryDenseNet45 } from "./densenet.js";
export { meliusNet22 } from "./meliusnet.js";
export { xnorNet } from "./xnornet.js";
export { doReFaNet } from "./dorefanet.js";
export { realToBinaryNet } from "./real_to_binary_net.js";
export { binaryAlexNet } from "./binary_alexnet.js";
export { BlurPoolInitializer, blurPoolInitializer } from "./blurpool_initializer.js";
export { xnorWeightScale } from "./xnor_weight_scale.js";
export { magnitudeAwareSignUnclipped } from "./magnitude_aware_sign_unclipped.js";
export { ClipByValue, ClipByValueActivation, clipByValueActivation } from "./clip_by_value_activation.js";
export { SplitChannels, splitChannels, type SplitChannelsArgs } from "./split_channels.js";
export { PaddedAdd, paddedAdd } from "./padded_add.js";
export { loadWeights, saveWeights, readWeightsFolder, sha256Hex, type WeightsSource } from "./weights.js";
export {
  preprocessInput,
  decodePredictions,
  resizeBicubic,
  bicubicResizeMatrix,
  IMAGE_SIZE,
  CROP_PADDING,
  MEAN_RGB,
  STDDEV_RGB,
  type DecodedPrediction,
} from "./preprocessing.js";
export { IMAGENET_CLASSES } from "./imagenet_classes.js";
