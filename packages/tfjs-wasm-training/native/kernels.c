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
 * C[m, n] += Σ_p A[p, m] · B[p, n] for a 3×12 tile of C, over np rows p of A and B.
 * This is the filter-gradient product: A is im2col(x) (rows: output pixels, columns:
 * kh·kw·ci), B is dy (rows: output pixels, columns: co). Rows of A and B are read
 * contiguously; the tile's 9 vectors stay in registers across the rows. 3×12 measured
 * fastest of the tile shapes tried (6×8: 15–18 GMAC/s; 4×8: 21; 3×12: 23–24 on this
 * machine's V8): 9 accumulators + 3 B vectors + 1 broadcast fit the 15 XMM registers V8
 * allocates, with 6 loads per 9 multiply-adds.
 */
static void tile3x12(const float *restrict a, int lda, const float *restrict b, int ldb, float *restrict c, int ldc, int np) {
  v128_t c00 = wasm_v128_load(c), c01 = wasm_v128_load(c + 4), c02 = wasm_v128_load(c + 8);
  v128_t c10 = wasm_v128_load(c + ldc), c11 = wasm_v128_load(c + ldc + 4), c12 = wasm_v128_load(c + ldc + 8);
  v128_t c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4), c22 = wasm_v128_load(c + 2 * ldc + 8);
  for (int p = 0; p < np; p++) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4), b2 = wasm_v128_load(b + 8);
    v128_t av;
    av = wasm_v128_load32_splat(a + 0); c00 = FMA(av, b0, c00); c01 = FMA(av, b1, c01); c02 = FMA(av, b2, c02);
    av = wasm_v128_load32_splat(a + 1); c10 = FMA(av, b0, c10); c11 = FMA(av, b1, c11); c12 = FMA(av, b2, c12);
    av = wasm_v128_load32_splat(a + 2); c20 = FMA(av, b0, c20); c21 = FMA(av, b1, c21); c22 = FMA(av, b2, c22);
    a += lda;
    b += ldb;
  }
  wasm_v128_store(c, c00); wasm_v128_store(c + 4, c01); wasm_v128_store(c + 8, c02);
  wasm_v128_store(c + ldc, c10); wasm_v128_store(c + ldc + 4, c11); wasm_v128_store(c + ldc + 8, c12);
  wasm_v128_store(c + 2 * ldc, c20); wasm_v128_store(c + 2 * ldc + 4, c21); wasm_v128_store(c + 2 * ldc + 8, c22);
}

/* The same for a tile of mr ≤ 3 rows and 4 columns (edges, and C widths that are not multiples of 12). */
static void tile_r4(const float *restrict a, int lda, const float *restrict b, int ldb, float *restrict c, int ldc, int np, int mr) {
  v128_t acc[3];
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
  for (int i = 0; i < m; i += 3) {
    const int mr = m - i < 3 ? m - i : 3;
    int j = 0;
    if (mr == 3)
      for (; j + 12 <= n; j += 12) tile3x12(a + i, lda, b + j, ldb, c + i * n + j, n, np);
    for (; j + 4 <= n; j += 4) tile_r4(a + i, lda, b + j, ldb, c + i * n + j, n, np, mr);
    if (j < n) tile_scalar(a + i, lda, b + j, ldb, c + i * n + j, n, np, mr, n - j);
  }
}

/* dst[0..n) = src[0..n): a loop for the short runs of im2col (memory.copy costs more than a few floats). */
static inline void copy_floats(float *restrict dst, const float *restrict src, int n) {
  if (n >= 32) {
    __builtin_memcpy(dst, src, sizeof(float) * n);
    return;
  }
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, wasm_v128_load(src + i));
  for (; i < n; i++) dst[i] = src[i];
}

