/**
 * lq.effects.install / uninstall / installed: switches, order, idempotence and argument checks.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { lq } from "./core_setup.js";

describe("lq.effects API", () => {
  test("install() installs all, in EFFECT_NAMES order; switches install or uninstall one by one; idempotent", () => {
    assert.deepEqual(lq.effects.installed(), []);
    assert.deepEqual(lq.effects.install(), [...lq.effects.EFFECT_NAMES]);
    assert.deepEqual(lq.effects.install(), [...lq.effects.EFFECT_NAMES]);
    assert.deepEqual(
      lq.effects.install({ progressBar: false, kerasLoading: false }),
      lq.effects.EFFECT_NAMES.filter((n) => n !== "progressBar" && n !== "kerasLoading"),
    );
    assert.deepEqual(lq.effects.uninstall(["constraintsInFit"]).includes("constraintsInFit"), false);
    assert.deepEqual(lq.uninstall(), []);
    assert.deepEqual(lq.uninstall(), []);
    assert.deepEqual(lq.effects.install({ constraintsInFit: true, weightRegistry: false }), ["constraintsInFit"]);
    assert.deepEqual(lq.effects.install({ cpuTrainingKernels: true }), ["constraintsInFit", "cpuTrainingKernels"]);
    lq.uninstall();
  });

  test("rejects unknown effects and non-boolean switches before changing anything", () => {
    assert.throws(() => lq.effects.install({ constraintsInFit: true, noSuchEffect: true } as never), /Invalid effect "noSuchEffect"/);
    assert.throws(() => lq.effects.install({ constraintsInFit: "yes" } as never), /Invalid switch constraintsInFit: .*"yes"/);
    assert.throws(() => lq.effects.install(null as never), /Invalid switches/);
    assert.throws(() => lq.effects.uninstall(["nope"] as never), /Invalid names/);
    assert.deepEqual(lq.effects.installed(), []);
  });
});
