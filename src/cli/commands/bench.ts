/**
 * `larq-ts bench <model.json | engine file>`: times `EngineModel.predict` at batch 1 (and, for a model.json, the
 * same model's tfjs `predict` on tfjs-backend-wasm, or the cpu backend with `--cpu`).
 */
import { UsageError, parseFlags, type CliCommand, type CliIO } from "../command.js";
import { loadLayersModelFrom } from "../load_model.js";
import { medianTime } from "../../utils/timing.js";

/** The `bench` subcommand. */
export const benchCommand: CliCommand = {
  name: "bench",
  description: "time lq.engine inference of a saved model or an engine file (batch 1, single thread)",
  help: [
    "Usage: larq-ts bench <model.json | model directory | file://… | engine file | model.tflite> [options]",
    "",
    "Engine files (written by `larq-ts convert`) and Larq Compute Engine .tflite files are recognised by their",
    "magic (a .tflite is imported with lq.engine.fromTFLite). For a model.json the model is",
    "converted first and its tfjs predict is timed too, on tfjs-backend-wasm (default) or the cpu backend.",
    "",
    "Options:",
    "  --runs=N     timed runs (default 20; medians are printed)",
    "  --cpu        compare with the tfjs cpu backend instead of tfjs-backend-wasm",
    "  --help       show this help",
  ].join("\n"),
  async run(args: string[], io: CliIO): Promise<number> {
    let runs = 20;
    const rest: string[] = [];
    for (const a of args) {
      const m = /^--runs=(.*)$/.exec(a);
      if (!m) rest.push(a);
      else if (!/^\d+$/.test(m[1]) || Number(m[1]) < 1)
        throw new UsageError(`--runs must be a positive integer, received ${JSON.stringify(m[1])}`);
      else runs = Number(m[1]);
    }
    const { positional, flags } = parseFlags(rest, ["--cpu"]);
    if (positional.length !== 1)
      throw new UsageError(`expected exactly one model path, received ${positional.length} (${JSON.stringify(positional)})`);
    const { readFile, stat } = await import("node:fs/promises");
    const engine = await import("../../engine/index.js");
    const path = positional[0].startsWith("file://") ? positional[0].slice(7) : positional[0];
    let head = new Uint8Array(0);
    if ((await stat(path).catch(() => undefined))?.isFile()) head = new Uint8Array(await readFile(path));
    const isEngineFile = head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === engine.ENGINE_MAGIC;
    const isTFLite = head.length >= 8 && String.fromCharCode(...head.subarray(4, 8)) === "TFL3";
    if (isEngineFile || isTFLite) {
      const em = isTFLite ? await engine.fromTFLite(head) : await engine.load(head);
      try {
        const shape = [1, ...em.inputShape];
        const input = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
        const ms = medianTime(() => em.predict(input, shape), runs);
        io.stdout(`${isTFLite ? "TFLite file" : "engine file"} ${positional[0]} (${head.length} bytes), input [${shape.join(", ")}]\n`);
        io.stdout(`engine predict: ${ms.toFixed(3)} ms (median of ${runs})\n`);
      } finally {
        em.dispose();
      }
      return 0;
    }
    const model = await loadLayersModelFrom(positional[0]);
    const tf = await import("@tensorflow/tfjs-core");
    const backend = flags.has("--cpu") ? "cpu" : "wasm";
    if (backend === "wasm") {
      await import("@tensorflow/tfjs-backend-wasm");
      await tf.setBackend("wasm");
      await tf.ready();
    }
    const em = await engine.convert(model);
    try {
      const shape = [1, ...em.inputShape];
      const input = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
      const x = tf.tensor(input, shape);
      const tfjsMs = medianTime(() => {
        const y = model.predict(x) as import("@tensorflow/tfjs-core").Tensor;
        y.dataSync();
        y.dispose();
      }, runs);
      const engineMs = medianTime(() => em.predict(input, shape), runs);
      x.dispose();
      io.stdout(`model ${positional[0]}, input [${shape.join(", ")}], median of ${runs} runs\n`);
      io.stdout(`tfjs predict (${backend}): ${tfjsMs.toFixed(3)} ms\n`);
      io.stdout(`engine predict: ${engineMs.toFixed(3)} ms\n`);
      io.stdout(`speed-up: ${(tfjsMs / engineMs).toFixed(1)}x\n`);
    } finally {
      em.dispose();
    }
    return 0;
  },
};