static inline void zero_floats(float *dst, int n) {
  for (int i = 0; i < n; i++) dst[i] = 0;
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
        zero_floats(dst, KW * CI);
        continue;
      }
      const float *src = x + ((b * H + ih) * W) * CI;
      if (iw0 >= 0 && iw0 + KW <= W) {
        /* With stride 1 along the window, its KW pixels are adjacent: one copy. */
        copy_floats(dst, src + iw0 * CI, KW * CI);
        continue;
      }
      for (int kw = 0; kw < KW; kw++) {
        const int iw = iw0 + kw;
        if (iw < 0 || iw >= W) zero_floats(dst + kw * CI, CI);
        else copy_floats(dst + kw * CI, src + iw * CI, CI);
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
  /* At most 1024 rows, so a block of im2col and its rows of dy stay in L2 across tiles. */
  if (block > 1024) block = 1024;
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

/* ---- Winograd F(2×2, 3×3): 3×3 stride-1 convolutions with 16 products per 2×2 outputs instead of 36 ---- */

/*
 * C [m, n] += A [m, k] · B [k, n] for a 3×12 tile (A row stride lda, B and C row stride
 * ldb/ldc): the Winograd-domain product and 1×1 convolutions. See tile3x12 for the shape.
 */
static void tile3x12_nn(const float *restrict a, int lda, const float *restrict b, int ldb, float *restrict c, int ldc, int k) {
  v128_t c00 = wasm_v128_load(c), c01 = wasm_v128_load(c + 4), c02 = wasm_v128_load(c + 8);
  v128_t c10 = wasm_v128_load(c + ldc), c11 = wasm_v128_load(c + ldc + 4), c12 = wasm_v128_load(c + ldc + 8);
  v128_t c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4), c22 = wasm_v128_load(c + 2 * ldc + 8);
  const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda;
  for (int p = 0; p < k; p++) {
    const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4), b2 = wasm_v128_load(b + 8);
    v128_t av;
    av = wasm_v128_load32_splat(a0 + p); c00 = FMA(av, b0, c00); c01 = FMA(av, b1, c01); c02 = FMA(av, b2, c02);
    av = wasm_v128_load32_splat(a1 + p); c10 = FMA(av, b0, c10); c11 = FMA(av, b1, c11); c12 = FMA(av, b2, c12);
    av = wasm_v128_load32_splat(a2 + p); c20 = FMA(av, b0, c20); c21 = FMA(av, b1, c21); c22 = FMA(av, b2, c22);
    b += ldb;
  }
  wasm_v128_store(c, c00); wasm_v128_store(c + 4, c01); wasm_v128_store(c + 8, c02);
  wasm_v128_store(c + ldc, c10); wasm_v128_store(c + ldc + 4, c11); wasm_v128_store(c + ldc + 8, c12);
  wasm_v128_store(c + 2 * ldc, c20); wasm_v128_store(c + 2 * ldc + 4, c21); wasm_v128_store(c + 2 * ldc + 8, c22);
}

/* One row of C [1, 4] += A row · B [k, 4 columns]: the last rows of the 3×12 tiling. */
static void row_x4_nn(const float *restrict a, const float *restrict b, int ldb, float *restrict c, int k) {
  v128_t acc = wasm_v128_load(c);
  for (int p = 0; p < k; p++) acc = FMA(wasm_v128_load32_splat(a + p), wasm_v128_load(b + p * ldb), acc);
  wasm_v128_store(c, acc);
}

/* C [3, 4] += A [3, k] · B [k, 4]: the last columns of the 3×12 tiling (three independent chains). */
static void tile3x4_nn(const float *restrict a, int lda, const float *restrict b, int ldb, float *restrict c, int ldc, int k) {
  v128_t c0 = wasm_v128_load(c), c1 = wasm_v128_load(c + ldc), c2 = wasm_v128_load(c + 2 * ldc);
  const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda;
  for (int p = 0; p < k; p++) {
    const v128_t bv = wasm_v128_load(b + p * ldb);
    c0 = FMA(wasm_v128_load32_splat(a0 + p), bv, c0);
    c1 = FMA(wasm_v128_load32_splat(a1 + p), bv, c1);
    c2 = FMA(wasm_v128_load32_splat(a2 + p), bv, c2);
  }
  wasm_v128_store(c, c0); wasm_v128_store(c + ldc, c1); wasm_v128_store(c + 2 * ldc, c2);
}

/* C [m, n] = A [m, k] · B [k, n]; n must be a multiple of 4. */
static void gemm_nn(const float *a, const float *b, float *c, int m, int n, int k) {
  __builtin_memset(c, 0, sizeof(float) * m * n);
  for (int i = 0; i < m; i += 3) {
    const int mr = m - i < 3 ? m - i : 3;
    int j = 0;
    if (mr == 3) {
      for (; j + 12 <= n; j += 12) tile3x12_nn(a + i * k, k, b + j, n, c + i * n + j, n, k);
      for (; j < n; j += 4) tile3x4_nn(a + i * k, k, b + j, n, c + i * n + j, n, k);
    }
    for (; j < n; j += 4)
      for (int r = 0; r < mr; r++) row_x4_nn(a + (i + r) * k, b + j, n, c + (i + r) * n + j, k);
  }
}

