// conv1d_direct_vc and conv3d_direct_vc: direct convolution with register tiles of
// Vc::float_v, no column buffer.
//
//   y[n][oc][od][oh][ow] = b[oc] + sum_{ic, kd, kh, kw} x[n][g*C_in/G + ic][od*sd + kd*dd - pf]
//                          [oh*sh + kh*dh - pt][ow*sw + kw*dw - pl] * w[oc][ic][kd][kh][kw]
//
// (conv1d: D = H = KD = KH = 1.) An output line (n, group, od, oh) of W_out values reads
// C_in/G * KD * KH input lines; once those are known the problem is a 1-D convolution of a
// bundle of lines, and (ic, kd, kh) behave like one index r, as in w's memory layout. Two tile
// shapes over that bundle:
//  - vectors along the output width (stride_w == 1 and W_out >= 2 vectors): 6 output channels
//    x 2 vectors of columns in 12 accumulators. The input lines are first copied into padded
//    lines (column c = input column c - pad_left, zeros around), so the edges and the width
//    tail run the same unchecked vector loads; a tail stores only its valid columns.
//  - vectors along the output channels (any stride, short outputs): 2 vectors of channels x 6
//    columns; the input is broadcast, so its stride does not matter. Columns whose window
//    leaves the input check each tap; channel tails are zero-weight lanes never stored.
// Parent: conv1d_im2col_gemm / conv3d_vol2col_gemm: the same register blocking as the GEMM's
// micro-kernel (a tile of outputs stays in registers for the whole reduction, each loaded input
// vector feeds 6 channels, each broadcast weight 16 columns) but reading the input in place, so
// the KD*KH*KW-fold column buffer disappears. When it wins: 3-D volumes, where the buffer is
// tens to hundreds of MB, and long 1-D sequences with few channels; the GEMM wins on wide
// layers with short outputs. Memory: the weights repacked into channel blocks (one copy of w)
// and the padded lines of one output line per thread.
// Threads: OpenMP over output lines (n, group, od, oh), each written by one thread.
// Accuracy: each output is one float dot product (FMA) in (ic, kd, kh, kw) order from the bias
// (tolerance factor 2: convnd_kernels.hpp).
#include <Vc/Vc>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/convnd/convnd_common.hpp"
#include "kernels/convnd/convnd_kernels.hpp"
#include "kernels/parallel.hpp"

