/**
 * `activation`: element-wise activations (softmax over the last axis), in TS.
 *
 * @packageDocumentation
 */
import { activationName } from "../convert_util.js";
import { activation } from "../float_ops.js";
import { floatView, needSameShape, stateless, type OpDef } from "./types.js";

/** Activations the engine evaluates (normalised names; `leakyrelu` and `elu` take `attrs.alpha`). */
export const ENGINE_ACTIVATIONS: ReadonlySet<string> = new Set([
  "linear",
  "relu",
  "relu6",
  "hardtanh",
  "sigmoid",
  "tanh",
  "softmax",
  "elu",
  "selu",
  "softplus",
  "softsign",
  "hardsigmoid",
  "swish",
  "mish",
  "gelu",
]);

/** The `activation` op. */
export const activationOp: OpDef = {
  op: "activation",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    const a = c.node.attrs as Record<string, unknown>;
    c.need(
      typeof a.activation === "string" && (ENGINE_ACTIVATIONS.has(a.activation) || a.activation === "leakyrelu"),
      `unknown activation ${JSON.stringify(a.activation)?.slice(0, 40)}`,
    );
    c.need(a.alpha === undefined || Number.isFinite(a.alpha), `bad alpha ${JSON.stringify(a.alpha)?.slice(0, 40)}`);
    needSameShape(c);
  },
  layers: {
    Activation: (g, ln, cfg) => g.set(ln, g.activation(ln, g.floatIn(ln), activationName(cfg.activation), ln.shape)),
    ReLU: (g, ln, cfg) => {
      if ((cfg.maxValue ?? null) !== null && cfg.maxValue !== 6) g.unsupported(ln, `maxValue ${cfg.maxValue}`);
      g.set(ln, g.activation(ln, g.floatIn(ln), cfg.maxValue === 6 ? "relu6" : "relu", ln.shape));
    },
    Softmax: (g, ln, cfg) => {
      if (cfg.axis !== undefined && cfg.axis !== -1 && cfg.axis !== ln.shape.length) g.unsupported(ln, `axis ${cfg.axis}`);
      g.set(ln, g.activation(ln, g.floatIn(ln), "softmax", ln.shape));
    },
    LeakyReLU: (g, ln, cfg) =>
      g.set(ln, g.emit(ln.layer.name, "activation", [g.floatIn(ln)], { activation: "leakyrelu", alpha: cfg.alpha ?? 0.3 }, ln.shape)),
    ELU: (g, ln, cfg) =>
      g.set(ln, g.emit(ln.layer.name, "activation", [g.floatIn(ln)], { activation: "elu", alpha: cfg.alpha ?? 1 }, ln.shape)),
  },
  prepare: (engine, node) => {
    const a = node.attrs as Record<string, any>;
    const channels = node.shape[node.shape.length - 1];
    return stateless(([x], y) => activation(floatView(engine, x), floatView(engine, y), a.activation, channels, a.alpha));
  },
};