/*
 * U [16, CI, CO] = G·g·Gᵀ for each (ci, co) of the 3×3 filter g [3, 3, CI, CO],
 * G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]. CO must be a multiple of 4.
 */
EXPORT(winograd_filter)
void winograd_filter(const float *g, float *u, int CI, int CO) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  const int plane = CI * CO;
  for (int ci = 0; ci < CI; ci++) {
    for (int co = 0; co < CO; co += 4) {
      v128_t w[3][3], t[4][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) w[i][j] = wasm_v128_load(g + ((i * 3 + j) * CI + ci) * CO + co);
      for (int j = 0; j < 3; j++) {
        t[0][j] = w[0][j];
        t[1][j] = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_add(w[0][j], w[1][j]), w[2][j]), half);
        t[2][j] = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_sub(w[0][j], w[1][j]), w[2][j]), half);
        t[3][j] = w[2][j];
      }
      for (int i = 0; i < 4; i++) {
        const v128_t r0 = t[i][0];
        const v128_t r1 = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_add(t[i][0], t[i][1]), t[i][2]), half);
        const v128_t r2 = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_sub(t[i][0], t[i][1]), t[i][2]), half);
        const v128_t r3 = t[i][2];
        float *o = u + (i * 4) * plane + ci * CO + co;
        wasm_v128_store(o, r0);
        wasm_v128_store(o + plane, r1);
        wasm_v128_store(o + 2 * plane, r2);
        wasm_v128_store(o + 3 * plane, r3);
      }
    }
  }
}

/*
 * out [B, OH, OW, CO] for the 2×2 output tiles [t0, t1) of a 3×3, stride-1 convolution of
 * x [B, H, W, CI] (zero outside, top/left padding pt/pl) with the transformed filter
 * u [16, CI, CO] (winograd_filter). CI and CO must be multiples of 4.
 * Tiles are processed in blocks that fit `scratch`: inputs are transformed (Bᵀ·d·B) into
 * v [16, tb, CI], multiplied by u into m [16, tb, CO], and transformed back (Aᵀ·m·A).
 */
