// wg.loadModel: the loader of src/io/ (which knows models only by the SavableModel contract) hands
// back the LayersModel it built.
import { WasmgradError, msg } from '../errors.js';
import { loadAnyModel } from '../io/tfjs-io.js';
import { LayersModel } from './model.js';

/**
 * Loads a model saved by model.save, in wasmgrad's format or TF.js's layers format: from a folder
 * or model.json path (Node, Deno, Bun), an http(s) or file URL, an IO handler, or the artifacts
 * ({ modelJson, weights } of wasmgrad, { modelTopology, weightSpecs, weightData } of TF.js). The
 * model comes back compiled when it was saved compiled (with a named loss).
 */
export async function loadModel(source: unknown, options: { strict?: boolean } = {}): Promise<LayersModel> {
  const model = await loadAnyModel(source, options);
  if (!(model instanceof LayersModel)) {
    model.dispose();
    throw new WasmgradError(msg`loadModel: the topology made a ${model.className}, not a model`);
  }
  return model;
}
