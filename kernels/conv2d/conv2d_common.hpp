// Internal to kernels/conv2d/: the problem geometry every variant starts from, and the check
// that turns a refused problem into an exception instead of a wrong answer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/params.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "reference/padding.hpp"

namespace convlab::conv2d_detail {

struct Geometry {
  std::int64_t N, C_in, H, W;
  std::int64_t C_out, KH, KW;
  std::int64_t H_out, W_out;
  std::int64_t groups, C_in_g, C_out_g;
  std::int64_t sh, sw, pt, pb, pl, pr, dh, dw;
  PaddingMode mode;
};

// Validates shapes through the shape module, checks that y has the output shape, and that the
// variant supports the problem (`reason` is its supports() answer).
inline Geometry geometry(std::string_view variant, const Tensor<float>& x, const Tensor<float>& w,
                         const Tensor<float>& b, const Conv2dParams& p, const Tensor<float>& y,
                         const std::string& reason) {
  const Shape out = conv2d_output_shape(x.shape(), w.shape(), b.shape(), p);
  require_same_shape(variant, "y", y.shape(), out);
  if (!reason.empty()) {
    throw std::invalid_argument(std::string(variant) + ": unsupported problem: " + reason);
  }
  Geometry g{};
  g.N = x.dim(0);
  g.C_in = x.dim(1);
  g.H = x.dim(2);
  g.W = x.dim(3);
  g.C_out = w.dim(0);
  g.KH = w.dim(2);
  g.KW = w.dim(3);
  g.H_out = out[2];
  g.W_out = out[3];
  g.groups = p.groups;
  g.C_in_g = g.C_in / p.groups;
  g.C_out_g = g.C_out / p.groups;
  g.sh = p.stride_h;
  g.sw = p.stride_w;
  g.pt = p.pad_top;
  g.pb = p.pad_bottom;
  g.pl = p.pad_left;
  g.pr = p.pad_right;
  g.dh = p.dilation_h;
  g.dw = p.dilation_w;
  g.mode = p.padding_mode;
  return g;
}

// supports() answers about shapes the shape module rejects with "" and lets run() throw the
// shape module's message; only shapes of rank 4 are inspected here.
inline bool rank4(const Shape& x, const Shape& w) {
  return x.rank() == 4 && w.rank() == 4;
}

// "" when the problem is depthwise with channel multiplier 1 (groups == C_in == C_out), the
// only problems the depthwise variants take, else why not (conv2d_direct_vc takes any groups).
inline std::string depthwise_reason(const Conv2dParams& p, const Shape& x, const Shape& w) {
  if (p.groups == x[1] && w[0] == x[1]) return "";
  return "needs groups == C_in == C_out (depthwise, channel multiplier 1; conv2d_direct_vc takes "
         "any groups); got groups " +
         std::to_string(p.groups) + ", C_in " + std::to_string(x[1]) + ", C_out " +
         std::to_string(w[0]);
}

// The output range [lo, hi) of positions whose whole window lies inside [0, n) along one axis:
// o * s + k * d - pad in [0, n) for every k in [0, kernel).
struct Interior {
  std::int64_t lo, hi;
};
inline Interior interior(std::int64_t n, std::int64_t out, std::int64_t kernel, std::int64_t s,
                         std::int64_t pad, std::int64_t d) {
  const std::int64_t lo = std::min(out, (pad + s - 1) / s);
  const std::int64_t last = n - 1 - (kernel - 1) * d + pad;  // o * s <= last
  const std::int64_t hi = last < 0 ? 0 : std::min(out, last / s + 1);
  return {lo, std::max(lo, hi)};
}

// One input row as a padded row: dst[c] = x_row[first + c - pad_left] for c in [0, width),
// through the padding rule inside [-pad_left, W + pad_right) and zero beyond (columns that only
// feed vector lanes or tiles past W_out, which are never stored). `first` > 0 gives the part
// of the padded row from column `first` on.
inline void fill_padded_row(const Geometry& g, const float* src, float* dst, std::int64_t width,
                            std::int64_t first = 0) {
  for (std::int64_t c = 0; c < width; ++c) {
    const std::int64_t iw = first + c - g.pl;
    if (iw >= 0 && iw < g.W) {
      const std::int64_t n = std::min(g.W - iw, width - c);
      std::copy(src + iw, src + iw + n, dst + c);
      c += n - 1;
    } else if (iw >= -g.pl && iw < g.W + g.pr) {
      const std::int64_t s = ref::source_index(iw, g.W, g.mode);
      dst[c] = s < 0 ? 0.0f : src[s];
    } else {
      dst[c] = 0.0f;
    }
  }
}

// Weights of each group in blocks of `block` output channels, channel fastest:
// packed[group][blk][ic][kh][kw][block], zeros for channels past C_out/G. Bias likewise:
// packed_bias[group][blk][block].
struct PackedWeights {
  std::int64_t block, blocks_per_group, block_size;
  std::vector<float> w, b;
  const float* weights(std::int64_t grp, std::int64_t blk) const {
    return w.data() + (grp * blocks_per_group + blk) * block_size;
  }
  const float* bias(std::int64_t grp, std::int64_t blk) const {
    return b.data() + (grp * blocks_per_group + blk) * block;
  }
};

// The bias of each group in blocks of `block` channels: packed[group][blk][block], zeros for
// channels past C_out/G and everywhere when b is empty.
inline std::vector<float> pack_bias(const Tensor<float>& b, std::int64_t groups,
                                    std::int64_t C_out_g, std::int64_t block) {
  const std::int64_t blocks = (C_out_g + block - 1) / block;
  std::vector<float> packed(static_cast<std::size_t>(groups * blocks * block), 0.0f);
  if (b.empty()) return packed;
  for (std::int64_t grp = 0; grp < groups; ++grp) {
    for (std::int64_t oc = 0; oc < C_out_g; ++oc) {
      packed[static_cast<std::size_t>((grp * blocks + oc / block) * block + oc % block)] =
          b[grp * C_out_g + oc];
    }
  }
  return packed;
}

// w (C_out x C_in/G x KH x KW) and b packed as PackedWeights says.
inline PackedWeights pack_weights(const Tensor<float>& w, const Tensor<float>& b,
                                  std::int64_t groups, std::int64_t block) {
  const std::int64_t C_out_g = w.dim(0) / groups;
  const std::int64_t taps = w.dim(1) * w.dim(2) * w.dim(3);  // (ic, kh, kw) flattened, as in w
  PackedWeights pw;
  pw.block = block;
  pw.blocks_per_group = (C_out_g + block - 1) / block;
  pw.block_size = taps * block;
  pw.w.assign(static_cast<std::size_t>(groups * pw.blocks_per_group * pw.block_size), 0.0f);
  pw.b = pack_bias(b, groups, C_out_g, block);
  for (std::int64_t grp = 0; grp < groups; ++grp) {
    for (std::int64_t oc = 0; oc < C_out_g; ++oc) {
      const std::int64_t blk = oc / block, lane = oc % block;
      float* dst = pw.w.data() + (grp * pw.blocks_per_group + blk) * pw.block_size + lane;
      const float* src = w.data() + (grp * C_out_g + oc) * taps;
      for (std::int64_t t = 0; t < taps; ++t) dst[t * block] = src[t];
    }
  }
  return pw;
}

inline PackedWeights pack_weights(const Geometry& g, const Tensor<float>& w, const Tensor<float>& b,
                                  std::int64_t block) {
  return pack_weights(w, b, g.groups, block);
}

}  // namespace convlab::conv2d_detail
