// Internal to kernels/conv2d/: one input channel convolved with a rank-1 kernel u v^T as two
// 1-D passes, accumulated into an output plane. Used by conv2d_separable_rank1 and
// conv2d_separable_svd.
//
//   t[oh][c]   = sum_kh u[kh] * x[oh*sh + kh*dh - pt][c - pl]     (vertical, every padded column c)
//   y[oh][ow] += sum_kw v[kw] * t[oh][ow*sw + kw*dw]              (horizontal)
//
// Cost per channel pair: H_out * (W * KH + W_out * KW) multiply-adds instead of
// H_out * W_out * KH * KW.
#pragma once

#include <Vc/Vc>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"

namespace convlab::conv2d_detail {

// xc: one input channel (H x W); u: KH taps; v: KW taps; yc: one output plane (H_out x W_out)
// that the result is added to; t: scratch, resized here.
inline void accumulate_separable(const Geometry& g, const float* xc, const float* u, const float* v,
                                 float* yc, std::vector<float>& t) {
  using Vc::float_v;
  constexpr std::int64_t L = static_cast<std::int64_t>(float_v::size());
  const std::int64_t Wp = g.pl + g.W + g.pr;  // the padded width; the horizontal pass stays inside
  t.resize(static_cast<std::size_t>(g.H_out * Wp));
  for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
    float* tr = t.data() + oh * Wp;
    float* mid = tr + g.pl;  // column 0 of the input
    std::fill(mid, mid + g.W, 0.0f);
    for (std::int64_t kh = 0; kh < g.KH; ++kh) {
      const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
      if (ih < 0) continue;
      const float* xr = xc + ih * g.W;
      const float_v uv(u[kh]);
      std::int64_t c = 0;
      for (; c + L <= g.W; c += L) {
        Vc::fma(uv, float_v(xr + c, Vc::Unaligned), float_v(mid + c, Vc::Unaligned))
            .store(mid + c, Vc::Unaligned);
      }
      for (; c < g.W; ++c) mid[c] = std::fma(u[kh], xr[c], mid[c]);
    }
    // A padded column is the vertical pass of the column it reads (or zero).
    for (std::int64_t c = -g.pl; c < 0; ++c) {
      const std::int64_t s = ref::source_index(c, g.W, g.mode);
      mid[c] = s < 0 ? 0.0f : mid[s];
    }
    for (std::int64_t c = g.W; c < g.W + g.pr; ++c) {
      const std::int64_t s = ref::source_index(c, g.W, g.mode);
      mid[c] = s < 0 ? 0.0f : mid[s];
    }
    float* yr = yc + oh * g.W_out;
    std::int64_t ow = 0;
    if (g.sw == 1) {
      for (; ow + L <= g.W_out; ow += L) {
        float_v acc(Vc::Zero);
        for (std::int64_t kw = 0; kw < g.KW; ++kw) {
          acc = Vc::fma(float_v(v[kw]), float_v(tr + ow + kw * g.dw, Vc::Unaligned), acc);
        }
        (float_v(yr + ow, Vc::Unaligned) + acc).store(yr + ow, Vc::Unaligned);
      }
    }
    for (; ow < g.W_out; ++ow) {
      float acc = 0.0f;
      for (std::int64_t kw = 0; kw < g.KW; ++kw)
        acc = std::fma(v[kw], tr[ow * g.sw + kw * g.dw], acc);
      yr[ow] += acc;
    }
  }
}

// Every output plane set to its bias (or 0), before the passes are accumulated.
inline void fill_bias(const Geometry& g, const Tensor<float>& b, Tensor<float>& y) {
  const std::int64_t plane = g.H_out * g.W_out;
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
      float* yc = y.data() + (n * g.C_out + oc) * plane;
      std::fill(yc, yc + plane, b.empty() ? 0.0f : b[oc]);
    }
  }
}

}  // namespace convlab::conv2d_detail
