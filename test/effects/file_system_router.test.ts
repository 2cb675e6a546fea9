/**
 * Effect fileSystemRouter: tf.io resolves file:// URLs to lq.io.fileSystem handlers only while installed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import * as tf from "@tensorflow/tfjs-core";

import { lq } from "./core_setup.js";

const URL_ = "file:///tmp/larq-ts-effects-probe";

describe("effect fileSystemRouter", () => {
  test("off (larq-ts/core): tfjs has no file:// handler without tfjs-node", () => {
    assert.deepEqual(lq.effects.installed(), []);
    assert.deepEqual(tf.io.getSaveHandlers(URL_), []);
    assert.deepEqual(tf.io.getLoadHandlers(URL_), []);
  });

  test("on: one save and one load handler, larq-ts's; after uninstall none again", () => {
    lq.effects.install({ fileSystemRouter: true });
    assert.deepEqual(lq.effects.installed(), ["fileSystemRouter"]);
    const [save] = tf.io.getSaveHandlers(URL_);
    assert.ok(save instanceof lq.io.FileSystemHandler);
    assert.equal(tf.io.getLoadHandlers(URL_).length, 1);
    assert.deepEqual(
      tf.io.getSaveHandlers("http://example.com/m.json").filter((h) => h instanceof lq.io.FileSystemHandler),
      [],
    );
    lq.effects.uninstall(["fileSystemRouter"]);
    assert.deepEqual(tf.io.getSaveHandlers(URL_), []);
    assert.deepEqual(tf.io.getLoadHandlers(URL_), []);
    lq.effects.install({ fileSystemRouter: true });
    assert.equal(tf.io.getSaveHandlers(URL_).length, 1, "reinstalling registers no second router");
    lq.uninstall();
  });
});
