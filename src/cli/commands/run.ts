/**
 * `larq-ts run <model> --input x.npy|x.json`: runs one input through lq.engine and prints (or writes) the output.
 */
import { UsageError, type CliCommand, type CliIO } from "../command.js";
import { loadLayersModelFrom } from "../load_model.js";
import { engineModelOf, readModelFile } from "../model_file.js";
import { formatNpy, parseNpy, type NpyArray } from "../npy.js";

/** A JSON input: a nested array of numbers (its nesting gives the shape). */
function parseJsonInput(text: string, name: string): NpyArray {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${name} is not valid JSON (${(error as Error).message})`);
  }
  const shape: number[] = [];
  for (let v: unknown = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat = (Array.isArray(value) ? (value as unknown[]).flat(Infinity) : [value]) as unknown[];
  if (!flat.every((v) => typeof v === "number" && Number.isFinite(v)))
    throw new UsageError(`${name} must hold a nested array of finite numbers`);
  if (flat.length !== shape.reduce((a, b) => a * b, 1))
    throw new UsageError(`${name} is a ragged array; every row must have the same length`);
  return { shape, data: Float32Array.from(flat as number[]) };
}

/** The `run` subcommand. */
export const runCommand: CliCommand = {
  name: "run",
  description: "run one input through lq.engine (an engine file, a Larq Compute Engine .tflite or a model.json)",
  help: [
    "Usage: larq-ts run <model.tflite | engine file | model.json | model directory> --input <x.npy | x.json> [--output y.npy|y.json]",
    "",
    "The input is a float32 (or float64) .npy array or a JSON nested array, batch first ([1, 224, 224, 3]).",
    "The output is printed as JSON, or written to --output (.npy or .json by its extension).",
  ].join("\n"),
  async run(args: string[], io: CliIO): Promise<number> {
    let input: string | undefined;
    let output: string | undefined;
    const positional: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const m = /^--(input|output)(?:=(.*))?$/.exec(a);
      if (m) {
        const value = m[2] ?? args[++i];
        if (value === undefined || value === "") throw new UsageError(`--${m[1]} needs a file name`);
        if (m[1] === "input") input = value;
        else output = value;
      } else if (a.startsWith("--")) {
        throw new UsageError(`unknown option ${JSON.stringify(a)} (expected --input, --output)`);
      } else positional.push(a);
    }
    if (positional.length !== 1)
      throw new UsageError(`expected exactly one model path, received ${positional.length} (${JSON.stringify(positional)})`);
    if (input === undefined) throw new UsageError("--input is required (an .npy or .json file)");
    const { readFile } = await import("node:fs/promises");
    const raw = new Uint8Array(await readFile(input));
    const x = input.endsWith(".json") ? parseJsonInput(new TextDecoder().decode(raw), input) : parseNpy(raw, input);
    const file = await readModelFile(positional[0]);
    const em =
      (await engineModelOf(positional[0], file)) ??
      (await (await import("../../engine/index.js")).convert(await loadLayersModelFrom(positional[0])));
    try {
      const want = em.inputShape;
      if (x.shape.length !== want.length + 1 || want.some((d, k) => d !== x.shape[k + 1])) {
        throw new UsageError(`the input has shape [${x.shape}], the model takes [batch, ${want.join(", ")}]`);
      }
      const y = em.predict(x.data, x.shape) as Float32Array;
      const shape = [x.shape[0], ...em.outputShape];
      if (output !== undefined) {
        const { writeFileAtomic } = await import("../../io/atomic_write.js");
        const bytes = output.endsWith(".json")
          ? new TextEncoder().encode(JSON.stringify({ shape, data: Array.from(y) }) + "\n")
          : formatNpy({ shape, data: y });
        await writeFileAtomic(output, bytes);
        io.stdout(`wrote output [${shape.join(", ")}] to ${output}\n`);
      } else {
        io.stdout(JSON.stringify({ shape, data: Array.from(y) }) + "\n");
      }
    } finally {
      em.dispose();
    }
    return 0;
  },
};
