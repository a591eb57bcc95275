/*
 * Kernels for convolution layers with few channels (ReducedFilterCNN: 1 → 8 → 8), included
 * at the end of kernels.c. The GEMM and Winograd kernels there are tiled for ≥ 32 channels;
 * with 8 output channels their 12-column tiles do not apply and with 1 input channel
 * im2col is mostly copying, so these work directly on the NHWC tensors instead: a pixel's
 * CO = 8 outputs are two f32x4 vectors, and a tile of pixels shares each filter load.
 * Each kernel takes a range of rows (b, oh) or images, so callers split the work over the
 * threads. Same rules as kernels.c: no static data, no libc.
 */

/*
 * Output pixels per tile of the forward convolution: 4 pixels × 2 vectors = 8 accumulators,
 * plus 2 filter vectors and a broadcast, within the 15 XMM registers V8 allocates.
 */
#define SC_NP 4

/*
 * NP horizontally adjacent output pixels (stride sw) of channels [co0, co0 + 4·NV), whose
 * windows lie inside the input horizontally: o[t·CO + ...] = Σ_{kh ∈ [kh0,kh1), j} x · w.
 * ximg is x at (b, ih = ih0, iw = iw0); j runs over a window row's (kw, ci) pairs, which are
 * J = KW·CI contiguous floats of x and rows of w.
 */
static inline __attribute__((always_inline)) void sc_conv_tile(const float *ximg, const float *w, float *o, int xrow, int sw, int CI,
                                                               int CO, int kh0, int kh1, int co0, const int J, const int NV, const int NP) {
  v128_t acc[SC_NP][2];
  for (int t = 0; t < NP; t++)
    for (int v = 0; v < NV; v++) acc[t][v] = wasm_f32x4_splat(0);
  for (int kh = kh0; kh < kh1; kh++) {
    const float *xr = ximg + kh * xrow;
    const float *wk = w + kh * J * CO + co0;
    for (int j = 0; j < J; j++) {
      v128_t wv[2];
      for (int v = 0; v < NV; v++) wv[v] = wasm_v128_load(wk + j * CO + 4 * v);
      for (int t = 0; t < NP; t++) {
        const v128_t s = wasm_v128_load32_splat(xr + t * sw * CI + j);
        for (int v = 0; v < NV; v++) acc[t][v] = FMA(s, wv[v], acc[t][v]);
      }
    }
  }
  for (int t = 0; t < NP; t++)
    for (int v = 0; v < NV; v++) wasm_v128_store(o + t * CO + co0 + 4 * v, acc[t][v]);
}

/* One output pixel whose window may leave the input horizontally (iw0 < 0 or past W). */
static inline __attribute__((always_inline)) void sc_conv_edge(const float *ximg, const float *w, float *o, int xrow, int iw0, int W,
                                                               int CI, int CO, int KW, int kh0, int kh1, int co0, const int NV) {
  /* Two sets of accumulators (even and odd ci) halve the chain of dependent FMAs. */
  v128_t acc[2], odd[2];
  for (int v = 0; v < NV; v++) acc[v] = odd[v] = wasm_f32x4_splat(0);
  for (int kh = kh0; kh < kh1; kh++) {
    for (int kw = 0; kw < KW; kw++) {
      const int iw = iw0 + kw;
      if (iw < 0 || iw >= W) continue;
      const float *xp = ximg + kh * xrow + iw * CI;
      const float *wk = w + (kh * KW + kw) * CI * CO + co0;
      int ci = 0;
      for (; ci + 2 <= CI; ci += 2) {
        const v128_t s0 = wasm_v128_load32_splat(xp + ci), s1 = wasm_v128_load32_splat(xp + ci + 1);
        for (int v = 0; v < NV; v++) {
          acc[v] = FMA(s0, wasm_v128_load(wk + ci * CO + 4 * v), acc[v]);
          odd[v] = FMA(s1, wasm_v128_load(wk + (ci + 1) * CO + 4 * v), odd[v]);
        }
      }
      if (ci < CI) {
        const v128_t s = wasm_v128_load32_splat(xp + ci);
        for (int v = 0; v < NV; v++) acc[v] = FMA(s, wasm_v128_load(wk + ci * CO + 4 * v), acc[v]);
      }
    }
  }
  for (int v = 0; v < NV; v++) wasm_v128_store(o + co0 + 4 * v, wasm_f32x4_add(acc[v], odd[v]));
}

