/**
 * `add`: element-wise sum of one or more float inputs of the output's size, kernel `lce_fadd`.
 *
 * @packageDocumentation
 */
import { tfOpLambdaRule } from "./tf_op_lambda_rule.js";
import { floatView, sizeOf, stateless, type OpDef } from "./types.js";

/** The `add` op. */
export const addOp: OpDef = {
  op: "add",
  arity: "many",
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    const n = sizeOf(c.node.shape);
    c.inputs.forEach((x, k) => c.need(sizeOf(x.shape) === n, `input ${k} has ${sizeOf(x.shape)} elements, the output ${n}`));
  },
  layers: {
    // Keras's TFOpLambda (`x + y`, `tf.concat`) in larq-zoo models saved by Python; see tf_op_lambda_rule.ts.
    TFOpLambda: tfOpLambdaRule,
    Add: (g, ln) =>
      g.set(
        ln,
        g.emit(
          ln.layer.name,
          "add",
          ln.inputs.map((_, i) => g.floatIn(ln, i)),
          {},
          ln.shape,
        ),
      ),
  },
  prepare: (engine) =>
    stateless((ins, y) => {
      if (ins.length === 1) return floatView(engine, y).set(floatView(engine, ins[0]));
      for (let j = 1; j < ins.length; j++) engine.kernels.fadd(j === 1 ? ins[0].ptr : y.ptr, ins[j].ptr, y.ptr, y.byteLength / 4);
    }),
};
