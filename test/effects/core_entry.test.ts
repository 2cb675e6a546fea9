/**
 * larq-ts/core installs nothing at import; larq-ts installs every effect; lq.uninstall() restores tfjs exactly.
 * Each case runs in a fresh Node process, importing the package by name (package.json "exports").
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { runFresh } from "./core_setup.js";

/**
 * A snippet that records every property and kernel the effects touch (as [own?, value] identity keys), imports
 * `entry`, and prints the comparison before/after import, after install() and after uninstall().
 */
function snapshotScript(entry: string): string {
  return `
    import * as tf from "@tensorflow/tfjs-core";
    import * as tfl from "@tensorflow/tfjs-layers";
    import "@tensorflow/tfjs-backend-cpu";
    import "@tensorflow/tfjs-backend-wasm";
    tf.env().set("PROD", true);
    const map = tf.serialization.SerializationMap.getMap().classNameMap;
    const bn = map.BatchNormalization[0].prototype;
    const targets = [
      ["Optimizer.minimize", tf.Optimizer.prototype, "minimize"],
      ...["SGDOptimizer", "MomentumOptimizer", "AdagradOptimizer", "AdadeltaOptimizer", "AdamOptimizer", "AdamaxOptimizer", "RMSPropOptimizer"]
        .map((n) => [n + ".applyGradients", tf[n].prototype, "applyGradients"]),
      ["Layer.addWeight", tfl.layers.Layer.prototype, "addWeight"],
      ["BatchNormalization.call", bn, "call"],
    ];
    const kernels = [["Conv2DBackpropFilter", "wasm"], ["DepthwiseConv2dNativeBackpropFilter", "wasm"], ["DepthwiseConv2dNativeBackpropInput", "wasm"],
      ["Conv2DBackpropInput", "wasm"], ["MaxPoolGrad", "wasm"], ["LarqTsTrainingKernels", "wasm"],
      ["Conv2DBackpropFilter", "cpu"], ["DepthwiseConv2dNativeBackpropFilter", "cpu"], ["MaxPoolGrad", "cpu"], ["LarqTsTrainingKernels", "cpu"]];
    const names = ["Functional", "L1", "L2", "BinaryDenseNet"];
    const snap = () => ({
      props: targets.map(([, o, k]) => [Object.prototype.hasOwnProperty.call(o, k), o[k]]),
      kernels: kernels.map(([k, b]) => tf.getKernel(k, b)),
      classes: names.map((n) => map[n]),
      routers: tf.io.getSaveHandlers("file:///tmp/larq-ts-probe").length + tf.io.getLoadHandlers("file:///tmp/larq-ts-probe").length,
    });
    const same = (a, b) => ({
      props: targets.filter((_, i) => a.props[i][0] !== b.props[i][0] || a.props[i][1] !== b.props[i][1]).map(([n]) => n),
      kernels: kernels.filter((_, i) => a.kernels[i] !== b.kernels[i]).map(([k, b]) => b + ":" + k),
      classes: names.filter((_, i) => a.classes[i] !== b.classes[i] || (a.classes[i] && a.classes[i][0] !== b.classes[i][0])),
      routers: b.routers - a.routers,
    });
    await tf.setBackend("cpu");
    const before = snap();
    const lq = await import(${JSON.stringify(entry)});
    const atImport = same(before, snap());
    const installedAtImport = lq.effects.installed();
    lq.effects.install();
    const afterInstall = same(before, snap());
    const installedAll = lq.effects.installed();
    lq.uninstall();
    const afterUninstall = same(before, snap());
    console.log(JSON.stringify({ atImport, installedAtImport, afterInstall, installedAll, afterUninstall, left: lq.effects.installed() }));`;
}

const ALL = [
  "weightRegistry",
  "constraintsInFit",
  "batchNormalizationFix",
  "wasmTrainingKernels",
  "cpuTrainingKernels",
  "kerasLoading",
  "fileSystemRouter",
  "flipRatioLogger",
  "progressBar",
];
const NOTHING = { props: [], kernels: [], classes: [], routers: 0 };
/** What install() changes, given cpu and wasm packages loaded and cpu active. */
const EVERYTHING = {
  props: [
    "Optimizer.minimize",
    "SGDOptimizer.applyGradients",
    "MomentumOptimizer.applyGradients",
    "AdagradOptimizer.applyGradients",
    "AdadeltaOptimizer.applyGradients",
    "AdamOptimizer.applyGradients",
    "AdamaxOptimizer.applyGradients",
    "RMSPropOptimizer.applyGradients",
    "Layer.addWeight",
    "BatchNormalization.call",
  ],
  kernels: [
    "wasm:Conv2DBackpropFilter",
    "wasm:DepthwiseConv2dNativeBackpropFilter",
    "wasm:DepthwiseConv2dNativeBackpropInput",
    "wasm:Conv2DBackpropInput",
    "wasm:MaxPoolGrad",
    "wasm:LarqTsTrainingKernels",
    "cpu:Conv2DBackpropFilter",
    "cpu:DepthwiseConv2dNativeBackpropFilter",
    "cpu:MaxPoolGrad",
    "cpu:LarqTsTrainingKernels",
  ],
  classes: ["Functional", "L1", "L2", "BinaryDenseNet"],
  routers: 2,
};

describe("entry points", () => {
  test("larq-ts/core leaves every prototype, kernel and class-map entry untouched; install() changes them all; uninstall() restores them exactly", () => {
    const r = runFresh(snapshotScript("larq-ts/core"));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.atImport, NOTHING);
    assert.deepEqual(out.installedAtImport, []);
    assert.deepEqual(out.afterInstall, EVERYTHING);
    assert.deepEqual(out.installedAll, ALL);
    assert.deepEqual(out.afterUninstall, NOTHING);
    assert.deepEqual(out.left, []);
  });

  test("larq-ts installs every effect at import, and lq.uninstall() restores tfjs exactly", () => {
    const r = runFresh(snapshotScript("larq-ts"));
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.atImport, EVERYTHING);
    assert.deepEqual(out.installedAtImport, ALL);
    assert.deepEqual(out.afterUninstall, NOTHING);
    assert.deepEqual(out.left, []);
  });

  test("both entry points export the same API", () => {
    const r = runFresh(`
      import "@tensorflow/tfjs-backend-cpu";
      const core = await import("larq-ts/core");
      const full = await import("larq-ts");
      const keys = (m) => Object.keys(m).sort();
      const deep = (m) => Object.fromEntries(keys(m).map((k) => [k, typeof m[k] === "object" ? keys(m[k]) : typeof m[k]]));
      console.log(JSON.stringify([deep(core), deep(full), core.optimizers.Bop === full.optimizers.Bop]));`);
    assert.equal(r.status, 0, r.stderr);
    const [core, full, sameClass] = JSON.parse(r.stdout);
    assert.deepEqual(core, full);
    assert.ok(core.effects.includes("install") && core.effects.includes("uninstall") && core.effects.includes("installed"));
    assert.equal(core.uninstall, "function");
    assert.equal(sameClass, true);
  });
});
