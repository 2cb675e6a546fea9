/**
 * `slice`: the channels `[begin, begin + size)` of a float tensor (last axis), one output of TFLite's SPLIT.
 *
 * @packageDocumentation
 */
import { floatView, stateless, type OpDef } from "./types.js";

/** The `slice` op. */
export const sliceOp: OpDef = {
  op: "slice",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    const a = c.node.attrs as Record<string, unknown>;
    const channels = c.inShape[c.inShape.length - 1];
    const begin = a.begin as number;
    const size = c.node.shape[c.node.shape.length - 1];
    c.need(
      Number.isInteger(begin) && begin >= 0 && begin + size <= channels,
      `begin ${JSON.stringify(a.begin)} with ${size} channels leaves the input's ${channels}`,
    );
    c.need(
      c.node.shape.length === c.inShape.length && c.node.shape.slice(0, -1).every((d, k) => d === c.inShape[k]),
      `output shape [${c.node.shape}] is not a channel slice of [${c.inShape}]`,
    );
  },
  prepare: (engine, node) => {
    const begin = (node.attrs as Record<string, number>).begin;
    const size = node.shape[node.shape.length - 1];
    return stateless((ins, y) => {
      const channels = ins[0].shape[ins[0].shape.length - 1];
      const src = floatView(engine, ins[0]);
      const dst = floatView(engine, y);
      for (let p = 0, q = 0; q < dst.length; p += channels, q += size) dst.set(src.subarray(p + begin, p + begin + size), q);
    });
  },
};
