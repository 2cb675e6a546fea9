/**
 * The contract of a `larq-ts` CLI subcommand. Each subcommand lives in `src/cli/commands/<name>.ts`
 * and is listed once in the command table of `src/cli/commands/index.ts`.
 */

/** Where a command writes its output (swappable in tests). */
export interface CliIO {
  /** Writes text to standard output (no newline is added). */
  stdout(text: string): void;
  /** Writes text to standard error (no newline is added). */
  stderr(text: string): void;
}

/** A `larq-ts <name> …` subcommand. */
export interface CliCommand {
  /** The word after `larq-ts`, e.g. `"summary"`. */
  readonly name: string;
  /** One line for the command list of `larq-ts --help`. */
  readonly description: string;
  /** Usage line(s) and option descriptions, printed by `larq-ts <name> --help`. */
  readonly help: string;
  /**
   * Runs the command with the arguments after its name (`--help` is handled before).
   *
   * @returns the process exit code (0 for success). Throwing an `Error` prints
   *   `larq-ts <name>: <message>` and exits with 1.
   */
  run(args: string[], io: CliIO): Promise<number>;
}

/** An error caused by the command line itself (unknown option, missing argument): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Splits `args` into positional arguments and `--flags`; rejects flags not in `known`. */
export function parseFlags(args: string[], known: readonly string[]): { positional: string[]; flags: Set<string> } {
  const positional: string[] = [];
  const flags = new Set<string>();
  for (const arg of args) {
    if (arg.startsWith("--") && arg.length > 2) {
      if (!known.includes(arg)) throw new UsageError(`unknown option ${JSON.stringify(arg)} (known: ${known.join(", ") || "none"})`);
      flags.add(arg);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
}
