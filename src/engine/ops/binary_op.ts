/**
 * The shared part of the prepared binary ops (BConv2D, BDense): packed weight panels, the float transform or the
 * integer thresholds, in wasm memory.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../../utils/errors.js";
import { gemmRowWords, packGemmRows, wordsPerPixel } from "../bitpacking.js";
import type { Engine } from "../engine.js";
import type { GraphNode } from "../graph.js";
import { computeThresholds, type OutputTransform, type ResolvedTransform } from "../ops.js";
import { checkTensor, sameShape, type EngineDType, type EngineTensor } from "../tensor.js";
import type { GemmEpilogue } from "../wasm.js";
import { align16, type NodeCheck, type PreparedNode, type WeightReader } from "./types.js";

/**
 * Weights and transform of a binary layer, prepared in wasm memory: the packed weight panels (4 output channels
 * per panel, k-pairs interleaved), the float multiplier/bias or the integer thresholds.
 */
export abstract class PreparedBinaryOp {
  protected readonly blocks: number[] = [];
  protected readonly panels: number;
  protected readonly mult: number;
  protected readonly bias: number;
  protected readonly thr: number;
  /** Centred double form: M, C, B (npad doubles each), or 0. */
  protected readonly f64p: number;
  /** Words of real bits per GEMM row (`gemmRowWords` in bitpacking.ts). */
  protected readonly kwords: number;
  /** Words per GEMM row: {@link PreparedBinaryOp.kwords} rounded up to even. */
  protected readonly kwp: number;
  private disposed = false;

  protected constructor(
    protected readonly engine: Engine,
    /** Packed filter rows `[cout][taps][cin]` after negation. */
    protected readonly packed: Uint32Array,
    protected readonly taps: number,
    protected readonly cin: number,
    protected readonly cout: number,
    protected readonly transform: ResolvedTransform,
  ) {
    const kwords = gemmRowWords(taps, cin);
    this.kwords = kwords;
    this.kwp = kwords + (kwords & 1);
    const kwp = this.kwp;
    const panelCount = Math.ceil(cout / 4);
    this.panels = this.keep(panelCount * kwp * 4 * 8);
    const panels = new Uint32Array(engine.buffer, this.panels, panelCount * kwp * 4 * 2);
    panels.fill(0);
    const rows = packGemmRows(packed, cout, taps, cin);
    const rowU32 = kwords * 2;
    for (let col = 0; col < cout; col++) {
      const p = col >> 2;
      const j = col & 3;
      for (let k = 0; k < kwords; k++) {
        const dst = ((p * (kwp >> 1) + (k >> 1)) * 4 + j) * 2 + (k & 1);
        panels[dst * 2] = rows[col * rowU32 + k * 2];
        panels[dst * 2 + 1] = rows[col * rowU32 + k * 2 + 1];
      }
    }
    const npad = panelCount * 4;
    if (transform.kind === "float") {
      this.mult = this.keep(npad * 4);
      this.bias = this.keep(npad * 4);
      new Float32Array(engine.buffer, this.mult, npad).set(transform.multiplier);
      new Float32Array(engine.buffer, this.bias, npad).set(transform.bias);
      this.thr = 0;
      this.f64p = transform.center ? this.keep(npad * 24) : 0;
      if (transform.center) {
        const d = new Float64Array(engine.buffer, this.f64p, npad * 3).fill(0);
        for (let n = 0; n < cout; n++) {
          d[n] = transform.multiplier[n] + transform.multiplierLo![n];
          d[npad + n] = transform.center[n];
          d[2 * npad + n] = transform.bias[n];
        }
      }
    } else {
      const { thresholds } = computeThresholds(transform, taps * cin);
      this.thr = this.keep(npad * 4);
      new Int32Array(engine.buffer, this.thr, npad).set(thresholds);
      this.mult = 0;
      this.bias = 0;
      this.f64p = 0;
    }
  }

  /** Whether the output is packed bits. */
  get outputDType(): EngineDType {
    return this.transform.kind === "float" ? "float32" : "bits";
  }

  /** Frees the op's weights and scratch buffers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const ptr of this.blocks) this.engine.free(ptr);
    this.blocks.length = 0;
  }

  protected checkLive(): void {
    if (this.disposed) throw new Error("This engine op was disposed.");
  }

  protected keep(bytes: number): number {
    const ptr = this.engine.alloc(Math.max(bytes, 16));
    this.blocks.push(ptr);
    return ptr;
  }

  /** Checks the optional residual of a run: float32, the output's shape, float transform only. */
  protected checkResidual(residual: EngineTensor | undefined, output: EngineTensor): void {
    if (residual === undefined) return;
    checkTensor("residual", residual, "float32");
    if (this.transform.kind !== "float") invalidArgument("residual", "a tensor", 'undefined with transform kind "bits"');
    sameShape("residual.shape", residual.shape, output.shape);
  }

  protected epilogue(out: EngineTensor, rowPattern = 0, corr = 0, residual?: EngineTensor): GemmEpilogue {
    const t = this.transform;
    const isFloat = t.kind === "float";
    return {
      rowPattern,
      corr,
      mult: this.mult,
      bias: this.bias,
      lo: t.clampMin,
      hi: t.clampMax,
      dotMin: Math.max(-0x80000000, t.dotMin ?? -Infinity),
      dotMax: Math.min(0x7fffffff, t.dotMax ?? Infinity),
      thr: this.thr,
      f64: this.f64p,
      outF: isFloat ? out.ptr : 0,
      outB: isFloat ? 0 : out.ptr,
      addF: residual?.ptr ?? 0,
    };
  }
}

