/** Saves a tfjs model to memory and loads it back, as a test of its Keras JSON round trip. */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/** The saved topology as JSON text (snake_case Keras JSON) and the reloaded model; `saveConfig` e.g. `{includeOptimizer: true}`. */
export async function saveAndLoad(
  model: tfl.LayersModel,
  saveConfig?: tf.io.SaveConfig,
): Promise<{ topology: string; loaded: tfl.LayersModel }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
    saveConfig,
  );
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
  return { topology: JSON.stringify(saved!.modelTopology), loaded };
}
