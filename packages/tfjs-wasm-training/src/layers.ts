/**
 * Two tfjs-layers layers take another route through tfjs-core while they train on the wasm
 * backend; same math, far fewer passes. Both patches leave inference, the other backends,
 * the layers' configs and weights untouched, so a model trained here serialises and
 * behaves exactly as one trained elsewhere.
 *
 * - BatchNormalization: the fused kernel of ./batch-norm.ts instead of tf.moments +
 *   FusedBatchNorm and their ~25 gradient kernels.
 * - Conv2D (linear or ReLU): ./conv2d-training.ts, the conv with bias and ReLU in one pass
 *   and a lazy gradient. tfjs-core runs a conv without an activation as fused.conv2d,
 *   whose custom gradient computes the input gradient eagerly, even where nothing needs
 *   it: for a network's first layer, the gradient with respect to the images (15% of a
 *   GapCNN step); one with a ReLU as conv2d, Add and Relu, three passes. Other
 *   activations take conv2d + bias add + the activation, with Conv2D's lazy gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTraining } from './batch-norm.ts';
import { conv2dTraining } from './conv2d-training.ts';
import { recordingGradients } from './heap.ts';

type Kwargs = Record<string, unknown>;
type Call = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

interface LayerVariable { read(): tf.Variable; write(value: tf.Tensor): void }

interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: LayerVariable | null;
  beta: LayerVariable | null;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

interface ConvInternals {
  rank: number;
  kernel: LayerVariable;
  bias: LayerVariable | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: { apply(x: tf.Tensor): tf.Tensor; getClassName(): string };
}

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** The prototype that defines `call` for instances made by `make`. */
function prototypeOf(make: () => tfl.layers.Layer): { call: Call } {
  return Object.getPrototypeOf(make()) as { call: Call };
}

let patched = false;

export function patchLayersForWasm(): void {
  if (patched) return;
  patched = true;

  const bn = prototypeOf(() => tfl.layers.batchNormalization({}));
  const bnCall = bn.call;
  bn.call = function (this: BatchNormInternals, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
    const x = one(inputs);
    const lastAxis = this.axis === -1 || this.axis === x.rank - 1;
    if (kwargs?.['training'] !== true || tf.getBackend() !== 'wasm' || !lastAxis || x.rank < 2 || x.dtype !== 'float32' || !this.gamma || !this.beta) {
      return bnCall.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(x, this.gamma!.read(), this.beta!.read(), this.epsilon);
      // The moving statistics, updated as tfjs-layers does: v ← v − (v − batch)·(1 − momentum).
      for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const old = variable.read();
          variable.write(tf.sub(old, tf.mul(tf.sub(old, value), 1 - this.momentum)));
        });
      }
      return y;
    });
  } as Call;

  const conv = prototypeOf(() => tfl.layers.conv2d({ filters: 1, kernelSize: 1 }));
  const convCall = conv.call;
  // Own property of Conv2D's prototype: Conv1D and Conv3D keep the shared Conv.call.
  Object.defineProperty(conv, 'call', {
    configurable: true,
    writable: true,
    value: function (this: ConvInternals, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) {
      const x = one(inputs);
      if (tf.getBackend() !== 'wasm' || !recordingGradients() || this.rank !== 2 || this.dataFormat !== 'channelsLast' ||
        x.rank !== 4 || (this.padding !== 'same' && this.padding !== 'valid')) {
        return convCall.call(this, inputs, kwargs);
      }
      const activation = this.activation.getClassName();
      const undilated = typeof this.dilationRate === 'number' ? this.dilationRate === 1 : this.dilationRate.every((d) => d === 1);
      if ((activation === 'linear' || activation === 'relu') && undilated) {
        return tf.tidy(() => conv2dTraining(x, this.kernel.read(), this.bias?.read() ?? null, {
          strides: this.strides as [number, number], pad: this.padding as 'same' | 'valid', activation,
        }));
      }
      return tf.tidy(() => {
        let y: tf.Tensor = tf.conv2d(x as tf.Tensor4D, this.kernel.read() as tf.Tensor4D, this.strides as [number, number],
          this.padding as 'same' | 'valid', 'NHWC', this.dilationRate as [number, number]);
        if (this.bias) y = tf.add(y, this.bias.read());
        return this.activation.apply(y);
      });
    },
  });
}
