/** `lq.zoo`: the published BNN architectures of larq-zoo, their preprocessing and weights. */
export {
  IMAGENET_CLASSES,
  biRealNet,
  binaryAlexNet,
  binaryDenseNet28,
  binaryDenseNet37,
  binaryDenseNet37Dilated,
  binaryDenseNet45,
  binaryResNetE18,
  decodePredictions,
  doReFaNet,
  loadWeights,
  meliusNet22,
  preprocessInput,
  quickNet,
  quickNetLarge,
  quickNetSmall,
  readWeightsFolder,
  realToBinaryNet,
  saveWeights,
  xnorNet,
} from "../zoo/index.js";
export type * from "../zoo/index.js";
