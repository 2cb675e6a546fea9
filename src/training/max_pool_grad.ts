/**
 * Fast `MaxPoolGrad` for the wasm and cpu backends.
 */
import * as tf from "@tensorflow/tfjs-core";

import { isHeapBackend, readFloat32, writeFloat32, type KernelArgs } from "./kernel_utils.js";

type PoolInfo = ReturnType<typeof tf.backend_util.computePool2DInfo>;

function poolInfoOf(args: KernelArgs): PoolInfo {
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs;
  return tf.backend_util.computePool2DInfo(
    args.inputs.input!.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * Adds every window's output gradient `g` to the input position of its first maximum in `x` (NHWC), into `dx`
 * (which must start zeroed). Shared by the wasm and cpu kernels, which differ only in where the arrays live.
 */
function scatterToArgMax(info: PoolInfo, x: tf.TypedArray, g: tf.TypedArray, dx: tf.TypedArray): void {
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
}

/**
 * Gradient of 2-D max pooling (NHWC) with respect to its input, routed through the arg-max of every window
 * (wasm backend: reads and writes the wasm heap directly).
 *
 * @remarks
 * `dx[b, i, j, c] = Σ_{windows (p, q) whose first maximum is at (i, j)} dy[b, p, q, c]`, where "first maximum" is
 * the first element equal to the window's maximum in row-major window order, skipping padding (the cpu backend's
 * rule, which matters for the many ties of binarized activations); NaN never wins. One pass over the windows:
 * O(B·OH·OW·C·KH·KW), versus tfjs-wasm's kernel which searches every window covering each input pixel.
 */
export function maxPoolGradWasm(args: KernelArgs): tf.TensorInfo {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const backend = args.backend;
  if (!isHeapBackend(backend)) {
    throw new Error(`Invalid backend for MaxPoolGrad: expected the wasm backend, received ${String(backend)}.`);
  }
  const info = poolInfoOf(args);
  const dxInfo = backend.makeOutput(input.shape.slice(), "float32");
  // Views after the allocation above: growing the heap detaches earlier views.
  const dx = backend.typedArrayFromHeap(dxInfo);
  dx.fill(0);
  scatterToArgMax(info, backend.typedArrayFromHeap(input), backend.typedArrayFromHeap(dy), dx);
  return dxInfo;
}

/**
 * The same arg-max scatter as {@link maxPoolGradWasm} for the cpu backend, on the backend's own arrays.
 *
 * @remarks
 * Same formula and tie rule as tfjs-backend-cpu's `MaxPoolGrad`, which instead builds a position map with
 * `TensorBuffer` index arithmetic and then, per input pixel, searches every window covering it (about 0.6 s of
 * a batch-64 step of the MNIST tutorial BNN; this pass takes ~50 ms for its larger pooling layer).
 */
export function maxPoolGradCpu(args: KernelArgs): tf.TensorInfo {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const backend = args.backend as tf.KernelBackend;
  const dx = new Float32Array(tf.util.sizeFromShape(input.shape));
  scatterToArgMax(poolInfoOf(args), readFloat32(backend, input, "input"), readFloat32(backend, dy, "dy"), dx);
  return writeFloat32(backend, input.shape.slice(), dx);
}
