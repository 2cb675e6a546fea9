/**
 * Fast `MaxPoolGrad` for the wasm backend.
 */
import * as tf from "@tensorflow/tfjs-core";

import { isHeapBackend, type KernelArgs } from "./kernel_utils.js";

/**
 * Gradient of 2-D max pooling (NHWC) with respect to its input, routed through the arg-max of every window.
 *
 * @remarks
 * `dx[b, i, j, c] = Σ_{windows (p, q) whose first maximum is at (i, j)} dy[b, p, q, c]`, where "first maximum" is
 * the first element equal to the window's maximum in row-major window order, skipping padding (the cpu backend's
 * rule, which matters for the many ties of binarized activations); NaN never wins. One pass over the windows
 * reading the wasm heap directly: O(B·OH·OW·C·KH·KW), versus tfjs-wasm's kernel which searches every window
 * covering each input pixel.
 */
export function maxPoolGradWasm(args: KernelArgs): tf.TensorInfo {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const backend = args.backend;
  if (!isHeapBackend(backend)) {
    throw new Error(`Invalid backend for MaxPoolGrad: expected the wasm backend, received ${String(backend)}.`);
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const dxInfo = backend.makeOutput(input.shape.slice(), "float32");
  // Views after the allocation above: growing the heap detaches earlier views.
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(dxInfo);
  dx.fill(0);
  const { batchSize, inHeight: h, inWidth: w, inChannels: channels, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const rowStride = w * channels;
  let gi = 0;
  for (let b = 0; b < batchSize; b++) {
    const imageBase = b * h * rowStride;
    for (let p = 0; p < oh; p++) {
      const r0 = Math.max(0, p * sh - pt);
      const r1 = Math.min(h, p * sh - pt + fh);
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(0, q * sw - pl);
        const c1 = Math.min(w, q * sw - pl + fw);
        const windowBase = imageBase + r0 * rowStride + c0 * channels;
        // Scalars per channel keep the search in registers; the window's rows stay in cache across channels.
        for (let c = 0; c < channels; c++, gi++) {
          let best = -Infinity;
          let at = -1;
          for (let r = r0, rowBase = windowBase + c; r < r1; r++, rowBase += rowStride) {
            for (let col = c0, i = rowBase; col < c1; col++, i += channels) {
              const v = x[i];
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += g[gi];
        }
      }
    }
  }
  return dxInfo;
}