EXPORT(winograd_conv3x3)
void winograd_conv3x3(const float *x, const float *u, float *out, float *scratch, int scratch_floats, int t0, int t1, int H, int W,
                      int CI, int OH, int OW, int CO, int pt, int pl) {
  const int TH = (OH + 1) / 2, TW = (OW + 1) / 2;
  int tb = scratch_floats / (16 * (CI + CO));
  if (tb > 64) tb = 64;
  if (tb < 1) tb = 1;
  float *v = scratch;
  float *m = scratch + 16 * tb * CI;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int tile0 = t0; tile0 < t1; tile0 += tb) {
    const int nt = t1 - tile0 < tb ? t1 - tile0 : tb;
    /* Input transform. */
    for (int k = 0; k < nt; k++) {
      const int t = tile0 + k;
      const int tw = t % TW, th = (t / TW) % TH, b = t / (TW * TH);
      const int ih0 = 2 * th - pt, iw0 = 2 * tw - pl;
      for (int c = 0; c < CI; c += 4) {
        v128_t d[4][4];
        for (int i = 0; i < 4; i++) {
          const int ih = ih0 + i;
          for (int j = 0; j < 4; j++) {
            const int iw = iw0 + j;
            d[i][j] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? wasm_v128_load(x + ((b * H + ih) * W + iw) * CI + c) : zero;
          }
        }
        v128_t e[4][4];
        for (int j = 0; j < 4; j++) { /* Bᵀ·d: rows d0−d2, d1+d2, d2−d1, d1−d3 */
          e[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
          e[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
          e[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
          e[3][j] = wasm_f32x4_sub(d[1][j], d[3][j]);
        }
        for (int i = 0; i < 4; i++) { /* (Bᵀ·d)·B: the same on columns */
          float *o = v + ((i * 4) * tb + k) * CI + c;
          const int step = tb * CI;
          wasm_v128_store(o, wasm_f32x4_sub(e[i][0], e[i][2]));
          wasm_v128_store(o + step, wasm_f32x4_add(e[i][1], e[i][2]));
          wasm_v128_store(o + 2 * step, wasm_f32x4_sub(e[i][2], e[i][1]));
          wasm_v128_store(o + 3 * step, wasm_f32x4_sub(e[i][1], e[i][3]));
        }
      }
    }
    /* The 16 products. */
    for (int xi = 0; xi < 16; xi++) gemm_nn(v + xi * tb * CI, u + xi * CI * CO, m + xi * tb * CO, nt, CO, CI);
    /* Output transform: Aᵀ = [[1,1,1,0],[0,1,−1,−1]]. */
    for (int k = 0; k < nt; k++) {
      const int t = tile0 + k;
      const int tw = t % TW, th = (t / TW) % TH, b = t / (TW * TH);
      const int oh0 = 2 * th, ow0 = 2 * tw;
      for (int c = 0; c < CO; c += 4) {
        v128_t q[4][4];
        for (int i = 0; i < 4; i++)
          for (int j = 0; j < 4; j++) q[i][j] = wasm_v128_load(m + ((i * 4 + j) * tb + k) * CO + c);
        v128_t r[2][4];
        for (int j = 0; j < 4; j++) {
          r[0][j] = wasm_f32x4_add(wasm_f32x4_add(q[0][j], q[1][j]), q[2][j]);
          r[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(q[1][j], q[2][j]), q[3][j]);
        }
        for (int i = 0; i < 2; i++) {
          const int oh = oh0 + i;
          if (oh >= OH) break;
          const v128_t y0 = wasm_f32x4_add(wasm_f32x4_add(r[i][0], r[i][1]), r[i][2]);
          const v128_t y1 = wasm_f32x4_sub(wasm_f32x4_sub(r[i][1], r[i][2]), r[i][3]);
          float *o = out + ((b * OH + oh) * OW + ow0) * CO + c;
          wasm_v128_store(o, y0);
          if (ow0 + 1 < OW) wasm_v128_store(o + CO, y1);
        }
      }
    }
  }
}

/*
 * Filter gradient of a 3×3 stride-1 convolution in the Winograd domain, for output tiles
 * [t0, t1): du [16, CI, CO] = Σ_tiles (Bᵀ·d·B)[ci] ⊙ (A·dY·Aᵀ)[co], overwritten.
 * winograd_filter_grad_finish turns the sum of such partials into dW = Gᵀ·du·G.
 */
EXPORT(winograd_filter_grad_tiles)
void winograd_filter_grad_tiles(const float *x, const float *dy, float *du, float *scratch, int scratch_floats, int t0, int t1, int H,
                                int W, int CI, int OH, int OW, int CO, int pt, int pl) {
  const int TH = (OH + 1) / 2, TW = (OW + 1) / 2;
  int tb = scratch_floats / (16 * (CI + CO));
  if (tb > 64) tb = 64;
  if (tb < 1) tb = 1;
  float *v = scratch;
  float *z = scratch + 16 * tb * CI;
  const v128_t zero = wasm_f32x4_splat(0);
  __builtin_memset(du, 0, sizeof(float) * 16 * CI * CO);
  for (int tile0 = t0; tile0 < t1; tile0 += tb) {
    const int nt = t1 - tile0 < tb ? t1 - tile0 : tb;
    for (int k = 0; k < nt; k++) {
      const int t = tile0 + k;
      const int tw = t % TW, th = (t / TW) % TH, b = t / (TW * TH);
      const int ih0 = 2 * th - pt, iw0 = 2 * tw - pl;
      /* V = Bᵀ·d·B, as in the forward pass. */
      for (int c = 0; c < CI; c += 4) {
        v128_t d[4][4];
        for (int i = 0; i < 4; i++) {
          const int ih = ih0 + i;
          for (int j = 0; j < 4; j++) {
            const int iw = iw0 + j;
            d[i][j] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? wasm_v128_load(x + ((b * H + ih) * W + iw) * CI + c) : zero;
          }
        }
        v128_t e[4][4];
        for (int j = 0; j < 4; j++) {
          e[0][j] = wasm_f32x4_sub(d[0][j], d[2][j]);
          e[1][j] = wasm_f32x4_add(d[1][j], d[2][j]);
          e[2][j] = wasm_f32x4_sub(d[2][j], d[1][j]);
          e[3][j] = wasm_f32x4_sub(d[1][j], d[3][j]);
        }
        for (int i = 0; i < 4; i++) {
          float *o = v + ((i * 4) * tb + k) * CI + c;
          const int step = tb * CI;
          wasm_v128_store(o, wasm_f32x4_sub(e[i][0], e[i][2]));
          wasm_v128_store(o + step, wasm_f32x4_add(e[i][1], e[i][2]));
          wasm_v128_store(o + 2 * step, wasm_f32x4_sub(e[i][2], e[i][1]));
          wasm_v128_store(o + 3 * step, wasm_f32x4_sub(e[i][1], e[i][3]));
        }
      }
      /* Z = A·dY·Aᵀ, A = [[1,0],[1,1],[1,−1],[0,−1]]; dY is zero past the output's edge. */
      const int oh0 = 2 * th, ow0 = 2 * tw;
      const int has10 = oh0 + 1 < OH, has01 = ow0 + 1 < OW;
      for (int c = 0; c < CO; c += 4) {
        const float *g0 = dy + ((b * OH + oh0) * OW + ow0) * CO + c;
        const v128_t y00 = wasm_v128_load(g0);
        const v128_t y01 = has01 ? wasm_v128_load(g0 + CO) : zero;
        const v128_t y10 = has10 ? wasm_v128_load(g0 + OW * CO) : zero;
        const v128_t y11 = has10 && has01 ? wasm_v128_load(g0 + OW * CO + CO) : zero;
        /* rows: r0 = y0, r1 = y0 + y1, r2 = y0 − y1, r3 = −y1 (for each column) */
        v128_t r[4][2];
        r[0][0] = y00; r[0][1] = y01;
        r[1][0] = wasm_f32x4_add(y00, y10); r[1][1] = wasm_f32x4_add(y01, y11);
        r[2][0] = wasm_f32x4_sub(y00, y10); r[2][1] = wasm_f32x4_sub(y01, y11);
        r[3][0] = wasm_f32x4_neg(y10); r[3][1] = wasm_f32x4_neg(y11);
        for (int i = 0; i < 4; i++) {
          float *o = z + ((i * 4) * tb + k) * CO + c;
          const int step = tb * CO;
          wasm_v128_store(o, r[i][0]);
          wasm_v128_store(o + step, wasm_f32x4_add(r[i][0], r[i][1]));
          wasm_v128_store(o + 2 * step, wasm_f32x4_sub(r[i][0], r[i][1]));
          wasm_v128_store(o + 3 * step, wasm_f32x4_neg(r[i][1]));
        }
      }
    }
    for (int xi = 0; xi < 16; xi++) gemm_tn(v + xi * tb * CI, CI, z + xi * tb * CO, CO, du + xi * CI * CO, CI, CO, nt);
  }
}

/* dW [3, 3, CI, CO] = Gᵀ·du·G per (ci, co), Gᵀ = [[1,½,½,0],[0,½,−½,0],[0,½,½,1]]. */
EXPORT(winograd_filter_grad_finish)
void winograd_filter_grad_finish(const float *du, float *dw, int CI, int CO) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  const int plane = CI * CO;
  for (int ci = 0; ci < CI; ci++) {
    for (int co = 0; co < CO; co += 4) {
      v128_t q[4][4], t[3][4];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) q[i][j] = wasm_v128_load(du + (i * 4 + j) * plane + ci * CO + co);
      for (int j = 0; j < 4; j++) {
        t[0][j] = wasm_f32x4_add(q[0][j], wasm_f32x4_mul(wasm_f32x4_add(q[1][j], q[2][j]), half));
        t[1][j] = wasm_f32x4_mul(wasm_f32x4_sub(q[1][j], q[2][j]), half);
        t[2][j] = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_add(q[1][j], q[2][j]), half), q[3][j]);
      }
      for (int i = 0; i < 3; i++) {
        float *o = dw + (i * 3) * plane + ci * CO + co;
        wasm_v128_store(o, wasm_f32x4_add(t[i][0], wasm_f32x4_mul(wasm_f32x4_add(t[i][1], t[i][2]), half)));
        wasm_v128_store(o + plane, wasm_f32x4_mul(wasm_f32x4_sub(t[i][1], t[i][2]), half));
        wasm_v128_store(o + 2 * plane, wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_add(t[i][1], t[i][2]), half), t[i][3]));
      }
    }
  }
}

