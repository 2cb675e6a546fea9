/**
 * `bdense`: the binary fully connected layer — the prepared runtime op {@link BDenseOp} and its graph node rule.
 *
 * @packageDocumentation
 */
import { invalidArgument } from "../../utils/errors.js";
import { negatePackedRows, packDenseWeights, wordsPerPixel } from "../bitpacking.js";
import type { Engine } from "../engine.js";
import { computeThresholds, resolveBDense, type BDenseParams } from "../ops.js";
import { checkTensor, sameShape, type EngineTensor } from "../tensor.js";
import { binaryBytes, binaryNode, PreparedBinaryOp, transformOf, validateResidual, validateTransform } from "./binary_op.js";
import type { OpDef } from "./types.js";

/**
 * A prepared BDense (see {@link BDenseParams}) whose weights live in wasm memory. Create with
 * {@link Engine.createBDense}.
 */
export class BDenseOp extends PreparedBinaryOp {
  private scratch = 0;
  private scratchRows = 0;

  /** @internal Use {@link Engine.createBDense}. */
  constructor(engine: Engine, params: BDenseParams, weights: ArrayLike<number>) {
    const p = resolveBDense(params);
    const packed = packDenseWeights(weights, [p.cin, p.cout]);
    if (p.transform.kind === "bits") negatePackedRows(packed, computeThresholds(p.transform, p.cin).negate, 1, p.cin);
    super(engine, packed, 1, p.cin, p.cout, p.transform);
  }

  /** Output shape `[batch, outChannels]` for an input `[batch, inChannels]`. */
  outputShape(inputShape: readonly number[]): number[] {
    if (!Array.isArray(inputShape) || inputShape.length !== 2 || inputShape[1] !== this.cin || !(inputShape[0] >= 1)) {
      invalidArgument("inputShape", inputShape, `[batch, ${this.cin}]`);
    }
    return [inputShape[0], this.cout];
  }

  /** Allocates the scratch rows for inputs of `inputShape` now instead of at the first {@link BDenseOp.run}. */
  prepare(inputShape: readonly number[]): void {
    this.checkLive();
    this.outputShape(inputShape);
    if (wordsPerPixel(this.cin) !== this.kwp) this.ensureScratch(inputShape[0]);
  }

  private ensureScratch(batch: number): void {
    if (this.scratchRows >= batch) return;
    if (this.scratch) {
      this.engine.free(this.scratch);
      this.blocks.splice(this.blocks.indexOf(this.scratch), 1);
    }
    this.scratch = this.keep(batch * this.kwp * 8);
    this.scratchRows = batch;
  }

  /**
   * Runs the layer: `input` bits `[batch, inChannels]`, `output` of {@link outputShape} and {@link outputDType};
   * with a float transform, an optional float32 `residual` of the output's shape is added to every output.
   */
  run(input: EngineTensor, output: EngineTensor, residual?: EngineTensor): void {
    this.checkLive();
    checkTensor("input", input, "bits");
    checkTensor("output", output, this.outputDType);
    const outShape = this.outputShape(input.shape);
    sameShape("output.shape", output.shape, outShape);
    this.checkResidual(residual, output);
    const batch = input.shape[0];
    const cw = wordsPerPixel(this.cin);
    let a = input.ptr;
    if (cw !== this.kwp) {
      // Rows must hold an even number of words: copy them into zero-padded rows with a 1x1 im2col.
      this.ensureScratch(batch);
      const one = { batch, h: 1, w: 1, kh: 1, kw: 1, sy: 1, sx: 1, dy: 1, dx: 1, padTop: 0, padLeft: 0, oh: 1, ow: 1 };
      this.engine.kernels.im2col(input.ptr, this.scratch, this.cin, one, this.kwp, input.ptr);
      a = this.scratch;
    }
    this.engine.gemm(a, this.panels, batch, this.cout, this.kwp, this.kwords, this.cin, this.epilogue(output, 0, 0, residual));
  }
}

/** The `bdense` graph op: a {@link BDenseOp} with the node's kernel (`[cin, cout]` signs) and transform. */
export const bdenseOp: OpDef = {
  op: "bdense",
  arity: 1,
  inputKind: "bits",
  extraInputs: ["float32"],
  outputDType: (node) => ((node.attrs as Record<string, unknown>).transform === "bits" ? "bits" : "float32"),
  validate: (c) => {
    c.need(
      c.inShape.length === 1 && c.node.shape.length === 1,
      `needs rank-1 input and output shapes, received [${c.inShape}] and [${c.node.shape}]`,
    );
    const want = c.inShape[0] * c.node.shape[0];
    c.need(c.len("kernel") === want, `kernel needs ${want} values for [${c.inShape[0]}, ${c.node.shape[0]}], received ${c.len("kernel")}`);
    validateTransform(c, c.inShape[0]);
    validateResidual(c);
  },
  bytes: (node, inShape, batch) => {
    const { weights, scratch } = binaryBytes(1, inShape[0], node.shape[0], batch, false);
    return { weights, scratch };
  },
  prepare: (engine, node, w) => {
    const a = node.attrs as Record<string, any>;
    return binaryNode(
      engine.createBDense({ inChannels: a.inChannels, outChannels: a.outChannels, transform: transformOf(node, w) }, w.get("kernel")),
    );
  },
};
