/**
 * What every model shares: the input and output sizes, and seeded initialisation.
 *
 * Every random initializer gets its own seed, derived from the model seed and the
 * index of the layer it initialises (counted in construction order). tfjs-core draws
 * seeded random numbers in JavaScript (seedrandom's alea), not on the backend, so the
 * same model seed gives bit-identical weights on cpu, wasm and native TensorFlow.
 */
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * What every builder takes: the seed of its initialisers, the width of its softmax (the
 * dataset's class count) and the side of its square grayscale input (the dataset's image size).
 */
export interface BuildOptions {
  seed: number;
  classes: number;
  imageSize: number;
}

/** [height, width, channels] of one input image. */
export function inputShape(opts: Pick<BuildOptions, 'imageSize'>): [number, number, number] {
  return [opts.imageSize, opts.imageSize, 1];
}

/**
 * A 32-bit seed for one layer. A hash (murmur3's finaliser) rather than `seed + index`,
 * so that model seed 1 / layer 2 and model seed 2 / layer 1 do not share a stream.
 */
export function layerSeed(modelSeed: number, layerIndex: number): number {
  if (!Number.isSafeInteger(modelSeed)) throw new Error(`model seed: expected a safe integer, got ${modelSeed}`);
  if (!Number.isInteger(layerIndex) || layerIndex < 0) {
    throw new Error(`layer index: expected a non-negative integer, got ${layerIndex}`);
  }
  const low = modelSeed >>> 0;
  const high = Math.floor(modelSeed / 2 ** 32) >>> 0;
  let h = Math.imul(low ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(high + 0x7f4a7c15, 0xc2b2ae35);
  h = Math.imul(h ^ Math.imul(layerIndex + 1, 0x27d4eb2f), 0x165667b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Hands out Glorot-uniform initializers (the Keras default for Conv2D and Dense, which
 * the study used) seeded for layer 0, 1, 2, … of one model, in the order they are asked for.
 */
export function seededInitializers(modelSeed: number): () => ReturnType<typeof tfl.initializers.glorotUniform> {
  let layerIndex = 0;
  return () => tfl.initializers.glorotUniform({ seed: layerSeed(modelSeed, layerIndex++) });
}
