import { get as getQuantizer } from "../quantizers/index.js";
import type { SymbolicTensor } from "../utils/tfjs.js";
import { activation, batchNorm, conv, dense, flatten, maxPool, quantConv, quantDense } from "./blocks.js";
import { ClipByValueActivation } from "./clip_by_value_activation.js";
import { defineZooModel, type ZooModelFactory } from "./common.js";
import { magnitudeAwareSignUnclipped } from "./magnitude_aware_sign_unclipped.js";

/** 2-bit DoReFa activation quantizer (a new instance per layer, as larq-zoo's property returns). */
const inputQuantizer = () => getQuantizer({ className: "DoReFaQuantizer", config: { k_bit: 2 } });

const bn = (x: SymbolicTensor): SymbolicTensor => batchNorm(x, { scale: false, momentum: 0.9, epsilon: 1e-4 });

function convBlock(
  x: SymbolicTensor,
  filters: number,
  kernelSize: number,
  pool = false,
  poolPadding: "same" | "valid" = "same",
): SymbolicTensor {
  x = quantConv(x, {
    filters,
    kernelSize,
    strides: 1,
    padding: "same",
    inputQuantizer: inputQuantizer(),
    kernelQuantizer: magnitudeAwareSignUnclipped,
    kernelConstraint: null,
    useBias: false,
  });
  x = bn(x);
  if (pool) x = maxPool(x, 3, 2, poolPadding);
  return x;
}

function fullyConnectedBlock(x: SymbolicTensor, units: number): SymbolicTensor {
  x = quantDense(x, {
    units,
    inputQuantizer: inputQuantizer(),
    kernelQuantizer: magnitudeAwareSignUnclipped,
    kernelConstraint: null,
    useBias: false,
  });
  return bn(x);
}

/**
 * DoReFa-Net (larq-zoo `literature.DoReFaNet`): AlexNet-style with 2-bit activations and scaled binary
 * weights. ImageNet: 53.39 % top-1, 62,403,912 parameters (Keras `count_params`), 22.84 MiB.
 *
 * @remarks
 * Float 12x12/4 valid conv (96, with bias), then quantized convs (DoReFa 2-bit inputs,
 * {@link magnitudeAwareSignUnclipped} kernels) each followed by BN without scale: 5x5 (256) → 3x3/2 pool,
 * 3x3 (384) → pool, 3x3 (384), 3x3 (256) → valid pool. Head: flatten → two quantized dense layers
 * (4096) with BN → clip to [0, 1] → dense → softmax.
 * Reference: Zhou et al., "DoReFa-Net" (arXiv:1606.06160).
 */
export const doReFaNet: ZooModelFactory = defineZooModel("dorefanet", ({ input, includeTop, numClasses }) => {
  let out = conv(input, { filters: 96, kernelSize: 12, strides: 4, padding: "valid", useBias: true });
  out = convBlock(out, 256, 5, true);
  out = convBlock(out, 384, 3, true);
  out = convBlock(out, 384, 3);
  out = convBlock(out, 256, 3, true, "valid");
  if (includeTop) {
    out = flatten(out);
    out = fullyConnectedBlock(out, 4096);
    out = fullyConnectedBlock(out, 4096);
    out = new ClipByValueActivation().apply(out) as SymbolicTensor;
    out = dense(out, { units: numClasses, useBias: true });
    out = activation(out, "softmax");
  }
  return out;
});
