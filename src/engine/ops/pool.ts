/**
 * Validation shared by the pooling ops (`maxpool`, `avgpool`, `bmaxpool`): window attrs, the output shape the
 * geometry gives, and the window bounded by its padded input.
 *
 * @packageDocumentation
 */
import type { NodeCheck } from "./types.js";
import { checkPoolWindow, checkWindow, checkWindowAttrs } from "./window.js";

/** Checks a pooling node (`attrs`: `poolSize`, `strides`, `padding`). */
export function validatePool(c: NodeCheck): void {
  const a = c.node.attrs as Record<string, any>;
  checkWindowAttrs(c, a.poolSize, a.strides, [1, 1], a.padding, "poolSize");
  c.need(c.node.shape[2] === c.inShape[2], `output channels ${c.node.shape[2]} differ from the input's ${c.inShape[2]}`);
  checkWindow(c, a.poolSize, a.strides, [1, 1], a.padding);
  checkPoolWindow(c, a.poolSize, a.strides);
}
