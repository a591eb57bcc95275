/**
 * Convolutions, pooling and bias sums for layers with few channels (ReducedFilterCNN:
 * 1 → 8 → 8 channels), in ./native/small-channels.c. The GEMM and Winograd paths are
 * tiled for ≥ 32 channels; at 8 they ran ReducedFilterCNN's ~50 M multiply-adds a step at
 * well under 10 GMAC/s, the time going to im2col copies, Winograd transforms and edge
 * tiles. Here a pixel's 8 output channels are two SIMD vectors and the convolution (its
 * forward pass, its input gradient as the convolution of dy with the flipped filter, and
 * its filter gradient) runs directly on the NHWC tensors, each thread a share of the
 * output rows.
 */
import { backend_util, MaxPool, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, free, wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr, split, threadsFor } from './native.ts';

/** Whether a conv from CI to CO channels takes the direct few-channel kernels. */
export function smallConvApplies(CI: number, CO: number): boolean {
  return CO % 4 === 0 && CO <= 8 && CI <= 8;
}

/**
 * out [B, OH, OW, CO] = conv(x [B, H, W, CI], filter [KH, KW, CI, CO]) with strides sh/sw and
 * pt/pl rows/columns of zeros above/left of x (and below/right as far as OH/OW need).
 */
export function smallConv2d(
  backend: BackendWasm, x: TensorInfo, filter: TensorInfo, OH: number, OW: number, sh: number, sw: number, pt: number, pl: number,
): TensorInfo {
  const [B, H, W, CI] = x.shape as [number, number, number, number];
  const [KH, KW, , CO] = filter.shape as [number, number, number, number];
  const n = native(backend);
  const out = alloc(backend, [B, OH, OW, CO]);
  const [px, pw, po] = [ptr(backend, x), ptr(backend, filter), ptr(backend, out)];
  n.parallel(split(B * OH, threadsFor(n, B * OH * OW * CO * KH * KW * CI)).map(([r0, r1]) => ({
    fn: 'sc_conv2d' as const,
    args: [px, pw, po, r0, r1, H, W, CI, OH, OW, CO, KH, KW, sh, sw, pt, pl],
  })));
  return out;
}

/** dW [KH, KW, CI, CO] of a conv of x (strides sh/sw, padding pt/pl above/left) given dy [B, OH, OW, CO]. */
export function smallConvFilterGrad(
  backend: BackendWasm, x: TensorInfo, dy: TensorInfo, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
): TensorInfo {
  const [, H, W, CI] = x.shape as [number, number, number, number];
  const [B, OH, OW, CO] = dy.shape as [number, number, number, number];
  const n = native(backend);
  const size = KH * KW * CI * CO;
  const out = alloc(backend, [KH, KW, CI, CO]);
  // Each thread sums a share of the output rows into its own partial, added up after.
  const ranges = split(B * OH, threadsFor(n, B * OH * OW * size));
  const partials = ranges.slice(1).map(() => alloc(backend, [size]));
  const [px, pdy] = [ptr(backend, x), ptr(backend, dy)];
  n.parallel(ranges.map(([r0, r1], i) => ({
    fn: 'sc_conv2d_filter_grad' as const,
    args: [px, pdy, ptr(backend, i === 0 ? out : partials[i - 1]!), r0, r1, H, W, CI, OH, OW, CO, KH, KW, sh, sw, pt, pl],
  })));
  for (const p of partials) n.kernels.accumulate(ptr(backend, out), ptr(backend, p), size);
  free(backend, ...partials);
  return out;
}

/** Whether sc_column_sum handles rows of `cols` floats (it sums 32-float blocks). */
export function narrowColumnSum(cols: number): boolean {
  return cols === 4 || cols === 8 || cols === 16 || cols === 32;
}

/**
 * MaxPool for float32 NHWC tensors whose channels are whole SIMD vectors, in native code
 * split over the threads by images (XNNPACK's took 3 ms of a ReducedFilterCNN step for a
 * 64×62×62×8 input, on one thread). Everything else goes to the backend's kernel.
 */
const maxPool: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const backend = args.backend as BackendWasm;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (x.dtype !== 'float32' || x.shape.length !== 4 || x.shape[3]! % 4 !== 0) return wasmKernel(MaxPool)(args);
  const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.padInfo.top < 0 || info.padInfo.left < 0) return wasmKernel(MaxPool)(args);
  const out = alloc(backend, [B, OH, OW, C]);
  const n = native(backend);
  const [px, po] = [ptr(backend, x), ptr(backend, out)];
  n.parallel(split(B, threadsFor(n, B * H * W * C)).map(([b0, b1]) => ({
    fn: 'sc_max_pool' as const,
    args: [px, po, b0, b1, H, W, C, OH, OW, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left],
  })));
  return out;
};

export const maxPoolConfig: KernelConfig = { kernelName: MaxPool, backendName: 'wasm', kernelFunc: maxPool };
