/**
 * `larq-ts convert <model.json> <out.lce>`: converts a saved model into an engine file (see src/engine/format.ts).
 */
import { UsageError, parseFlags, type CliCommand, type CliIO } from "../command.js";

import { writeFileAtomic } from "../../io/atomic_write.js";
import { loadLayersModelFrom } from "../load_model.js";

/** The `convert` subcommand. */
export const convertCommand: CliCommand = {
  name: "convert",
  description: "convert a saved model (model.json) into a bitpacked engine file for lq.engine.load",
  help: [
    "Usage: larq-ts convert <model.json | model directory | file://…> <out.lce> [options]",
    "",
    "Converts a tfjs Layers model of larq-ts layers with lq.engine.convert (binary layers bitpacked, bias and",
    "BatchNormalization folded, packed bits between binary layers) and writes the engine file format.",
    "The output is replaced atomically: on failure no partial file is left and a previous file is kept.",
    "",
    "Options:",
    "  --no-chain   keep float outputs between binary layers (no packed-bit thresholds)",
    "  --help       show this help",
  ].join("\n"),
  async run(args: string[], io: CliIO): Promise<number> {
    const { positional, flags } = parseFlags(args, ["--no-chain"]);
    if (positional.length !== 2) {
      throw new UsageError(`expected a model path and an output path, received ${positional.length} (${JSON.stringify(positional)})`);
    }
    const model = await loadLayersModelFrom(positional[0]);
    const engine = await import("../../engine/index.js");
    const em = await engine.convert(model, { chainBits: !flags.has("--no-chain") });
    try {
      const bytes = em.save();
      // Crash-safe: a failure (full disk, kill) leaves no partial file and keeps a previous one.
      await writeFileAtomic(positional[1], bytes);
      const counts = new Map<string, number>();
      for (const n of em.graph.nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
      io.stdout(
        `wrote ${positional[1]}: ${bytes.length} bytes, ${em.graph.nodes.length} nodes (${[...counts].map(([op, c]) => `${op} ${c}`).join(", ")})\n`,
      );
    } finally {
      em.dispose();
    }
    return 0;
  },
};
