/**
 * Helper process of test/io/atomic_save.test.ts (not a test file itself): saves a model into a folder
 * over and over until it is killed.
 *
 * Usage: `node build/test/io/save_child.js <folder|handler> <dir> <spec.json> <first index>`
 *
 * Save number `k` writes every weight as the float `k` and `userDefinedMetadata: {saveIndex: k}` in
 * model.json, so a loaded folder shows whether its model.json and its weights come from the same save.
 * Before each save the process prints `saving k`, after it `saved k` (stdout to a pipe is synchronous
 * on Linux, so the parent sees every line written before the kill).
 *
 * - `handler`: `lq.io.FileSystemHandler.save` (what `model.save("file://dir")` calls), which imports
 *   tfjs (about a second of start-up per process);
 * - `folder`: the same model.json layout written through `writeModelFolder` directly (the handler's
 *   only file system code), which starts in a few tens of milliseconds, so that many kills fit in the
 *   test's time budget.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** What the parent passes: the parts of a saved model.json that do not change between saves. */
export interface SaveSpec {
  modelTopology: object;
  weightSpecs: Array<{ name: string; shape: number[]; dtype: string }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** The number of float32 values of all weights of `spec`. */
export function weightCount(spec: SaveSpec): number {
  return spec.weightSpecs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** The weight data of save `k`: every value is `k`. */
export function weightsOf(spec: SaveSpec, k: number): Uint8Array {
  return new Uint8Array(new Float32Array(weightCount(spec)).fill(k).buffer);
}

/** The model.json of save `k`, in the layout `FileSystemHandler.save` writes. */
export function modelJsonOf(spec: SaveSpec, k: number, weightsPath: string): object {
  return {
    modelTopology: spec.modelTopology,
    weightsManifest: [{ paths: [weightsPath], weights: spec.weightSpecs }],
    format: spec.format,
    generatedBy: spec.generatedBy,
    convertedBy: spec.convertedBy,
    userDefinedMetadata: { saveIndex: k },
  };
}

async function main(mode: string, dir: string, specFile: string, first: number): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, "utf8")) as SaveSpec;
  let save: (k: number) => Promise<unknown>;
  if (mode === "handler") {
    const { FileSystemHandler } = await import("../../src/io/file_system.js");
    const handler = new FileSystemHandler(dir);
    save = (k) =>
      handler.save({
        modelTopology: spec.modelTopology,
        weightSpecs: spec.weightSpecs as never,
        weightData: weightsOf(spec, k).buffer as ArrayBuffer,
        format: spec.format,
        generatedBy: spec.generatedBy,
        convertedBy: spec.convertedBy,
        userDefinedMetadata: { saveIndex: k },
      });
  } else if (mode === "folder") {
    const { writeModelFolder } = await import("../../src/io/atomic_write.js");
    save = (k) => writeModelFolder(dir, weightsOf(spec, k), (weightsPath) => modelJsonOf(spec, k, weightsPath));
  } else {
    throw new Error(`save_child: unknown mode ${JSON.stringify(mode)} (expected "folder" or "handler")`);
  }
  process.stdout.write("ready\n");
  for (let k = first; ; k++) {
    process.stdout.write(`saving ${k}\n`);
    await save(k);
    process.stdout.write(`saved ${k}\n`);
  }
}

// Runs only when executed with its arguments (never when imported by the test).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.length >= 6) {
  const [mode, dir, specFile, first] = process.argv.slice(2);
  main(mode, dir, specFile, Number(first)).catch((error: unknown) => {
    process.stderr.write(`save_child: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
