/**
 * 3×3 stride-1 convolutions by Winograd's F(2×2, 3×3) in ./native/kernels.c: 16
 * multiplications per 2×2 outputs and input/output channel pair instead of 36, so 2.25×
 * less arithmetic than the direct convolution XNNPACK runs (which at ~12 GMAC/s per core
 * was most of a training step). Every conv of the four compact models is 3×3 stride 1,
 * both forward and as the input gradient (a 3×3 stride-1 conv with the flipped filter).
 * The filter gradient sums its products in the Winograd domain too. Larger images (outputs
 * ≥ 6×6, see winograd43Applies) run F(4×4, 3×3) instead (./native/winograd43.c), forward,
 * input and filter gradient: 36 products per 4×4 outputs, 2.25 per output against 4.
 * Used for Conv2D, FusedConv2D (small inference batches excepted, see ./conv2d.ts),
 * Conv2DBackpropInput and Conv2DBackpropFilter.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, free, type BackendWasm } from './heap.ts';
import { native, ptr, split } from './native.ts';

/** Whether a 3×3 conv from CI to CO channels takes the Winograd path. */
export function winogradApplies(CI: number, CO: number, scratchFloats: number, tiles: number): boolean {
  // Channels in whole SIMD vectors; enough of them for the products to dominate the
  // transforms; at least 8 tiles per scratch block; and enough tiles in all that the
  // transformed filter (16/9 the size of the filter) is not what the time goes to
  // reading (ResNet50's last stage: 2×2 images, 512 channels).
  return CI % 4 === 0 && CO % 4 === 0 && CI >= 8 && CO >= 8 && scratchFloats / (16 * (CI + CO)) >= 8 && tiles >= 8 * Math.max(CI, CO) / 16;
}

/**
 * Whether winogradConv3x3 runs F(4×4, 3×3) (./native/winograd43.c: 36 products per 4×4
 * outputs, 2.25 per output against F(2×2)'s 4) rather than F(2×2): when its products,
 * counting the waste of partial edge tiles, are clearly fewer, and a scratch block holds
 * enough tiles (36·tb·(CI + CO) floats) for the products to dominate the transforms.
 */
export function winograd43Applies(OH: number, OW: number, CI: number, CO: number, scratchFloats: number): boolean {
  const f2 = 16 * Math.ceil(OH / 2) * Math.ceil(OW / 2);
  const f4 = 36 * Math.ceil(OH / 4) * Math.ceil(OW / 4);
  return OH >= 6 && OW >= 6 && f4 <= 0.75 * f2 && scratchFloats / (36 * (CI + CO)) >= 6;
}

/** The native functions and sizes of F(2×2, 3×3) and F(4×4, 3×3). */
const VARIANTS = {
  f2: { tile: 2, points: 16, filter: 'winograd_filter', conv: 'winograd_conv3x3', gradTiles: 'winograd_filter_grad_tiles', gradFinish: 'winograd_filter_grad_finish' },
  f4: { tile: 4, points: 36, filter: 'winograd43_filter', conv: 'winograd43_conv3x3', gradTiles: 'winograd43_filter_grad_tiles', gradFinish: 'winograd43_filter_grad_finish' },
} as const;

function variant(OH: number, OW: number, CI: number, CO: number, scratchFloats: number) {
  return VARIANTS[winograd43Applies(OH, OW, CI, CO, scratchFloats) ? 'f4' : 'f2'];
}

/**
 * out [B, OH, OW, CO] = conv3x3(x [B, H, W, CI], filter [3, 3, CI, CO]), stride 1, with
 * pt/pl rows/columns of zeros above/left of x (and below/right as far as OH/OW need).
 */
export function winogradConv3x3(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, OH: number, OW: number, pt: number, pl: number): TensorInfo {
  const [B, H, W, CI] = x.shape as [number, number, number, number];
  const CO = filter.shape[3]!;
  const n = native(backend);
  const v = variant(OH, OW, CI, CO, n.scratchFloats);
  const u = alloc(backend, [v.points, CI, CO]);
  n.kernels[v.filter](ptr(backend, filter), ptr(backend, u), CI, CO);
  const out = alloc(backend, [B, OH, OW, CO]);
  const tiles = B * Math.ceil(OH / v.tile) * Math.ceil(OW / v.tile);
  const [px, pu, po] = [ptr(backend, x), ptr(backend, u), ptr(backend, out)];
  n.parallel(split(tiles, n.threads).map(([t0, t1], i) => ({
    fn: v.conv,
    args: [px, pu, po, n.scratch[i]!, n.scratchFloats, t0, t1, H, W, CI, OH, OW, CO, pt, pl],
  })));
  free(backend, u);
  return out;
}

/**
 * dW [3, 3, CI, CO] of out = conv3x3(x, W) (stride 1, top/left padding pt/pl) given dy
 * [B, OH, OW, CO]: the products summed in the Winograd domain over all output tiles (each
 * thread a share of them), then transformed back once.
 */
export function winogradFilterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, pt: number, pl: number): TensorInfo {
  const [, H, W, CI] = x.shape as [number, number, number, number];
  const [B, OH, OW, CO] = dy.shape as [number, number, number, number];
  const n = native(backend);
  const v = variant(OH, OW, CI, CO, n.scratchFloats);
  const ranges = split(B * Math.ceil(OH / v.tile) * Math.ceil(OW / v.tile), n.threads);
  const partials = ranges.map(() => alloc(backend, [v.points, CI, CO]));
  const [px, pdy] = [ptr(backend, x), ptr(backend, dy)];
  n.parallel(ranges.map(([t0, t1], i) => ({
    fn: v.gradTiles,
    args: [px, pdy, ptr(backend, partials[i]!), n.scratch[i]!, n.scratchFloats, t0, t1, H, W, CI, OH, OW, CO, pt, pl],
  })));
  for (const p of partials.slice(1)) n.kernels.accumulate(ptr(backend, partials[0]!), ptr(backend, p), v.points * CI * CO);
  const dw = alloc(backend, [3, 3, CI, CO]);
  n.kernels[v.gradFinish](ptr(backend, partials[0]!), ptr(backend, dw), CI, CO);
  free(backend, ...partials);
  return dw;
}