namespace convlab {
namespace {

using convnd_detail::Geometry;
using Vc::float_v;
constexpr std::int64_t kLanes = static_cast<std::int64_t>(float_v::size());

// Weights of each group in blocks of `block` output channels, channel fastest:
// w[group][blk][r][kw][block] with r = (ic * KD + kd) * KH + kh, zeros past C_out/G; the bias
// likewise as b[group][blk][block].
struct PackedWeights {
  std::int64_t block = 0, blocks_per_group = 0, block_size = 0;
  std::vector<float> w, b;
  const float* weights(std::int64_t grp, std::int64_t blk) const {
    return w.data() + (grp * blocks_per_group + blk) * block_size;
  }
  const float* bias(std::int64_t grp, std::int64_t blk) const {
    return b.data() + (grp * blocks_per_group + blk) * block;
  }
};

PackedWeights pack_weights(const Geometry& g, const Tensor<float>& w, const Tensor<float>& b,
                           std::int64_t block) {
  PackedWeights pw;
  pw.block = block;
  pw.blocks_per_group = (g.C_out_g + block - 1) / block;
  pw.block_size = g.taps() * block;
  pw.w.assign(static_cast<std::size_t>(g.groups * pw.blocks_per_group * pw.block_size), 0.0f);
  pw.b.assign(static_cast<std::size_t>(g.groups * pw.blocks_per_group * block), 0.0f);
  for (std::int64_t oc = 0; oc < g.C_out; ++oc) {
    const std::int64_t grp = oc / g.C_out_g, blk = oc % g.C_out_g / block,
                       lane = oc % g.C_out_g % block;
    float* dst = pw.w.data() + (grp * pw.blocks_per_group + blk) * pw.block_size + lane;
    const float* src = w.data() + oc * g.taps();
    for (std::int64_t t = 0; t < g.taps(); ++t) dst[t * block] = src[t];
    if (!b.empty()) {
      pw.b[static_cast<std::size_t>((grp * pw.blocks_per_group + blk) * block + lane)] = b[oc];
    }
  }
  return pw;
}

// The input lines output line (od, oh) reads, lines[r] = x[ic][id][ih] (nullptr for a line of
// zero padding), r = (ic * KD + kd) * KH + kh. xg: x[n][first channel of the group].
void input_lines(const Geometry& g, const float* xg, std::int64_t od, std::int64_t oh,
                 std::vector<const float*>& lines) {
  lines.resize(static_cast<std::size_t>(g.C_in_g * g.KD * g.KH));
  std::size_t r = 0;
  for (std::int64_t ic = 0; ic < g.C_in_g; ++ic) {
    for (std::int64_t kd = 0; kd < g.KD; ++kd) {
      const std::int64_t id = convnd_detail::source(od, g.sd, kd, g.dd, g.pf, g.D);
      for (std::int64_t kh = 0; kh < g.KH; ++kh, ++r) {
        const std::int64_t ih = id < 0 ? -1 : convnd_detail::source(oh, g.sh, kh, g.dh, g.pt, g.H);
        lines[r] = ih < 0 ? nullptr : xg + ((ic * g.D + id) * g.H + ih) * g.W;
      }
    }
  }
}

// ---- vectors along the output width (stride_w == 1) ----

// 12 accumulators, 2 input vectors and 1 broadcast weight: 15 of the 16 AVX2 registers.
constexpr std::int64_t kOwBlock = 6;  // output channels per tile
constexpr int kOwVectors = 2;         // vectors of output columns per tile

// OCB channels x NV vectors of columns from ow0, the first `valid` columns stored. lines: padded
// lines (column c = input column c - pad_left). y0 = y[n][oc0][od][oh][0]; plane =
// D_out*H_out*W_out.
template <int OCB, int NV>
void ow_tile(const Geometry& g, const float* const* lines, std::int64_t nlines, const float* wp,
             const float* bias, float* y0, std::int64_t plane, std::int64_t ow0,
             std::int64_t valid) {
  float_v acc[OCB][NV];
  for (int o = 0; o < OCB; ++o) {
    for (int v = 0; v < NV; ++v) acc[o][v] = float_v(bias[o]);
  }
  for (std::int64_t r = 0; r < nlines; ++r) {
    if (lines[r] == nullptr) continue;  // a line of zero padding adds nothing
    const float* line = lines[r] + ow0;
    const float* wr = wp + r * g.KW * kOwBlock;
    for (std::int64_t kw = 0; kw < g.KW; ++kw) {
      float_v xv[NV];
      for (int v = 0; v < NV; ++v) xv[v] = float_v(line + kw * g.dw + v * kLanes, Vc::Unaligned);
      for (int o = 0; o < OCB; ++o) {
        const float_v wv(wr[kw * kOwBlock + o]);
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
  alignas(64) float tail[NV * kLanes];
  for (int o = 0; o < OCB; ++o) {
    for (int v = 0; v < NV; ++v) acc[o][v].store(tail + v * kLanes, Vc::Aligned);
    std::copy(tail, tail + valid, y0 + o * plane + ow0);
  }
}

template <int OCB>
void ow_line(const Geometry& g, const float* const* lines, std::int64_t nlines, const float* wp,
             const float* bias, float* y0) {
  const std::int64_t plane = g.out_volume();
  std::int64_t ow = 0;
  for (; ow + kOwVectors * kLanes <= g.W_out; ow += kOwVectors * kLanes) {
    ow_tile<OCB, kOwVectors>(g, lines, nlines, wp, bias, y0, plane, ow, kOwVectors * kLanes);
  }
  for (; ow < g.W_out; ow += kLanes) {
    ow_tile<OCB, 1>(g, lines, nlines, wp, bias, y0, plane, ow, std::min(kLanes, g.W_out - ow));
  }
}

// ow_line<ocb> for a runtime ocb in [1, OCB] (the last block of a group may be short).
template <int OCB>
void ow_dispatch(std::int64_t ocb, const Geometry& g, const float* const* lines,
                 std::int64_t nlines, const float* wp, const float* bias, float* y0) {
  if (ocb == OCB) {
    ow_line<OCB>(g, lines, nlines, wp, bias, y0);
  } else if constexpr (OCB > 1) {
    ow_dispatch<OCB - 1>(ocb, g, lines, nlines, wp, bias, y0);
  }
}

// ---- vectors along the output channels (any stride) ----

constexpr std::int64_t kOcBlock = 2 * kLanes;  // output channels per tile (2 vectors)
constexpr int kOcCols = 6;                     // output columns per tile

// NV vectors of channels x OWB columns from ow0; the first `valid` channels stored. Checked:
// some tap of these columns may fall outside [0, W). lines: the input lines themselves.
template <int NV, int OWB, bool Checked>
void oc_tile(const Geometry& g, const float* const* lines, std::int64_t nlines, const float* wq,
             const float* bias, float* y0, std::int64_t plane, std::int64_t valid,
             std::int64_t ow0) {
  float_v acc[NV][OWB];
  for (int v = 0; v < NV; ++v) {
    const float_v bv(bias + v * kLanes, Vc::Unaligned);
    for (int j = 0; j < OWB; ++j) acc[v][j] = bv;
  }
  for (std::int64_t r = 0; r < nlines; ++r) {
    const float* line = lines[r];
    if (line == nullptr) continue;
    const float* wr = wq + r * g.KW * kOcBlock;
    for (std::int64_t kw = 0; kw < g.KW; ++kw) {
      float_v wv[NV];
      for (int v = 0; v < NV; ++v) wv[v] = float_v(wr + kw * kOcBlock + v * kLanes, Vc::Unaligned);
      for (int j = 0; j < OWB; ++j) {
        const std::int64_t iw = (ow0 + j) * g.sw + kw * g.dw - g.pl;
        if constexpr (Checked) {
          if (iw < 0 || iw >= g.W) continue;
        }
        const float_v xs(line[iw]);
        for (int v = 0; v < NV; ++v) acc[v][j] = Vc::fma(wv[v], xs, acc[v][j]);
      }
    }
  }
  alignas(64) float out[NV * kLanes];
  for (int j = 0; j < OWB; ++j) {
    for (int v = 0; v < NV; ++v) acc[v][j].store(out + v * kLanes, Vc::Aligned);
    for (std::int64_t l = 0; l < valid; ++l) y0[l * plane + ow0 + j] = out[l];
  }
}

template <int NV>
void oc_line(const Geometry& g, const float* const* lines, std::int64_t nlines, const float* wq,
             const float* bias, float* y0, std::int64_t valid, convnd_detail::Interior in) {
  const std::int64_t plane = g.out_volume();
  std::int64_t ow = 0;
  for (; ow < in.lo; ++ow) oc_tile<NV, 1, true>(g, lines, nlines, wq, bias, y0, plane, valid, ow);
  for (; ow + kOcCols <= in.hi; ow += kOcCols) {
    oc_tile<NV, kOcCols, false>(g, lines, nlines, wq, bias, y0, plane, valid, ow);
  }
  for (; ow < in.hi; ++ow) oc_tile<NV, 1, false>(g, lines, nlines, wq, bias, y0, plane, valid, ow);
  for (; ow < g.W_out; ++ow) oc_tile<NV, 1, true>(g, lines, nlines, wq, bias, y0, plane, valid, ow);
}

// ---- the driver ----

void run_direct(const Geometry& g, const Tensor<float>& x, const Tensor<float>& w,
                const Tensor<float>& b, Tensor<float>& y) {
  const bool by_width = g.sw == 1 && g.W_out >= kOwVectors * kLanes;
  const PackedWeights pw = pack_weights(g, w, b, by_width ? kOwBlock : kOcBlock);
  const convnd_detail::Interior in = convnd_detail::interior(g.W, g.W_out, g.KW, g.sw, g.pl, g.dw);
  const std::int64_t nlines = g.C_in_g * g.KD * g.KH;
  // Padded lines wide enough for whole vectors past the last output column.
  const std::int64_t width = (g.W_out + kLanes - 1) / kLanes * kLanes + (g.KW - 1) * g.dw;
  const std::int64_t out_lines = g.N * g.groups * g.D_out * g.H_out;
  const bool threaded = out_lines > 1 && g.C_out * g.taps() * g.out_volume() * g.N >= (1 << 21);
  const float* xd = x.data();
  float* yd = y.data();
  parallel_region(threaded, [&] {
    std::vector<const float*> lines;
    std::vector<const float*> padded_lines(static_cast<std::size_t>(nlines));
    std::vector<float> padded(by_width ? static_cast<std::size_t>(nlines * width) : 0);
#pragma omp for schedule(static)
    for (std::int64_t line = 0; line < out_lines; ++line) {
      const std::int64_t oh = line % g.H_out, od = line / g.H_out % g.D_out;
      const std::int64_t grp = line / (g.H_out * g.D_out) % g.groups;
      const std::int64_t n = line / (g.H_out * g.D_out * g.groups);
      input_lines(g, xd + (n * g.C_in + grp * g.C_in_g) * g.in_volume(), od, oh, lines);
      const float* const* use = lines.data();
      if (by_width) {
        for (std::int64_t r = 0; r < nlines; ++r) {
          const float* src = lines[static_cast<std::size_t>(r)];
          float* dst = padded.data() + r * width;
          padded_lines[static_cast<std::size_t>(r)] = src == nullptr ? nullptr : dst;
          if (src == nullptr) continue;
          // dst[c] = src[c - pl] inside the input, zero outside.
          const std::int64_t lo = std::min(width, g.pl), hi = std::min(width, g.pl + g.W);
          std::fill(dst, dst + lo, 0.0f);
          std::copy(src, src + (hi - lo), dst + lo);
          std::fill(dst + hi, dst + width, 0.0f);
        }
        use = padded_lines.data();
      }
      for (std::int64_t blk = 0; blk < pw.blocks_per_group; ++blk) {
        const std::int64_t oc0 = grp * g.C_out_g + blk * pw.block;
        const std::int64_t valid = std::min(pw.block, g.C_out_g - blk * pw.block);
        float* y0 = yd + ((n * g.C_out + oc0) * g.D_out + od) * g.H_out * g.W_out + oh * g.W_out;
        const float* wp = pw.weights(grp, blk);
        const float* bias = pw.bias(grp, blk);
        if (by_width) {
          ow_dispatch<kOwBlock>(valid, g, use, nlines, wp, bias, y0);
        } else if (valid > kLanes) {
          oc_line<2>(g, use, nlines, wp, bias, y0, valid, in);
        } else {
          oc_line<1>(g, use, nlines, wp, bias, y0, valid, in);
        }
      }
    }
  });
}

}  // namespace

std::string conv1d_direct_vc_supports(const Conv1dParams&, const Shape&, const Shape&) {
  return "";
}
std::string conv3d_direct_vc_supports(const Conv3dParams&, const Shape&, const Shape&) {
  return "";
}

void conv1d_direct_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                      const Conv1dParams& p, Tensor<float>& y) {
  const Geometry g = convnd_detail::forward_geometry(
      "conv1d_direct_vc", x, w, b, p, y, conv1d_direct_vc_supports(p, x.shape(), w.shape()));
  run_direct(g, x, w, b, y);
}

void conv3d_direct_vc(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                      const Conv3dParams& p, Tensor<float>& y) {
  const Geometry g = convnd_detail::forward_geometry(
      "conv3d_direct_vc", x, w, b, p, y, conv3d_direct_vc_supports(p, x.shape(), w.shape()));
  run_direct(g, x, w, b, y);
}

}  // namespace convlab
