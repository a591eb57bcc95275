/*
 * Winograd F(4×4, 3×3) (Lavin & Gray): 36 products per 4×4 outputs and channel pair
 * (2.25 per output) instead of F(2×2)'s 16 per 2×2 (4 per output). Used for the larger
 * 3×3 stride-1 convolutions (forward and input gradient); see ../winograd.ts for which.
 * Included at the end of kernels.c: uses its gemm_nn.
 *
 *   Bᵀ = [[4,0,−5,0,1,0],[0,−4,−4,1,1,0],[0,4,−4,−1,1,0],[0,−2,−1,2,1,0],[0,2,−1,−2,1,0],[0,4,0,−5,0,1]]
 *   G  = [[¼,0,0],[−⅙,−⅙,−⅙],[−⅙,⅙,−⅙],[1/24,1/12,⅙],[1/24,−1/12,⅙],[0,0,1]]
 *   Aᵀ = [[1,1,1,1,1,0],[0,1,−1,2,−2,0],[0,1,1,4,4,0],[0,1,−1,8,−8,1]]
 */

/* G·[g0,g1,g2] (six rows). */
static inline void wg43_g(v128_t g0, v128_t g1, v128_t g2, v128_t *r) {
  const v128_t q = wasm_f32x4_splat(0.25f), s = wasm_f32x4_splat(1.0f / 6), t = wasm_f32x4_splat(1.0f / 24);
  const v128_t a = wasm_f32x4_add(g0, g2);
  r[0] = wasm_f32x4_mul(g0, q);
  r[1] = wasm_f32x4_neg(wasm_f32x4_mul(wasm_f32x4_add(a, g1), s));
  r[2] = wasm_f32x4_neg(wasm_f32x4_mul(wasm_f32x4_sub(a, g1), s));
  /* g0/24 + g2/6 ± g1/12 */
  const v128_t p = wasm_f32x4_add(wasm_f32x4_mul(g0, t), wasm_f32x4_mul(g2, s));
  const v128_t h = wasm_f32x4_mul(g1, wasm_f32x4_splat(1.0f / 12));
  r[3] = wasm_f32x4_add(p, h);
  r[4] = wasm_f32x4_sub(p, h);
  r[5] = g2;
}

/* U [36, CI, CO] = G·g·Gᵀ for each (ci, co) of the 3×3 filter g [3, 3, CI, CO]. CO must be a multiple of 4. */
EXPORT(winograd43_filter)
void winograd43_filter(const float *g, float *u, int CI, int CO) {
  const int plane = CI * CO;
  for (int ci = 0; ci < CI; ci++) {
    for (int co = 0; co < CO; co += 4) {
      v128_t w[3][3], t[3][6], r[6];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) w[i][j] = wasm_v128_load(g + ((i * 3 + j) * CI + ci) * CO + co);
      /* t[j][i] = (G·w)[i][j], column j of w transformed. */
      for (int j = 0; j < 3; j++) wg43_g(w[0][j], w[1][j], w[2][j], t[j]);
      for (int i = 0; i < 6; i++) {
        wg43_g(t[0][i], t[1][i], t[2][i], r);
        float *o = u + (i * 6) * plane + ci * CO + co;
        for (int j = 0; j < 6; j++) wasm_v128_store(o + j * plane, r[j]);
      }
    }
  }
}

/* Bᵀ·[d0..d5] (six rows). */
static inline void wg43_bt(const v128_t *d, v128_t *r) {
  const v128_t four = wasm_f32x4_splat(4), five = wasm_f32x4_splat(5), two = wasm_f32x4_splat(2);
  /* r0 = 4d0 − 5d2 + d4; r5 = 4d1 − 5d3 + d5 */
  r[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(d[0], four), wasm_f32x4_mul(d[2], five)), d[4]);
  r[5] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(d[1], four), wasm_f32x4_mul(d[3], five)), d[5]);
  /* r1,2 = (d4 − 4d2) ∓ (4d1 − d3) */
  const v128_t a = wasm_f32x4_sub(d[4], wasm_f32x4_mul(d[2], four));
  const v128_t b = wasm_f32x4_sub(wasm_f32x4_mul(d[1], four), d[3]);
  r[1] = wasm_f32x4_sub(a, b);
  r[2] = wasm_f32x4_add(a, b);
  /* r3,4 = (d4 − d2) ∓ 2(d1 − d3) */
  const v128_t c = wasm_f32x4_sub(d[4], d[2]);
  const v128_t e = wasm_f32x4_mul(wasm_f32x4_sub(d[1], d[3]), two);
  r[3] = wasm_f32x4_sub(c, e);
  r[4] = wasm_f32x4_add(c, e);
}

