#!/usr/bin/env node
/**
 * The `larq-ts` executable (package `bin`): `larq-ts summary <model.json>`, `larq-ts --help`.
 * Subcommands are listed in `./commands/index.ts`; the dispatch lives in `./run.ts`.
 */
import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2));
