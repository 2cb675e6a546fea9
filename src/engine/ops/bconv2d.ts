/**
 * `bconv2d`: the binary 2D convolution — the prepared runtime op {@link BConv2DOp} (im2col, binary GEMM with the
 * fused transform, LCE's border correction) and its graph node rule (validation, memory, preparation, run).
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../../utils/errors.js";
import { negatePackedRows, packFilter, realBitsMask, wordsPerPixel } from "../bitpacking.js";
import type { Engine } from "../engine.js";
import { axisGeometry, computeThresholds, filterTapSums, resolveBConv2D, type BConv2DParams, type ResolvedBConv2D } from "../ops.js";
import { checkNHWC, checkTensor, sameShape, type EngineTensor } from "../tensor.js";
import type { GemmEpilogue } from "../wasm.js";
import { binaryBytes, binaryNode, PreparedBinaryOp, transformOf, validateResidual, validateTransform } from "./binary_op.js";
import { groupedBytes, prepareGrouped } from "./bconv2d_grouped.js";
import { align16, type OpDef } from "./types.js";
import { checkWindow, checkWindowAttrs } from "./window.js";

/** Per-input-shape scratch of a BConv2D: im2col rows and the border-correction tables. */
interface ConvPlan {
  key: string;
  outShape: number[];
  m: number;
  im2col: number;
  padTop: number;
  padLeft: number;
  rowPattern: number;
  corr: number;
  direct: boolean;
}

/**
 * A prepared BConv2D (see {@link BConv2DParams}) whose weights live in wasm memory. Create with
 * {@link Engine.createBConv2D}; run on a packed input tensor.
 */
export class BConv2DOp extends PreparedBinaryOp {
  /** The op record with defaults filled in. */
  readonly params: ResolvedBConv2D;
  private readonly padPixel: number;
  /** The wasm job block of the fused im2col + GEMM call (kernels/ops.c `lce_bconv_job`). */
  private readonly job: number;
  private readonly tapSums: Int32Array | undefined;
  private plan: ConvPlan | undefined;
  private lastEpilogue: GemmEpilogue | undefined;

  /** @internal Use {@link Engine.createBConv2D}. */
  constructor(engine: Engine, params: BConv2DParams, filter: ArrayLike<number>) {
    const p = resolveBConv2D(params);
    const packed = packFilter(filter, [p.kh, p.kw, p.cin, p.cout]);
    const taps = p.kh * p.kw;
    if (p.transform.kind === "bits") {
      negatePackedRows(packed, computeThresholds(p.transform, taps * p.cin).negate, taps, p.cin);
    }
    const cw = wordsPerPixel(p.cin);
    super(engine, packed, taps, p.cin, p.cout, p.transform);
    this.params = p;
    this.padPixel = this.keep(cw * 8);
    this.job = this.keep(engine.kernels.bconvJobBytes());
    const pad = new Uint32Array(engine.buffer, this.padPixel, cw * 2);
    for (let h = 0; h < cw * 2; h++) pad[h] = p.padValue === -1 ? realBitsMask(h, p.cin) : 0;
    this.tapSums = p.padValue === 0 && p.padding === "same" ? filterTapSums(packed, taps, p.cin, p.cout) : undefined;
  }

  /** Output shape for a `[batch, height, width, inChannels]` input. */
  outputShape(inputShape: readonly number[]): number[] {
    checkNHWC("inputShape", inputShape);
    if (inputShape[3] !== this.params.cin) invalidArgument("inputShape[3]", inputShape[3], `${this.params.cin}`);
    const p = this.params;
    const gy = axisGeometry(inputShape[1], p.kh, p.sy, p.dy, p.padding);
    const gx = axisGeometry(inputShape[2], p.kw, p.sx, p.dx, p.padding);
    return [inputShape[0], gy.out, gx.out, p.cout];
  }

  /**
   * Runs the convolution: `input` is a bits tensor `[b, h, w, cin]`, `output` a tensor of {@link outputShape}
   * whose dtype is {@link outputDType}. Scratch buffers are kept for the last input shape. With a float
   * transform, an optional float32 `residual` of the output's shape is added to every output (a fused Add).
   */
  run(input: EngineTensor, output: EngineTensor, residual?: EngineTensor): void {
    this.checkLive();
    checkTensor("input", input, "bits");
    checkTensor("output", output, this.outputDType);
    const plan = this.planFor(input.shape);
    sameShape("output.shape", output.shape, plan.outShape);
    this.checkResidual(residual, output);
    const p = this.params;
    const [b, h, w] = input.shape;
    this.lastEpilogue = this.epilogue(output, plan.rowPattern, plan.corr, residual);
    if (plan.direct) {
      this.engine.gemm(input.ptr, this.panels, plan.m, p.cout, this.kwp, this.kwords, this.taps * p.cin, this.lastEpilogue);
      return;
    }
    const [, oh, ow] = plan.outShape;
    const g = {
      batch: b,
      h,
      w,
      kh: p.kh,
      kw: p.kw,
      sy: p.sy,
      sx: p.sx,
      dy: p.dy,
      dx: p.dx,
      padTop: plan.padTop,
      padLeft: plan.padLeft,
      oh,
      ow,
    };
    this.engine.kernels.bconv(
      this.job,
      input.ptr,
      plan.im2col,
      p.cin,
      g,
      this.kwp,
      this.padPixel,
      this.engine.gemmKernel === "simd",
      this.panels,
      p.cout,
      this.kwords,
      this.taps * p.cin,
      this.lastEpilogue,
    );
  }