/* Aᵀ·[m0..m5] (four rows). */
static inline void wg43_at(const v128_t *m, v128_t *r) {
  const v128_t a = wasm_f32x4_add(m[1], m[2]), b = wasm_f32x4_sub(m[1], m[2]);
  const v128_t c = wasm_f32x4_add(m[3], m[4]), e = wasm_f32x4_sub(m[3], m[4]);
  r[0] = wasm_f32x4_add(wasm_f32x4_add(a, c), m[0]);
  r[1] = wasm_f32x4_add(b, wasm_f32x4_mul(e, wasm_f32x4_splat(2)));
  r[2] = wasm_f32x4_add(a, wasm_f32x4_mul(c, wasm_f32x4_splat(4)));
  r[3] = wasm_f32x4_add(wasm_f32x4_add(b, wasm_f32x4_mul(e, wasm_f32x4_splat(8))), m[5]);
}

/* v [36, tb, CI] at tile k of its block = Bᵀ·d·B for the 6×6 input window at (ih0, iw0) of image b
 * (zeros outside x): the input transform of both the forward pass and the filter gradient. */
static inline void wg43_input_tile(const float *x, float *v, int k, int tb, int b, int ih0, int iw0, int H, int W, int CI) {
  const v128_t zero = wasm_f32x4_splat(0);
  const int inside = ih0 >= 0 && ih0 + 6 <= H && iw0 >= 0 && iw0 + 6 <= W;
  for (int c = 0; c < CI; c += 4) {
    v128_t e[6][6]; /* e[j] = Bᵀ·(column j of d) */
    for (int j = 0; j < 6; j++) {
      const int iw = iw0 + j;
      v128_t d[6];
      if (inside) {
        const float *p = x + ((b * H + ih0) * W + iw) * CI + c;
        for (int i = 0; i < 6; i++) d[i] = wasm_v128_load(p + i * W * CI);
      } else {
        for (int i = 0; i < 6; i++) {
          const int ih = ih0 + i;
          d[i] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? wasm_v128_load(x + ((b * H + ih) * W + iw) * CI + c) : zero;
        }
      }
      wg43_bt(d, e[j]);
    }
    const int step = tb * CI;
    for (int i = 0; i < 6; i++) { /* row i of Bᵀ·d, times B */
      v128_t row[6], r[6];
      for (int j = 0; j < 6; j++) row[j] = e[j][i];
      wg43_bt(row, r);
      float *o = v + ((i * 6) * tb + k) * CI + c;
      for (int j = 0; j < 6; j++) wasm_v128_store(o + j * step, r[j]);
    }
  }
}

/*
 * out [B, OH, OW, CO] for the 4×4 output tiles [t0, t1) of a 3×3, stride-1 convolution of
 * x [B, H, W, CI] (zero outside, top/left padding pt/pl) with u [36, CI, CO]
 * (winograd43_filter). CI and CO must be multiples of 4. Blocks of tb tiles:
 * v [36, tb, CI] = Bᵀ·d·B, m [36, tb, CO] = v·u, out = Aᵀ·m·A; 36·tb·(CI + CO) ≤ scratch_floats.
 */
