// The training recipe of the MNIST examples, the demo and the accuracy table of bench/train.mjs:
// the two networks unchanged, exactly 8 epochs over the 8,000 training digits, standard
// practice around them:
//   - deskewed digits: every image, training and test alike, is sheared so that its principal
//     axis is upright and moved so that its centre of mass is the image centre (the classic MNIST
//     preprocessing; it uses the image alone, never its label);
//   - data augmentation: every epoch trains on a fresh random distortion of the 8,000 training
//     digits (rotation within +-6 degrees, scale within +-10%, shift within +-1 pixel, bilinear),
//     written over the training tensor at the start of the epoch;
//   - label smoothing 0.1 (Keras categorical_crossentropy(label_smoothing=0.1));
//   - Adam at 2e-3, cosine decay to 0 over the run's steps, batch 32.
// `plain: true` is the bare setting for comparison: Adam 1e-3, batch 64, raw digits.
import * as wg from 'wasmgrad';

export const RECIPE = Object.freeze({ epochs: 8, batchSize: 32, learningRate: 2e-3, labelSmoothing: 0.1, rotation: 6, scale: 0.1, shift: 1 });
export const PLAIN = Object.freeze({ epochs: 8, batchSize: 64, learningRate: 1e-3 });

/** One line naming the recipe (or the plain setting). */
export function describeRecipe(plain = false) {
  if (plain) return `raw digits, Adam ${PLAIN.learningRate}, batch ${PLAIN.batchSize}`;
  const r = RECIPE;
  return `deskewed digits, fresh random distortions every epoch (rotation ±${r.rotation}°, scale ±${r.scale * 100}%, shift ±${r.shift} px), ` +
    `label smoothing ${r.labelSmoothing}, Adam ${r.learningRate} with cosine decay, batch ${r.batchSize}`;
}

/** The seed of the distortions of a run of seed `seed` (a stream apart from fit's shuffles). */
export const distortionSeed = (seed) => (seed ^ 0x5bd1e995) >>> 0;

/** Bilinear sample of a 28x28 image held in a 30x30 zero-padded frame, at (sx, sy) in frame coordinates. */
function sample(pad, sx, sy) {
  if (!(sx >= 0 && sy >= 0 && sx < 29 && sy < 29)) return 0;
  const x0 = sx | 0, y0 = sy | 0, fx = sx - x0, fy = sy - y0, p = y0 * 30 + x0;
  return (1 - fy) * ((1 - fx) * pad[p] + fx * pad[p + 1]) + fy * ((1 - fx) * pad[p + 30] + fx * pad[p + 31]);
}

function toFrame(pad, images, o) {
  for (let y = 0; y < 28; y++) pad.set(images.subarray(o + y * 28, o + y * 28 + 28), (y + 1) * 30 + 1);
}

/**
 * Deskewed copies of `count` 28x28 images: each is sheared horizontally by cov(x, y) / var(y) of
 * its ink so that its slant is removed, and moved so that its centre of mass is the image centre.
 */
export function deskew(images, count = images.length / 784) {
  const out = new Float32Array(count * 784), pad = new Float32Array(900);
  for (let i = 0; i < count; i++) {
    const o = i * 784;
    let m = 0, mx = 0, my = 0;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = images[o + y * 28 + x];
        m += v;
        mx += v * x;
        my += v * y;
      }
    }
    if (m === 0) continue;
    mx /= m;
    my /= m;
    let vy = 0, cxy = 0;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = images[o + y * 28 + x];
        vy += v * (y - my) * (y - my);
        cxy += v * (x - mx) * (y - my);
      }
    }
    const alpha = vy > 0 ? cxy / vy : 0;
    toFrame(pad, images, o);
    for (let y = 0; y < 28; y++) {
      const Y = y - 13.5;
      for (let x = 0; x < 28; x++) out[o + y * 28 + x] = sample(pad, x - 13.5 + mx + alpha * Y + 1, Y + my + 1);
    }
  }
  return out;
}

/**
 * A seeded generator of random distortions: `distort(images, count)` returns new images, each
 * rotated, scaled and shifted by its own random amounts (uniform within the bounds) about the
 * image centre, with bilinear interpolation.
 */
export function distorter({ rotation = RECIPE.rotation, scale = RECIPE.scale, shift = RECIPE.shift, seed = 1 } = {}) {
  const random = wg.seededRandom(seed);
  const u = () => 2 * random() - 1;
  const pad = new Float32Array(900);
  return (images, count = images.length / 784) => {
    const out = new Float32Array(count * 784);
    for (let i = 0; i < count; i++) {
      const o = i * 784;
      const th = (u() * rotation * Math.PI) / 180, s = 1 + u() * scale, tx = u() * shift, ty = u() * shift;
      // output pixel -> source pixel: the inverse rotation and scale about the centre
      const c = Math.cos(th) / s, sn = Math.sin(th) / s;
      toFrame(pad, images, o);
      for (let y = 0; y < 28; y++) {
        const Y = y - 13.5 - ty;
        for (let x = 0; x < 28; x++) {
          const X = x - 13.5 - tx;
          out[o + y * 28 + x] = sample(pad, c * X + sn * Y + 14.5, c * Y - sn * X + 14.5);
        }
      }
    }
    return out;
  };
}

