// Internal to kernels/transposed/: the convolution a transposed convolution is the adjoint of,
// as the Geometry that im2col and col2im (kernels/conv2d/im2col.hpp) take, and small shared
// helpers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/shape.hpp"
#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/parallel.hpp"

namespace convlab::transposed_detail {

// For conv_transpose2d x: (N, C_in, H, W), w: (C_in, C_out/G, KH, KW) -> y: (N, C_out, H_out,
// W_out), the adjoint convolution maps y back onto x's grid: its input is y (C_out channels,
// H_out x W_out), its output x's positions (C_in channels, H x W), same weight array, stride,
// padding, dilation and groups, zero padding. In the returned Geometry, therefore:
//   C_in, C_in_g, H, W      = y's channels, channels per group, height, width
//   C_out, C_out_g, H_out, W_out = x's channels, channels per group, height, width.
// When output_padding >= stride that convolution would give more than H x W positions; the
// extra ones read positions no x element reaches and are simply not computed here.
// Validates through the shape module and checks that `y` (named `y_name`, the forward output
// or the backward dy) has the output shape and that the variant supports the problem.
inline conv2d_detail::Geometry adjoint_geometry(std::string_view variant, const Shape& x,
                                                const Shape& w, const Shape& b,
                                                const ConvTranspose2dParams& p, const Shape& y,
                                                std::string_view y_name,
                                                const std::string& reason) {
  const Shape out = conv_transpose2d_output_shape(x, w, b, p);
  require_same_shape(variant, y_name, y, out);
  if (!reason.empty()) {
    throw std::invalid_argument(std::string(variant) + ": unsupported problem: " + reason);
  }
  conv2d_detail::Geometry g{};
  g.N = x[0];
  g.C_in = out[1];
  g.H = out[2];
  g.W = out[3];
  g.C_out = x[1];
  g.KH = w[2];
  g.KW = w[3];
  g.H_out = x[2];
  g.W_out = x[3];
  g.groups = p.groups;
  g.C_in_g = out[1] / p.groups;
  g.C_out_g = x[1] / p.groups;
  g.sh = p.stride_h;
  g.sw = p.stride_w;
  g.pt = p.pad_top;
  g.pb = p.pad_bottom;
  g.pl = p.pad_left;
  g.pr = p.pad_right;
  g.dh = p.dilation_h;
  g.dw = p.dilation_w;
  g.mode = PaddingMode::zeros;
  return g;
}

// Whether a GEMM of these sizes has any work (an empty extent means the products are all
// absent and the output keeps its fill; gemm() itself rejects zero sizes).
inline bool has_work(std::int64_t m, std::int64_t n, std::int64_t k) {
  return m > 0 && n > 0 && k > 0;
}

// The loop of the GEMM backward passes: body(grp, n, col) for every group and sample whose
// GEMMs (sizes K, P and g.C_out_g) have work, col a K x P buffer of the calling thread. OpenMP
// over groups (disjoint slices of dx and dw); within a group the samples run in order, so a
// sum over samples (dw) has a fixed order whatever the thread count.
template <class Body>
void for_each_group_and_sample(const conv2d_detail::Geometry& g, std::int64_t K, std::int64_t P,
                               Body&& body) {
  if (!has_work(K, P, g.C_out_g)) return;
  // No team for a single unit of work.
  parallel_region(g.groups > 1, [&] {
    std::vector<float> col(static_cast<std::size_t>(K * P));
#pragma omp for schedule(static)
    for (std::int64_t grp = 0; grp < g.groups; ++grp) {
      for (std::int64_t n = 0; n < g.N; ++n) body(grp, n, col.data());
    }
  });
}

// db[c] = sum over samples and positions of dy[n][c][..], a float sum in (n, position) order.
// dy: (N, C, P) as a flat array. Channels are independent: OpenMP over c.
inline void bias_gradient(const float* dy, std::int64_t N, std::int64_t C, std::int64_t P,
                          float* db) {
  // Below ~64k additions a team costs more than it saves.
  parallel_region(N * C * P >= (1 << 16), [&] {
#pragma omp for schedule(static)
    for (std::int64_t c = 0; c < C; ++c) {
      float s = 0;
      for (std::int64_t n = 0; n < N; ++n) {
        const float* plane = dy + (n * C + c) * P;
        for (std::int64_t i = 0; i < P; ++i) s += plane[i];
      }
      db[c] = s;
    }
  });
}

}  // namespace convlab::transposed_detail
