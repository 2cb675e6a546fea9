/**
 * `activation`: element-wise activations (softmax over the last axis), in TS.
 *
 * @packageDocumentation
 */
import { activationName } from "../convert_util.js";
import { activation } from "../float_ops.js";
import { floatView, needSameShape, stateless, type OpDef } from "./types.js";

/**
 * Clamp activations run by the batch-norm kernel in its "skip the normalisation" mode (flags bit 0): `[flags, lo,
 * hi]` with clamp kind 1 (relu: `x < 0 ? 0 : x`) or 2 (`Math.min(Math.max(x, lo), hi)`, the same NaN and
 * signed-zero rules as the TS activations).
 */
const KERNEL_CLAMPS: Record<string, readonly [number, number, number]> = {
  relu: [1 | (1 << 1), 0, 0],
  relu6: [1 | (2 << 1), 0, 6],
  hardtanh: [1 | (2 << 1), -1, 1],
};

function kernelClamp(name: unknown): readonly [number, number, number] | undefined {
  return typeof name === "string" && Object.hasOwn(KERNEL_CLAMPS, name) ? KERNEL_CLAMPS[name] : undefined;
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
      new Float64Array(engine.buffer, ptr, 7).set([0, 0, 0, 0, ...clamp]);
      return {
        run: ([x], y) => engine.kernels.fbatchnorm(x.ptr, y.ptr, y.byteLength / 4, 1, ptr),
        dispose: () => engine.free(ptr),
      };
    }
    return stateless(([x], y) => activation(floatView(engine, x), floatView(engine, y), a.activation, channels, a.alpha));
  },
};