/* x [rows, cols] += bias [cols] (when bias is not 0), then max(x, 0) when relu: a fused conv's epilogue, in place. */
EXPORT(bias_relu)
void bias_relu(float *x, const float *bias, int rows, int cols, int relu) {
  const int c4 = cols & ~3;
  const v128_t zero = wasm_f32x4_splat(0);
  for (int r = 0; r < rows; r++) {
    float *xr = x + r * cols;
    for (int j = 0; j < c4; j += 4) {
      v128_t v = wasm_v128_load(xr + j);
      if (bias) v = wasm_f32x4_add(v, wasm_v128_load(bias + j));
      if (relu) v = wasm_f32x4_max(v, zero);
      wasm_v128_store(xr + j, v);
    }
    for (int j = c4; j < cols; j++) {
      float v = xr[j];
      if (bias) v += bias[j];
      if (relu && !(v > 0)) v = 0;
      xr[j] = v;
    }
  }
}

/* out [rows, cols] = x − v (v_first = 0) or v − x (v_first = 1), v [cols] broadcast over rows. */
EXPORT(sub_row_vector)
void sub_row_vector(const float *x, const float *v, float *out, int rows, int cols, int v_first) {
  const int c4 = cols & ~3;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *o = out + r * cols;
    if (v_first) {
      for (int j = 0; j < c4; j += 4) wasm_v128_store(o + j, wasm_f32x4_sub(wasm_v128_load(v + j), wasm_v128_load(xr + j)));
      for (int j = c4; j < cols; j++) o[j] = v[j] - xr[j];
    } else {
      for (int j = 0; j < c4; j += 4) wasm_v128_store(o + j, wasm_f32x4_sub(wasm_v128_load(xr + j), wasm_v128_load(v + j)));
      for (int j = c4; j < cols; j++) o[j] = xr[j] - v[j];
    }
  }
}