/** Checks the output transform of a `bconv2d` / `bdense` node: kind, finite multiplier and bias, clamp bounds. */
export function validateTransform(c: NodeCheck, cin: number): void {
  const a = c.node.attrs as Record<string, any>;
  const cout = c.node.shape[c.node.shape.length - 1];
  c.need(a.transform === "bits" || a.transform === "float", `bad transform kind ${JSON.stringify(a.transform)?.slice(0, 40)}`);
  c.need(
    a.inChannels === cin && a.outChannels === cout,
    `channel counts inChannels ${JSON.stringify(a.inChannels)?.slice(0, 20)}, outChannels ${JSON.stringify(a.outChannels)?.slice(0, 20)} do not match the shapes (${cin} → ${cout})`,
  );
  // The centred double form (see OutputTransform): optional center and multiplierLo, float output only.
  const centred = c.weight("center") !== undefined;
  c.need(centred || c.weight("multiplierLo") === undefined, "transform multiplierLo needs a center weight");
  c.need(!centred || a.transform === "float", "transform center is for the float transform only");
  // One finite value per channel in each per-channel weight present (multiplier and bias always).
  for (const role of ["multiplier", "bias", "center", "multiplierLo"]) {
    if (role !== "multiplier" && role !== "bias" && c.weight(role) === undefined) continue;
    c.need(c.len(role) === cout, `transform ${role} needs ${cout} values, received ${c.len(role)}`);
    const data = c.weight(role)!.data;
    const k = data.findIndex((v) => !Number.isFinite(v));
    c.need(k < 0, `${role}[${k}] is ${data[k]}, expected a finite number`);
  }
  const lo = a.clampMin ?? -Infinity,
    hi = a.clampMax ?? Infinity;
  c.need(
    typeof lo === "number" && typeof hi === "number" && lo <= hi && (a.transform === "float" || (lo === -Infinity && hi === Infinity)),
    `bad clamp bounds ${JSON.stringify([a.clampMin, a.clampMax])}`,
  );
  const dlo = a.dotMin ?? -Infinity,
    dhi = a.dotMax ?? Infinity;
  const bound = (v: unknown) => v === -Infinity || v === Infinity || Number.isInteger(v);
  c.need(
    bound(dlo) && bound(dhi) && dlo <= dhi && (a.transform === "float" || (dlo === -Infinity && dhi === Infinity)),
    `bad dot bounds ${JSON.stringify([a.dotMin, a.dotMax])} (integers, dotMin <= dotMax, float transform only)`,
  );
}

/**
 * Checks the optional second input of a `bconv2d` / `bdense` node: a float32 residual of the output's shape, added
 * to the float output in the GEMM epilogue (a fused Add).
 */
export function validateResidual(c: NodeCheck): void {
  if (c.inputs.length < 2) return;
  const a = c.node.attrs as Record<string, any>;
  const r = c.inputs[1];
  c.need(a.transform === "float", "a residual input needs the float transform");
  c.need(
    r.shape.length === c.node.shape.length && r.shape.every((d, k) => d === c.node.shape[k]),
    `the residual input has shape [${r.shape}], the output [${c.node.shape}]`,
  );
}

/** The {@link OutputTransform} of a validated `bconv2d` / `bdense` node. */
export function transformOf(node: GraphNode, w: WeightReader): OutputTransform {
  const a = node.attrs as Record<string, any>;
  return a.transform === "bits"
    ? { kind: "bits", multiplier: w.get("multiplier"), bias: w.get("bias") }
    : {
        kind: "float",
        multiplier: w.get("multiplier"),
        bias: w.get("bias"),
        clampMin: a.clampMin ?? -Infinity,
        clampMax: a.clampMax ?? Infinity,
        ...(a.dotMin !== undefined ? { dotMin: a.dotMin } : {}),
        ...(a.dotMax !== undefined ? { dotMax: a.dotMax } : {}),
        ...(w.opt("center") ? { center: w.get("center"), multiplierLo: w.opt("multiplierLo") ?? 0 } : {}),
      };
}

/** Bytes of a binary layer's prepared weights (panels, transform, pad pixel) and GEMM scratch for `m` rows. */
export function binaryBytes(
  taps: number,
  cin: number,
  cout: number,
  m: number,
  conv: boolean,
): { weights: number; scratch: number; kwp: number } {
  const cw = wordsPerPixel(cin);
  const kwords = gemmRowWords(taps, cin);
  const kwp = kwords + (kwords & 1);
  const npad = Math.ceil(cout / 4) * 4;
  // Panels, multiplier and bias (or thresholds), the centred form's doubles (counted always: 24 bytes a channel),
  // the pad pixel.
  const weights = align16(npad * kwp * 8) + 2 * align16(npad * 4) + align16(npad * 24) + (conv ? align16(cw * 8) : 0);
  return { weights, scratch: align16(m * kwp * 8), kwp };
}

/** Wraps a prepared binary op as a graph node. */
export function binaryNode(op: {
  prepare(shape: readonly number[]): void;
  run(x: EngineTensor, y: EngineTensor, residual?: EngineTensor): void;
  dispose(): void;
}): PreparedNode {
  return { prepare: (shape) => op.prepare(shape), run: ([x, r], y) => op.run(x, y, r), dispose: () => op.dispose() };
}
