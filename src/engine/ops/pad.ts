/**
 * `pad`: constant zero padding of a float NHWC tensor (`attrs.paddings`: `[[top, bottom], [left, right],
 * [front, back]]` for height, width and channels; the batch is never padded), as TFLite's PAD.
 *
 * @packageDocumentation
 */
import { floatView, sizeOf, stateless, type OpDef } from "./types.js";

function paddingsOf(value: unknown): number[][] | null {
  if (!Array.isArray(value) || value.length !== 3) return null;
  const ok = value.every((p) => Array.isArray(p) && p.length === 2 && p.every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 20));
  return ok ? (value as number[][]) : null;
}

/** The `pad` op. */
export const padOp: OpDef = {
  op: "pad",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    c.need(c.inShape.length === 3, `needs an [h, w, c] input, received [${c.inShape}]`);
    const p = paddingsOf((c.node.attrs as Record<string, unknown>).paddings);
    c.need(p !== null, "paddings must be [[top, bottom], [left, right], [front, back]] of integers in [0, 2^20)");
    const want = c.inShape.map((d, k) => d + p![k][0] + p![k][1]);
    c.need(
      want.every((d, k) => d === c.node.shape[k]),
      `output shape [${c.node.shape}] differs from the padded input [${want}]`,
    );
  },
  prepare: (engine, node) => {
    const p = paddingsOf((node.attrs as Record<string, unknown>).paddings)!;
    const [oh, ow, oc] = node.shape;
    return stateless((ins, y) => {
      const x = ins[0];
      const [batch, h, w, ch] = x.shape;
      const src = floatView(engine, x);
      const dst = floatView(engine, y);
      dst.fill(0);
      const pixel = sizeOf([oh, ow, oc]);
      for (let n = 0; n < batch; n++) {
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            const from = ((n * h + i) * w + j) * ch;
            const to = n * pixel + ((i + p[0][0]) * ow + (j + p[1][0])) * oc + p[2][0];
            dst.set(src.subarray(from, from + ch), to);
          }
        }
      }
    });
  },
};
