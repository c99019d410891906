// conv2d_direct_vc: direct convolution with register tiles of Vc::float_v, no im2col buffer.
//
//   y[n][oc][oh][ow] = b[oc] + sum_{ic, kh, kw} x[n][g*C_in/G + ic][oh*sh + kh*dh - pt]
//                                                [ow*sw + kw*dw - pl] * w[oc][ic][kh][kw]
//
// Parent: the reference loop. What this adds: a tile of outputs lives in vector registers for
// the whole (ic, kh, kw) reduction, so each loaded input vector feeds several output channels
// and each broadcast weight several output columns. Two tile shapes, both kept and tested:
//  - conv2d_direct_vc_ow: vectors along the output width, 6 output channels x 2 vectors of
//    columns (12 accumulators). The input rows an output row reads are first copied into
//    padded rows (C_in/G * KH rows of about W_out + KW floats), so the left/right edges and
//    the width tail run the same vector code. Unit-stride loads need stride_w == 1; for
//    stride_w > 1 this variant runs the scalar formula (correct, slow).
//  - conv2d_direct_vc_oc: vectors along the output channels, 2 vectors of channels x 6
//    columns, any stride (the input is broadcast, so its stride does not matter). Channel
//    tails are zero weights in unused lanes, never stored.
//  - conv2d_direct_vc picks ow for stride_w == 1 and W_out >= 16, else oc.
// When it wins: large images, where an im2col buffer no longer fits the caches (VGG-16 3x3 at
// 224x224: 2.5x im2col + GEMM), and shapes a GEMM handles badly. Measured single-threaded on
// the ResNet-50 3x3 64 -> 64 layer at 56x56: ~55 GFLOP/s, about half this machine's AVX2 FMA
// peak (bench/bench_variants.cpp). Memory: the weights repacked into channel blocks (one copy of
// w) and, for ow, the padded rows of one output row; nothing proportional to the image.
// Accuracy: each output is one float dot product (FMA) over (ic, kh, kw), the plain bound.
#include <Vc/Vc>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"

namespace convlab {
namespace {

using conv2d_detail::Geometry;
using conv2d_detail::pack_weights;
using conv2d_detail::PackedWeights;
using Vc::float_v;
constexpr std::int64_t kLanes = static_cast<std::int64_t>(float_v::size());

// One output element by the formula; the edge and tail path of both tile shapes.
// xg: x[n][first channel of the group], wo: w[oc].
float scalar_output(const Geometry& g, const float* xg, const float* wo, float bias,
                    std::int64_t oh, std::int64_t ow) {
  float sum = bias;
  for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
    for (std::int64_t kh = 0; kh < g.KH; ++kh) {
      const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
      if (ih < 0) continue;
      const float* xr = xg + (ic * g.H + ih) * g.W;
      const float* wr = wo + (ic * g.KH + kh) * g.KW;
      for (std::int64_t kw = 0; kw < g.KW; ++kw) {
        const std::int64_t iw = ref::source_index(ow * g.sw + kw * g.dw - g.pl, g.W, g.mode);
        if (iw < 0) continue;
        sum = std::fma(xr[iw], wr[kw], sum);
      }
    }
  }
  return sum;
}

// Row pointers of the C_in/G * KH input rows that output row oh reads (nullptr for a zero
// padding row), indexed [ic * KH + kh].
void input_rows(const Geometry& g, const float* xg, std::int64_t oh,
                std::vector<const float*>& rows) {
  rows.resize(static_cast<std::size_t>(g.C_in_g * g.KH));
  for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
    for (std::int64_t kh = 0; kh < g.KH; ++kh) {
      const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
      rows[static_cast<std::size_t>(ic * g.KH + kh)] =
          ih < 0 ? nullptr : xg + (ic * g.H + ih) * g.W;
    }
  }
}

// ---- vectors along the output width ----

// 6 output channels x 2 vectors of columns: 12 accumulators, 2 input vectors and 1 broadcast
// weight use 15 of the 16 AVX2 vector registers. (Measured on the ResNet-50 3x3 layer: 4 x 2
// takes ~1.7x as long, 8 x 2 ~0.9x when AVX-512VL offers 32 registers.)
constexpr std::int64_t kOwBlock = 6;  // output channels per tile
constexpr int kOwVectors = 2;         // vectors of output columns per tile

