/**
 * Fast `Conv2DBackpropInput` for the wasm backend: an XNNPACK matrix product plus a one-pass scatter.
 */
import * as tf from "@tensorflow/tfjs-core";

import {
  channelsLastShape,
  composeKernel,
  cropForConv,
  insertZeros,
  isHeapBackend,
  toChannelsFirst,
  toChannelsLast,
  type KernelArgs,
} from "./kernel_utils.js";

function convInfoOf(args: KernelArgs): tf.backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  return tf.backend_util.computeConv2DInfo(
    inputShape,
    args.inputs.filter!.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat ?? "NHWC"),
  );
}

/**
 * Gradient of a 2-D convolution with respect to its input.
 *
 * @remarks
 * With filter `W` `[KH, KW, Ci, Co]`, stride `s` and top/left padding `(pt, pl)`:
 *
 * `dx[b, i, j, c] = Σ_{p, q, u, v, o} dy[b, p, q, o] · W[u, v, c, o]` over `p·s + u − pt = i`, `q·s + v − pl = j`.
 *
 * NHWC on the wasm backend runs as "GEMM + col2im": `cols = dy·Wᵀ` (`[B·OH·OW, Co] × [Co, KH·KW·Ci]`, an XNNPACK
 * product doing exactly the convolution's multiply-adds, whatever the stride or padding), then one pass adds
 * each `cols` row's `KH·KW` patches into `dx`. tfjs-wasm's own kernel is a scalar loop several times slower.
 * Otherwise (NCHW) it runs as a forward convolution of the zero-stuffed, padded `dy` with the flipped,
 * in/out-transposed filter (see `conv2dBackpropInputAsConv`).
 */
export function conv2dBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const backend = args.backend;
  if ((attrs.dataFormat ?? "NHWC") !== "NHWC" || !isHeapBackend(backend)) return conv2dBackpropInputAsConv(args);
  const info = convInfoOf(args);
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const k = kh * kw * ci;
  const cols = composeKernel(args, ["dy", "filter"], ([dy, filter]) =>
    tf.matMul(tf.reshape(dy, [batchSize * oh * ow, co]), tf.transpose(tf.reshape(filter, [k, co]))),
  );
  const dxInfo = backend.makeOutput([batchSize, h, w, ci], "float32");
  // Heap views only after the allocation above (growing the heap detaches older views).
  const src = backend.typedArrayFromHeap(cols);
  const dx = backend.typedArrayFromHeap(dxInfo);
  dx.fill(0);
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  let row = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let p = 0; p < oh; p++) {
      for (let q = 0; q < ow; q++, row += k) {
        for (let u = 0; u < kh; u++) {
          const i = p * sh + u - pt;
          if (i < 0 || i >= h) continue;
          for (let v = 0; v < kw; v++) {
            const j = q * sw + v - pl;
            if (j < 0 || j >= w) continue;
            const from = row + (u * kw + v) * ci;
            const to = ((b * h + i) * w + j) * ci;
            for (let c = 0; c < ci; c++) dx[to + c] += src[from + c];
          }
        }
      }
    }
  }
  cols.dispose();
  return dxInfo;
}

/**
 * `Conv2DBackpropInput` as one forward convolution (any data format; the wasm fallback for NCHW).
 *
 * @remarks
 * Insert `s − 1` zeros between the rows/columns of `dy`, pad it by `KH − 1 − pt` on top and `KW − 1 − pl` on
 * the left (negative amounts crop), and convolve (stride 1, valid) with
 * `W'[u, v, o, c] = W[KH − 1 − u, KW − 1 − v, c, o]`.
 */
export function conv2dBackpropInputAsConv(args: KernelArgs): tf.TensorInfo {
  const { dataFormat, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = convInfoOf(args);
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
