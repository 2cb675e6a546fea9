/**
 * {@link EngineTensor}: a float32 or packed-bits buffer in the engine's wasm memory, and the argument checks the
 * runtime's ops share.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../utils/errors.js";
import { packedLength } from "./bitpacking.js";

/** The element kind of an {@link EngineTensor}: float32 values, or packed sign bits (see bitpacking.ts). */
export type EngineDType = "float32" | "bits";

/** What a tensor needs from its engine: freeing its block. */
export interface TensorOwner {
  /** Frees a block of wasm memory. */
  free(ptr: number): void;
}

/**
 * A buffer in the engine's wasm memory holding a float32 or packed-bits tensor of a logical NHWC / `[batch, units]`
 * shape. Packed tensors use the layout of bitpacking.ts (64-bit words per pixel).
 */
export class EngineTensor {
  /** Bytes of the buffer. */
  readonly byteLength: number;
  private freed = false;

  /** @internal Use {@link Engine.tensor}. */
  constructor(
    private readonly engine: TensorOwner,
    /** Byte address in wasm memory. */
    readonly ptr: number,
    /** Logical shape (channels last). */
    readonly shape: readonly number[],
    /** Element kind. */
    readonly dtype: EngineDType,
  ) {
    this.byteLength = tensorBytes(shape, dtype);
  }

  /** Whether {@link EngineTensor.dispose} was called. */
  get disposed(): boolean {
    return this.freed;
  }

  /** Frees the buffer. */
  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    this.engine.free(this.ptr);
  }
}

/** Bytes of a tensor buffer of `shape` and `dtype` (validates the shape). */
export function tensorBytes(shape: readonly number[], dtype: EngineDType): number {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    invalidArgument("shape", shape, "a non-empty array of positive integers");
  }
  return dtype === "float32" ? shape.reduce((a, b) => a * b, 1) * 4 : packedLength(shape) * 4;
}

/** Checks a live tensor argument of a dtype. @internal */
export function checkTensor(name: string, t: unknown, dtype: EngineDType): asserts t is EngineTensor {
  if (!(t instanceof EngineTensor)) invalidArgument(name, t, "an EngineTensor");
  if (t.disposed) invalidArgument(name, "a disposed tensor", "a live EngineTensor");
  if (t.dtype !== dtype) invalidArgument(`${name}.dtype`, t.dtype, `"${dtype}"`);
}

/** Checks an NHWC shape argument. @internal */
export function checkNHWC(name: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    invalidArgument(name, shape, "[batch, height, width, channels] of positive integers");
  }
}

/** Checks that a shape argument equals the expected one. @internal */
export function sameShape(name: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    invalidArgument(name, actual, `[${expected.join(", ")}]`);
  }
}
