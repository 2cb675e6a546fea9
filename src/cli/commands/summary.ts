/**
 * `larq-ts summary <model.json>`: prints larq's bit-aware summary of a saved model.
 */
import { UsageError, parseFlags, type CliCommand, type CliIO } from "../command.js";
import { loadLayersModelFrom } from "../load_model.js";
import { readModelFile } from "../model_file.js";
import { formatEngineSummary } from "./summary_files.js";

const FLAGS = ["--no-macs", "--json", "--markdown"] as const;

/** The `summary` subcommand. */
export const summaryCommand: CliCommand = {
  name: "summary",
  description: "print larq's bit-aware summary of a saved model (model.json)",
  help: [
    "Usage: larq-ts summary <model.json | model directory | file://…> [options]",
    "",
    "Loads a tfjs Layers model (model.json plus its weight files) and prints the per-layer table",
    "(input precision, outputs, weights by bit width, memory, MACs by precision) and the totals",
    "exactly as larq's lq.models.summary prints them. On a larq-ts engine file (.lce) it prints the",
    "engine graph instead (nodes, shapes, bitpacked and float weights); other binary files are named",
    "(Keras .h5, .tflite, …) with what to do.",
    "",
    "Options:",
    "  --no-macs    leave the MAC count and MAC ratios out of the summary table",
    "  --json       print the profile (lq.models.profile) as JSON instead",
    "  --markdown   print the tables as Markdown instead",
    "  --help       show this help",
  ].join("\n"),
  async run(args: string[], io: CliIO): Promise<number> {
    const { positional, flags } = parseFlags(args, FLAGS);
    if (positional.length !== 1) {
      throw new UsageError(`expected exactly one model path, received ${positional.length} (${JSON.stringify(positional)})`);
    }
    if (flags.has("--json") && flags.has("--markdown")) throw new UsageError("--json and --markdown exclude each other");
    if (await summariseBinaryFile(positional[0], flags.has("--json"), io)) return 0;
    const model = await loadLayersModelFrom(positional[0]);
    const models = await import("../../models/index.js");
    const includeMacs = !flags.has("--no-macs");
    if (flags.has("--json")) {
      io.stdout(`${JSON.stringify(models.profile(model), null, 2)}\n`);
    } else if (flags.has("--markdown")) {
      io.stdout(models.profile(model).toMarkdown({ includeMacs }));
    } else {
      models.summary(model, { includeMacs, printFn: (text) => io.stdout(`${text}\n`) });
    }
    return 0;
  },
};

/**
 * Handles a file that is not JSON: prints an engine file's graph (or its JSON with `--json`) and returns
 * true; throws for other binary model formats, naming them; returns false for anything else.
 */
async function summariseBinaryFile(location: string, json: boolean, io: CliIO): Promise<boolean> {
  const { bytes, recognised } = await readModelFile(location);
  if (recognised === null) return false;
  if (recognised.kind !== "engine") throw new Error(`${location} is ${recognised.description}.`);
  const engine = await import("../../engine/index.js");
  let graph;
  try {
    graph = engine.decodeEngineFile(bytes);
  } catch (error) {
    throw new Error(`${location} starts like a larq-ts engine file but is not a valid one: ${(error as Error).message}`, { cause: error });
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(4, true);
  if (json) {
    const nodes = graph.nodes.map(({ name, op, inputs, shape, dtype, weights }) => ({ name, op, inputs, shape, dtype, weights }));
    const weights = [...graph.weights].map(([key, w]) => ({ key, kind: w.kind, shape: w.shape }));
    io.stdout(
      `${JSON.stringify({ format: "larq-ts engine", version, bytes: bytes.length, output: graph.output, nodes, weights }, null, 2)}\n`,
    );
  } else {
    io.stdout(formatEngineSummary(location, bytes.length, graph, version));
  }
  return true;
}
