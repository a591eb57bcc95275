/**
 * Conv2D and FusedConv2D for the wasm backend: 3×3 stride-1 convolutions go through
 * Winograd (./winograd.ts), with a fused conv's bias and ReLU applied in one pass over the
 * output; everything else (and other fused activations) through the backend's XNNPACK
 * kernels. Training runs Conv2D for convs with an activation (tfjs-core unfuses them to
 * differentiate) and FusedConv2D for those with only a bias (ResNet50's); inference runs
 * FusedConv2D.
 */
import { backend_util, Conv2D, FusedConv2D, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr, split } from './native.ts';
import { winogradApplies, winogradConv3x3 } from './winograd.ts';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

/** The Winograd convolution, or null when the conv is not 3×3 stride 1 with suitable channels. */
function tryWinograd(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, a: ConvAttrs): TensorInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || a.dataFormat === 'NCHW') return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    a.strides, a.dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const simple = info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1;
  if (!simple || !winogradApplies(info.inChannels, info.outChannels, native(backend).scratchFloats)) return null;
  return winogradConv3x3(backend, x, filter, info.outHeight, info.outWidth, info.padInfo.top, info.padInfo.left);
}

const conv2d: KernelFunc = (args) => {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  return tryWinograd(args.backend as BackendWasm, x, filter, args.attrs as unknown as ConvAttrs) ?? wasmKernel(Conv2D)(args);
};

const fusedConv2d: KernelFunc = (args) => {
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs;
  const activation = attrs.activation ?? 'linear';
  const backend = args.backend as BackendWasm;
  const co = filter.shape[3]!;
  const biasOk = bias == null || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === co);
  if ((activation === 'linear' || activation === 'relu') && preluActivationWeights == null && biasOk) {
    const out = tryWinograd(backend, x, filter, attrs);
    if (out) {
      if (bias != null || activation === 'relu') {
        const n = native(backend);
        const rows = util.sizeFromShape(out.shape) / co;
        const [po, pb] = [ptr(backend, out), bias ? ptr(backend, bias) : 0];
        n.parallel(split(rows, n.threads).map(([r0, r1]) => ({
          fn: 'bias_relu' as const,
          args: [po + r0 * co * 4, pb, r1 - r0, co, activation === 'relu' ? 1 : 0],
        })));
      }
      return out;
    }
  }
  return wasmKernel(FusedConv2D)(args);
};

export const conv2dConfig: KernelConfig = { kernelName: Conv2D, backendName: 'wasm', kernelFunc: conv2d };
export const fusedConv2dConfig: KernelConfig = { kernelName: FusedConv2D, backendName: 'wasm', kernelFunc: fusedConv2d };
