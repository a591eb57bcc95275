/**
 * Conv2D (training's unfused convolution) for the wasm backend: 3×3 stride-1 convolutions
 * go through Winograd (./winograd.ts); everything else through the backend's XNNPACK kernel.
 */
import { backend_util, Conv2D, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { wasmKernel, type BackendWasm } from './heap.ts';
import { native } from './native.ts';
import { winogradApplies, winogradConv3x3 } from './winograd.ts';

const kernelFunc: KernelFunc = (args) => {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dilations: [number, number] | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const backend = args.backend as BackendWasm;
  if (x.dtype === 'float32' && filter.dtype === 'float32' && dataFormat !== 'NCHW') {
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
    const simple = info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1 &&
      info.dilationHeight === 1 && info.dilationWidth === 1;
    if (simple && winogradApplies(info.inChannels, info.outChannels, native(backend).scratchFloats)) {
      return winogradConv3x3(backend, x, filter, info.outHeight, info.outWidth, info.padInfo.top, info.padInfo.left);
    }
  }
  return wasmKernel(Conv2D)(args);
};

export const conv2dConfig: KernelConfig = { kernelName: Conv2D, backendName: 'wasm', kernelFunc };
