import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import * as lqi from "../../src/internal.js";
import { assertClose, useBackend } from "../helpers.js";

function floatModel(): tfl.LayersModel {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 3, inputShape: [4], name: "d1", activation: "relu" }));
  model.add(tfl.layers.dense({ units: 2, name: "d2" }));
  return model;
}

const input = () =>
  tf.tensor2d([
    [0.5, -1, 2, 0.25],
    [-0.75, 1.5, 0, 1],
  ]);

describe("lq.io file:// handler", () => {
  let dir = "";
  before(async () => {
    await useBackend("cpu");
    dir = await mkdtemp(join(tmpdir(), "lq-io-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("model.save('file://dir') writes model.json + weights.bin, tf.loadLayersModel reads them back", async () => {
    const model = floatModel();
    const target = join(dir, "saved", "nested");
    const result = await model.save(`file://${target}`);
    assert.equal(result.modelArtifactsInfo.weightDataBytes, (4 * 3 + 3 + 3 * 2 + 2) * 4);
    const json = JSON.parse(await readFile(join(target, "model.json"), "utf8"));
    assert.deepEqual(json.weightsManifest[0].paths, ["weights.bin"]);
    assert.deepEqual(
      json.weightsManifest[0].weights.map((w: { name: string }) => w.name),
      ["d1/kernel", "d1/bias", "d2/kernel", "d2/bias"],
    );
    assert.equal(json.format, "layers-model");
    assert.equal(json.modelTopology.class_name, "Sequential");
    assert.equal((await stat(join(target, "weights.bin"))).size, result.modelArtifactsInfo.weightDataBytes);

    const loaded = await tfl.loadLayersModel(`file://${target}/model.json`);
    const x = input();
    assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 0);
    assert.deepEqual(loaded.getConfig(), model.getConfig());
    // The raw bytes are the weights in manifest order, little-endian float32.
    const raw = new Float32Array(new Uint8Array(await readFile(join(target, "weights.bin"))).buffer);
    assertClose(raw.slice(0, 12), model.getWeights()[0], 0);
    tf.dispose([x]);
    model.dispose();
    loaded.dispose();
  });

  it("lq.io.fileSystem(path) works explicitly, and a directory loads its model.json", async () => {
    const model = floatModel();
    const target = join(dir, "explicit");
    await model.save(lq.io.fileSystem(target));
    const loaded = await tfl.loadLayersModel(lq.io.fileSystem(target));
    const x = input();
    assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 0);
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });

  it("routes only file:// URLs", () => {
    assert.equal(lqi.io.fileSystemRouter("http://example.com/model.json"), null);
    assert.equal(lqi.io.fileSystemRouter("indexeddb://m"), null);
    assert.ok(lqi.io.fileSystemRouter("file:///tmp/x") instanceof lq.io.FileSystemHandler);
    assert.equal(lqi.io.fileSystemRouter("file:///tmp/x")!.path, "/tmp/x");
    assert.equal(tf.io.getSaveHandlers("file:///tmp/x").length, 1);
    assert.equal(lqi.io.isNode(), true);
    assert.throws(() => lq.io.fileSystem(""), /Invalid path.*""/);
  });

  it("refuses to save where a file is in the way", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "x");
    const model = floatModel();
    await assert.rejects(model.save(`file://${file}`), /exists as a file/);
    model.dispose();
  });

  describe("malformed model files give clear errors and leak no tensors", () => {
    let good = "";
    before(async () => {
      const model = floatModel();
      good = join(dir, "good");
      await model.save(`file://${good}`);
      model.dispose();
    });

    async function variant(name: string, edit: (json: any) => void, weights?: (bytes: Buffer) => Buffer | null) {
      const target = join(dir, name);
      const json = JSON.parse(await readFile(join(good, "model.json"), "utf8"));
      edit(json);
      const { mkdir } = await import("node:fs/promises");
      await mkdir(target, { recursive: true });
      await writeFile(join(target, "model.json"), JSON.stringify(json));
      const bytes = weights ? weights(await readFile(join(good, "weights.bin"))) : await readFile(join(good, "weights.bin"));
      if (bytes !== null) await writeFile(join(target, "weights.bin"), bytes);
      return join(target, "model.json");
    }

    async function expectError(url: string, pattern: RegExp) {
      const before = tf.memory().numTensors;
      await assert.rejects(tfl.loadLayersModel(url), pattern);
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
    }

    it("missing model.json", async () => {
      await expectError(`file://${join(dir, "nowhere", "model.json")}`, /Model file .*nowhere.*does not exist/);
    });

    it("invalid JSON", async () => {
      const target = join(dir, "badjson");
      const { mkdir } = await import("node:fs/promises");
      await mkdir(target, { recursive: true });
      await writeFile(join(target, "model.json"), '{"modelTopology": {');
      await expectError(`file://${target}/model.json`, /Invalid model file .*badjson.*not valid JSON/);
    });

    it("missing weights file", async () => {
      const url = await variant(
        "noweights",
        () => {},
        () => null,
      );
      await expectError(`file://${url}`, /Weights file .*noweights.*weights\.bin does not exist/);
    });

    it("wrong byte length", async () => {
      const url = await variant(
        "short",
        () => {},
        (b) => b.subarray(0, b.byteLength - 4),
      );
      await expectError(`file://${url}`, /weight data has 88 bytes but the weightsManifest describes 92 bytes/);
      const url2 = await variant(
        "long",
        () => {},
        (b) => Buffer.concat([b, Buffer.alloc(8)]),
      );
      await expectError(`file://${url2}`, /has 100 bytes but .* 92 bytes/);
      await truncate(join(dir, "long", "weights.bin"), 0);
      await expectError(`file://${url2}`, /has 0 bytes/);
    });

    it("malformed manifest", async () => {
      const url = await variant("manifest", (j) => {
        j.weightsManifest = { paths: "weights.bin" };
      });
      await expectError(`file://${url}`, /"weightsManifest" must be an array/);
      const url2 = await variant("shape", (j) => {
        j.weightsManifest[0].weights[0].shape = [4, -3];
      });
      await expectError(`file://${url2}`, /weight "d1\/kernel" has an invalid shape \[4,-3\]/);
      const url3 = await variant("dtype", (j) => {
        j.weightsManifest[0].weights[1].dtype = "float64";
      });
      await expectError(`file://${url3}`, /weight "d1\/bias" has an unknown dtype "float64"/);
    });

    it("unknown layer class name", async () => {
      const url = await variant("unknownclass", (j) => {
        j.modelTopology.config.layers[1].class_name = "QuantDenze";
      });
      await expectError(`file://${url}`, /layer "d2" .*unknown class_name "QuantDenze"/);
    });

    it("bad quantizer config", async () => {
      const url = await variant("badquantizer", (j) => {
        j.modelTopology.config.layers[1].config.kernel_quantizer = "ste_sgn";
      });
      await expectError(`file://${url}`, /layer "d2" \(Dense\) has an invalid kernel_quantizer: Unknown quantizer: "ste_sgn"/);
      const url2 = await variant("badquantizer2", (j) => {
        j.modelTopology.config.layers[0].config.input_quantizer = { class_name: "SteSign", config: { clip_value: -2 } };
      });
      await expectError(`file://${url2}`, /layer "d1" \(Dense\) has an invalid input_quantizer: Invalid clipValue.*-2/);
    });

    it("no modelTopology", async () => {
      const url = await variant("notopology", (j) => {
        delete j.modelTopology;
      });
      await expectError(`file://${url}`, /has no "modelTopology"/);
    });
  });
});