// OCB output channels x NV vectors of columns starting at ow0, of which the first `valid` are
// stored. rows: padded copies of the input rows (column c = input column c - pad_left), so every
// load is in bounds and needs no check. y0 = y[n][oc0][oh][0], plane = H_out * W_out.
// [docs:direct-ow-tile]
template <int OCB, int NV>
void ow_tile(const Geometry& g, const float* const* rows, const float* wp, const float* bias,
             float* y0, std::int64_t plane, std::int64_t ow0, std::int64_t valid) {
  float_v acc[OCB][NV];
  for (int o = 0; o < OCB; ++o) {
    for (int v = 0; v < NV; ++v) acc[o][v] = float_v(bias[o]);
  }
  for (std::int64_t ick = 0; ick < g.C_in_g * g.KH; ++ick) {
    const float* r = rows[ick];
    if (r == nullptr) continue;  // a row of zero padding
    r += ow0;
    const float* wk = wp + ick * g.KW * kOwBlock;
    for (std::int64_t kw = 0; kw < g.KW; ++kw) {
      const float* xp = r + kw * g.dw;
      float_v xv[NV];
      for (int v = 0; v < NV; ++v) xv[v] = float_v(xp + v * kLanes, Vc::Unaligned);
      for (int o = 0; o < OCB; ++o) {
        const float_v wv(wk[kw * kOwBlock + o]);
        for (int v = 0; v < NV; ++v) acc[o][v] = Vc::fma(wv, xv[v], acc[o][v]);
      }
    }
  }
  if (valid == NV * kLanes) {
    for (int o = 0; o < OCB; ++o) {
      for (int v = 0; v < NV; ++v)
        acc[o][v].store(y0 + o * plane + ow0 + v * kLanes, Vc::Unaligned);
    }
    return;
  }
  alignas(64) float lanes[NV * kLanes];  // a width tail: only the first `valid` columns exist
  for (int o = 0; o < OCB; ++o) {
    for (int v = 0; v < NV; ++v) acc[o][v].store(lanes + v * kLanes, Vc::Aligned);
    std::copy(lanes, lanes + valid, y0 + o * plane + ow0);
  }
}
// [docs:end]

template <int OCB>
void ow_row(const Geometry& g, const float* const* rows, const float* wp, const float* bias,
            float* y0) {
  const std::int64_t plane = g.H_out * g.W_out;
  std::int64_t ow = 0;
  for (; ow + kOwVectors * kLanes <= g.W_out; ow += kOwVectors * kLanes) {
    ow_tile<OCB, kOwVectors>(g, rows, wp, bias, y0, plane, ow, kOwVectors * kLanes);
  }
  for (; ow < g.W_out; ow += kLanes) {
    ow_tile<OCB, 1>(g, rows, wp, bias, y0, plane, ow, std::min(kLanes, g.W_out - ow));
  }
}

// ow_row<ocb> for a runtime ocb in [1, OCB].
template <int OCB>
void ow_dispatch(std::int64_t ocb, const Geometry& g, const float* const* rows, const float* wp,
                 const float* bias, float* y0) {
  if (ocb == OCB) {
    ow_row<OCB>(g, rows, wp, bias, y0);
  } else if constexpr (OCB > 1) {
    ow_dispatch<OCB - 1>(ocb, g, rows, wp, bias, y0);
  }
}

