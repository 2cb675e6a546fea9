/**
 * Argument dispatch of the `larq-ts` CLI, separate from the executable entry (`main.ts`) so that
 * it can be called in-process.
 */
import { readFileSync } from "node:fs";

import { UsageError, type CliCommand, type CliIO } from "./command.js";
import { COMMANDS } from "./commands/index.js";

/** The CLI's version: the `version` of the package's package.json. */
export const CLI_VERSION: string = readPackageVersion();

function readPackageVersion(): string {
  try {
    // build/src/cli/run.js → the package root holds package.json.
    const text = readFileSync(new URL("../../../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

/** Writes to the process's stdout / stderr. */
export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** The text of `larq-ts --help` for a command table. */
export function helpText(commands: readonly CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: larq-ts <command> [arguments] [options]",
    "",
    "Larq for TypeScript: tools for binarized and other extremely quantized networks.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.description}`),
    "",
    "Options:",
    "  --help, -h     show this help (or `larq-ts <command> --help` for a command)",
    "  --version, -v  print the version",
    "",
  ].join("\n");
}

/**
 * Runs the CLI on `argv` (the arguments after the executable) and returns the exit code:
 * 0 success, 1 failure of the command, 2 bad command line.
 *
 * @example
 * ```ts
 * const code = await runCli(["summary", "./model/model.json"]);
 * ```
 */
export async function runCli(argv: string[], io: CliIO = processIO, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(helpText(commands));
    return 2;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    io.stdout(helpText(commands));
    return 0;
  }
  if (first === "--version" || first === "-v") {
    io.stdout(`${CLI_VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    io.stderr(`larq-ts: unknown command ${JSON.stringify(first)}; commands: ${commands.map((c) => c.name).join(", ")}\n\n`);
    io.stderr(helpText(commands));
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`larq-ts ${command.name}: ${message}\n`);
    if (error instanceof UsageError) {
      io.stderr(`\n${command.help}\n`);
      return 2;
    }
    return 1;
  }
}