/* Output row (b, oh), channels [co0, co0 + 4·NV). */
static inline __attribute__((always_inline)) void sc_conv_row(const float *x, const float *w, float *orow, int b, int oh, int H, int W,
                                                              int CI, int OW, int CO, int KH, int KW, int sh, int sw, int pt, int pl,
                                                              int co0, const int J, const int NV) {
  const int ih0 = oh * sh - pt;
  const int kh0 = ih0 < 0 ? -ih0 : 0;
  const int kh1 = H - ih0 < KH ? H - ih0 : KH;
  const int xrow = W * CI;
  /* x at (b, ih0, 0): rows kh0.. of the window are in range. */
  const float *ximg = x + ((b * H + ih0) * W) * CI;
  /* Output columns [lo, hi) have their whole window inside the input's width. */
  int lo = (pl + sw - 1) / sw;
  int hi = W - KW + pl >= 0 ? (W - KW + pl) / sw + 1 : 0;
  if (hi > OW) hi = OW;
  if (lo > hi) lo = hi;
  int ow = 0;
  for (; ow < lo; ow++) sc_conv_edge(ximg, w, orow + ow * CO, xrow, ow * sw - pl, W, CI, CO, KW, kh0, kh1, co0, NV);
  if (J == 3 && kh0 == 0 && kh1 == 3)
    /* A first layer's 3×3 window (one channel) with all its rows in range: constant loop
       bounds, fully unrolled (11% faster; making CI and sw constant too was slower). */
    for (; ow + SC_NP <= hi; ow += SC_NP)
      sc_conv_tile(ximg + (ow * sw - pl) * CI, w, orow + ow * CO, xrow, sw, CI, CO, 0, 3, co0, 3, NV, SC_NP);
  for (; ow + SC_NP <= hi; ow += SC_NP)
    sc_conv_tile(ximg + (ow * sw - pl) * CI, w, orow + ow * CO, xrow, sw, CI, CO, kh0, kh1, co0, J, NV, SC_NP);
  if (ow < hi && hi - lo >= SC_NP) {
    /* The last few pixels as a tile overlapping the previous one (which it rewrites with the
       same values): a lone pixel's two accumulators make a chain of dependent FMAs. */
    ow = hi - SC_NP;
    sc_conv_tile(ximg + (ow * sw - pl) * CI, w, orow + ow * CO, xrow, sw, CI, CO, kh0, kh1, co0, J, NV, SC_NP);
    ow = hi;
  }
  for (; ow < hi; ow++) sc_conv_tile(ximg + (ow * sw - pl) * CI, w, orow + ow * CO, xrow, sw, CI, CO, kh0, kh1, co0, J, NV, 1);
  for (; ow < OW; ow++) sc_conv_edge(ximg, w, orow + ow * CO, xrow, ow * sw - pl, W, CI, CO, KW, kh0, kh1, co0, NV);
}

static inline __attribute__((always_inline)) void sc_conv_rows(const float *x, const float *w, float *out, int r0, int r1, int H, int W,
                                                               int CI, int OH, int OW, int CO, int KH, int KW, int sh, int sw, int pt,
                                                               int pl, const int J) {
  for (int r = r0; r < r1; r++) {
    const int b = r / OH, oh = r % OH;
    float *orow = out + r * OW * CO;
    int co0 = 0;
    for (; co0 + 8 <= CO; co0 += 8) sc_conv_row(x, w, orow, b, oh, H, W, CI, OW, CO, KH, KW, sh, sw, pt, pl, co0, J, 2);
    if (co0 < CO) sc_conv_row(x, w, orow, b, oh, H, W, CI, OW, CO, KH, KW, sh, sw, pt, pl, co0, J, 1);
  }
}

static void sc_conv_any(const float *x, const float *w, float *out, int r0, int r1, int H, int W, int CI, int OH, int OW, int CO, int KH,
                        int KW, int sh, int sw, int pt, int pl) {
  const int J = KW * CI;
  /* The common window rows get a fully unrolled inner loop. */
  if (J == 3) sc_conv_rows(x, w, out, r0, r1, H, W, CI, OH, OW, CO, KH, KW, sh, sw, pt, pl, 3);
  else if (J == 24) sc_conv_rows(x, w, out, r0, r1, H, W, CI, OH, OW, CO, KH, KW, sh, sw, pt, pl, 24);
  else sc_conv_rows(x, w, out, r0, r1, H, W, CI, OH, OW, CO, KH, KW, sh, sw, pt, pl, J);
}

/*
 * out [B, OH, OW, CO] = conv(x [B, H, W, CI], w [KH, KW, CI, CO]) for output rows
 * r ∈ [r0, r1) of B·OH (r = b·OH + oh); padding pt/pl above/left (zeros wherever the window
 * leaves x). CO must be a multiple of 4. A direct convolution: for few channels it beats
 * im2col (copying dominates) and Winograd (transforms dominate). (Copying each image
 * zero-padded first, so that edge pixels take the tiled path too, measured slower.)
 */
