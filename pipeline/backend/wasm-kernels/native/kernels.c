/*
 * Training kernels for tfjs-backend-wasm that its 4.22 release lacks or runs as scalar
 * loops, compiled to a small WebAssembly module that works in place on the backend's
 * own heap (it imports the backend's memory; pointers are tensors' heap offsets).
 *
 * Hand-written because no library provides them: XNNPACK (inside the backend) has no
 * convolution filter gradient or max-pool gradient, and the backend exposes no GEMM
 * that reads an operand transposed. Built by ./build.sh; see ../native.ts for the loader.
 *
 * Rules for this file: no static data (the module must not write to memory it does not
 * own on instantiation) and no libc; memcpy/memset become bulk-memory instructions.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* a·b + c: one fused instruction with relaxed SIMD (the default build), else mul + add. */
#ifdef RELAXED
typedef float f32x4_t __attribute__((__vector_size__(16), __aligned__(16)));
#define FMA(a, b, c) ((v128_t)__builtin_wasm_relaxed_madd_f32x4((f32x4_t)(a), (f32x4_t)(b), (f32x4_t)(c)))
#else
#define FMA(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif

/*
 * C[m, n] += Σ_p A[p, m] · B[p, n] for a 6×8 tile of C, over np rows p of A and B.
 * This is the filter-gradient product: A is im2col(x) (rows: output pixels, columns:
 * kh·kw·ci), B is dy (rows: output pixels, columns: co). Rows of A and B are read
 * contiguously; the 6×8 tile of C (12 vectors) stays in registers across the rows.
 */
static void tile6x8(const float *restrict a, int lda, const float *restrict b, int ldb, float *restrict c, int ldc, int np) {
  v128_t c00 = wasm_v128_load(c + 0 * ldc), c01 = wasm_v128_load(c + 0 * ldc + 4);
  v128_t c10 = wasm_v128_load(c + 1 * ldc), c11 = wasm_v128_load(c + 1 * ldc + 4);
  v128_t c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4);
  v128_t c30 = wasm_v128_load(c + 3 * ldc), c31 = wasm_v128_load(c + 3 * ldc + 4);
  v128_t c40 = wasm_v128_load(c + 4 * ldc), c41 = wasm_v128_load(c + 4 * ldc + 4);
  v128_t c50 = wasm_v128_load(c + 5 * ldc), c51 = wasm_v128_load(c + 5 * ldc + 4);
  for (int p = 0; p < np; p++) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t av;
    av = wasm_v128_load32_splat(a + 0); c00 = FMA(av, b0, c00); c01 = FMA(av, b1, c01);
    av = wasm_v128_load32_splat(a + 1); c10 = FMA(av, b0, c10); c11 = FMA(av, b1, c11);
    av = wasm_v128_load32_splat(a + 2); c20 = FMA(av, b0, c20); c21 = FMA(av, b1, c21);
    av = wasm_v128_load32_splat(a + 3); c30 = FMA(av, b0, c30); c31 = FMA(av, b1, c31);
    av = wasm_v128_load32_splat(a + 4); c40 = FMA(av, b0, c40); c41 = FMA(av, b1, c41);
    av = wasm_v128_load32_splat(a + 5); c50 = FMA(av, b0, c50); c51 = FMA(av, b1, c51);
    a += lda;
    b += ldb;
  }
  wasm_v128_store(c + 0 * ldc, c00); wasm_v128_store(c + 0 * ldc + 4, c01);
  wasm_v128_store(c + 1 * ldc, c10); wasm_v128_store(c + 1 * ldc + 4, c11);
  wasm_v128_store(c + 2 * ldc, c20); wasm_v128_store(c + 2 * ldc + 4, c21);
  wasm_v128_store(c + 3 * ldc, c30); wasm_v128_store(c + 3 * ldc + 4, c31);
  wasm_v128_store(c + 4 * ldc, c40); wasm_v128_store(c + 4 * ldc + 4, c41);
  wasm_v128_store(c + 5 * ldc, c50); wasm_v128_store(c + 5 * ldc + 4, c51);
}

/* The same for a tile of mr ≤ 6 rows and 4 columns (edges, and C widths that are not multiples of 8). */
static void tile_r4(const float *restrict a, int lda, const float *restrict b, int ldb, float *restrict c, int ldc, int np, int mr) {
  v128_t acc[6];
  for (int i = 0; i < mr; i++) acc[i] = wasm_v128_load(c + i * ldc);
  for (int p = 0; p < np; p++) {
    const v128_t b0 = wasm_v128_load(b);
    for (int i = 0; i < mr; i++) acc[i] = FMA(wasm_v128_load32_splat(a + i), b0, acc[i]);
    a += lda;
    b += ldb;
  }
  for (int i = 0; i < mr; i++) wasm_v128_store(c + i * ldc, acc[i]);
}

/* Scalar fallback for the last n % 4 columns. */
static void tile_scalar(const float *restrict a, int lda, const float *restrict b, int ldb, float *restrict c, int ldc, int np, int mr, int nr) {
  for (int i = 0; i < mr; i++) {
    for (int j = 0; j < nr; j++) {
      float s = c[i * ldc + j];
      for (int p = 0; p < np; p++) s += a[p * lda + i] * b[p * ldb + j];
      c[i * ldc + j] = s;
    }
  }
}

