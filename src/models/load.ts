// wg.loadModel: the loader of src/io/ (which knows models only by the SavableModel contract) hands
// back the LayersModel it built.
import { WasmgradError } from '../errors.js';
import { loadModelArtifacts } from '../io/model-io.js';
import { LayersModel } from './model.js';

/**
 * Loads a model saved by model.save: from a folder or model.json path (Node, Deno, Bun), an
 * http(s) or file URL, or the artifacts { modelJson, weights }. The model comes back compiled when
 * it was saved compiled (with a named loss).
 */
export async function loadModel(source: string | URL | { modelJson: unknown; weights: Uint8Array }): Promise<LayersModel> {
  const model = await loadModelArtifacts(source);
  if (!(model instanceof LayersModel)) {
    model.dispose();
    throw new WasmgradError(`loadModel: the topology made a ${model.className}, not a model`);
  }
  return model;
}