EXPORT(sc_conv2d)
void sc_conv2d(const float *x, const float *w, float *out, int r0, int r1, int H, int W, int CI, int OH, int OW, int CO, int KH, int KW,
               int sh, int sw, int pt, int pl) {
  sc_conv_any(x, w, out, r0, r1, H, W, CI, OH, OW, CO, KH, KW, sh, sw, pt, pl);
}

/*
 * Filter gradient, one output row (b, oh), one window row kh, window entries j ∈ [j0, j0 + JN)
 * (j = kw·CI + ci), channels [co0, co0 + 4·NV): dw[kh, j, co] += Σ_ow x[b, ih, ow·sw − pl, j] · dy[b, oh, ow, co].
 * Output columns [lo, hi) read x in range for every j of the group; the others check.
 */
static inline __attribute__((always_inline)) void sc_fgrad_group(const float *xr, const float *dyr, float *dwk, int W, int CI, int OW,
                                                                 int CO, int sw, int pl, int j0, int co0, const int JN, const int NV) {
  const int kwa = j0 / CI, kwb = (j0 + JN - 1) / CI;
  /* iw = ow·sw + kw − pl ∈ [0, W) for kw ∈ [kwa, kwb]. */
  int lo = pl - kwa > 0 ? (pl - kwa + sw - 1) / sw : 0;
  int hi = W - 1 + pl - kwb >= 0 ? (W - 1 + pl - kwb) / sw + 1 : 0;
  if (hi > OW) hi = OW;
  if (lo > hi) lo = hi;
  v128_t acc[4][2];
  for (int t = 0; t < JN; t++)
    for (int v = 0; v < NV; v++) acc[t][v] = wasm_v128_load(dwk + (j0 + t) * CO + co0 + 4 * v);
  for (int ow = lo; ow < hi; ow++) {
    v128_t d[2];
    for (int v = 0; v < NV; v++) d[v] = wasm_v128_load(dyr + ow * CO + co0 + 4 * v);
    const float *xp = xr + (ow * sw - pl) * CI + j0;
    for (int t = 0; t < JN; t++) {
      const v128_t s = wasm_v128_load32_splat(xp + t);
      for (int v = 0; v < NV; v++) acc[t][v] = FMA(s, d[v], acc[t][v]);
    }
  }
  for (int pass = 0; pass < 2; pass++) {
    const int e0 = pass == 0 ? 0 : hi, e1 = pass == 0 ? lo : OW;
    for (int ow = e0; ow < e1; ow++) {
      v128_t d[2];
      for (int v = 0; v < NV; v++) d[v] = wasm_v128_load(dyr + ow * CO + co0 + 4 * v);
      for (int t = 0; t < JN; t++) {
        const int j = j0 + t;
        const int iw = ow * sw + j / CI - pl;
        if (iw < 0 || iw >= W) continue;
        const v128_t s = wasm_v128_load32_splat(xr + iw * CI + j % CI);
        for (int v = 0; v < NV; v++) acc[t][v] = FMA(s, d[v], acc[t][v]);
      }
    }
  }
  for (int t = 0; t < JN; t++)
    for (int v = 0; v < NV; v++) wasm_v128_store(dwk + (j0 + t) * CO + co0 + 4 * v, acc[t][v]);
}

static inline __attribute__((always_inline)) void sc_fgrad_chunk(const float *xr, const float *dyr, float *dwk, int W, int CI, int OW,
                                                                 int CO, int sw, int pl, int J, int co0, const int NV) {
  int j0 = 0;
  for (; j0 + 4 <= J; j0 += 4) sc_fgrad_group(xr, dyr, dwk, W, CI, OW, CO, sw, pl, j0, co0, 4, NV);
  switch (J - j0) {
    case 3: sc_fgrad_group(xr, dyr, dwk, W, CI, OW, CO, sw, pl, j0, co0, 3, NV); break;
    case 2: sc_fgrad_group(xr, dyr, dwk, W, CI, OW, CO, sw, pl, j0, co0, 2, NV); break;
    case 1: sc_fgrad_group(xr, dyr, dwk, W, CI, OW, CO, sw, pl, j0, co0, 1, NV); break;
    default: break;
  }
}

/*
 * dw [KH, KW, CI, CO] = Σ over output rows r ∈ [r0, r1) of B·OH of x ⋆ dy: the filter
 * gradient of sc_conv2d's convolution (overwritten). CO must be a multiple of 4. Each
 * group of 4 window entries × 8 channels is 8 accumulators in registers along an output row.
 */
