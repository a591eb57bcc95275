/*
 * Training-mode batch normalisation over x [rows, C] (channels innermost), per channel c:
 *   forward   y = (x − mean)·a + β,  a = γ/√(var + ε)
 *   backward  dx = A·dy + B·(x − mean) + D,  per-channel A, B, D from Σdy and Σdy·(x − mean)
 *             (the coefficients are worked out in ../batch-norm.ts)
 * tfjs-core composes the same from moments, FusedBatchNorm and their gradients: about 15
 * full passes over x per layer. Here: two reading passes for the statistics and one writing
 * pass forward; one reading and one writing pass backward.
 *
 * Sums are taken in float32 over blocks of at most 64 rows, the block sums added up in
 * float64, so that a 250,000-row activation loses no more precision than a short sum.
 * Included from kernels.c (one module, one build); the same rules hold: no static data.
 */

/* Rows per float32 block sum (and at most 16 K floats per block, so a block stays in L1/L2 across its channel groups). */
static int bn_block_rows(int C) {
  int block = 16384 / C;
  if (block > 64) block = 64;
  return block < 1 ? 1 : block;
}

/*
 * out[c] = Σ_r x[r, c] (mean == 0) or Σ_r (x[r, c] − mean[c])² (mean given), for rows
 * [0, rows), as float64. The two passes of the batch statistics.
 */
EXPORT(bn_moment)
void bn_moment(const float *x, int rows, int C, const float *mean, double *out) {
  for (int c = 0; c < C; c++) out[c] = 0;
  const int block = bn_block_rows(C);
  const int c4 = C & ~3;
  for (int r0 = 0; r0 < rows; r0 += block) {
    const int r1 = r0 + block < rows ? r0 + block : rows;
    for (int c = 0; c < c4; c += 4) {
      const v128_t m = mean ? wasm_v128_load(mean + c) : wasm_f32x4_splat(0);
      v128_t acc = wasm_f32x4_splat(0);
      if (mean) {
        for (int r = r0; r < r1; r++) {
          const v128_t d = wasm_f32x4_sub(wasm_v128_load(x + r * C + c), m);
          acc = FMA(d, d, acc);
        }
      } else {
        for (int r = r0; r < r1; r++) acc = wasm_f32x4_add(acc, wasm_v128_load(x + r * C + c));
      }
      float lanes[4];
      wasm_v128_store(lanes, acc);
      for (int l = 0; l < 4; l++) out[c + l] += lanes[l];
    }
    for (int c = c4; c < C; c++) {
      float acc = 0;
      const float m = mean ? mean[c] : 0;
      for (int r = r0; r < r1; r++) {
        const float d = x[r * C + c] - m;
        acc += mean ? d * d : d;
      }
      out[c] += acc;
    }
  }
}

/* y [rows, C] = (x − mean)·a + beta: the normalisation, with a = γ/√(var + ε) per channel. */
EXPORT(bn_apply)
void bn_apply(const float *x, float *y, int rows, int C, const float *mean, const float *a, const float *beta) {
  const int c4 = C & ~3;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + r * C;
    float *yr = y + r * C;
    for (int c = 0; c < c4; c += 4)
      wasm_v128_store(yr + c, FMA(wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c)), wasm_v128_load(a + c), wasm_v128_load(beta + c)));
    for (int c = c4; c < C; c++) yr[c] = (xr[c] - mean[c]) * a[c] + beta[c];
  }
}

/* sums[c] = Σ_r dy[r, c] and sums[C + c] = Σ_r dy[r, c]·(x[r, c] − mean[c]), as float64: the backward pass's reductions. */
EXPORT(bn_grad_sums)
void bn_grad_sums(const float *dy, const float *x, int rows, int C, const float *mean, double *sums) {
  for (int c = 0; c < 2 * C; c++) sums[c] = 0;
  const int block = bn_block_rows(C);
  const int c4 = C & ~3;
  for (int r0 = 0; r0 < rows; r0 += block) {
    const int r1 = r0 + block < rows ? r0 + block : rows;
    for (int c = 0; c < c4; c += 4) {
      const v128_t m = wasm_v128_load(mean + c);
      v128_t s = wasm_f32x4_splat(0), sx = wasm_f32x4_splat(0);
      for (int r = r0; r < r1; r++) {
        const v128_t g = wasm_v128_load(dy + r * C + c);
        s = wasm_f32x4_add(s, g);
        sx = FMA(g, wasm_f32x4_sub(wasm_v128_load(x + r * C + c), m), sx);
      }
      float ls[4], lsx[4];
      wasm_v128_store(ls, s);
      wasm_v128_store(lsx, sx);
      for (int l = 0; l < 4; l++) {
        sums[c + l] += ls[l];
        sums[C + c + l] += lsx[l];
      }
    }
    for (int c = c4; c < C; c++) {
      float s = 0, sx = 0;
      for (int r = r0; r < r1; r++) {
        const float g = dy[r * C + c];
        s += g;
        sx += g * (x[r * C + c] - mean[c]);
      }
      sums[c] += s;
      sums[C + c] += sx;
    }
  }
}

/* dx [rows, C] = A·dy + B·(x − mean) + D, with coef = [A | B | mean | D], C floats each. */
EXPORT(bn_grad_apply)
void bn_grad_apply(const float *dy, const float *x, float *dx, int rows, int C, const float *coef) {
  const float *A = coef, *B = coef + C, *M = coef + 2 * C, *D = coef + 3 * C;
  const int c4 = C & ~3;
  for (int r = 0; r < rows; r++) {
    const float *g = dy + r * C, *xr = x + r * C;
    float *o = dx + r * C;
    for (int c = 0; c < c4; c += 4) {
      const v128_t t = FMA(wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(M + c)), wasm_v128_load(B + c), wasm_v128_load(D + c));
      wasm_v128_store(o + c, FMA(wasm_v128_load(g + c), wasm_v128_load(A + c), t));
    }
    for (int c = c4; c < C; c++) o[c] = A[c] * g[c] + (B[c] * (xr[c] - M[c]) + D[c]);
  }
}

/* out [n] = dy where x > 0, else 0: ReLU's gradient in one pass (tfjs-core: Step, Cast, Multiply). */
EXPORT(relu_grad)
void relu_grad(const float *dy, const float *x, float *out, int n) {
  const v128_t zero = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 4 <= n; i += 4)
    wasm_v128_store(out + i, wasm_v128_and(wasm_v128_load(dy + i), wasm_f32x4_gt(wasm_v128_load(x + i), zero)));
  for (; i < n; i++) out[i] = x[i] > 0 ? dy[i] : 0;
}
