/**
 * Dropout whose masks are reproducible but differ from batch to batch.
 *
 * Why not `tfl.layers.dropout({ seed })`: tfjs passes that seed unchanged to
 * `tf.dropout` on every call, so a seeded Dropout draws the same mask for every batch
 * (a fixed thinner network, not dropout); unseeded, its masks come from Math.random and
 * training is not reproducible. This layer seeds call n with layerSeed(seed, n).
 * A run resumed from a checkpoint restarts the sequence, so its masks differ from an
 * uninterrupted run's; initial weights are unaffected.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerSeed } from './common.ts';

interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

export class SeededDropout extends tfl.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate: expected a number in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs['training'] !== true || this.rate === 0) return x;
    const seed = layerSeed(this.seed, this.calls++);
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, seed));
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);
