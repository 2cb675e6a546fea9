import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { useBackend } from "../helpers.js";

describe("lq.io.registerFileSystemRouter", () => {
  it("adds no second file:// router after the import installed one (tfjs would reject two handlers)", async () => {
    useBackend("cpu");
    assert.ok(lq.effects.installed().includes("fileSystemRouter"));
    assert.equal(lq.io.registerFileSystemRouter(), true);
    assert.equal(lq.io.registerFileSystemRouter(), true);
    const dir = await mkdtemp(join(tmpdir(), "larq-ts-router-"));
    try {
      const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
      await model.save(`file://${dir}`);
      const back = await tfl.loadLayersModel(`file://${dir}/model.json`);
      assert.deepEqual(
        back.getWeights().map((w) => w.shape),
        model.getWeights().map((w) => w.shape),
      );
      model.dispose();
      back.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
