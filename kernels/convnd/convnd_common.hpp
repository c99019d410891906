// Internal to kernels/convnd/: one geometry for conv1d and conv3d, and the lowering (vol2col)
// that both GEMM variants share.
//
// conv1d is conv3d with D = H = 1 and KD = KH = 1: every kernel of this folder works on the
// 3-D geometry below, and the conv1d entry points fill it with depth and height of one. The
// weights need no repacking for that: w (C_out, C_in/G, K) and (C_out, C_in/G, 1, 1, K) are the
// same memory, and so are x and y.
//
//   col[((ic * KD + kd) * KH + kh) * KW + kw][(od * H_out + oh) * W_out + ow]
//       = x[ic][od*sd + kd*dd - pf][oh*sh + kh*dh - pt][ow*sw + kw*dw - pl]   (0 outside)
//
// so that for one sample and group y (C_out/G x D_out*H_out*W_out) = w (C_out/G x K) * col,
// K = C_in/G * KD * KH * KW. col2vol is the adjoint: it adds every column entry back onto the
// input element it was copied from (the backward pass's dx).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/params.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "kernels/conv2d/conv2d_common.hpp"

namespace convlab::convnd_detail {

struct Geometry {
  std::int64_t N, C_in, D, H, W;
  std::int64_t C_out, KD, KH, KW;
  std::int64_t D_out, H_out, W_out;
  std::int64_t groups, C_in_g, C_out_g;
  std::int64_t sd, sh, sw;  // strides
  std::int64_t pf, pt, pl;  // leading pads (front, top, left); trailing pads only shape the output
  std::int64_t dd, dh, dw;  // dilations

  std::int64_t taps() const { return C_in_g * KD * KH * KW; }  // the K of the GEMM
  std::int64_t in_volume() const { return D * H * W; }
  std::int64_t out_volume() const { return D_out * H_out * W_out; }  // the N of the GEMM
};

// The output shape (validated by the shape module; throws std::invalid_argument naming op,
// argument and values) and the geometry of a conv1d or conv3d problem.
inline Geometry geometry(const Shape& x, const Shape& w, const Shape& b, const Conv1dParams& p,
                         Shape& out) {
  out = conv1d_output_shape(x, w, b, p);
  Geometry g{};
  g.N = x[0];
  g.C_in = x[1];
  g.D = g.H = 1;
  g.W = x[2];
  g.C_out = w[0];
  g.KD = g.KH = 1;
  g.KW = w[2];
  g.D_out = g.H_out = 1;
  g.W_out = out[2];
  g.groups = p.groups;
  g.sd = g.sh = 1;
  g.sw = p.stride;
  g.pf = g.pt = 0;
  g.pl = p.pad_left;
  g.dd = g.dh = 1;
  g.dw = p.dilation;
  g.C_in_g = g.C_in / g.groups;
  g.C_out_g = g.C_out / g.groups;
  return g;
}

inline Geometry geometry(const Shape& x, const Shape& w, const Shape& b, const Conv3dParams& p,
                         Shape& out) {
  out = conv3d_output_shape(x, w, b, p);
  Geometry g{};
  g.N = x[0];
  g.C_in = x[1];
  g.D = x[2];
  g.H = x[3];
  g.W = x[4];
  g.C_out = w[0];
  g.KD = w[2];
  g.KH = w[3];
  g.KW = w[4];
  g.D_out = out[2];
  g.H_out = out[3];
  g.W_out = out[4];
  g.groups = p.groups;
  g.sd = p.stride_d;
  g.sh = p.stride_h;
  g.sw = p.stride_w;
  g.pf = p.pad_front;
  g.pt = p.pad_top;
  g.pl = p.pad_left;
  g.dd = p.dilation_d;
  g.dh = p.dilation_h;
  g.dw = p.dilation_w;
  g.C_in_g = g.C_in / g.groups;
  g.C_out_g = g.C_out / g.groups;
  return g;
}

// The geometry of a forward problem after checking that y has the output shape and that the
// variant supports the problem (`reason` is its supports() answer; non-empty throws).
template <class P>
Geometry forward_geometry(std::string_view variant, const Tensor<float>& x, const Tensor<float>& w,
                          const Tensor<float>& b, const P& p, const Tensor<float>& y,
                          const std::string& reason) {
  Shape out;
  const Geometry g = geometry(x.shape(), w.shape(), b.shape(), p, out);
  require_same_shape(variant, "y", y.shape(), out);
  if (!reason.empty()) {
    throw std::invalid_argument(std::string(variant) + ": unsupported problem: " + reason);
  }
  return g;
}

// The interior range of one axis is conv2d's (whole window inside the input).
using conv2d_detail::Interior;
using conv2d_detail::interior;

// The input index o * s + k * d - pad along one axis, or -1 when it falls in the zero padding.
inline std::int64_t source(std::int64_t o, std::int64_t s, std::int64_t k, std::int64_t d,
                           std::int64_t pad, std::int64_t n) {
  const std::int64_t i = o * s + k * d - pad;
  return i < 0 || i >= n ? -1 : i;
}

// Calls f(row, src) for every row of the column buffer and every output (od, oh) line of it:
// row = ((ic * KD + kd) * KH + kh) * KW + kw, line = od * H_out + oh, src = the input line
// x[ic][id][ih] (nullptr when id or ih is padding). Shared by vol2col and col2vol.
template <class F>
void for_each_line(const Geometry& g, F&& f) {
  for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
    for (std::int64_t kd = 0; kd < g.KD; ++kd) {
      for (std::int64_t kh = 0; kh < g.KH; ++kh) {
        for (std::int64_t kw = 0; kw < g.KW; ++kw) {
          const std::int64_t row = ((ic * g.KD + kd) * g.KH + kh) * g.KW + kw;
          for (std::int64_t od = 0; od < g.D_out; ++od) {
            const std::int64_t id = source(od, g.sd, kd, g.dd, g.pf, g.D);
            for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
              const std::int64_t ih = id < 0 ? -1 : source(oh, g.sh, kh, g.dh, g.pt, g.H);
              const std::int64_t line = od * g.H_out + oh;
              f(row, kw, line, ih < 0 ? -1 : (ic * g.D + id) * g.H + ih);
            }
          }
        }
      }
    }
  }
}

