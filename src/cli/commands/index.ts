/**
 * The command table of the `larq-ts` CLI. To add a subcommand, create `<name>.ts` exporting a
 * {@link CliCommand} and add it to {@link COMMANDS}.
 */
import type { CliCommand } from "../command.js";
import { benchCommand } from "./bench.js";
import { convertCommand } from "./convert.js";
import { runCommand } from "./run.js";
import { summaryCommand } from "./summary.js";

/** All subcommands, in the order `larq-ts --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [summaryCommand, convertCommand, runCommand, benchCommand];
