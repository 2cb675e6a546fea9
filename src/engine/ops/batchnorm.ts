/**
 * `batchnorm`: BatchNormalization over the last axis with the tfjs cpu kernel's arithmetic (β + (x − μ)·γ / √(σ²+ε)
 * in double, rounded once), kernel `lce_fbatchnorm`.
 *
 * @packageDocumentation
 */
import { kernelClamp, needClamp } from "./activation.js";
import { align16, needSameShape, type OpDef } from "./types.js";

/** The `batchnorm` op. */
export const batchnormOp: OpDef = {
  op: "batchnorm",
  arity: 1,
  inputKind: "float32",
  outputDType: () => "float32",
  validate: (c) => {
    needSameShape(c);
    const ch = c.node.shape[c.node.shape.length - 1];
    const w = c.node.weights;
    c.need(
      c.len("mean") === ch &&
        c.len("variance") === ch &&
        (w.gamma === undefined || c.len("gamma") === ch) &&
        (w.beta === undefined || c.len("beta") === ch),
      `parameters need ${ch} values (the channels), received mean ${c.len("mean")}, variance ${c.len("variance")}, gamma ${c.len("gamma")}, beta ${c.len("beta")}`,
    );
    const eps = (c.node.attrs as Record<string, unknown>).epsilon;
    c.need(typeof eps === "number" && Number.isFinite(eps), `bad epsilon ${JSON.stringify(eps)?.slice(0, 40)}`);
    needClamp(c);
  },
  bytes: (node) => ({ weights: align16(node.shape[node.shape.length - 1] * 32 + 24), scratch: 0 }),
  layers: {
    BatchNormalization: (g, ln, cfg) => {
      const axis = cfg.axis ?? -1;
      if (axis !== -1 && axis !== ln.shape.length) g.unsupported(ln, `axis ${axis} (only the last axis)`);
      g.set(
        ln,
        g.emit(ln.layer.name, "batchnorm", [g.floatIn(ln)], { epsilon: cfg.epsilon ?? 1e-3 }, ln.shape, "float32", g.bnWeights(ln.layer)),
      );
    },
  },
  prepare: (engine, node, w) => {
    // beta, mean, gamma, √(var + ε) as doubles, then the kernel's flags (bit 1: the folded clamp), lo, hi.
    const c = node.shape[node.shape.length - 1];
    const mean = w.get("mean"),
      variance = w.get("variance"),
      gamma = w.opt("gamma"),
      beta = w.opt("beta");
    const eps = (node.attrs as Record<string, number>).epsilon;
    const clamp = kernelClamp(node.attrs.clamp);
    const ptr = engine.alloc(c * 32 + 24);
    const p = new Float64Array(engine.buffer, ptr, 4 * c + 3);
    for (let k = 0; k < c; k++) {
      p[k] = beta ? beta[k] : 0;
      p[c + k] = mean[k];
      p[2 * c + k] = gamma ? gamma[k] : 1;
      p[3 * c + k] = Math.sqrt(variance[k] + eps);
    }
    p.set(clamp ? [2, ...clamp] : [0, 0, 0], 4 * c);
    return {
      run: ([x], y) => engine.kernels.fbatchnorm(x.ptr, y.ptr, x.byteLength / 4 / c, c, ptr),
      dispose: () => engine.free(ptr),
    };
  },
};
