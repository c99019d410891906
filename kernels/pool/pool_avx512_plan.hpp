// Internal to kernels/pool/: what max_pool2d_avx512 and avg_pool2d_avx512 share in ordinary
// (non-AVX-512) code: the CPU check, the plan of pool_avx512.hpp with the tables it points to,
// and the OpenMP loop over the (n, c) planes.
#pragma once

#include <omp.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gemm/gemm.hpp"
#include "kernels/pool/pool_avx512.hpp"
#include "kernels/pool/pool_common.hpp"

namespace convlab::pool_detail {

// "" when this CPU runs the AVX-512 plane kernels, else the reason.
inline std::string avx512_supports() {
  return gemm_avx512_supported() ? std::string() : std::string("this CPU has no AVX-512F");
}

// Bit i set when column b + step * i lies in [0, W), for i < 16.
inline std::uint16_t lanes_inside(std::int64_t b, std::int64_t step, std::int64_t W) {
  std::uint16_t m = 0;
  for (std::int64_t i = 0; i < kAvx512Lanes; ++i) {
    const std::int64_t c = b + step * i;
    if (c >= 0 && c < W) m = static_cast<std::uint16_t>(m | (1u << i));
  }
  return m;
}

// The geometry of one problem and the plan over it (built in place: the plan points into the
// members, so the object is neither copied nor moved).
struct Avx512Problem {
  Geometry g;
  std::vector<std::uint16_t> masks;
  std::vector<std::uint8_t> inside;
  std::vector<float> first_col, divisor_w;
  std::vector<std::int32_t> first_tap_w;
  Avx512Plan plan;

  explicit Avx512Problem(Geometry geometry) : g(std::move(geometry)) {
    Avx512Plan& p = plan;
    p.H = g.H;
    p.W = g.W;
    p.H_out = g.H_out;
    p.W_out = g.W_out;
    p.kernel_w = g.w.k;
    p.stride_w = g.w.s;
    p.dilation_w = g.w.d;
    p.pad_left = g.w.lo;
    p.dilation_h = g.h.d;
    p.kernel_h = g.h.k;
    p.row_start = g.h.start.data();
    p.row_t_lo = g.h.t_lo.data();
    p.row_t_hi = g.h.t_hi.data();
    p.row_first = g.h.first.data();
    p.vectors = (g.W_out + kAvx512Lanes - 1) / kAvx512Lanes;
    p.loads = g.w.s == 2 ? 2 : 1;
    masks.reserve(static_cast<std::size_t>(p.vectors * g.w.k * p.loads));
    inside.reserve(static_cast<std::size_t>(p.vectors));
    for (std::int64_t j = 0; j < p.vectors; ++j) {
      bool full = true;
      for (std::int64_t kw = 0; kw < g.w.k; ++kw) {
        const std::int64_t b = j * kAvx512Lanes * g.w.s + kw * g.w.d - g.w.lo;
        masks.push_back(lanes_inside(b, g.w.s == 2 ? 1 : g.w.s, g.W));
        if (g.w.s == 2) masks.push_back(lanes_inside(b + kAvx512Lanes, 1, g.W));
        full = full && masks.back() == 0xFFFF && masks[masks.size() - p.loads] == 0xFFFF;
      }
      inside.push_back(full ? 1 : 0);
    }
    p.masks = masks.data();
    p.inside = inside.data();
    const std::int64_t padded = p.vectors * kAvx512Lanes;
    first_col.assign(static_cast<std::size_t>(padded), 0.0f);
    divisor_w.assign(static_cast<std::size_t>(padded), 1.0f);
    first_tap_w.assign(static_cast<std::size_t>(padded), 0);
    for (std::int64_t ow = 0; ow < g.W_out; ++ow) {
      first_col[static_cast<std::size_t>(ow)] = static_cast<float>(g.w.first[ow]);
      divisor_w[static_cast<std::size_t>(ow)] = static_cast<float>(g.w.divisor[ow]);
      first_tap_w[static_cast<std::size_t>(ow)] = static_cast<std::int32_t>(g.w.t_lo[ow]);
    }
    p.first_tap_w = first_tap_w.data();
    if (g.h.k * g.w.k <= 16) {
      for (std::int64_t t = 0; t < g.h.k; ++t) {
        for (std::int64_t kw = 0; kw < g.w.k; ++kw) {
          p.tap_offset[t * g.w.k + kw] = static_cast<float>(t * g.h.d * g.W + kw * g.w.d);
        }
      }
    }
    p.first_col = first_col.data();
    p.divisor_w = divisor_w.data();
    p.divisor_h = g.h.divisor.data();
    p.col_first = g.w.first[0];
    p.col_end = g.w.end[0];
  }
  Avx512Problem(const Avx512Problem&) = delete;
  Avx512Problem& operator=(const Avx512Problem&) = delete;

  // f(plane) for every (n, c) plane, OpenMP over planes above kMinElementsForThreads
  // (`elements` is what the problem touches).
  // A plain loop when the region would have one thread: even then entering it costs more
  // than a small problem (LeNet's 6 planes of 28 x 28) takes.
  template <class F>
  void for_each_plane(std::int64_t elements, F f) const {
    const std::int64_t planes = g.N * g.C;
    if (!worth_threads(elements) || omp_get_max_threads() == 1) {
      for (std::int64_t pl = 0; pl < planes; ++pl) f(pl);
      return;
    }
#pragma omp parallel for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) f(pl);
  }
};

}  // namespace convlab::pool_detail
