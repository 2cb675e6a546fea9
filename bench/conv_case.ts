/**
 * The benchmarks' binary 3×3 convolution: `same` padding with +1 (`padValue: 1`), float output, batch 1, and its
 * engine tensors (float input, packed input, output).
 */
import type { BConv2DOp } from "../src/engine/ops/bconv2d.js";
import type { Engine } from "../src/engine/runtime.js";
import type { EngineTensor } from "../src/engine/tensor.js";

/** A prepared 3×3 binary convolution of an `h`×`w`×`c` input into `n` channels, with its tensors. */
export interface ConvCase {
  op: BConv2DOp;
  xf: EngineTensor;
  xb: EngineTensor;
  y: EngineTensor;
  /** Frees the op and its tensors. */
  dispose(): void;
}

/** Prepares the convolution with `filter` (`[3, 3, c, n]` values ±1) on `engine`. */
export function convCase(engine: Engine, h: number, w: number, c: number, n: number, filter: Float32Array): ConvCase {
  const op = engine.createBConv2D(
    { kernelSize: [3, 3], inChannels: c, outChannels: n, padding: "same", padValue: 1, transform: { kind: "float" } },
    filter,
  );
  const xf = engine.tensor([1, h, w, c], "float32");
  const xb = engine.tensor([1, h, w, c], "bits");
  const y = engine.tensor(op.outputShape([1, h, w, c]), "float32");
  return {
    op,
    xf,
    xb,
    y,
    dispose: () => {
      for (const t of [xf, xb, y]) t.dispose();
      op.dispose();
    },
  };
}