EXPORT(winograd43_conv3x3)
void winograd43_conv3x3(const float *x, const float *u, float *out, float *scratch, int scratch_floats, int t0, int t1, int H, int W,
                        int CI, int OH, int OW, int CO, int pt, int pl) {
  const int TH = (OH + 3) / 4, TW = (OW + 3) / 4;
  int tb = scratch_floats / (36 * (CI + CO));
  if (tb > 48) tb = 48;
  if (tb < 1) tb = 1;
  float *v = scratch;
  float *m = scratch + 36 * tb * CI;
  for (int tile0 = t0; tile0 < t1; tile0 += tb) {
    const int nt = t1 - tile0 < tb ? t1 - tile0 : tb;
    /* Input transform. */
    for (int k = 0; k < nt; k++) {
      const int t = tile0 + k;
      const int tw = t % TW, th = (t / TW) % TH, b = t / (TW * TH);
      const int ih0 = 4 * th - pt, iw0 = 4 * tw - pl;
      wg43_input_tile(x, v, k, tb, b, ih0, iw0, H, W, CI);
    }
    /* The 36 products. */
    for (int xi = 0; xi < 36; xi++) gemm_nn(v + xi * tb * CI, u + xi * CI * CO, m + xi * tb * CO, nt, CO, CI);
    /* Output transform. */
    for (int k = 0; k < nt; k++) {
      const int t = tile0 + k;
      const int tw = t % TW, th = (t / TW) % TH, b = t / (TW * TH);
      const int oh0 = 4 * th, ow0 = 4 * tw;
      const int rows = OH - oh0 < 4 ? OH - oh0 : 4, cols = OW - ow0 < 4 ? OW - ow0 : 4;
      for (int c = 0; c < CO; c += 4) {
        v128_t f[6][4]; /* f[j] = Aᵀ·(column j of m) */
        for (int j = 0; j < 6; j++) {
          v128_t q[6];
          for (int i = 0; i < 6; i++) q[i] = wasm_v128_load(m + ((i * 6 + j) * tb + k) * CO + c);
          wg43_at(q, f[j]);
        }
        for (int i = 0; i < rows; i++) {
          v128_t row[6], y[4];
          for (int j = 0; j < 6; j++) row[j] = f[j][i];
          wg43_at(row, y);
          float *o = out + ((b * OH + oh0 + i) * OW + ow0) * CO + c;
          for (int j = 0; j < cols; j++) wasm_v128_store(o + j * CO, y[j]);
        }
      }
    }
  }
}

/* Aᵀᵀ·[y0..y3] = A·y (six rows): the output-gradient transform. */
static inline void wg43_a(const v128_t *y, v128_t *r) {
  const v128_t a = wasm_f32x4_add(y[0], y[2]), b = wasm_f32x4_add(y[1], y[3]);
  const v128_t c = wasm_f32x4_add(y[0], wasm_f32x4_mul(y[2], wasm_f32x4_splat(4)));
  const v128_t e = wasm_f32x4_add(wasm_f32x4_mul(y[1], wasm_f32x4_splat(2)), wasm_f32x4_mul(y[3], wasm_f32x4_splat(8)));
  r[0] = y[0];
  r[1] = wasm_f32x4_add(a, b);
  r[2] = wasm_f32x4_sub(a, b);
  r[3] = wasm_f32x4_add(c, e);
  r[4] = wasm_f32x4_sub(c, e);
  r[5] = y[3];
}

/* Gᵀ·[q0..q5] (three rows). */
static inline void wg43_gt(const v128_t *q, v128_t *r) {
  const v128_t s = wasm_f32x4_splat(1.0f / 6);
  const v128_t p12 = wasm_f32x4_add(q[1], q[2]), m12 = wasm_f32x4_sub(q[2], q[1]);
  const v128_t p34 = wasm_f32x4_add(q[3], q[4]), m34 = wasm_f32x4_sub(q[3], q[4]);
  r[0] = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(q[0], wasm_f32x4_splat(0.25f)), wasm_f32x4_mul(p12, s)), wasm_f32x4_mul(p34, wasm_f32x4_splat(1.0f / 24)));
  r[1] = wasm_f32x4_add(wasm_f32x4_mul(m12, s), wasm_f32x4_mul(m34, wasm_f32x4_splat(1.0f / 12)));
  r[2] = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sub(p34, p12), s), q[5]);
}