EXPORT(sc_conv2d_filter_grad)
void sc_conv2d_filter_grad(const float *x, const float *dy, float *dw, int r0, int r1, int H, int W, int CI, int OH, int OW, int CO,
                           int KH, int KW, int sh, int sw, int pt, int pl) {
  const int J = KW * CI;
  __builtin_memset(dw, 0, sizeof(float) * KH * J * CO);
  for (int r = r0; r < r1; r++) {
    const int b = r / OH, oh = r % OH;
    const float *dyr = dy + r * OW * CO;
    for (int kh = 0; kh < KH; kh++) {
      const int ih = oh * sh + kh - pt;
      if (ih < 0 || ih >= H) continue;
      const float *xr = x + ((b * H + ih) * W) * CI;
      float *dwk = dw + kh * J * CO;
      int co0 = 0;
      for (; co0 + 8 <= CO; co0 += 8) sc_fgrad_chunk(xr, dyr, dwk, W, CI, OW, CO, sw, pl, J, co0, 2);
      if (co0 < CO) sc_fgrad_chunk(xr, dyr, dwk, W, CI, OW, CO, sw, pl, J, co0, 1);
    }
  }
}

/*
 * out [cols] = Σ_r x [r, cols] for cols dividing 32 (4, 8, 16, 32): the rows are summed as
 * one flat run of 32-float blocks into 8 independent accumulators (no store-to-load chain
 * through `out` per row, as column_sum has), folded at the end. A bias gradient of a layer
 * with few channels.
 */
EXPORT(sc_column_sum)
void sc_column_sum(const float *x, float *out, int rows, int cols) {
  const int n = rows * cols;
  v128_t acc[8];
  for (int i = 0; i < 8; i++) acc[i] = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 8; k++) acc[k] = wasm_f32x4_add(acc[k], wasm_v128_load(x + i + 4 * k));
  for (int j = 0; j < cols; j += 4) wasm_v128_store(out + j, wasm_f32x4_splat(0));
  for (int k = 0; k < 8; k++) {
    const int j = (4 * k) % cols;
    wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), acc[k]));
  }
  /* The rest: whole rows (32 is a multiple of cols). */
  for (; i < n; i += 4) {
    const int j = i % cols;
    wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(x + i)));
  }
}

/*
 * y [B, OH, OW, C] = max over each window of x [B, H, W, C] (positions in the padding
 * skipped), for images [b0, b1). C must be a multiple of 4.
 */
EXPORT(sc_max_pool)
void sc_max_pool(const float *x, float *y, int b0, int b1, int H, int W, int C, int OH, int OW, int KH, int KW, int sh, int sw, int pt,
                 int pl) {
  for (int b = b0; b < b1; b++) {
    for (int oh = 0; oh < OH; oh++) {
      const int ih0 = oh * sh - pt;
      const int kh0 = ih0 < 0 ? -ih0 : 0, kh1 = H - ih0 < KH ? H - ih0 : KH;
      int ow = 0;
      if (KH == 2 && KW == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && kh1 == 2) {
        /* 2×2 pooling, whole windows: straight-line code. */
        const int full = 2 * OW <= W ? OW : W / 2;
        const float *x0 = x + (b * H + 2 * oh) * W * C, *x1 = x0 + W * C;
        float *yr = y + (b * OH + oh) * OW * C;
        for (; ow < full; ow++) {
          for (int c = 0; c < C; c += 4) {
            const int i = 2 * ow * C + c;
            const v128_t m0 = wasm_f32x4_max(wasm_v128_load(x0 + i), wasm_v128_load(x0 + i + C));
            const v128_t m1 = wasm_f32x4_max(wasm_v128_load(x1 + i), wasm_v128_load(x1 + i + C));
            wasm_v128_store(yr + ow * C + c, wasm_f32x4_max(m0, m1));
          }
        }
      }
      for (; ow < OW; ow++) {
        const int iw0 = ow * sw - pl;
        const int kw0 = iw0 < 0 ? -iw0 : 0, kw1 = W - iw0 < KW ? W - iw0 : KW;
        float *o = y + ((b * OH + oh) * OW + ow) * C;
        for (int c = 0; c < C; c += 8) {
          if (c + 8 <= C) {
            v128_t m0 = wasm_f32x4_splat(-__builtin_inff()), m1 = m0;
            for (int kh = kh0; kh < kh1; kh++) {
              const float *xp = x + ((b * H + ih0 + kh) * W + iw0) * C + c;
              for (int kw = kw0; kw < kw1; kw++) {
                m0 = wasm_f32x4_max(m0, wasm_v128_load(xp + kw * C));
                m1 = wasm_f32x4_max(m1, wasm_v128_load(xp + kw * C + 4));
              }
            }
            wasm_v128_store(o + c, m0);
            wasm_v128_store(o + c + 4, m1);
          } else {
            v128_t m0 = wasm_f32x4_splat(-__builtin_inff());
            for (int kh = kh0; kh < kh1; kh++) {
              const float *xp = x + ((b * H + ih0 + kh) * W + iw0) * C + c;
              for (int kw = kw0; kw < kw1; kw++) m0 = wasm_f32x4_max(m0, wasm_v128_load(xp + kw * C));
            }
            wasm_v128_store(o + c, m0);
          }
        }
      }
    }
  }
}

