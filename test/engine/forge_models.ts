/**
 * Small converted models whose engine files the file-format tests mutate: every op kind the converter emits.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

import * as lq from "../../src/index.js";
import { randomizeWeights } from "./model_fixtures.js";

type ST = tfl.SymbolicTensor;
const ap = (layer: { apply(x: ST | ST[]): unknown }, x: ST | ST[]) => layer.apply(x) as ST;
const bin = (args: Record<string, unknown>) =>
  lq.layers.quantConv2d({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);
const bdense = (args: Record<string, unknown>) =>
  lq.layers.quantDense({ inputQuantizer: "ste_sign", kernelQuantizer: "ste_sign", ...args } as never);

/**
 * A functional model with conv2d, depthwise, batchnorm, signpack, bconv2d (bits and float), bmaxpool, maxpool,
 * avgpool, add, concat, reshape (bits and float), bdense, dense, globalavg, prelu and activations; input [6, 6, 3].
 */
export function mixedModel(seed = 1): tfl.LayersModel {
  const input = tfl.input({ shape: [6, 6, 3] });
  let x = ap(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", name: "fconv" }), input);
  x = ap(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: "same", depthMultiplier: 2, name: "dw" }), x);
  x = ap(tfl.layers.batchNormalization({ name: "bn0" }), x);
  const a = ap(bin({ filters: 64, kernelSize: 3, padding: "same", name: "bconv_a" }), x);
  let b = ap(tfl.layers.batchNormalization({ name: "bn_a" }), a);
  b = ap(tfl.layers.maxPooling2d({ poolSize: 2, name: "bpool" }), b);
  b = ap(bin({ filters: 8, kernelSize: 2, padding: "valid", padValues: 1, name: "bconv_b" }), b);
  let f = ap(tfl.layers.maxPooling2d({ poolSize: 2, padding: "same", name: "fpool" }), x);
  f = ap(tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: "valid", name: "apool" }), f);
  const s = ap(tfl.layers.add({ name: "sum" }), [b, ap(tfl.layers.conv2d({ filters: 8, kernelSize: 1, name: "proj" }), f)]);
  let y = ap(tfl.layers.concatenate({ name: "cat" }), [s, ap(tfl.layers.activation({ activation: "tanh", name: "act" }), s)]);
  y = ap(tfl.layers.prelu({ name: "prelu" }), y);
  const g = ap(tfl.layers.globalAveragePooling2d({ name: "gap" }), y);
  let z = ap(tfl.layers.flatten({ name: "flat" }), y);
  z = ap(bdense({ units: 64, name: "bdense_a" }), z);
  z = ap(tfl.layers.batchNormalization({ name: "bn_d" }), z);
  z = ap(bdense({ units: 5, name: "bdense_b" }), z);
  let out = ap(tfl.layers.concatenate({ name: "cat2" }), [z, ap(tfl.layers.dense({ units: 3, name: "dense" }), g)]);
  out = ap(tfl.layers.activation({ activation: "softmax", name: "softmax" }), out);
  const model = tfl.model({ inputs: input, outputs: out });
  randomizeWeights(model, seed, (layer) => (layer.getClassName() === "BatchNormalization" ? 3 : 1));
  return model;
}

/** A Sequential MNIST-like BNN (conv, bits through bmaxpool and flatten, binary dense); input [12, 12, 1]. */
export function bnnModel(seed = 2): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      lq.layers.quantConv2d({
        filters: 8,
        kernelSize: 3,
        inputShape: [12, 12, 1],
        kernelQuantizer: "ste_sign",
        useBias: false,
        name: "c0",
      } as never),
      tfl.layers.maxPooling2d({ poolSize: 2, name: "p0" }),
      tfl.layers.batchNormalization({ scale: false, name: "b0" }),
      bin({ filters: 64, kernelSize: 3, useBias: false, padding: "same", name: "c1" }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: "p1" }),
      tfl.layers.batchNormalization({ scale: false, name: "b1" }),
      tfl.layers.flatten({ name: "f" }),
      bdense({ units: 32, useBias: false, name: "d0" }),
      tfl.layers.batchNormalization({ scale: false, name: "b2" }),
      bdense({ units: 10, useBias: false, name: "d1" }),
      tfl.layers.batchNormalization({ scale: false, name: "b3" }),
      tfl.layers.activation({ activation: "softmax", name: "sm" }),
    ],
  });
  randomizeWeights(model, seed, () => 3);
  return model;
}

/** Converts a model and returns its engine file bytes. */
export async function fileOf(model: tfl.LayersModel, engine?: lq.engine.Engine): Promise<Uint8Array> {
  const em = await lq.engine.convert(model, engine ? { engine } : {});
  const bytes = em.save();
  em.dispose();
  return bytes;
}

/** Input values with exact zeros of both signs. */
export function inputValues(n: number, rnd: () => number): Float32Array {
  const pool = [-2.5, -1, -0.5, -0, 0, 0.25, 0.75, 3];
  return Float32Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)]);
}

export { tf };