/**
 * Compiles and trains `model` on data from loadMnist with the recipe (or the plain setting), then
 * evaluates it on the training digits (undistorted) and on the held-out ones. `seed` drives the
 * shuffling and the distortions. The images the model sees (training and test) are deskewed
 * unless `plain`: deskew any other input before model.predict.
 * Resolves to { history, seconds (fit, distortions included), augmentSeconds, samplesPerSecond,
 * trainAccuracy, testAccuracy, testLoss }.
 */
export async function trainDigits(model, data, opts = {}) {
  const { shape = [784], plain = false, seed = 1, verbose = 0 } = opts;
  const base = plain ? PLAIN : RECIPE;
  const epochs = opts.epochs ?? base.epochs, batchSize = opts.batchSize ?? base.batchSize, lr = opts.learningRate ?? base.learningRate;
  const n = data.train.count, nTest = data.test.count;
  const trainImages = plain ? data.train.images : deskew(data.train.images, n);
  const testImages = plain ? data.test.images : deskew(data.test.images, nTest);
  const onehot = (labels, count) => wg.tidy(() => wg.oneHot(wg.tensor(labels, [count], 'int32'), 10));
  const y = onehot(data.train.labels, n), yTest = onehot(data.test.labels, nTest);
  // Keras's label smoothing: y (1 - e) + e / classes
  const yFit = plain ? y : wg.tidy(() => wg.add(wg.mul(y, 1 - RECIPE.labelSmoothing), RECIPE.labelSmoothing / 10));
  const clean = wg.tensor(trainImages, [n, ...shape]);
  // the training tensor: a variable (not trainable, not in the model) that each epoch overwrites
  const x = wg.variable(clean, false);
  const steps = epochs * Math.ceil(n / batchSize);
  const optimizer = wg.optimizers.adam({ learningRate: plain ? lr : wg.schedules.cosineDecay({ initial: lr, decaySteps: steps }) });
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  let augmentMs = 0;
  const distort = plain ? null : distorter({ seed: distortionSeed(seed) });
  const callbacks = plain ? [] : [{
    onEpochBegin: () => {
      const t = performance.now();
      const fresh = wg.tensor(distort(trainImages, n), [n, ...shape]);
      x.assign(fresh);
      fresh.dispose();
      augmentMs += performance.now() - t;
    },
  }];
  const t0 = performance.now();
  const history = await model.fit(x, yFit, { epochs, batchSize, seed, verbose, callbacks });
  const seconds = (performance.now() - t0) / 1000;
  const xTest = wg.tensor(testImages, [nTest, ...shape]);
  const [trainLoss, trainAcc] = model.evaluate(clean, y, { batchSize: 500 });
  const [testLoss, testAcc] = model.evaluate(xTest, yTest, { batchSize: 500 });
  const result = {
    history,
    seconds,
    augmentSeconds: augmentMs / 1000,
    samplesPerSecond: (epochs * n) / seconds,
    trainAccuracy: trainAcc.dataSync()[0],
    testAccuracy: testAcc.dataSync()[0],
    testLoss: testLoss.dataSync()[0],
  };
  for (const t of new Set([x, clean, y, yFit, yTest, xTest, trainLoss, trainAcc, testAcc, testLoss])) t.dispose();
  optimizer.dispose(); // its moments (the model stays compiled: a further fit starts them afresh)
  return result;
}

/**
 * An example's run of the recipe: trains `model` with trainDigits, logs one line (test and train
 * accuracy, samples/s, backend) under `name`, and returns the summary with the backend.
 */
export async function runDigits(name, model, data, opts, log = console.log) {
  const { history: _history, ...summary } = await trainDigits(model, data, opts);
  const info = wg.backendInfo();
  const result = { ...summary, backend: `${info.backend}, ${info.threads} thread(s)` };
  const epochs = opts.epochs ?? RECIPE.epochs;
  log(`${name}: test accuracy ${(result.testAccuracy * 100).toFixed(2)}% on ${data.test.count} held-out digits after ${epochs} epochs on ${data.train.count} ` +
    `(train ${(result.trainAccuracy * 100).toFixed(2)}%); ${Math.round(result.samplesPerSecond)} training samples/s; backend ${result.backend}`);
  return result;
}
