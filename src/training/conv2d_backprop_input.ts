/**
 * Fast `Conv2DBackpropInput` for the wasm backend: a forward convolution that runs on XNNPACK.
 */
import * as tf from "@tensorflow/tfjs-core";

import {
  channelsLastShape,
  composeKernel,
  cropForConv,
  insertZeros,
  toChannelsFirst,
  toChannelsLast,
  type KernelArgs,
} from "./kernel_utils.js";

/**
 * Gradient of a 2-D convolution with respect to its input, computed as a forward convolution of the
 * zero-stuffed output gradient with the spatially flipped, in/out-transposed filter.
 *
 * @remarks
 * With filter `W` `[KH, KW, Ci, Co]`, stride `s` and top padding `pt`:
 *
 * `dx[b, i, j, c] = Σ_{p, q, u, v, o} dy[b, p, q, o] · W[u, v, c, o]` over `p·s + u − pt = i`, `q·s + v − pl = j`.
 *
 * Insert `s − 1` zeros between the rows/columns of `dy` (call it `z`), pad it by `KH − 1 − pt` on top and
 * `KW − 1 − pl` on the left (negative amounts crop), and convolve (stride 1, valid) with
 * `W'[u, v, o, c] = W[KH − 1 − u, KW − 1 − v, c, o]`. tfjs-wasm's own kernel is a scalar loop several times
 * slower than its XNNPACK forward convolution, which this uses. NCHW is handled by transposing.
 */
export function conv2dBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const filterShape = args.inputs.filter!.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat ?? "NHWC"),
  );
  return composeKernel(args, ["dy", "filter"], ([dy4, filter4]) => {
    let dy = dy4 as tf.Tensor4D;
    if (dataFormat === "NCHW") dy = toChannelsLast(dy);
    const [, h, w] = channelsLastShape(inputShape, dataFormat);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const z = insertZeros(dy, sh, sw);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const [zc, explicit] = cropForConv(z, {
      top,
      bottom: h + kh - 1 - top - z.shape[1],
      left,
      right: w + kw - 1 - left - z.shape[2],
    });
    const flipped = tf.transpose(tf.reverse(filter4 as tf.Tensor4D, [0, 1]), [0, 1, 3, 2]);
    const dx = tf.conv2d(zc, flipped, 1, explicit);
    return dataFormat === "NCHW" ? toChannelsFirst(dx) : dx;
  });
}
