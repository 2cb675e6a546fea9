/**
 * The converter rule of Keras's `TFOpLambda` layers that larq-zoo models saved by Python contain: `x + y`
 * (`__operators__.add`, `math.add`) of tensors of the output's shape becomes an `add` node, `tf.concat` along the
 * channels a `concat` node. Other functions (and `split`, whose several outputs the layer graph does not carry)
 * are reported by layer name.
 *
 * @packageDocumentation
 */
import type { LayerRule } from "./types.js";

/** `__operators__.add`, `Operators_.add`, `private__operators__.add` → `operators.add` (tfjs and Keras spellings). */
const normalize = (name: unknown) =>
  String(name)
    .replace(/^private/, "")
    .replace(/_/g, "")
    .toLowerCase();

/** Whether a `TFOpLambda` config is an addition of tensors (no constants): `x + y`, `tf.math.add`. */
export function isTfOpLambdaAdd(cfg: Record<string, any>): boolean {
  const fn = normalize(cfg.function);
  return (fn === "operators.add" || fn === "math.add") && Object.keys(cfg.constants ?? {}).length === 0;
}

/** The rule of class `TFOpLambda` (registered by the `add` op module). */
export const tfOpLambdaRule: LayerRule = (g, ln, cfg) => {
  const fn = normalize(cfg.function);
  const constants = (cfg.constants ?? {}) as Record<string, unknown>;
  const inputs = ln.inputs.map((_, i) => g.floatIn(ln, i));
  const sameShape = inputs.every((id) => g.shapeOf(id).join() === ln.shape.join());
  if (fn === "operators.add" || fn === "math.add") {
    if (ln.inputs.length < 2 || Object.keys(constants).length > 0 || !sameShape) {
      g.unsupported(ln, `${cfg.function} of a constant or of broadcast shapes`);
    }
    g.set(ln, g.emit(ln.layer.name, "add", inputs, {}, ln.shape));
    return;
  }
  if (fn === "concat") {
    let axis = (constants.axis ?? -1) as number;
    if (!Number.isInteger(axis)) g.unsupported(ln, `concat axis ${JSON.stringify(constants.axis)}`);
    if (axis < 0) axis += ln.shape.length + 1;
    if (axis < 1 || ln.inputs.length < 1) g.unsupported(ln, `concat along axis ${constants.axis}`);
    g.set(ln, g.emit(ln.layer.name, "concat", inputs, { axis: axis - 1 }, ln.shape));
    return;
  }
  g.unsupported(ln, `TF function ${JSON.stringify(cfg.function)} (the engine converts add and concat)`);
};
