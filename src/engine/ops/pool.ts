/**
 * Validation shared by the pooling ops (`maxpool`, `avgpool`, `bmaxpool`): window attrs, the output shape the
 * geometry gives, and the window bounded by its padded input.
 *
 * @packageDocumentation
 */
import { pairOf } from "../convert_util.js";
import type { LayerRule, NodeCheck } from "./types.js";
import { checkPoolWindow, checkWindow, checkWindowAttrs } from "./window.js";

/** Checks a pooling node (`attrs`: `poolSize`, `strides`, `padding`). */
export function validatePool(c: NodeCheck): void {
  const a = c.node.attrs as Record<string, any>;
  checkWindowAttrs(c, a.poolSize, a.strides, [1, 1], a.padding, "poolSize");
  c.need(c.node.shape[2] === c.inShape[2], `output channels ${c.node.shape[2]} differ from the input's ${c.inShape[2]}`);
  checkWindow(c, a.poolSize, a.strides, [1, 1], a.padding);
  checkPoolWindow(c, a.poolSize, a.strides);
}

/** The converter rule of MaxPooling2D / AveragePooling2D (strides default to the pool size). */
export function poolRule(op: "maxpool" | "avgpool"): LayerRule {
  return (g, ln, cfg) => {
    const [ph, pw] = pairOf(cfg.poolSize, 2);
    const strides = cfg.strides ? pairOf(cfg.strides, ph) : [ph, pw];
    g.checkNHWC(ln, cfg);
    g.set(ln, g.emit(ln.layer.name, op, [g.floatIn(ln)], { poolSize: [ph, pw], strides, padding: cfg.padding ?? "valid" }, ln.shape));
  };
}
