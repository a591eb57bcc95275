/**
 * Conv2DBackpropInput for the wasm backend, through XNNPACK's convolution instead of
 * tfjs-backend-wasm 4.22's scalar loop (a third of a TinyCNN training step).
 *
 * The input gradient of a stride-1 convolution is a stride-1 convolution of dy with the
 * filter rotated 180° and its channel axes swapped, W'[kh,kw,co,ci] = W[KH−1−kh, KW−1−kw, ci, co],
 * padded by KH−1−pt on top (and what makes the output H tall at the bottom).
 * 3×3 ones run as Winograd convolutions (./winograd.ts), the rest in XNNPACK.
 * For stride s > 1, dy is first spread onto a grid s times finer (zeros between), which
 * turns it into the stride-1 case; a 1×1 kernel (half of ResNet50's convs) is a native
 * matrix product dy·Wᵀ (./pointwise.ts), scattered onto the strided pixels if strided.
 * Dilated filters and paddings that would need negative padding here fall back to the
 * backend's own kernel.
 */
import { backend_util, Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, f32, free, run, wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr } from './native.ts';
import { matmul, pointwiseApplies } from './pointwise.ts';
import { smallConv2d, smallConvApplies } from './small-channels.ts';
import { winogradApplies, winogradConv3x3 } from './winograd.ts';

/** W [KH,KW,CI,CO] → W' [KH,KW,CO,CI], rotated 180° spatially. */
function flipFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [KH, KW, CI, CO] = filter.shape as [number, number, number, number];
  const out = alloc(backend, [KH, KW, CO, CI]);
  native(backend).kernels.flip_filter(ptr(backend, filter), ptr(backend, out), KH, KW, CI, CO);
  return out;
}

/** dy [B,OH,OW,C] → [B,(OH−1)·sh+1,(OW−1)·sw+1,C] with dy at every sh-th row and sw-th column. */
function spread(backend: BackendWasm, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [B, OH, OW, C] = dy.shape as [number, number, number, number];
  const DH = (OH - 1) * sh + 1;
  const DW = (OW - 1) * sw + 1;
  const out = alloc(backend, [B, DH, DW, C]);
  const src = f32(backend, dy);
  const dst = f32(backend, out);
  dst.fill(0);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const s = ((b * OH + oh) * OW + ow) * C;
        dst.set(src.subarray(s, s + C), ((b * DH + oh * sh) * DW + ow * sw) * C);
      }
    }
  }
  return out;
}

export function conv2dBackpropInputImpl(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | null {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;

  if (KH === 1 && KW === 1 && pt === 0 && pl === 0 && pointwiseApplies(info.outChannels, CI)) {
    // 1×1: dy·Wᵀ as a matrix product; with a stride, it lands on the strided pixels of dx.
    const flipped = flipFilter(backend, filter); // [1, 1, CO, CI]: Wᵀ
    const t = alloc(backend, [B, OH, OW, CI]);
    matmul(backend, ptr(backend, dy), ptr(backend, flipped), ptr(backend, t), B * OH * OW, CI, info.outChannels);
    free(backend, flipped);
    if (sh === 1 && sw === 1 && OH === H && OW === W) return t;
    const dx = alloc(backend, [B, H, W, CI]);
    const src = f32(backend, t);
    const dst = f32(backend, dx);
    dst.fill(0);
    for (let b = 0; b < B; b++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const s = ((b * OH + oh) * OW + ow) * CI;
          dst.set(src.subarray(s, s + CI), ((b * H + oh * sh) * W + ow * sw) * CI);
        }
      }
    }
    free(backend, t);
    return dx;
  }

  const DH = (OH - 1) * sh + 1;
  const DW = (OW - 1) * sw + 1;
  const top = KH - 1 - pt;
  const left = KW - 1 - pl;
  const bottom = H - DH - top + KH - 1;
  const right = W - DW - left + KW - 1;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;

  const src = sh > 1 || sw > 1 ? spread(backend, dy, sh, sw) : dy;
  const flipped = flipFilter(backend, filter);
  if (smallConvApplies(info.outChannels, CI)) {
    const dx = smallConv2d(backend, src, flipped, H, W, 1, 1, top, left);
    free(backend, flipped);
    if (src !== dy) free(backend, src);
    return dx;
  }
  if (KH === 3 && KW === 3 && winogradApplies(info.outChannels, CI, native(backend).scratchFloats, B * Math.ceil(H / 2) * Math.ceil(W / 2))) {
    const dx = winogradConv3x3(backend, src, flipped, H, W, top, left);
    free(backend, flipped);
    if (src !== dy) free(backend, src);
    return dx;
  }
  const dx = run(backend, 'Conv2D', { x: src, filter: flipped }, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  free(backend, flipped);
  if (src !== dy) free(backend, src);
  return dx;
}

const kernelFunc: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  if (dy.dtype === 'float32' && filter.dtype === 'float32' && format === 'channelsLast') {
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, format);
    const dx = conv2dBackpropInputImpl(backend as BackendWasm, dy, filter, info);
    if (dx) return dx;
  }
  return wasmKernel(Conv2DBackpropInput)(args);
};

export const conv2dBackpropInputConfig: KernelConfig = { kernelName: Conv2DBackpropInput, backendName: 'wasm', kernelFunc };
