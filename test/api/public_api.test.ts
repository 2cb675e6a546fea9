/**
 * The public API boundary: `larq-ts` / `larq-ts/core` export what larq and tfjs users need; helpers, constants
 * and test hooks live in `larq-ts/internal` only. The checked-in report (api/larq-ts.api.md, `npm run api`) tracks
 * the typed surface; this test pins the runtime one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as core from "../../src/core.js";
import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";

function runtimeExports(ns: object, prefix = ""): string[] {
  return Object.entries(ns).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && Object.prototype.toString.call(v) === "[object Module]" ? runtimeExports(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe("public API", () => {
  const names = runtimeExports(lq);

  it("leaves the helpers and test hooks the issue named to larq-ts/internal", () => {
    for (const hidden of ["layers.resetStarvedWeightsWarning", "layers.normalizeConvArgs", "layers.convUtils", "quantizers.toCamelCase", "engine.encodeEngineFile", "optimizers.lookupVariable", "io.checkModelArtifacts"]) {
      assert.ok(!names.includes(hidden) && !names.some((n) => n.startsWith(`${hidden}.`)), `${hidden} is public`);
      const [ns, name] = hidden.split(".");
      assert.notEqual((lqi as unknown as Record<string, Record<string, unknown>>)[ns][name], undefined, `${hidden} is missing from larq-ts/internal`);
    }
  });

  it("keeps what larq and tfjs users need: classes, factories, get/serialize/deserialize, the engine, the zoo", () => {
    for (const needed of [
      "layers.QuantConv2D", "layers.quantConv2d", "layers.QuantDense", "layers.quantSeparableConv2d", "layers.QuantLocallyConnected2D",
      "quantizers.SteSign", "quantizers.get", "quantizers.serialize", "quantizers.deserialize", "activations.hardTanh",
      "constraints.weightClip", "optimizers.Bop", "optimizers.CaseOptimizer", "optimizers.schedules.ExponentialDecay",
      "models.summary", "metrics.FlipRatio", "callbacks.HyperparameterScheduler", "context.quantizedScope",
      "engine.convert", "engine.load", "engine.EngineModel", "engine.fromTFLite", "engine.exportTFLite",
      "zoo.quickNet", "zoo.decodePredictions", "io.fileSystem", "io.loadLayersModel", "effects.install", "uninstall",
    ]) {
      assert.ok(names.includes(needed), `${needed} is not public`);
    }
  });

  it("every public export is defined, and larq-ts/core exports the same names", () => {
    const undefinedOnes = names.filter((n) => n.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], lq) === undefined);
    assert.deepEqual(undefinedOnes, []);
    assert.deepEqual(runtimeExports(core).sort(), [...names].sort());
    assert.ok(names.length < 260, `${names.length} runtime exports`);
  });
});
