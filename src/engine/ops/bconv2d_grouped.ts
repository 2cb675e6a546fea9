/**
 * Grouped binary convolutions (`bconv2d` with `attrs.groups` = G > 1, as Keras / larq / LCE): input channel group
 * g (C/G channels) convolved with filter columns g·F/G … (g+1)·F/G − 1 (kernel `[kh, kw, C/G, F]`). Runs one
 * {@link BConv2DOp} per group on the group's bits, gathered from the packed input into scratch tensors, and
 * scatters the group outputs (floats or bits) into the output's channels.
 *
 * @packageDocumentation
 */
import { u32PerPixel } from "../bitpacking.js";
import type { Engine } from "../engine.js";
import type { BConv2DParams, OutputTransform } from "../ops.js";
import type { EngineTensor } from "../tensor.js";
import { binaryBytes } from "./binary_op.js";
import type { BConv2DOp } from "./bconv2d.js";
import { align16, type PreparedNode } from "./types.js";

/** Copies channels [from, from + count) of every pixel of packed `src` (cs channels) to channel `to` of `dst` (cd channels). */
export function copyBitChannels(
  src: Uint32Array,
  cs: number,
  from: number,
  dst: Uint32Array,
  cd: number,
  to: number,
  count: number,
  pixels: number,
): void {
  const ss = u32PerPixel(cs),
    sd = u32PerPixel(cd);
  for (let p = 0; p < pixels; p++) {
    const a = p * ss,
      b = p * sd;
    for (let j = 0; j < count; j++) {
      const i = from + j,
        o = to + j;
      const bit = (src[a + (i >>> 5)] >>> (i & 31)) & 1;
      const k = b + (o >>> 5),
        m = 1 << (o & 31);
      dst[k] = bit ? dst[k] | m : dst[k] & ~m;
    }
  }
}

/** Wasm bytes of a grouped bconv2d: the groups' weights and scratch plus their input and output tensors. */
export function groupedBytes(
  taps: number,
  cin: number,
  cout: number,
  groups: number,
  oh: number,
  ow: number,
  inPixels: number,
  batch: number,
  bits: boolean,
): { weights: number; scratch: number } {
  const cg = cin / groups,
    fg = cout / groups;
  const m = batch * oh * ow;
  const one = binaryBytes(taps, cg, fg, m, true);
  const inT = align16(batch * inPixels * u32PerPixel(cg) * 4);
  const outT = align16(bits ? m * u32PerPixel(fg) * 4 : m * fg * 4);
  // Border correction rows (at most a pattern per output row and column): bounded by m rows of fg columns.
  const corr = align16(m * 4) + align16(Math.min(m, oh + ow) * Math.ceil(fg / 4) * 16);
  return { weights: groups * one.weights, scratch: groups * (one.scratch + corr + inT + outT) };
}

/** Prepares a grouped bconv2d: one BConv2DOp per group with its filter columns and transform slice. */
export function prepareGrouped(engine: Engine, params: BConv2DParams, groups: number, filter: Float32Array): PreparedNode {
  const [kh, kw] = params.kernelSize;
  const cin = params.inChannels,
    cout = params.outChannels;
  const cg = cin / groups,
    fg = cout / groups;
  const t = params.transform!;
  const slice = (v: ArrayLike<number> | number | undefined, g: number) =>
    v === undefined || typeof v === "number" ? v : Array.from({ length: fg }, (_, n) => v[g * fg + n]);
  const ops: BConv2DOp[] = [];
  let tensors: EngineTensor[] = [];
  const freeTensors = () => {
    for (const x of tensors) x.dispose();
    tensors = [];
  };
  let key = "";
  try {
    for (let g = 0; g < groups; g++) {
      const f = new Float32Array(kh * kw * cg * fg);
      for (let tap = 0; tap < kh * kw; tap++)
        for (let c = 0; c < cg; c++) for (let n = 0; n < fg; n++) f[(tap * cg + c) * fg + n] = filter[(tap * cg + c) * cout + g * fg + n];
      const transform: OutputTransform =
        t.kind === "bits"
          ? { kind: "bits", multiplier: slice(t.multiplier, g), bias: slice(t.bias, g) }
          : {
              ...t,
              multiplier: slice(t.multiplier, g),
              bias: slice(t.bias, g),
              ...(t.center ? { center: slice(t.center, g), multiplierLo: slice(t.multiplierLo!, g) } : {}),
            };
      ops.push(engine.createBConv2D({ ...params, inChannels: cg, outChannels: fg, transform }, f));
    }
  } catch (e) {
    for (const op of ops) op.dispose();
    throw e;
  }
  return {
    prepare(inputShape) {
      const k = inputShape.join("x");
      if (k === key) return;
      freeTensors();
      const gin = [inputShape[0], inputShape[1], inputShape[2], cg];
      for (const op of ops) {
        op.prepare(gin);
        tensors.push(engine.tensor(gin, "bits"), engine.tensor(op.outputShape(gin), op.outputDType));
      }
      key = k;
    },
    run([x], y) {
      this.prepare!(x.shape);
      const pixels = x.shape[0] * x.shape[1] * x.shape[2];
      const outPixels = y.shape[0] * y.shape[1] * y.shape[2];
      // Packed tensors keep their tail bits 0: clear the group inputs and a bits output before the copies.
      if (y.dtype === "bits") new Uint32Array(engine.buffer, y.ptr, y.byteLength / 4).fill(0);
      for (let g = 0; g < groups; g++) {
        const [gx, gy] = [tensors[2 * g], tensors[2 * g + 1]];
        const gxv = new Uint32Array(engine.buffer, gx.ptr, gx.byteLength / 4).fill(0);
        copyBitChannels(new Uint32Array(engine.buffer, x.ptr, x.byteLength / 4), cin, g * cg, gxv, cg, 0, cg, pixels);
        ops[g].run(gx, gy);
        if (y.dtype === "bits") {
          copyBitChannels(
            new Uint32Array(engine.buffer, gy.ptr, gy.byteLength / 4),
            fg,
            0,
            new Uint32Array(engine.buffer, y.ptr, y.byteLength / 4),
            cout,
            g * fg,
            fg,
            outPixels,
          );
        } else {
          const src = new Float32Array(engine.buffer, gy.ptr, gy.byteLength / 4),
            dst = new Float32Array(engine.buffer, y.ptr, y.byteLength / 4);
          for (let p = 0; p < outPixels; p++) dst.set(src.subarray(p * fg, (p + 1) * fg), p * cout + g * fg);
        }
      }
    },
    dispose() {
      freeTensors();
      for (const op of ops) op.dispose();
    },
  };
}