/*
 * Filter gradient in the F(4×4) domain for output tiles [t0, t1):
 * du [36, CI, CO] = Σ_tiles (Bᵀ·d·B)[ci] ⊙ (A·dY·Aᵀ)[co], overwritten; dY is zero past the
 * output's edge. winograd43_filter_grad_finish turns the sum of partials into dW = Gᵀ·du·G.
 */
EXPORT(winograd43_filter_grad_tiles)
void winograd43_filter_grad_tiles(const float *x, const float *dy, float *du, float *scratch, int scratch_floats, int t0, int t1, int H,
                                  int W, int CI, int OH, int OW, int CO, int pt, int pl) {
  const int TH = (OH + 3) / 4, TW = (OW + 3) / 4;
  int tb = scratch_floats / (36 * (CI + CO));
  if (tb > 48) tb = 48;
  if (tb < 1) tb = 1;
  float *v = scratch;
  float *z = scratch + 36 * tb * CI;
  const v128_t zero = wasm_f32x4_splat(0);
  __builtin_memset(du, 0, sizeof(float) * 36 * CI * CO);
  for (int tile0 = t0; tile0 < t1; tile0 += tb) {
    const int nt = t1 - tile0 < tb ? t1 - tile0 : tb;
    for (int k = 0; k < nt; k++) {
      const int t = tile0 + k;
      const int tw = t % TW, th = (t / TW) % TH, b = t / (TW * TH);
      const int ih0 = 4 * th - pt, iw0 = 4 * tw - pl;
      wg43_input_tile(x, v, k, tb, b, ih0, iw0, H, W, CI);
      const int oh0 = 4 * th, ow0 = 4 * tw;
      const int rows = OH - oh0 < 4 ? OH - oh0 : 4, cols = OW - ow0 < 4 ? OW - ow0 : 4;
      for (int c = 0; c < CO; c += 4) {
        v128_t f[4][6]; /* f[j] = A·(column j of dY) */
        for (int j = 0; j < 4; j++) {
          v128_t y[4];
          for (int i = 0; i < 4; i++) y[i] = i < rows && j < cols ? wasm_v128_load(dy + ((b * OH + oh0 + i) * OW + ow0 + j) * CO + c) : zero;
          wg43_a(y, f[j]);
        }
        const int step = tb * CO;
        for (int i = 0; i < 6; i++) {
          v128_t row[4], r[6];
          for (int j = 0; j < 4; j++) row[j] = f[j][i];
          wg43_a(row, r);
          float *o = z + ((i * 6) * tb + k) * CO + c;
          for (int j = 0; j < 6; j++) wasm_v128_store(o + j * step, r[j]);
        }
      }
    }
    for (int xi = 0; xi < 36; xi++) gemm_tn(v + xi * tb * CI, CI, z + xi * tb * CO, CO, du + xi * CI * CO, CI, CO, nt);
  }
}

/* dW [3, 3, CI, CO] = Gᵀ·du·G per (ci, co) for du [36, CI, CO]. */
EXPORT(winograd43_filter_grad_finish)
void winograd43_filter_grad_finish(const float *du, float *dw, int CI, int CO) {
  const int plane = CI * CO;
  for (int ci = 0; ci < CI; ci++) {
    for (int co = 0; co < CO; co += 4) {
      v128_t t[6][3]; /* t[j] = Gᵀ·(column j of du) */
      for (int j = 0; j < 6; j++) {
        v128_t q[6];
        for (int i = 0; i < 6; i++) q[i] = wasm_v128_load(du + (i * 6 + j) * plane + ci * CO + co);
        wg43_gt(q, t[j]);
      }
      for (int i = 0; i < 3; i++) {
        v128_t row[6], r[3];
        for (int j = 0; j < 6; j++) row[j] = t[j][i];
        wg43_gt(row, r);
        float *o = dw + (i * 3) * plane + ci * CO + co;
        for (int j = 0; j < 3; j++) wasm_v128_store(o + j * plane, r[j]);
      }
    }
  }
}