void run_ow(const Geometry& g, const Tensor<float>& x, const Tensor<float>& w,
            const Tensor<float>& b, Tensor<float>& y) {
  if (g.sw != 1) {  // no unit-stride vectors: the formula, one output at a time
    const std::int64_t taps = g.C_in_g * g.KH * g.KW;
    for (std::int64_t n = 0; n < g.N; ++n) {
      for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
        const float* xg = x.data() + (n * g.C_in + oc / g.C_out_g * g.C_in_g) * g.H * g.W;
        const float bias = b.empty() ? 0.0f : b[oc];
        float* yc = y.data() + (n * g.C_out + oc) * g.H_out * g.W_out;
        for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
          for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
            yc[oh * g.W_out + ow] = scalar_output(g, xg, w.data() + oc * taps, bias, oh, ow);
          }
        }
      }
    }
    return;
  }
  const PackedWeights pw = pack_weights(g, w, b, kOwBlock);
  // Padded rows wide enough for whole vectors past the last output column.
  const std::int64_t width = (g.W_out + kLanes - 1) / kLanes * kLanes + (g.KW - 1) * g.dw;
  std::vector<float> buffer(static_cast<std::size_t>(g.C_in_g * g.KH * width));
  std::vector<const float*> rows(static_cast<std::size_t>(g.C_in_g * g.KH));
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      const float* xg = x.data() + (n * g.C_in + grp * g.C_in_g) * g.H * g.W;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
          for (std::int64_t kh = 0; kh < g.KH; ++kh) {
            const std::int64_t ih = ref::source_index(oh * g.sh + kh * g.dh - g.pt, g.H, g.mode);
            const std::size_t ick = static_cast<std::size_t>(ic * g.KH + kh);
            float* dst = buffer.data() + ick * static_cast<std::size_t>(width);
            rows[ick] = ih < 0 ? nullptr : dst;
            if (ih >= 0) conv2d_detail::fill_padded_row(g, xg + (ic * g.H + ih) * g.W, dst, width);
          }
        }
        for (std::int64_t blk = 0; blk < pw.blocks_per_group; ++blk) {
          const std::int64_t oc0 = grp * g.C_out_g + blk * kOwBlock;
          const std::int64_t ocb = std::min(kOwBlock, g.C_out_g - blk * kOwBlock);
          float* y0 = y.data() + ((n * g.C_out + oc0) * g.H_out + oh) * g.W_out;
          const float* wp = pw.weights(grp, blk);
          const float* bias = pw.bias(grp, blk);
          ow_dispatch<kOwBlock>(ocb, g, rows.data(), wp, bias, y0);
        }
      }
    }
  }
}

// ---- vectors along the output channels ----

constexpr std::int64_t kOcBlock = 2 * kLanes;  // output channels per tile (2 vectors)
// 2 vectors of channels x 6 columns: 12 accumulators, 2 weight vectors and 1 broadcast input
// (15 registers). 4 columns measured ~1.3x slower on AlexNet conv1 and ResNet-50 3x3.
constexpr int kOcCols = 6;  // output columns per tile

// NV vectors of channels x OWB columns starting at ow0. Checked: some tap may fall outside the
// input columns (edges), so each column index goes through the padding rule.
// y0 = y[n][oc0][oh][0]; only the first `valid` channels are stored.
template <int NV, int OWB, bool Checked>
void oc_tile(const Geometry& g, const float* const* rows, const float* wq, const float* bias,
             float* y0, std::int64_t plane, std::int64_t valid, std::int64_t ow0) {
  float_v acc[NV][OWB];
  for (int v = 0; v < NV; ++v) {
    const float_v bv(bias + v * kLanes, Vc::Unaligned);
    for (int j = 0; j < OWB; ++j) acc[v][j] = bv;
  }
  for (std::int64_t ick = 0; ick < g.C_in_g * g.KH; ++ick) {
    const float* r = rows[ick];
    if (r == nullptr) continue;
    const float* wk = wq + ick * g.KW * kOcBlock;
    for (std::int64_t kw = 0; kw < g.KW; ++kw) {
      float_v wv[NV];
      for (int v = 0; v < NV; ++v) wv[v] = float_v(wk + kw * kOcBlock + v * kLanes, Vc::Unaligned);
      for (int j = 0; j < OWB; ++j) {
        std::int64_t iw = (ow0 + j) * g.sw + kw * g.dw - g.pl;
        if constexpr (Checked) {
          iw = ref::source_index(iw, g.W, g.mode);
          if (iw < 0) continue;
        }
        const float_v xs(r[iw]);
        for (int v = 0; v < NV; ++v) acc[v][j] = Vc::fma(wv[v], xs, acc[v][j]);
      }
    }
  }
  alignas(64) float lanes[NV * kLanes];
  for (int j = 0; j < OWB; ++j) {
    for (int v = 0; v < NV; ++v) acc[v][j].store(lanes + v * kLanes, Vc::Aligned);
    for (std::int64_t l = 0; l < valid; ++l) y0[l * plane + ow0 + j] = lanes[l];
  }
}

