/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it (tensorflow/tfjs#8474),
 * so no convolutional layer could train there.
 *
 *   dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·sh + kh − pt, ow·sw + kw − pl, ci] · dy[b,oh,ow,co]
 *
 * is the product im2col(x)ᵀ · dy. It runs in ./native/kernels.c, which builds im2col a
 * block of output pixels at a time and multiplies it in with a register-tiled SIMD kernel:
 * the backend's XNNPACK has no such product (its GEMM cannot read an operand transposed),
 * and expressing the gradient as an XNNPACK convolution (batch and channels swapped,
 * an OH×OW kernel) measured slower than this on TinyCNN. 3×3 stride-1 filters with
 * enough channels take the Winograd path instead (./winograd.ts).
 */
import { backend_util, Conv2DBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, free, type BackendWasm } from './heap.ts';
import { native, ptr, split } from './native.ts';
import { pointwiseFilterGrad } from './pointwise.ts';
import { smallConvApplies, smallConvFilterGrad } from './small-channels.ts';
import { winogradApplies, winogradFilterGrad } from './winograd.ts';

export function conv2dBackpropFilterImpl(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const n = native(backend);
  if (info.dilationHeight === 1 && info.dilationWidth === 1 && smallConvApplies(CI, CO)) {
    return smallConvFilterGrad(backend, x, dy, KH, KW, sh, sw, info.padInfo.top, info.padInfo.left);
  }
  if (KH === 3 && KW === 3 && sh === 1 && sw === 1 && info.dilationHeight === 1 && info.dilationWidth === 1 && winogradApplies(CI, CO, n.scratchFloats, B * Math.ceil(OH / 2) * Math.ceil(OW / 2))) {
    return winogradFilterGrad(backend, x, dy, info.padInfo.top, info.padInfo.left);
  }
  const unpadded = info.padInfo.top === 0 && info.padInfo.left === 0;
  if (KH === 1 && KW === 1 && unpadded && CO % 4 === 0) {
    // 1×1: xᵀ·dy over the (strided) pixels, read in place when the stride is 1.
    let src = x;
    if (sh > 1 || sw > 1) {
      src = alloc(backend, [B, OH, OW, CI]);
      n.kernels.gather_strided(ptr(backend, x), ptr(backend, src), B, H, W, CI, OH, OW, sh, sw);
    }
    const dw = pointwiseFilterGrad(backend, src, dy);
    if (src !== x) free(backend, src);
    return dw;
  }
  const out = alloc(backend, [KH, KW, CI, CO]);
  // One share of the batch per thread, each into its own partial sum, added up after.
  const ranges = split(B, n.threads);
  const partials = ranges.slice(1).map(() => alloc(backend, [KH * KW * CI * CO]));
  const px = ptr(backend, x);
  const pdy = ptr(backend, dy);
  n.parallel(ranges.map(([b0, b1], i) => ({
    fn: 'conv2d_filter_grad' as const,
    args: [
      px + b0 * H * W * CI * 4, pdy + b0 * OH * OW * CO * 4, ptr(backend, i === 0 ? out : partials[i - 1]!), n.scratch[i]!, n.scratchFloats,
      b1 - b0, H, W, CI, OH, OW, CO, KH, KW, sh, sw, info.padInfo.top, info.padInfo.left,
    ],
  })));
  for (const p of partials) n.kernels.accumulate(ptr(backend, out), ptr(backend, p), KH * KW * CI * CO);
  free(backend, ...partials);
  return out;
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`Conv2DBackpropFilter (wasm): expected float32 tensors, got ${x.dtype} and ${dy.dtype}`);
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (format !== 'channelsLast') throw new Error(`Conv2DBackpropFilter (wasm): expected dataFormat NHWC, got ${dataFormat}`);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  return conv2dBackpropFilterImpl(backend as BackendWasm, x, dy, info);
};

export const conv2dBackpropFilterConfig: KernelConfig = { kernelName: Conv2DBackpropFilter, backendName: 'wasm', kernelFunc };