// xg: x[n][first channel of the group] (C_in/G x D x H x W). Writes the K rows of col, each
// D_out*H_out*W_out long, with row stride ld.
inline void vol2col(const Geometry& g, const float* xg, float* col, std::int64_t ld) {
  const Interior in = interior(g.W, g.W_out, g.KW, g.sw, g.pl, g.dw);
  for_each_line(g,
                [&](std::int64_t row, std::int64_t kw, std::int64_t line, std::int64_t src_line) {
                  float* dst = col + row * ld + line * g.W_out;
                  if (src_line < 0) {
                    std::fill(dst, dst + g.W_out, 0.0f);
                    return;
                  }
                  const float* src = xg + src_line * g.W;
                  const std::int64_t off = kw * g.dw - g.pl;
                  for (std::int64_t ow = 0; ow < in.lo; ++ow) {
                    const std::int64_t iw = ow * g.sw + off;
                    dst[ow] = iw < 0 || iw >= g.W ? 0.0f : src[iw];
                  }
                  if (g.sw == 1 && in.hi > in.lo) {
                    std::memcpy(dst + in.lo, src + in.lo + off,
                                static_cast<std::size_t>(in.hi - in.lo) * sizeof(float));
                  } else {
                    for (std::int64_t ow = in.lo; ow < in.hi; ++ow) dst[ow] = src[ow * g.sw + off];
                  }
                  for (std::int64_t ow = in.hi; ow < g.W_out; ++ow) {
                    const std::int64_t iw = ow * g.sw + off;
                    dst[ow] = iw < 0 || iw >= g.W ? 0.0f : src[iw];
                  }
                });
}

// The adjoint of vol2col: dxg[source of col entry] += col entry, for every entry that does not
// come from the padding. dxg: dx[n][first channel of the group], added to (not overwritten).
// The additions into one element happen in (ic, kd, kh, kw, od, oh, ow) order.
inline void col2vol(const Geometry& g, const float* col, std::int64_t ld, float* dxg) {
  for_each_line(g,
                [&](std::int64_t row, std::int64_t kw, std::int64_t line, std::int64_t src_line) {
                  if (src_line < 0) return;
                  const float* c = col + row * ld + line * g.W_out;
                  float* dst = dxg + src_line * g.W;
                  const std::int64_t off = kw * g.dw - g.pl;
                  for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
                    const std::int64_t iw = ow * g.sw + off;
                    if (iw >= 0 && iw < g.W) dst[iw] += c[ow];
                  }
                });
}

}  // namespace convlab::convnd_detail
