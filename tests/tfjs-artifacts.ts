// What the tests that move models between TF.js and wasmgrad share: the artifacts a model's save
// hands an IO handler (TF.js's format, from a model of either library), and seeded random weights
// for a TF.js model (so no test passes on zeros or ones).
import * as tf from '@tensorflow/tfjs';
import { randomArray } from './helpers';

type Artifacts = tf.io.ModelArtifacts;
type SaveHandlerMaker = (save: (a: Artifacts) => Promise<tf.io.SaveResult>) => unknown;

/** model.save through `io.withSaveHandler` (TF.js's by default, or wasmgrad's io): the artifacts. */
export async function artifactsOf(model: { save(handler: never): Promise<unknown> }, io: { withSaveHandler: SaveHandlerMaker } = tf.io as never): Promise<Artifacts> {
  let out: Artifacts | null = null;
  await model.save(io.withSaveHandler(async (a) => {
    out = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }) as never);
  return out!;
}

/** Every weight of a TF.js model drawn from a seeded uniform in [-0.8, 0.8). */
export function randomize(model: tf.LayersModel, seed: number): void {
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(randomArray(w.size, seed + i, -0.8, 0.8), w.shape)));
}