/* C [m, n] += Aᵀ·B for A [np, m] (row stride lda) and B [np, n] (row stride ldb). */
static void gemm_tn(const float *a, int lda, const float *b, int ldb, float *c, int m, int n, int np) {
  int i = 0;
  for (; i + 6 <= m; i += 6) {
    int j = 0;
    for (; j + 8 <= n; j += 8) tile6x8(a + i, lda, b + j, ldb, c + i * n + j, n, np);
    for (; j + 4 <= n; j += 4) tile_r4(a + i, lda, b + j, ldb, c + i * n + j, n, np, 6);
    if (j < n) tile_scalar(a + i, lda, b + j, ldb, c + i * n + j, n, np, 6, n - j);
  }
  if (i < m) {
    const int mr = m - i;
    int j = 0;
    for (; j + 4 <= n; j += 4) tile_r4(a + i, lda, b + j, ldb, c + i * n + j, n, np, mr);
    if (j < n) tile_scalar(a + i, lda, b + j, ldb, c + i * n + j, n, np, mr, n - j);
  }
}

/*
 * Rows [p0, p0 + np) of im2col(x): row p = output pixel (b, oh, ow), columns (kh, kw, ci),
 * zeros where the window leaves the (padded) input.
 */
static void im2col_rows(const float *x, float *col, int p0, int np, int H, int W, int CI, int OH, int OW, int KH, int KW, int sh,
                        int sw, int pt, int pl) {
  const int K = KH * KW * CI;
  for (int p = p0; p < p0 + np; p++) {
    const int ow = p % OW;
    const int oh = (p / OW) % OH;
    const int b = p / (OW * OH);
    float *row = col + (p - p0) * K;
    const int iw0 = ow * sw - pl;
    for (int kh = 0; kh < KH; kh++) {
      const int ih = oh * sh + kh - pt;
      float *dst = row + kh * KW * CI;
      if (ih < 0 || ih >= H) {
        __builtin_memset(dst, 0, sizeof(float) * KW * CI);
        continue;
      }
      const float *src = x + ((b * H + ih) * W) * CI;
      if (iw0 >= 0 && iw0 + KW <= W) {
        /* With stride 1 along the window, its KW pixels are adjacent: one copy. */
        __builtin_memcpy(dst, src + iw0 * CI, sizeof(float) * KW * CI);
        continue;
      }
      for (int kw = 0; kw < KW; kw++) {
        const int iw = iw0 + kw;
        if (iw < 0 || iw >= W) __builtin_memset(dst + kw * CI, 0, sizeof(float) * CI);
        else __builtin_memcpy(dst + kw * CI, src + iw * CI, sizeof(float) * CI);
      }
    }
  }
}

/*
 * dW [KH, KW, CI, CO] = im2col(x)ᵀ · dy, in blocks of output pixels whose im2col rows
 * fit `scratch` (scratch_floats floats), so the full im2col matrix is never built.
 * x [B, H, W, CI], dy [B, OH, OW, CO]; dW is overwritten.
 */
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float *x, const float *dy, float *dw, float *scratch, int scratch_floats, int B, int H, int W, int CI,
                        int OH, int OW, int CO, int KH, int KW, int sh, int sw, int pt, int pl) {
  const int K = KH * KW * CI;
  const int P = B * OH * OW;
  int block = scratch_floats / K;
  if (block < 1) block = 1;
  __builtin_memset(dw, 0, sizeof(float) * K * CO);
  for (int p0 = 0; p0 < P; p0 += block) {
    const int np = P - p0 < block ? P - p0 : block;
    im2col_rows(x, scratch, p0, np, H, W, CI, OH, OW, KH, KW, sh, sw, pt, pl);
    gemm_tn(scratch, K, dy + p0 * CO, CO, dw, K, CO, np);
  }
}

/*
 * Max-pool gradient: each dy value goes to the first position of its window holding the
 * window's maximum (y), as the cpu backend does. dx is overwritten. Channels are the
 * innermost axis, so four channels are compared and routed at a time: `open` marks the
 * lanes whose maximum has not been found yet.
 */
