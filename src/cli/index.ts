/**
 * The `larq-ts` command-line interface, for programmatic use and for adding subcommands.
 *
 * @packageDocumentation
 */
export { UsageError, parseFlags, type CliCommand, type CliIO } from "./command.js";
export { COMMANDS } from "./commands/index.js";
export { summaryCommand } from "./commands/summary.js";
export { CLI_VERSION, helpText, processIO, runCli } from "./run.js";
