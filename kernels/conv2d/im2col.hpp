// Internal to kernels/conv2d/: im2col, the lowering that turns a convolution into a GEMM.
//
//   col[(ic * KH + kh) * KW + kw][oh * W_out + ow] = x[ic][oh*sh + kh*dh - pt][ow*sw + kw*dw - pl]
//
// (zero, or the padding-mode pixel, outside the input), so that for one group
//   y (C_out/G x H_out*W_out) = w (C_out/G x C_in/G*KH*KW) * col.
// Each input pixel is copied up to KH * KW times: the buffer is KH*KW/(sh*sw) times the input.
// col2im (below) is its adjoint: the scatter-add behind transposed convolution and the
// input gradient of conv2d.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/conv2d/conv2d_common.hpp"

namespace convlab::conv2d_detail {

// Row (ic, kh, kw) of col at output row oh, columns [ow0, ow1): dst[ow - ow0]. `in` is
// interior(g.W, g.W_out, g.KW, g.sw, g.pl, g.dw), computed once by the caller.
// [docs:im2col]
inline void im2col_segment(const Geometry& g, const Interior& in, const float* xg, std::int64_t ic,
                           std::int64_t kh, std::int64_t kw, std::int64_t oh, std::int64_t ow0,
                           std::int64_t ow1, float* dst) {
  const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
  if (ih < 0) {
    std::fill(dst, dst + (ow1 - ow0), 0.0f);
    return;
  }
  const float* src = xg + (ic * g.H + ih) * g.W;
  const std::int64_t off = kw * g.dw - g.pl;
  // The interior columns of this kernel column read real pixels without a check.
  const std::int64_t lo = std::clamp(in.lo, ow0, ow1), hi = std::clamp(in.hi, lo, ow1);
  for (std::int64_t ow = ow0; ow < lo; ++ow) {
    const std::int64_t iw = ref::source_index(ow * g.sw + off, g.W, g.mode);
    dst[ow - ow0] = iw < 0 ? 0.0f : src[iw];
  }
  if (g.sw == 1 && hi > lo) {
    std::memcpy(dst + (lo - ow0), src + lo + off,
                static_cast<std::size_t>(hi - lo) * sizeof(float));
  } else {
    for (std::int64_t ow = lo; ow < hi; ++ow) dst[ow - ow0] = src[ow * g.sw + off];
  }
  for (std::int64_t ow = hi; ow < ow1; ++ow) {
    const std::int64_t iw = ref::source_index(ow * g.sw + off, g.W, g.mode);
    dst[ow - ow0] = iw < 0 ? 0.0f : src[iw];
  }
}

// xg: x[n][first channel of the group] (C_in/G x H x W). Writes the C_in/G*KH*KW rows of col,
// each H_out*W_out long, with row stride ld (>= H_out*W_out).
inline void im2col(const Geometry& g, const float* xg, float* col, std::int64_t ld) {
  const Interior in = interior(g.W, g.W_out, g.KW, g.sw, g.pl, g.dw);
  for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
    for (std::int64_t kh = 0; kh < g.KH; ++kh) {
      for (std::int64_t kw = 0; kw < g.KW; ++kw) {
        float* row = col + ((ic * g.KH + kh) * g.KW + kw) * ld;
        for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
          im2col_segment(g, in, xg, ic, kh, kw, oh, 0, g.W_out, row + oh * g.W_out);
        }
      }
    }
  }
}
// [docs:end]

// col2im, the adjoint (transpose) of im2col above: every element of col is added to the pixel
// im2col read it from (nothing where im2col wrote a padding zero; the reflected, replicated or
// wrapped pixel under another padding mode), so <im2col(x), c> = <x, col2im(c)> exactly in real
// arithmetic. xg (C_in/G x H x W) is added to, not overwritten: the caller zero-fills it. Windows
// overlap when stride < kernel extent, so the adds to one pixel are not independent: callers
// parallelize over samples, groups or channel planes only. Each pixel receives its terms in
// (ic, kh, kw, oh, ow) order whatever the thread count.
// [docs:col2im]
inline void col2im(const Geometry& g, const float* col, std::int64_t ld, float* xg) {
  const Interior in = interior(g.W, g.W_out, g.KW, g.sw, g.pl, g.dw);
  for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
    for (std::int64_t kh = 0; kh < g.KH; ++kh) {
      for (std::int64_t kw = 0; kw < g.KW; ++kw) {
        const float* row = col + ((ic * g.KH + kh) * g.KW + kw) * ld;
        for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
          const float* src = row + oh * g.W_out;
          const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
          if (ih < 0) continue;
          float* dst = xg + (ic * g.H + ih) * g.W;
          const std::int64_t off = kw * g.dw - g.pl;
          for (std::int64_t ow = 0; ow < in.lo; ++ow) {
            const std::int64_t iw = ref::source_index(ow * g.sw + off, g.W, g.mode);
            if (iw >= 0) dst[iw] += src[ow];
          }
          for (std::int64_t ow = in.lo; ow < in.hi; ++ow) dst[ow * g.sw + off] += src[ow];
          for (std::int64_t ow = in.hi; ow < g.W_out; ++ow) {
            const std::int64_t iw = ref::source_index(ow * g.sw + off, g.W, g.mode);
            if (iw >= 0) dst[iw] += src[ow];
          }
        }
      }
    }
  }
}
// [docs:end]

// rows x cols block with row stride ld, each row set to bias[row] (0 when bias is null).
inline void fill_rows(float* c, std::int64_t rows, std::int64_t cols, std::int64_t ld,
                      const float* bias) {
  for (std::int64_t r = 0; r < rows; ++r) {
    std::fill(c + r * ld, c + r * ld + cols, bias == nullptr ? 0.0f : bias[r]);
  }
}

}  // namespace convlab::conv2d_detail
