/**
 * `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has none) and the cpu backend (whose own
 * kernel is ~50x slower than this composition on the MNIST tutorial BNN's layers).
 */
import * as tf from "@tensorflow/tfjs-core";

import { channelsLastShape, composeKernel, padOrCrop, toChannelsLast, type KernelArgs } from "./kernel_utils.js";

/**
 * Gradient of a 2-D convolution with respect to its filter, composed from ops the wasm backend runs natively
 * (registered for the cpu backend too, where `tf.conv2d` is also far faster than the stock backprop loop).
 *
 * @remarks
 * For input `x` `[B, H, W, Ci]`, output gradient `dy` `[B, OH, OW, Co]`, stride `s` and top/left padding
 * `(pt, pl)`:
 *
 * `dW[i, j, c, o] = Σ_{b, p, q} x[b, p·s + i − pt, q·s + j − pl, c] · dy[b, p, q, o]`
 *
 * (out-of-range `x` reads are zero). The sum over `(b, p, q)` is itself a convolution once batch and channels
 * swap roles: with `x` as a batch of `Ci` single images of `B` channels and `dy` as a `[OH, OW, B, Co]` filter,
 * a forward convolution with dilation `s` yields `dW` laid out `[Ci, KH, KW, Co]`. That runs on XNNPACK.
 * NCHW inputs are transposed to NHWC first. Dilations are not an attribute of this kernel in tfjs (its
 * convolution gradient rejects dilation > 1), so none are handled.
 */
export function conv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    args.inputs.x!.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat ?? "NHWC"),
  );
  return composeKernel(args, ["x", "dy"], ([x4, dy4]) => {
    let x = x4 as tf.Tensor4D;
    let dy = dy4 as tf.Tensor4D;
    if (dataFormat === "NCHW") {
      x = toChannelsLast(x);
      dy = toChannelsLast(dy);
    }
    const [, h, w] = channelsLastShape(x.shape, "NHWC");
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    // Exactly the rows/columns the windows touch: the convolution below then yields KH x KW outputs.
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const xp = padOrCrop(x, { top, bottom: needH - h - top, left, right: needW - w - left });
    const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, needH, needW, B]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
    const dwT = tf.conv2d(xT, dyT, 1, "valid", "NHWC", [sh, sw]); // [Ci, KH, KW, Co]
    return tf.transpose(dwT, [1, 2, 0, 3]);
  });
}
