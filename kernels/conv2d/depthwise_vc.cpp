// conv2d_depthwise_vc: depthwise convolution (groups == C_in == C_out) vectorized along the
// output width.
//
//   y[n][c][oh][ow] = b[c] + sum_{kh, kw} x[n][c][oh*sh + kh*dh - pt][ow*sw + kw*dw - pl]
//                                         * w[c][0][kh][kw]
//
// Parent: the reference loop (with groups = C it is already depthwise). What this adds: each
// channel has only KH * KW weights, so there is nothing to block over channels; instead 4
// vectors of adjacent output columns stay in registers while the KH * KW taps stream over
// them. Each channel is first copied into padded rows, so the left/right edges and the width
// tail run the same vector code. Stride 1 loads unit-stride vectors, stride 2 loads two vectors
// and keeps the even lanes (Vc::deinterleave), larger strides gather.
// When it wins: MobileNet-style layers, where a GEMM formulation has K = KH * KW (9) and
// cannot reuse anything. It is bound by memory bandwidth, not FMAs. Memory: one padded
// channel (H x about W_out * stride_w + KW floats).
// Accuracy: KH * KW + 1 terms per output, one float FMA chain.
#include <Vc/Vc>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"

namespace convlab {
namespace {

using conv2d_detail::Geometry;
using Vc::float_v;
constexpr std::int64_t kLanes = static_cast<std::int64_t>(float_v::size());

enum class Load { unit, even, gather };

// NV vectors of output columns from ow0 on, of which the first `valid` are stored.
// rows[kh]: the padded input row read by tap row kh (column c = input column c - pad_left;
// nullptr: a row of zero padding), long enough for every load; wk: the KH x KW kernel.
// [docs:depthwise-tile]
template <int NV, Load L>
void dw_tile(const Geometry& g, const float* const* rows, const float* wk, float bias, float* yrow,
             std::int64_t ow0, std::int64_t valid) {
  float_v acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = float_v(bias);
  const float_v::IndexType stride_index =
      float_v::IndexType(Vc::IndexesFromZero) * static_cast<int>(g.sw);
  for (std::int64_t kh = 0; kh < g.KH; ++kh) {
    if (rows[kh] == nullptr) continue;
    for (std::int64_t kw = 0; kw < g.KW; ++kw) {
      const float_v wv(wk[kh * g.KW + kw]);
      const float* base = rows[kh] + ow0 * g.sw + kw * g.dw;
      for (int v = 0; v < NV; ++v) {
        float_v xv;
        if constexpr (L == Load::unit) {
          xv = float_v(base + v * kLanes, Vc::Unaligned);
        } else if constexpr (L == Load::even) {
          float_v odd;
          Vc::deinterleave(&xv, &odd, base + 2 * v * kLanes, Vc::Unaligned);
        } else {
          xv = float_v(base + v * kLanes * g.sw, stride_index);
        }
        acc[v] = Vc::fma(wv, xv, acc[v]);
      }
    }
  }
  if (valid == NV * kLanes) {
    for (int v = 0; v < NV; ++v) acc[v].store(yrow + ow0 + v * kLanes, Vc::Unaligned);
    return;
  }
  alignas(64) float lanes[NV * kLanes];  // the width tail
  for (int v = 0; v < NV; ++v) acc[v].store(lanes + v * kLanes, Vc::Aligned);
  std::copy(lanes, lanes + valid, yrow + ow0);
}
// [docs:end]

template <Load L>
void dw_row(const Geometry& g, const float* const* rows, const float* wk, float bias, float* yrow) {
  std::int64_t ow = 0;
  for (; ow + 4 * kLanes <= g.W_out; ow += 4 * kLanes) {
    dw_tile<4, L>(g, rows, wk, bias, yrow, ow, 4 * kLanes);
  }
  for (; ow < g.W_out; ow += kLanes) {
    dw_tile<1, L>(g, rows, wk, bias, yrow, ow, std::min(kLanes, g.W_out - ow));
  }
}

}  // namespace

std::string conv2d_depthwise_vc_supports(const Conv2dParams& p, const Shape& x, const Shape& w) {
  if (!conv2d_detail::rank4(x, w)) return "";
  return conv2d_detail::depthwise_reason(p, x, w);
}

void conv2d_depthwise_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y) {
  const Geometry g = conv2d_detail::geometry("conv2d_depthwise_vc", x, w, b, p, y,
                                             conv2d_depthwise_vc_supports(p, x.shape(), w.shape()));
  // Each channel is first copied into padded rows, wide enough for whole vectors past the last
  // output column (stride 2 also reads the odd lane after the last even one).
  const std::int64_t width =
      (g.W_out + kLanes - 1) / kLanes * kLanes * g.sw + (g.KW - 1) * g.dw + g.sw;
  std::vector<float> padded(static_cast<std::size_t>(g.H * width));
  std::vector<const float*> rows(static_cast<std::size_t>(g.KH));
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t c = 0; c < g.C_in; ++c) {
      const float* xc = x.data() + (n * g.C_in + c) * g.H * g.W;
      for (std::int64_t ih = 0; ih < g.H; ++ih) {
        conv2d_detail::fill_padded_row(g, xc + ih * g.W, padded.data() + ih * width, width);
      }
      const float* wk = w.data() + c * g.KH * g.KW;
      const float bias = b.empty() ? 0.0f : b[c];
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        for (std::int64_t kh = 0; kh < g.KH; ++kh) {
          const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
          rows[static_cast<std::size_t>(kh)] = ih < 0 ? nullptr : padded.data() + ih * width;
        }
        float* yrow = y.data() + ((n * g.C_out + c) * g.H_out + oh) * g.W_out;
        if (g.sw == 1) {
          dw_row<Load::unit>(g, rows.data(), wk, bias, yrow);
        } else if (g.sw == 2) {
          dw_row<Load::even>(g, rows.data(), wk, bias, yrow);
        } else {
          dw_row<Load::gather>(g, rows.data(), wk, bias, yrow);
        }
      }
    }
  }
}

}  // namespace convlab
