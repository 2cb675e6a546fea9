/**
 * Reading the fixtures that real larq, Keras and tensorflowjs_converter produced (python/generate_fixtures.py):
 * paths, expected values, and the seeded weights of the zoo fixtures (the same LCG as python/common.py).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { seededValues } from "../helpers.js";

/** test/fixtures/larq in the source tree (the build runs from build/test/interop). */
export const LARQ_FIXTURES =
  process.env.LARQ_TS_FIXTURES ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures", "larq");

/** The names of the fixture cases of one part ("layers" or "zoo"), sorted. */
export function fixtureCases(part: "layers" | "zoo"): string[] {
  const dir = join(LARQ_FIXTURES, part);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => existsSync(join(dir, n, "expected.json")))
        .sort()
    : [];
}

/** Parses a fixture's expected.json. */
export function readExpected<T>(...path: string[]): T {
  return JSON.parse(readFileSync(join(LARQ_FIXTURES, ...path, "expected.json"), "utf8")) as T;
}

/** Loads a converted tfjs layers model from the fixtures (model.json + its weight files). */
export function loadFixtureModel(...path: string[]): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(lq.io.fileSystem(join(LARQ_FIXTURES, ...path, "model.json")));
}

/** The value range python/common.py's `weight_range` gives a weight by its role. */
export function weightRange(name: string): [number, number] {
  const base = name.split("/").pop()!.split(":")[0];
  if (base === "gamma" || base === "moving_variance") return [0.5, 1.5];
  if (base === "beta" || base === "moving_mean" || base === "bias") return [-0.5, 0.5];
  return [-1.5, 1.5];
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
}

/**
 * Loads a zoo fixture: its topology from model.json and weights regenerated from the seeds (weight k of the
 * manifest from seed `seedBase + k`), exactly as the generator set them in Keras.
 */
export async function loadSeededZooModel(name: string, seedBase: number): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(LARQ_FIXTURES, "zoo", name, "model.json"), "utf8"));
  const specs: WeightSpec[] = json.weightsManifest.flatMap((g: { weights: WeightSpec[] }) => g.weights);
  const total = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  const data = new Float32Array(total);
  let offset = 0;
  specs.forEach((spec, k) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const [lo, hi] = weightRange(spec.name);
    data.set(seededValues(size, seedBase + k, lo, hi), offset);
    offset += size;
  });
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs.map((s) => ({ name: s.name, shape: s.shape, dtype: "float32" as const })),
      weightData: data.buffer,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    }),
  );
}

/** Lines of a larq summary with trailing white space removed. */
export function summaryLines(text: string): string[] {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => l.trimEnd());
}
