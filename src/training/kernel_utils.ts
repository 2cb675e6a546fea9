/**
 * Shared plumbing for the training kernels that larq-ts registers for the wasm backend.
 *
 * Most of these kernels are composed from tfjs ops that the wasm backend runs natively (XNNPACK convolutions,
 * matrix products, transposes). Inside a kernel function tfjs hands over `TensorInfo` records, not tensors; the
 * helpers here wrap them as tensors, run a tidy computation and return the result as the kernel output.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The `{inputs, backend, attrs}` record tfjs passes to a kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Explicit paddings of a 2-D window operation, in pixels. */
export interface Padding2D {
  /** Rows added above (negative: rows removed). */
  top: number;
  /** Rows added below (negative: rows removed). */
  bottom: number;
  /** Columns added on the left (negative: columns removed). */
  left: number;
  /** Columns added on the right (negative: columns removed). */
  right: number;
}

/**
 * Runs `compute` on tensor views of the kernel inputs inside `tf.tidy` and returns its result.
 *
 * The tensor views share the inputs' data (tfjs reference-counts data ids), so disposing them at the end of the
 * tidy scope leaves the caller's tensors intact. The returned tensor becomes the kernel output.
 */
export function composeKernel(args: KernelArgs, names: readonly string[], compute: (tensors: tf.Tensor[]) => tf.Tensor): tf.Tensor {
  const engine = tf.engine();
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const backend = args.backend as tf.KernelBackend;
  return tf.tidy(() => {
    const tensors = names.map((name) => {
      const info = inputs[name];
      if (info == null) throw new Error(`Invalid kernel input ${name}: expected a tensor, received ${String(info)}.`);
      const view = engine.makeTensorFromTensorInfo(info, backend);
      // The view's disposal releases one backend reference: take one, or the caller's data would be freed.
      backend.incRef(info.dataId);
      return view;
    });
    return compute(tensors);
  });
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor.
 *
 * @remarks Output height is `H + top + bottom`, width `W + left + right`; padded cells hold `value`.
 */
export function padOrCrop(x: tf.Tensor4D, p: Padding2D, value = 0): tf.Tensor4D {
  let y = x;
  const cropTop = Math.max(0, -p.top);
  const cropLeft = Math.max(0, -p.left);
  const keepH = y.shape[1] - cropTop - Math.max(0, -p.bottom);
  const keepW = y.shape[2] - cropLeft - Math.max(0, -p.right);
  if (keepH <= 0 || keepW <= 0) {
    throw new Error(`Invalid padding: cropping ${JSON.stringify(p)} leaves nothing of shape ${JSON.stringify(x.shape)}.`);
  }
  if (cropTop > 0 || cropLeft > 0 || keepH < y.shape[1] || keepW < y.shape[2]) {
    y = tf.slice(y, [0, cropTop, cropLeft, 0], [-1, keepH, keepW, -1]);
  }
  const padTop = Math.max(0, p.top);
  const padBottom = Math.max(0, p.bottom);
  const padLeft = Math.max(0, p.left);
  const padRight = Math.max(0, p.right);
  if (padTop + padBottom + padLeft + padRight > 0) {
    y = tf.pad(
      y,
      [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      value,
    );
  }
  return y;
}

/**
 * Splits a padding into the part a convolution can take as explicit padding (non-negative) and crops the
 * input for the negative part. Returns the cropped input and the explicit padding for `tf.conv2d`.
 */
export function cropForConv(x: tf.Tensor4D, p: Padding2D): [tf.Tensor4D, [[0, 0], [number, number], [number, number], [0, 0]]] {
  const cropped = padOrCrop(x, {
    top: Math.min(0, p.top),
    bottom: Math.min(0, p.bottom),
    left: Math.min(0, p.left),
    right: Math.min(0, p.right),
  });
  return [
    cropped,
    [
      [0, 0],
      [Math.max(0, p.top), Math.max(0, p.bottom)],
      [Math.max(0, p.left), Math.max(0, p.right)],
      [0, 0],
    ],
  ];
}

/**
 * Inserts `strideH − 1` zero rows and `strideW − 1` zero columns after every row/column of an NHWC tensor
 * (the "dilated" gradient used by transposed convolutions). Output is `[B, H·strideH, W·strideW, C]`; the
 * trailing zeros are kept, callers crop them.
 */
export function insertZeros(x: tf.Tensor4D, strideH: number, strideW: number): tf.Tensor4D {
  if (strideH === 1 && strideW === 1) return x;
  const [b, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [b, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, strideH - 1],
    [0, 0],
    [0, strideW - 1],
    [0, 0],
  ]);
  return tf.reshape(spread, [b, h * strideH, w * strideW, c]);
}

/** NCHW → NHWC. */
export function toChannelsLast(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]);
}

/** NHWC → NCHW. */
export function toChannelsFirst(x: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]);
}

/** Shape `[B, H, W, C]` of an NHWC or NCHW shape. */
export function channelsLastShape(shape: readonly number[], dataFormat: string | undefined): [number, number, number, number] {
  const [a, b, c, d] = shape;
  return dataFormat === "NCHW" ? [a, c, d, b] : [a, b, c, d];
}

/** The parts of tfjs-backend-wasm's `BackendWasm` this kernel uses (not exported by tfjs-core's types). */
export interface HeapBackend {
  /** Allocates an uninitialised output tensor in the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A typed-array view of a tensor's data in the wasm heap (invalidated when the heap grows). */
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
}

/** True when `backend` exposes the wasm heap accessors {@link maxPoolGradWasm} needs. */
export function isHeapBackend(backend: unknown): backend is HeapBackend {
  const b = backend as Partial<HeapBackend> | null;
  return b != null && typeof b.makeOutput === "function" && typeof b.typedArrayFromHeap === "function";
}

/**
 * The float32 values of a kernel input on a backend that keeps them in JavaScript memory (the cpu backend's
 * `readSync` returns its own array, no copy). `name` labels the input in the error for other dtypes.
 */
export function readFloat32(backend: tf.KernelBackend, info: tf.TensorInfo, name: string): Float32Array {
  const values = backend.readSync(info.dataId);
  if (!(values instanceof Float32Array)) {
    throw new Error(`Invalid kernel input ${name}: expected float32 values, received ${info.dtype}.`);
  }
  return values;
}

/** Hands `values` to the backend as a new float32 tensor of `shape` and returns its record (the kernel output). */
export function writeFloat32(backend: tf.KernelBackend, shape: number[], values: Float32Array): tf.TensorInfo {
  return { dataId: backend.write(values, shape, "float32"), shape, dtype: "float32" };
}
