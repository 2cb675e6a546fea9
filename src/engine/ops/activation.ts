/**
 * `activation`: element-wise activations (softmax over the last axis), in TS.
 *
 * @packageDocumentation
 */
import { activationName, CLAMPS } from "../convert_util.js";
import { activation } from "../float_ops.js";
import { floatView, needSameShape, stateless, type NodeCheck, type OpDef } from "./types.js";

/**
 * The `[lo, hi]` of clamp activation `name` (relu, relu6, hardtanh), or undefined if it is not one. The kernels
 * clamp as `Math.min(Math.max(x, lo), hi)` (tfjs's rules: NaN stays NaN, relu(−0) = +0); the batch-norm kernel
 * runs a clamp alone in its "skip the normalisation" mode, and `batchnorm` and `maxpool` nodes fold one
 * (`attrs.clamp`, see float_fusion.ts).
 */
export function kernelClamp(name: unknown): readonly [number, number] | undefined {
  return typeof name === "string" && Object.hasOwn(CLAMPS, name) ? CLAMPS[name] : undefined;
}

/** Validation of a folded clamp (`attrs.clamp`): absent, or a clamp activation's name. */
export function needClamp(c: NodeCheck): void {
  const clamp = (c.node.attrs as Record<string, unknown>).clamp;
  c.need(
    clamp === undefined || kernelClamp(clamp) !== undefined,
    `bad clamp ${JSON.stringify(clamp)?.slice(0, 40)} (${Object.keys(CLAMPS).join(", ")} or none)`,
  );
}

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
  bytes: (node) => ({ weights: kernelClamp(node.attrs.activation) ? 64 : 0, scratch: 0 }),
  prepare: (engine, node) => {
    const a = node.attrs as Record<string, any>;
    const channels = node.shape[node.shape.length - 1];
    const clamp = kernelClamp(a.activation);
    if (clamp) {
      // The kernel reads its flags at params + 4·channels doubles; with channels = 1 that is [4, 7).
      const ptr = engine.alloc(56);
      new Float64Array(engine.buffer, ptr, 7).set([0, 0, 0, 0, 1 | 2, ...clamp]);
      return {
        run: ([x], y) => engine.kernels.fbatchnorm(x.ptr, y.ptr, y.byteLength / 4, 1, ptr),
        dispose: () => engine.free(ptr),
      };
    }
    return stateless(([x], y) => activation(floatView(engine, x), floatView(engine, y), a.activation, channels, a.alpha));
  },
};
