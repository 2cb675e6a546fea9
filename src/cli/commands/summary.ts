/**
 * `larq-ts summary <model.json>`: prints larq's bit-aware summary of a saved model.
 */
import { UsageError, parseFlags, type CliCommand, type CliIO } from "../command.js";
import { loadLayersModelFrom } from "../load_model.js";

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
    "exactly as larq's lq.models.summary prints them.",
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