template <int NV>
void oc_row(const Geometry& g, const float* const* rows, const float* wq, const float* bias,
            float* y0, std::int64_t valid, conv2d_detail::Interior in) {
  const std::int64_t plane = g.H_out * g.W_out;
  for (std::int64_t ow = 0; ow < in.lo; ++ow) {
    oc_tile<NV, 1, true>(g, rows, wq, bias, y0, plane, valid, ow);
  }
  std::int64_t ow = in.lo;
  for (; ow + kOcCols <= in.hi; ow += kOcCols) {
    oc_tile<NV, kOcCols, false>(g, rows, wq, bias, y0, plane, valid, ow);
  }
  for (; ow < in.hi; ++ow) oc_tile<NV, 1, false>(g, rows, wq, bias, y0, plane, valid, ow);
  for (; ow < g.W_out; ++ow) oc_tile<NV, 1, true>(g, rows, wq, bias, y0, plane, valid, ow);
}

void run_oc(const Geometry& g, const Tensor<float>& x, const Tensor<float>& w,
            const Tensor<float>& b, Tensor<float>& y) {
  const PackedWeights pw = pack_weights(g, w, b, kOcBlock);
  const conv2d_detail::Interior in = conv2d_detail::interior(g.W, g.W_out, g.KW, g.sw, g.pl, g.dw);
  std::vector<const float*> rows;
  for (std::int64_t n = 0; n < g.N; ++n) {
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      const float* xg = x.data() + (n * g.C_in + grp * g.C_in_g) * g.H * g.W;
      for (std::int64_t oh = 0; oh < g.H_out; ++oh) {
        input_rows(g, xg, oh, rows);
        for (std::int64_t blk = 0; blk < pw.blocks_per_group; ++blk) {
          const std::int64_t oc0 = grp * g.C_out_g + blk * kOcBlock;
          const std::int64_t valid = std::min(kOcBlock, g.C_out_g - blk * kOcBlock);
          float* y0 = y.data() + ((n * g.C_out + oc0) * g.H_out + oh) * g.W_out;
          if (valid > kLanes) {
            oc_row<2>(g, rows.data(), pw.weights(grp, blk), pw.bias(grp, blk), y0, valid, in);
          } else {
            oc_row<1>(g, rows.data(), pw.weights(grp, blk), pw.bias(grp, blk), y0, valid, in);
          }
        }
      }
    }
  }
}

}  // namespace

std::string conv2d_direct_vc_ow_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}
std::string conv2d_direct_vc_oc_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}
std::string conv2d_direct_vc_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}

void conv2d_direct_vc_ow(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y) {
  const Geometry g = conv2d_detail::geometry("conv2d_direct_vc_ow", x, w, b, p, y,
                                             conv2d_direct_vc_ow_supports(p, x.shape(), w.shape()));
  run_ow(g, x, w, b, y);
}

void conv2d_direct_vc_oc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                         const Conv2dParams& p, Tensor<float>& y) {
  const Geometry g = conv2d_detail::geometry("conv2d_direct_vc_oc", x, w, b, p, y,
                                             conv2d_direct_vc_oc_supports(p, x.shape(), w.shape()));
  run_oc(g, x, w, b, y);
}

void conv2d_direct_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                      const Conv2dParams& p, Tensor<float>& y) {
  const Geometry g = conv2d_detail::geometry("conv2d_direct_vc", x, w, b, p, y,
                                             conv2d_direct_vc_supports(p, x.shape(), w.shape()));
  if (g.sw == 1 && g.W_out >= 2 * kLanes) {
    run_ow(g, x, w, b, y);
  } else {
    run_oc(g, x, w, b, y);
  }
}

}  // namespace convlab
