/**
 * A Conv2D layer's training-time forward pass as one kernel: the convolution with its bias
 * and ReLU applied in one pass over the output (./conv2d.ts's FusedConv2D), where tfjs-core
 * runs conv2d, then Add, then Relu while recording gradients (three passes, two of them
 * full read-and-write passes over the activation). Its gradient is lazy, as Conv2D's is:
 * only the gradients something needs are computed, so a first layer never computes the
 * one with respect to the images (tfjs-core's fused.conv2d computes it eagerly).
 *
 *   y = act(conv(x, W) + b), act ∈ {linear, relu};  g = dy · [y > 0] (relu) or dy,
 *   dx = Conv2DBackpropInput(g, W), dW = Conv2DBackpropFilter(x, g), db = Σ g.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2DBackpropFilter, Conv2DBackpropInput, type GradConfig, type KernelConfig, type KernelFunc, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import { fusedConv2dConfig } from './conv2d.ts';
import { RELU_GRAD } from './relu-grad.ts';

export const CONV2D_TRAINING = 'ProjectWasmConv2DTraining';

export interface Conv2DTrainingAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  activation: 'linear' | 'relu';
}

const forward: KernelFunc = (args) =>
  fusedConv2dConfig.kernelFunc({ ...args, attrs: { ...args.attrs, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined } as unknown as NamedAttrMap });

export const conv2dTrainingConfig: KernelConfig = { kernelName: CONV2D_TRAINING, backendName: 'wasm', kernelFunc: forward };

export const conv2dTrainingGradient: GradConfig = {
  kernelName: CONV2D_TRAINING,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [Tensor, Tensor, Tensor];
    const { strides, pad, activation } = attrs as unknown as Conv2DTrainingAttrs;
    const e = tf.engine();
    const g = activation === 'relu' ? (e.runKernel(RELU_GRAD, { dy: dy as Tensor, x: y }) as Tensor) : (dy as Tensor);
    const common = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    return {
      x: () => e.runKernel(Conv2DBackpropInput, { dy: g, filter }, { ...common, inputShape: x.shape } as unknown as NamedAttrMap) as Tensor,
      filter: () => e.runKernel(Conv2DBackpropFilter, { x, dy: g }, { ...common, filterShape: filter.shape } as unknown as NamedAttrMap) as Tensor,
      bias: () => tf.sum(g, [0, 1, 2]),
    };
  },
};

/** act(conv2d(x, filter) + bias) on wasm, differentiable. */
export function conv2dTraining(x: Tensor, filter: Tensor, bias: Tensor | null, attrs: Conv2DTrainingAttrs): Tensor {
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  return tf.engine().runKernel(CONV2D_TRAINING, inputs, attrs as unknown as NamedAttrMap) as Tensor;
}
