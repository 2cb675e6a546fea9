/**
 * Window geometry shared by the windowed ops (convolutions and pools): validation of a node's window against its
 * input and output shapes, and the kernels' geometry record at run time.
 *
 * @packageDocumentation
 */
import { axisGeometry, type AxisGeometry, type Padding } from "../ops.js";
import type { ConvGeometry } from "../wasm.js";
import { isDims, type NodeCheck } from "./types.js";

const I32 = 2 ** 31;

/** Checks `kernelSize`/`poolSize`-style pairs, strides, dilations and padding of untrusted attrs. */
export function checkWindowAttrs(
  c: NodeCheck,
  window: unknown,
  strides: unknown,
  dilations: unknown,
  padding: unknown,
  name = "kernelSize",
): void {
  const pair = (v: unknown) => isDims(v) && v.length === 2;
  c.need(
    pair(window) && pair(strides) && pair(dilations) && (padding === "same" || padding === "valid"),
    `bad geometry ${name} ${JSON.stringify(window)?.slice(0, 60)} strides ${JSON.stringify(strides)?.slice(0, 60)} dilations ${JSON.stringify(dilations)?.slice(0, 60)} padding ${JSON.stringify(padding)?.slice(0, 20)}`,
  );
  c.need(
    c.inShape.length === 3 && c.node.shape.length === 3,
    `needs rank-3 input and output shapes, received [${c.inShape}] and [${c.node.shape}]`,
  );
}

/**
 * Checks that the output shape is the one the geometry gives (the kernels write exactly that many values) and that
 * every coordinate the kernels compute fits in an i32. Returns the two axes' geometry.
 */
export function checkWindow(c: NodeCheck, k: number[], s: number[], d: number[], padding: Padding): [AxisGeometry, AxisGeometry] {
  const { inShape, node } = c;
  let gy: AxisGeometry, gx: AxisGeometry;
  try {
    gy = axisGeometry(inShape[0], k[0], s[0], d[0], padding);
    gx = axisGeometry(inShape[1], k[1], s[1], d[1], padding);
  } catch (e) {
    c.fail((e as Error).message.replace(/\.$/, ""));
  }
  c.need(
    node.shape[0] === gy.out && node.shape[1] === gx.out,
    `output shape [${node.shape}] does not follow from the input [${inShape}] (expected [${gy.out}, ${gx.out}, …])`,
  );
  for (const [ax, g] of [gy, gx].entries()) {
    const extent = (k[ax] - 1) * d[ax] + 1;
    // Pools visit only in-image taps; convolutions' taps are bounded by their weights. What the kernels compute in
    // i32 is o·stride, the leading padding and the dilated window.
    c.need(
      g.out * s[ax] < I32 && inShape[ax] + g.padBefore < I32 && (d[ax] === 1 || extent < I32),
      `window ${k[ax]} (dilation ${d[ax]}, stride ${s[ax]}) on axis ${ax} exceeds the i32 range of the kernels`,
    );
  }
  return [gy, gx];
}

/**
 * Pools have no weights bounding their work: a window may not be larger than its padded input, i.e. the input plus
 * at most one input extent and a stride on each side (beyond that every window covers the whole axis).
 */
export function checkPoolWindow(c: NodeCheck, k: number[], s: number[]): void {
  for (let ax = 0; ax < 2; ax++) {
    const limit = 3 * c.inShape[ax] + 2 * s[ax];
    c.need(
      k[ax] <= limit,
      `pooling window ${k[ax]} on axis ${ax} exceeds the padded input (at most ${limit} for an input of ${c.inShape[ax]})`,
    );
  }
}

/** The kernels' geometry of a window op on an NHWC input `[b, h, w, c]`. */
export function windowGeometry(
  inShape: readonly number[],
  k: readonly number[],
  s: readonly number[],
  d: readonly number[],
  padding: Padding,
): ConvGeometry {
  const [batch, h, w] = inShape;
  const gy = axisGeometry(h, k[0], s[0], d[0], padding);
  const gx = axisGeometry(w, k[1], s[1], d[1], padding);
  return {
    batch,
    h,
    w,
    kh: k[0],
    kw: k[1],
    sy: s[0],
    sx: s[1],
    dy: d[0],
    dx: d[1],
    padTop: gy.padBefore,
    padLeft: gx.padBefore,
    oh: gy.out,
    ow: gx.out,
  };
}