  /**
   * Allocates the scratch buffers (im2col rows, border-correction tables) for inputs of `inputShape` now instead
   * of at the first {@link BConv2DOp.run}: lets a caller allocate them before buffers whose memory it reuses.
   */
  prepare(inputShape: readonly number[]): void {
    this.checkLive();
    this.planFor(inputShape);
  }

  /**
   * Runs only the binary GEMM (with its epilogue) on the im2col rows of the last input: for benchmarks.
   * @internal
   */
  runGemmOnly(): void {
    this.checkLive();
    const plan = this.plan;
    if (!plan || plan.direct) throw new Error("runGemmOnly needs a previous run() that used im2col.");
    this.engine.gemm(plan.im2col, this.panels, plan.m, this.cout, this.kwp, this.kwords, this.taps * this.cin, this.lastEpilogue!);
  }

  private planFor(inputShape: readonly number[]): ConvPlan {
    const key = inputShape.join("x");
    if (this.plan?.key === key) return this.plan;
    const outShape = this.outputShape(inputShape);
    if (this.plan) {
      for (const ptr of [this.plan.im2col, this.plan.rowPattern, this.plan.corr]) {
        if (ptr) {
          this.engine.free(ptr);
          this.blocks.splice(this.blocks.indexOf(ptr), 1);
        }
      }
    }
    const p = this.params;
    const [, h, w] = inputShape;
    const gy = axisGeometry(h, p.kh, p.sy, p.dy, p.padding);
    const gx = axisGeometry(w, p.kw, p.sx, p.dx, p.padding);
    const m = outShape[0] * outShape[1] * outShape[2];
    const cw = wordsPerPixel(p.cin);
    const direct = p.kh === 1 && p.kw === 1 && p.sy === 1 && p.sx === 1 && gy.padBefore === 0 && gx.padBefore === 0 && cw % 2 === 0;
    const plan: ConvPlan = {
      key,
      outShape,
      m,
      direct,
      padTop: gy.padBefore,
      padLeft: gx.padBefore,
      im2col: direct ? 0 : this.keep(m * this.kwp * 8),
      rowPattern: 0,
      corr: 0,
    };
    if (this.tapSums) this.borderCorrection(plan, h, w, gy.out, gx.out);
    this.plan = plan;
    return plan;
  }

  /**
   * LCE's border correction for zero padding: padded taps are computed as +1, so for each output position the sum
   * of the filter over its padded taps is subtracted. Positions are grouped by their padded-tap pattern (a row
   * pattern times a column pattern), and one correction row per pattern is stored.
   */
  private borderCorrection(plan: ConvPlan, h: number, w: number, oh: number, ow: number): void {
    const p = this.params;
    const outside = (o: number, k: number, s: number, d: number, pad: number, size: number): boolean => {
      const i = o * s - pad + k * d;
      return i < 0 || i >= size;
    };
    const patterns = (out: number, kSize: number, s: number, d: number, pad: number, size: number) => {
      const ids = new Int32Array(out);
      const masks: boolean[][] = [];
      const index = new Map<string, number>();
      for (let o = 0; o < out; o++) {
        const mask = Array.from({ length: kSize }, (_, k) => outside(o, k, s, d, pad, size));
        const key = mask.map(Number).join("");
        if (!index.has(key)) {
          index.set(key, masks.length);
          masks.push(mask);
        }
        ids[o] = index.get(key)!;
      }
      return { ids, masks };
    };
    const ys = patterns(oh, p.kh, p.sy, p.dy, plan.padTop, h);
    const xs = patterns(ow, p.kw, p.sx, p.dx, plan.padLeft, w);
    const count = ys.masks.length * xs.masks.length;
    if (count === 1 && !ys.masks[0].some(Boolean) && !xs.masks[0].some(Boolean)) return;
    const npad = Math.ceil(p.cout / 4) * 4;
    const corr = new Int32Array(count * npad);
    for (let py = 0; py < ys.masks.length; py++) {
      for (let px = 0; px < xs.masks.length; px++) {
        const row = (py * xs.masks.length + px) * npad;
        for (let ky = 0; ky < p.kh; ky++) {
          for (let kx = 0; kx < p.kw; kx++) {
            if (!ys.masks[py][ky] && !xs.masks[px][kx]) continue;
            const t = ky * p.kw + kx;
            for (let n = 0; n < p.cout; n++) corr[row + n] += this.tapSums![t * p.cout + n];
          }
        }
      }
    }
    plan.corr = this.keep(corr.length * 4);
    new Int32Array(this.engine.buffer, plan.corr, corr.length).set(corr);
    plan.rowPattern = this.keep(plan.m * 4);
    const rows = new Int32Array(this.engine.buffer, plan.rowPattern, plan.m);
    for (let i = 0; i < plan.m; i++) {
      const ox = i % ow;
      const oy = Math.floor(i / ow) % oh;
      rows[i] = ys.ids[oy] * xs.masks.length + xs.ids[ox];
    }
  }
}