/*
 * Max-pool gradient for non-overlapping windows (KH = sh, KW = sw, no padding above/left),
 * images [b0, b1): each dx element belongs to at most one window, so it is written exactly
 * once (dy where it is the window's first maximum, else 0) with no zeroing pass and no
 * read-modify-write; rows and columns past the last window are zeroed. C % 4 == 0.
 */
EXPORT(sc_max_pool_grad_disjoint)
void sc_max_pool_grad_disjoint(const float *dy, const float *x, const float *y, float *dx, int b0, int b1, int H, int W, int C, int OH,
                               int OW, int KH, int KW) {
  const v128_t ones = wasm_i32x4_splat(-1);
  const int rowc = W * C;
  for (int b = b0; b < b1; b++) {
    const float *xb = x + b * H * rowc;
    float *dxb = dx + b * H * rowc;
    for (int oh = 0; oh < OH; oh++) {
      const int kh1 = H - oh * KH < KH ? H - oh * KH : KH;
      int ow = 0;
      if (KH == 2 && KW == 2 && kh1 == 2) {
        /* 2×2 pooling, whole windows: straight-line code, the four positions in the cpu
           backend's order (row by row). */
        const int full = 2 * OW <= W ? OW : W / 2;
        const float *x0 = xb + 2 * oh * rowc, *x1 = x0 + rowc;
        float *d0 = dxb + 2 * oh * rowc, *d1 = d0 + rowc;
        const float *yr = y + (b * OH + oh) * OW * C, *gr = dy + (b * OH + oh) * OW * C;
        for (; ow < full; ow++) {
          for (int c = 0; c < C; c += 4) {
            const int i = 2 * ow * C + c;
            const v128_t t = wasm_v128_load(yr + ow * C + c), g = wasm_v128_load(gr + ow * C + c);
            const v128_t h00 = wasm_f32x4_eq(wasm_v128_load(x0 + i), t);
            const v128_t h01 = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(x0 + i + C), t), h00);
            const v128_t seen = wasm_v128_or(h00, h01);
            const v128_t h10 = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(x1 + i), t), seen);
            const v128_t h11 = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(x1 + i + C), t), wasm_v128_or(seen, h10));
            wasm_v128_store(d0 + i, wasm_v128_and(h00, g));
            wasm_v128_store(d0 + i + C, wasm_v128_and(h01, g));
            wasm_v128_store(d1 + i, wasm_v128_and(h10, g));
            wasm_v128_store(d1 + i + C, wasm_v128_and(h11, g));
          }
        }
      }
      for (; ow < OW; ow++) {
        const int kw1 = W - ow * KW < KW ? W - ow * KW : KW;
        const int o = ((b * OH + oh) * OW + ow) * C;
        const int base = (oh * KH * W + ow * KW) * C;
        for (int c = 0; c < C; c += 4) {
          const v128_t target = wasm_v128_load(y + o + c);
          const v128_t grad = wasm_v128_load(dy + o + c);
          v128_t open = ones;
          for (int kh = 0; kh < kh1; kh++) {
            for (int kw = 0; kw < kw1; kw++) {
              const int i = base + (kh * W + kw) * C + c;
              const v128_t hit = wasm_v128_and(open, wasm_f32x4_eq(wasm_v128_load(xb + i), target));
              wasm_v128_store(dxb + i, wasm_v128_and(hit, grad));
              open = wasm_v128_andnot(open, hit);
            }
          }
        }
      }
      /* Columns right of the last window. */
      for (int kh = 0; kh < kh1; kh++) {
        const int w0 = OW * KW;
        if (w0 < W) __builtin_memset(dxb + ((oh * KH + kh) * W + w0) * C, 0, sizeof(float) * (W - w0) * C);
      }
    }
    /* Rows below the last window. */
    if (OH * KH < H) __builtin_memset(dxb + OH * KH * rowc, 0, sizeof(float) * (H - OH * KH) * rowc);
  }
}