EXPORT(max_pool_grad)
void max_pool_grad(const float *dy, const float *x, const float *y, float *dx, int B, int H, int W, int C, int OH, int OW, int KH,
                   int KW, int sh, int sw, int pt, int pl) {
  __builtin_memset(dx, 0, sizeof(float) * B * H * W * C);
  const int c4 = C & ~3;
  for (int b = 0; b < B; b++) {
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const int o = ((b * OH + oh) * OW + ow) * C;
        for (int c = 0; c < c4; c += 4) {
          const v128_t target = wasm_v128_load(y + o + c);
          const v128_t grad = wasm_v128_load(dy + o + c);
          v128_t open = wasm_i32x4_splat(-1);
          for (int kh = 0; kh < KH; kh++) {
            const int ih = oh * sh - pt + kh;
            if (ih < 0 || ih >= H) continue;
            for (int kw = 0; kw < KW; kw++) {
              const int iw = ow * sw - pl + kw;
              if (iw < 0 || iw >= W) continue;
              const int i = ((b * H + ih) * W + iw) * C + c;
              const v128_t hit = wasm_v128_and(open, wasm_f32x4_eq(wasm_v128_load(x + i), target));
              wasm_v128_store(dx + i, wasm_f32x4_add(wasm_v128_load(dx + i), wasm_v128_and(hit, grad)));
              open = wasm_v128_andnot(open, hit);
            }
          }
        }
        for (int c = c4; c < C; c++) {
          const float target = y[o + c];
          int done = 0;
          for (int kh = 0; kh < KH && !done; kh++) {
            const int ih = oh * sh - pt + kh;
            if (ih < 0 || ih >= H) continue;
            for (int kw = 0; kw < KW; kw++) {
              const int iw = ow * sw - pl + kw;
              if (iw < 0 || iw >= W) continue;
              const int i = ((b * H + ih) * W + iw) * C + c;
              if (x[i] == target) {
                dx[i] += dy[o + c];
                done = 1;
                break;
              }
            }
          }
        }
      }
    }
  }
}

/* out [cols] = Σ_r x [r, cols]: a bias gradient. Reads x once, row by row. */
EXPORT(column_sum)
void column_sum(const float *x, float *out, int rows, int cols) {
  __builtin_memset(out, 0, sizeof(float) * cols);
  const int c4 = cols & ~3;
  for (int r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    for (int j = 0; j < c4; j += 4) wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(row + j)));
    for (int j = c4; j < cols; j++) out[j] += row[j];
  }
}

/* out [rows, cols] = x [rows, cols] · v [cols] (v broadcast over rows). */
EXPORT(mul_row_vector)
void mul_row_vector(const float *x, const float *v, float *out, int rows, int cols) {
  const int c4 = cols & ~3;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *o = out + r * cols;
    for (int j = 0; j < c4; j += 4) wasm_v128_store(o + j, wasm_f32x4_mul(wasm_v128_load(xr + j), wasm_v128_load(v + j)));
    for (int j = c4; j < cols; j++) o[j] = xr[j] * v[j];
  }
}

/* W [KH, KW, CI, CO] → W' [KH, KW, CO, CI], rotated 180° spatially: the filter of the input gradient. */
EXPORT(flip_filter)
void flip_filter(const float *w, float *out, int KH, int KW, int CI, int CO) {
  for (int kh = 0; kh < KH; kh++) {
    for (int kw = 0; kw < KW; kw++) {
      const float *src = w + ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CI * CO;
      float *dst = out + (kh * KW + kw) * CO * CI;
      for (int ci = 0; ci < CI; ci++) {
        for (int co = 0; co < CO; co++) dst[co * CI + ci] = src[ci * CO + co];
      }
    }
  }
}

/* dst [n] += src [n]: combines per-thread partial results. */
EXPORT(accumulate)
void accumulate(float *dst, const float *src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), wasm_v128_load(src + i)));
  for (; i < n; i++) dst[i] += src[i];
}

/*
 * One Adam step for one variable, in tfjs-core's order of operations:
 *   m' = m·β1 + g·(1−β1),  v' = v·β2 + g²·(1−β2),
 *   w' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + w,   c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ.
 * Writes new tensors (w2, m2, v2): the old ones may be shared.
 */
EXPORT(adam_update)
void adam_update(const float *w, const float *g, const float *m, const float *v, float *w2, float *m2, float *v2, int n, float beta1,
                 float one_minus_beta1, float beta2, float one_minus_beta2, float c1, float c2, float eps, float neg_lr) {
  const v128_t b1 = wasm_f32x4_splat(beta1), nb1 = wasm_f32x4_splat(one_minus_beta1);
  const v128_t b2 = wasm_f32x4_splat(beta2), nb2 = wasm_f32x4_splat(one_minus_beta2);
  const v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), ve = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(neg_lr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(gi, nb1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), nb2));
    const v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, vc1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, vc2)), ve));
    wasm_v128_store(m2 + i, mi);
    wasm_v128_store(v2 + i, vi);
    wasm_v128_store(w2 + i, wasm_f32x4_add(wasm_f32x4_mul(step, vlr), wasm_v128_load(w + i)));
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * beta1 + gi * one_minus_beta1;
    const float vi = v[i] * beta2 + (gi * gi) * one_minus_beta2;
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = ((mi / c1) / (__builtin_sqrtf(vi / c2) + eps)) * neg_lr + w[i];
  }
}

/* out [rows, cols] = x [rows, cols] + v [cols] (v broadcast over rows): a bias add. */
EXPORT(add_row_vector)
void add_row_vector(const float *x, const float *v, float *out, int rows, int cols) {
  const int c4 = cols & ~3;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *o = out + r * cols;
    for (int j = 0; j < c4; j += 4) wasm_v128_store(o + j, wasm_f32x4_add(wasm_v128_load(xr + j), wasm_v128_load(v + j)));
    for (int j = c4; j < cols; j++) o[j] = xr[j] + v[j];
  }
}