/**
 * The `bconv2d` graph op: a {@link BConv2DOp} with the node's filter (HWIO signs) and transform; with
 * `attrs.groups` G > 1 a grouped convolution (filter `[kh, kw, C/G, F]`, see bconv2d_grouped.ts).
 */
export const bconv2dOp: OpDef = {
  op: "bconv2d",
  arity: 1,
  inputKind: "bits",
  extraInputs: ["float32"],
  outputDType: (node) => ((node.attrs as Record<string, unknown>).transform === "bits" ? "bits" : "float32"),
  validate: (c) => {
    const a = c.node.attrs as Record<string, any>;
    checkWindowAttrs(c, a.kernelSize, a.strides, a.dilations, a.padding);
    c.need(
      a.padValue === undefined || a.padValue === 0 || a.padValue === 1 || a.padValue === -1,
      `bad padValue ${JSON.stringify(a.padValue)?.slice(0, 40)} (0, 1 or -1)`,
    );
    checkWindow(c, a.kernelSize, a.strides, a.dilations, a.padding);
    const [kh, kw] = a.kernelSize;
    const cin = c.inShape[2],
      cout = c.node.shape[2];
    const groups = a.groups ?? 1;
    c.need(
      Number.isInteger(groups) && groups >= 1 && cin % groups === 0 && cout % groups === 0,
      `bad groups ${JSON.stringify(a.groups)?.slice(0, 20)} (a divisor of the ${cin} input and ${cout} output channels)`,
    );
    const want = kh * kw * (cin / groups) * cout;
    c.need(
      c.len("filter") === want,
      `filter needs ${want} values for [${kh}, ${kw}, ${cin / groups}, ${cout}], received ${c.len("filter")}`,
    );
    validateTransform(c, cin);
    validateResidual(c);
    c.need(c.inputs.length < 2 || groups === 1, "a residual input needs groups 1");
  },
  bytes: (node, inShape, batch) => {
    const a = node.attrs as Record<string, any>;
    if ((a.groups ?? 1) > 1) {
      return groupedBytes(
        a.kernelSize[0] * a.kernelSize[1],
        inShape[2],
        node.shape[2],
        a.groups,
        node.shape[0],
        node.shape[1],
        inShape[0] * inShape[1],
        batch,
        a.transform === "bits",
      );
    }
    const m = batch * node.shape[0] * node.shape[1];
    const { weights, scratch } = binaryBytes(a.kernelSize[0] * a.kernelSize[1], inShape[2], node.shape[2], m, true);
    // Border correction: a pattern index per row and at most (2k+1)² correction rows.
    const pattern = (o: number, k: number) => Math.min(o, 2 * k + 1);
    const corr =
      a.padding === "same"
        ? align16(m * 4) +
          align16(pattern(node.shape[0], a.kernelSize[0]) * pattern(node.shape[1], a.kernelSize[1]) * Math.ceil(node.shape[2] / 4) * 16)
        : 0;
    return { weights, scratch: scratch + corr };
  },
  prepare: (engine, node, w) => {
    const a = node.attrs as Record<string, any>;
    const params: BConv2DParams = {
      kernelSize: a.kernelSize,
      inChannels: a.inChannels,
      outChannels: a.outChannels,
      strides: a.strides,
      dilations: a.dilations,
      padding: a.padding,
      padValue: a.padValue,
      transform: transformOf(node, w),
    };
    if ((a.groups ?? 1) > 1) return prepareGrouped(engine, params, a.groups, w.get("filter"));
    return binaryNode(engine.createBConv2D(params, w.get("filter")));
  },
};
