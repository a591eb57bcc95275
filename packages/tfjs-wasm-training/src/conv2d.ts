/**
 * Conv2D and FusedConv2D for the wasm backend: 3×3 stride-1 convolutions go through
 * Winograd (./winograd.ts), unpadded 1×1 ones through a native matrix product
 * (./pointwise.ts), those with few input channels (first layers) as im2col blocks times the
 * filter, with a fused conv's bias and ReLU applied in one pass over the output;
 * everything else (and other fused activations) through the backend's XNNPACK kernels. Training runs Conv2D for convs with an activation (tfjs-core unfuses them to
 * differentiate) and FusedConv2D for those with only a bias (ResNet50's); inference runs
 * FusedConv2D.
 */
import { backend_util, Conv2D, FusedConv2D, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, recordingGradients, wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr, split, threadsFor } from './native.ts';
import { pointwiseApplies, pointwiseConv } from './pointwise.ts';
import { smallConv2d, smallConvApplies } from './small-channels.ts';
import { winogradApplies, winogradConv3x3 } from './winograd.ts';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

/**
 * The convolution by Winograd (3×3, stride 1) or as a matrix product (1×1, no padding), or
 * null when neither applies.
 */
function tryNative(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, a: ConvAttrs): TensorInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || a.dataFormat === 'NCHW') return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    a.strides, a.dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
  // Inference on small batches: XNNPACK's cached packing of the (unchanging) weights wins.
  if (!recordingGradients() && info.batchSize * info.outHeight * info.outWidth < 16384) return null;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, inChannels: CI, outChannels: CO } = info;
  const undilated = info.dilationHeight === 1 && info.dilationWidth === 1;
  if (undilated && smallConvApplies(CI, CO)) {
    return smallConv2d(backend, x, filter, info.outHeight, info.outWidth, sh, sw, info.padInfo.top, info.padInfo.left);
  }
  if (KH === 3 && KW === 3 && sh === 1 && sw === 1 && undilated && winogradApplies(CI, CO, native(backend).scratchFloats, tiles(info))) {
    return winogradConv3x3(backend, x, filter, info.outHeight, info.outWidth, info.padInfo.top, info.padInfo.left);
  }
  const unpadded = info.padInfo.top === 0 && info.padInfo.left === 0 && info.padInfo.bottom === 0 && info.padInfo.right === 0;
  if (KH === 1 && KW === 1 && unpadded && pointwiseApplies(CI, CO) &&
    info.outHeight === Math.floor((info.inHeight - 1) / sh) + 1 && info.outWidth === Math.floor((info.inWidth - 1) / sw) + 1) {
    return pointwiseConv(backend, x, filter, sh, sw);
  }
  if (CI < 8 && CO % 4 === 0 && undilated) {
    // Few input channels (a first layer): im2col blocks times the filter.
    const n = native(backend);
    const out = alloc(backend, [info.batchSize, info.outHeight, info.outWidth, CO]);
    const [px, pw, po] = [ptr(backend, x), ptr(backend, filter), ptr(backend, out)];
    n.parallel(split(info.batchSize * info.outHeight * info.outWidth, n.threads).map(([p0, p1], i) => ({
      fn: 'conv2d_im2col' as const,
      args: [px, pw, po, n.scratch[i]!, n.scratchFloats, p0, p1, info.inHeight, info.inWidth, CI, info.outHeight, info.outWidth, CO,
        KH, KW, sh, sw, info.padInfo.top, info.padInfo.left],
    })));
    return out;
  }
  return null;
}

/** Winograd tiles (2×2 outputs) of a conv. */
function tiles(info: backend_util.Conv2DInfo): number {
  return info.batchSize * Math.ceil(info.outHeight / 2) * Math.ceil(info.outWidth / 2);
}

const conv2d: KernelFunc = (args) => {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  return tryNative(args.backend as BackendWasm, x, filter, args.attrs as unknown as ConvAttrs) ?? wasmKernel(Conv2D)(args);
};

const fusedConv2d: KernelFunc = (args) => {
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs;
  const activation = attrs.activation ?? 'linear';
  const backend = args.backend as BackendWasm;
  const co = filter.shape[3]!;
  const biasOk = bias == null || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === co);
  if ((activation === 'linear' || activation === 'relu') && preluActivationWeights == null && biasOk) {
    const out = tryNative(backend, x, filter, attrs);
    if (out) {
      if (bias != null || activation === 'relu') {
        const n = native(backend);
        const rows = util.sizeFromShape(out.shape) / co;
        const [po, pb] = [ptr(backend, out), bias ? ptr(backend, bias) : 0];
        n.parallel(split(rows, threadsFor(n, rows * co)).map(([r0, r1]) => ({
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
