/**
 * `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has none) and the cpu backend (whose own
 * kernel dominates a cpu training step: ~46 s of ~50 s for the MNIST tutorial BNN at batch 64).
 */
import * as tf from "@tensorflow/tfjs-core";

import { channelsLastShape, composeKernel, padOrCrop, readFloat32, toChannelsLast, writeFloat32, type KernelArgs } from "./kernel_utils.js";

/**
 * Gradient of a 2-D convolution with respect to its filter, composed from ops the wasm backend runs natively
 * (on cpu it serves NCHW inputs; NHWC uses {@link conv2dBackpropFilterCpu}).
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

/**
 * Gradient of a 2-D convolution with respect to its filter for the cpu backend: one pass over the output
 * positions on the backend's arrays (NHWC; NCHW goes through {@link conv2dBackpropFilterWasm}).
 *
 * @remarks
 * Same formula as {@link conv2dBackpropFilterWasm}. For each output position `(b, p, q)` and tap `(i, j)` the
 * loop adds `x[b, p·s + i − pt, q·s + j − pl, c] · dy[b, p, q, :]` to the filter row `dW[i, j, c, :]`: the
 * innermost loop runs over contiguous output channels, as in tfjs-backend-cpu's forward `Conv2D`, and no
 * transposed copies are made. tfjs-backend-cpu's own kernel sums every filter entry separately with strided
 * reads (~30 s for the tutorial BNN's 13x13x32→64 layer at batch 64; this loop takes a few hundred ms).
 */
export function conv2dBackpropFilterCpu(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if ((attrs.dataFormat ?? "NHWC") !== "NHWC") return conv2dBackpropFilterWasm(args);
  const backend = args.backend as tf.KernelBackend;
  const xInfo = args.inputs.x!;
  const info = tf.backend_util.computeConv2DInfo(
    xInfo.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const x = readFloat32(backend, xInfo, "x");
  const dy = readFloat32(backend, args.inputs.dy!, "dy");
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dW = new Float32Array(kh * kw * ci * co);
  for (let b = 0, gi = 0; b < batchSize; b++) {
    for (let p = 0; p < oh; p++) {
      for (let q = 0; q < ow; q++, gi += co) {
        for (let i = 0; i < kh; i++) {
          const r = p * sh + i - pt;
          if (r < 0 || r >= h) continue;
          for (let j = 0; j < kw; j++) {
            const col = q * sw + j - pl;
            if (col < 0 || col >= w) continue;
            const xi = ((b * h + r) * w + col) * ci;
            for (let c = 0, wi = (i * kw + j) * ci * co; c < ci; c++, wi += co) {
              const xv = x[xi + c];
              for (let o = 0; o < co; o++) dW[wi + o] += xv * dy[gi + o];
            }
          }
        }
      }
    }
  }
  return writeFloat32(backend, attrs.filterShape.slice(), dW);
}