/* out [cols] *= s: the mean after a column sum. */
EXPORT(scale)
void scale(float *out, int n, float s) {
  for (int i = 0; i < n; i++) out[i] *= s;
}

/* ---- Plain matrix products, for 1×1 convolutions (XNNPACK runs them without FMA) ---- */

/*
 * C [m, n] = A [m, k] · B [k, n], row strides lda/ldb/ldc, n a multiple of 4. B is copied
 * in panels of 48 columns into `pack` (k·48 floats) so that a panel is contiguous (B's own
 * rows can be kilobytes apart, which thrashes the cache and TLB) and stays in L2 while
 * every row of A passes over it.
 */
EXPORT(gemm)
void gemm(const float *a, int lda, const float *b, int ldb, float *c, int ldc, int m, int n, int k, float *pack) {
  for (int i = 0; i < m; i++) __builtin_memset(c + i * ldc, 0, sizeof(float) * n);
  /* Blocks of 512 rows of B (k) so a packed 512×48 panel fits the scratch and L2. */
  for (int k0 = 0; k0 < k; k0 += 512) {
    const int kb = k - k0 < 512 ? k - k0 : 512;
    for (int j0 = 0; j0 < n; j0 += 48) {
      const int j1 = j0 + 48 < n ? j0 + 48 : n;
      const int w = j1 - j0;
      for (int p = 0; p < kb; p++) __builtin_memcpy(pack + p * w, b + (k0 + p) * ldb + j0, sizeof(float) * w);
      for (int i = 0; i < m; i += 3) {
        const int mr = m - i < 3 ? m - i : 3;
        const float *ai = a + i * lda + k0;
        int j = 0;
        if (mr == 3) {
          for (; j + 12 <= w; j += 12) tile3x12_nn(ai, lda, pack + j, w, c + i * ldc + j0 + j, ldc, kb);
          for (; j < w; j += 4) tile3x4_nn(ai, lda, pack + j, w, c + i * ldc + j0 + j, ldc, kb);
        }
        for (; j < w; j += 4)
          for (int r = 0; r < mr; r++) row_x4_nn(ai + r * lda, pack + j, w, c + (i + r) * ldc + j0 + j, kb);
      }
    }
  }
}

