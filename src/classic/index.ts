// wg.classic: the course's classic networks on the public tensor API (perceptron, delta rule,
// Hopfield network, restricted Boltzmann machine, deep belief network) and the Bernoulli sampling
// ops their stochastic units use.
export { perceptron, linearUnit, linearUnit as deltaRule, rows, Perceptron, LinearUnit, type LinearUnitArgs } from './perceptron.js';
export { hopfield, toBipolar, HopfieldNetwork, type RecallOptions, type RecallResult } from './hopfield.js';
export { rbm, RBM, type RBMArgs, type RBMFitOptions } from './rbm.js';
export { dbn, DeepBeliefNetwork, type DBNArgs } from './dbn.js';
export { bernoulliSample, sigmoidBernoulli } from '../ops/sample.js';
