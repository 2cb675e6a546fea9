/**
 * `larq-ts bench <model.json | engine file | .tflite>`: times `EngineModel.predict` at batch 1 (and, for a
 * model.json, the same model's tfjs `predict` on tfjs-backend-wasm, or the cpu backend with `--cpu`); with
 * `--profile`, every graph node too (lq.engine.profile).
 */
import { UsageError, parseFlags, type CliCommand, type CliIO } from "../command.js";
import { loadLayersModelFrom } from "../load_model.js";
import { engineModelOf, readModelFile } from "../model_file.js";
import { formatProfile } from "../profile_table.js";
import { medianTime } from "../../utils/timing.js";

/** ", N threads" for a threaded engine, nothing for one thread. */
const threadsNote = (n: number) => (n > 1 ? `, ${n} threads` : "");

/** The `bench` subcommand. */
export const benchCommand: CliCommand = {
  name: "bench",
  description: "time lq.engine inference of a saved model or an engine file (batch 1; --threads=N for worker threads)",
  help: [
    "Usage: larq-ts bench <model.json | model directory | file://… | engine file | model.tflite> [options]",
    "",
    "Engine files (written by `larq-ts convert`) and Larq Compute Engine .tflite files are recognised by their",
    "magic (a .tflite is imported with lq.engine.fromTFLite). For a model.json the model is",
    "converted first and its tfjs predict is timed too, on tfjs-backend-wasm (default) or the cpu backend.",
    "",
    "Options:",
    "  --runs=N     timed runs (default 20; medians are printed)",
    "  --threads=N  engine threads (default 1; worker threads on a shared wasm memory)",
    "  --cpu        compare with the tfjs cpu backend instead of tfjs-backend-wasm",
    "  --profile    also time every graph node (lq.engine.profile): a table with each node's median ms, share,",
    "               binary or float MACs and GMAC/s, and the times by op",
    "  --json       print the figures (and the profile) as JSON instead",
    "  --help       show this help",
  ].join("\n"),
  async run(args: string[], io: CliIO): Promise<number> {
    let runs = 20;
    let threads = 1;
    const rest: string[] = [];
    for (const a of args) {
      const t = /^--threads(?:=(.*))?$/.exec(a);
      if (t) {
        if (t[1] === undefined || !/^\d+$/.test(t[1]) || Number(t[1]) < 1 || Number(t[1]) > 64)
          throw new UsageError(`--threads must be an integer from 1 to 64 (--threads=N), received ${JSON.stringify(t[1] ?? a)}`);
        threads = Number(t[1]);
        continue;
      }
      const m = /^--runs(?:=(.*))?$/.exec(a);
      if (!m) rest.push(a);
      else if (m[1] === undefined || !/^\d+$/.test(m[1]) || Number(m[1]) < 1)
        throw new UsageError(`--runs must be a positive integer (--runs=N), received ${JSON.stringify(m[1] ?? a)}`);
      else runs = Number(m[1]);
    }
    const { positional, flags } = parseFlags(rest, ["--cpu", "--profile", "--json"]);
    if (positional.length !== 1)
      throw new UsageError(`expected exactly one model path, received ${positional.length} (${JSON.stringify(positional)})`);
    const location = positional[0];
    const json = flags.has("--json");
    const engine = await import("../../engine/index.js");
    const file = await readModelFile(location);
    const loaded = await engineModelOf(location, file, { threads });
    const report: Record<string, unknown> = { model: location };
    const lines: string[] = [];
    let model: import("@tensorflow/tfjs-layers").LayersModel | undefined;
    const em = loaded ?? (await engine.convert((model = await loadLayersModelFrom(location)), { threads }));
    report.threads = em.engine.threads;
    if (em.engine.threadsNote) lines.push(`note: ${em.engine.threadsNote}`);
    try {
      const shape = [1, ...em.inputShape];
      const input = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
      if (model === undefined) {
        const kind = file.recognised!.kind === "tflite" ? "TFLite file" : "engine file";
        const ms = medianTime(() => em.predict(input, shape), runs);
        Object.assign(report, { kind: file.recognised!.kind, bytes: file.bytes.length, inputShape: shape, runs, engineMs: ms });
        lines.push(`${kind} ${location} (${file.bytes.length} bytes), input [${shape.join(", ")}]`);
        lines.push(`engine predict: ${ms.toFixed(3)} ms (median of ${runs}${threadsNote(em.engine.threads)})`);
      } else {
        const tf = await import("@tensorflow/tfjs-core");
        const backend = flags.has("--cpu") ? "cpu" : "wasm";
        if (backend === "wasm") {
          await import("@tensorflow/tfjs-backend-wasm");
          await tf.setBackend("wasm");
          await tf.ready();
        }
        const x = tf.tensor(input, shape);
        const tfjsMs = medianTime(() => {
          const y = model!.predict(x) as import("@tensorflow/tfjs-core").Tensor;
          y.dataSync();
          y.dispose();
        }, runs);
        const engineMs = medianTime(() => em.predict(input, shape), runs);
        x.dispose();
        Object.assign(report, { kind: "model.json", inputShape: shape, runs, backend, tfjsMs, engineMs, speedUp: tfjsMs / engineMs });
        lines.push(`model ${location}, input [${shape.join(", ")}], median of ${runs} runs`);
        lines.push(`tfjs predict (${backend}): ${tfjsMs.toFixed(3)} ms`);
        lines.push(`engine predict: ${engineMs.toFixed(3)} ms${threadsNote(em.engine.threads)}`);
        lines.push(`speed-up: ${(tfjsMs / engineMs).toFixed(1)}x`);
      }
      if (flags.has("--profile")) {
        const p = engine.profile(em, { runs, input, shape });
        report.profile = { ...p, perRun: undefined };
        lines.push("", formatProfile(p).trimEnd());
      }
    } finally {
      em.dispose();
    }
    io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : `${lines.join("\n")}\n`);
    return 0;
  },
};