/*
 * C [m, n] = A [m, k] · Bᵀ for B [n, k] (row strides lda, ldb, ldc): a dense layer's input
 * gradient dy·Wᵀ, as dot products along the rows of A and B (both contiguous). k % 4 == 0.
 */
EXPORT(gemm_abt)
void gemm_abt(const float *a, int lda, const float *b, int ldb, float *c, int ldc, int m, int n, int k) {
  for (int i = 0; i < m; i += 3) {
    const int mr = m - i < 3 ? m - i : 3;
    for (int j = 0; j < n; j += 4) {
      const int nr = n - j < 4 ? n - j : 4;
      v128_t acc[3][4];
      for (int r = 0; r < 3; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = wasm_f32x4_splat(0);
      for (int p = 0; p < k; p += 4) {
        v128_t bv[4], av[3];
        for (int q = 0; q < 4; q++) bv[q] = wasm_v128_load(b + (j + (q < nr ? q : 0)) * ldb + p);
        for (int r = 0; r < 3; r++) av[r] = wasm_v128_load(a + (i + (r < mr ? r : 0)) * lda + p);
        for (int r = 0; r < 3; r++)
          for (int q = 0; q < 4; q++) acc[r][q] = FMA(av[r], bv[q], acc[r][q]);
      }
      for (int r = 0; r < mr; r++) {
        for (int q = 0; q < nr; q++) {
          const v128_t v = acc[r][q];
          c[(i + r) * ldc + j + q] = (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
                                     (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
        }
      }
    }
  }
}

/* C [m, n] = Aᵀ·B for A [np, m], B [np, n] (row strides lda, ldb): a 1×1 filter gradient. C is overwritten. */
EXPORT(gemm_at_b)
void gemm_at_b(const float *a, int lda, const float *b, int ldb, float *c, int m, int n, int np) {
  __builtin_memset(c, 0, sizeof(float) * m * n);
  /* Rows in blocks, so the strips of A and B a tile reads stay in cache across its tiles. */
  for (int p0 = 0; p0 < np; p0 += 256) {
    const int nb = np - p0 < 256 ? np - p0 : 256;
    gemm_tn(a + p0 * lda, lda, b + p0 * ldb, ldb, c, m, n, nb);
  }
}

/*
 * C [m, n] = Aᵀ·B for A [np, m], B [np, n] (row strides lda, ldb), the 1×1 filter gradient,
 * with both operands packed: for each block of pb rows, A into panels of 3 columns and B
 * into panels of 12, each panel contiguous ([pb, 3] and [pb, 12], zero-padded), so the 3×12
 * tile reads two sequential streams instead of one cache line per row of A and of B
 * (rows are CI or CO floats apart). The packed block (pb·(m+n) floats) fits `scratch`
 * and L2. Edge tiles run on a zero-padded 3×12 copy of C on the stack. C is overwritten.
 */
EXPORT(gemm_at_b_packed)
void gemm_at_b_packed(const float *a, int lda, const float *b, int ldb, float *c, int m, int n, int np, float *scratch, int scratch_floats) {
  const int mp = (m + 2) / 3 * 3, npd = (n + 11) / 12 * 12;
  int pb = scratch_floats / (mp + npd);
  if (pb > 256) pb = 256;
  __builtin_memset(c, 0, sizeof(float) * m * n);
  float *ap = scratch, *bp = scratch + pb * mp;
  for (int p0 = 0; p0 < np; p0 += pb) {
    const int nb = np - p0 < pb ? np - p0 : pb;
    for (int i = 0; i < m; i += 3) {
      float *dst = ap + i * nb;
      const int mr = m - i < 3 ? m - i : 3;
      for (int p = 0; p < nb; p++) {
        const float *src = a + (p0 + p) * lda + i;
        for (int r = 0; r < 3; r++) dst[p * 3 + r] = r < mr ? src[r] : 0.0f;
      }
    }
    for (int j = 0; j < n; j += 12) {
      float *dst = bp + j * nb;
      const int nr = n - j < 12 ? n - j : 12;
      for (int p = 0; p < nb; p++) {
        const float *src = b + (p0 + p) * ldb + j;
        if (nr == 12) {
          wasm_v128_store(dst + p * 12, wasm_v128_load(src));
          wasm_v128_store(dst + p * 12 + 4, wasm_v128_load(src + 4));
          wasm_v128_store(dst + p * 12 + 8, wasm_v128_load(src + 8));
        } else {
          for (int q = 0; q < 12; q++) dst[p * 12 + q] = q < nr ? src[q] : 0.0f;
        }
      }
    }
    for (int i = 0; i < m; i += 3) {
      const int mr = m - i < 3 ? m - i : 3;
      for (int j = 0; j < n; j += 12) {
        const int nr = n - j < 12 ? n - j : 12;
        if (mr == 3 && nr == 12) {
          tile3x12(ap + i * nb, 3, bp + j * nb, 12, c + i * n + j, n, nb);
        } else {
          float t[36];
          for (int r = 0; r < 3; r++)
            for (int q = 0; q < 12; q++) t[r * 12 + q] = r < mr && q < nr ? c[(i + r) * n + j + q] : 0.0f;
          tile3x12(ap + i * nb, 3, bp + j * nb, 12, t, 12, nb);
          for (int r = 0; r < mr; r++)
            for (int q = 0; q < nr; q++) c[(i + r) * n + j + q] = t[r * 12 + q];
        }
      }
    }
  }
}

/* out [B, OH, OW, C] = x [B, H, W, C] at every sh-th row and sw-th column: a strided 1×1 conv's input. */
EXPORT(gather_strided)
void gather_strided(const float *x, float *out, int B, int H, int W, int C, int OH, int OW, int sh, int sw) {
  for (int b = 0; b < B; b++)
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++)
        __builtin_memcpy(out + ((b * OH + oh) * OW + ow) * C, x + ((b * H + oh * sh) * W + ow * sw) * C, sizeof(float) * C);
}

/*
 * out [P, CO] for output pixels [p0, p1) of a convolution with few input channels (a
 * network's first layer: 1 channel): im2col of a block of pixels, times the filter
 * [KH·KW·CI, CO] with the 3×12 tiles. XNNPACK runs these at ~2 GMAC/s (its kernels want
 * many input channels). CO must be a multiple of 4.
 */
EXPORT(conv2d_im2col)
void conv2d_im2col(const float *x, const float *w, float *out, float *scratch, int scratch_floats, int p0, int p1, int H, int W, int CI,
                   int OH, int OW, int CO, int KH, int KW, int sh, int sw, int pt, int pl) {
  const int K = KH * KW * CI;
  int block = scratch_floats / K;
  if (block > 256) block = 256;
  block -= block % 3;
  if (block < 3) block = 3;
  for (int q0 = p0; q0 < p1; q0 += block) {
    const int np = p1 - q0 < block ? p1 - q0 : block;
    im2col_rows(x, scratch, q0, np, H, W, CI, OH, OW, KH, KW, sh, sw, pt, pl);
    float *c = out + q0 * CO;
    __builtin_memset(c, 0, sizeof(float) * np * CO);
    for (int i = 0; i < np; i += 3) {
      const int mr = np - i < 3 ? np - i : 3;
      int j = 0;
      if (mr == 3) {
        for (; j + 12 <= CO; j += 12) tile3x12_nn(scratch + i * K, K, w + j, CO, c + i * CO + j, CO, K);
        for (; j < CO; j += 4) tile3x4_nn(scratch + i * K, K, w + j, CO, c + i * CO + j, CO, K);
      }
      for (; j < CO; j += 4)
        for (int r = 0; r < mr; r++) row_x4_nn(scratch + (i + r) * K, w + j, CO, c + (i + r) * CO + j, K);
    }
  }
}

/* out [n] = a [n] (op) b [n]; op 0: +, 1: −, 2: ×. Batch norm's gradient runs several per layer. */
EXPORT(binary_same)
void binary_same(const float *a, const float *b, float *out, int n, int op) {
  int i = 0;
  if (op == 0)
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  else if (op == 1)
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_sub(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  else
    for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  for (; i < n; i++) out[i] = op == 0 ? a[i] + b[i] : op == 1 ? a[i] - b[i] : a[i] * b[i];
}

/* Batch normalisation and ReLU gradients for training: */
#include "batch-norm.c"
#include "small-channels.c"
#include "winograd43.c"
