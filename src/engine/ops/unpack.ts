/**
 * `unpack`: packed sign bits → float ±1 (bit 1 → −1, bit 0 → +1), as Larq Compute Engine's `LceDequantize`.
 *
 * @packageDocumentation
 */
import { u32PerPixel } from "../bitpacking.js";
import { floatView, needSameShape, stateless, type OpDef } from "./types.js";

/** The `unpack` op. */
export const unpackOp: OpDef = {
  op: "unpack",
  arity: 1,
  inputKind: "bits",
  outputDType: () => "float32",
  validate: (c) => needSameShape(c),
  prepare: (engine, node) => {
    const channels = node.shape[node.shape.length - 1];
    const stride = u32PerPixel(channels);
    return stateless((ins, y) => {
      const dst = floatView(engine, y);
      const pixels = dst.length / channels;
      const src = new Uint32Array(engine.buffer, ins[0].ptr, pixels * stride);
      for (let p = 0; p < pixels; p++) {
        for (let c = 0; c < channels; c++) dst[p * channels + c] = (src[p * stride + (c >>> 5)] >>> (c & 31)) & 1 ? -1 : 1;
      }
    });
  },
};
