// Internal to kernels/pool/: the windows of one axis, the problem geometry every pooling
// variant starts from, the check that turns a refused problem into an exception, and the
// validation of max unpooling's float indices (scatter and gather).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/params.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"

namespace convlab::pool_detail {

// OpenMP (over planes) only for problems that touch at least this many elements: waking a
// second thread costs microseconds on an idle machine and a scheduler time slice on a busy
// one, more than a small problem takes. Which thread computes a plane never changes its
// result, so the threshold cannot change any bit of the output.
inline constexpr std::int64_t kMinElementsForThreads = std::int64_t{1} << 15;
inline bool worth_threads(std::int64_t elements) {
  return elements >= kMinElementsForThreads;
}

// One of an axis's per-output arrays: a view into Axis::storage.
struct AxisValues {
  std::int64_t* v = nullptr;
  std::int64_t& operator[](std::int64_t i) const { return v[i]; }
  const std::int64_t* data() const { return v; }
};

// The windows along one axis (n input positions, out outputs, kernel k, stride s, dilation d,
// padding lo before and hi after). Window o starts at o * s - lo; its taps t read o * s + t * d
// - lo; the taps inside the input are exactly t in [t_lo[o], t_hi[o]) (never empty: the shape
// module rejects windows that read nothing). For d == 1 the real positions are [first[o],
// end[o]). divisor[o] is the average's divisor along this axis, as the reference computes it.
struct Axis {
  std::int64_t n = 0, out = 0, k = 0, s = 0, d = 0, lo = 0, hi = 0;
  // The six arrays in one allocation (a small problem runs in about a microsecond, of which
  // six allocations per axis were a measurable part). Move-only: the views point into storage.
  std::vector<std::int64_t> storage;
  AxisValues start, t_lo, t_hi, first, end, divisor;
  Axis() = default;
  Axis(Axis&&) = default;
  Axis& operator=(Axis&&) = default;
  Axis(const Axis&) = delete;
  Axis& operator=(const Axis&) = delete;
};

inline Axis make_axis(std::int64_t n, std::int64_t out, std::int64_t k, std::int64_t s,
                      std::int64_t d, std::int64_t lo, std::int64_t hi, bool count_include_pad) {
  Axis a;
  a.n = n;
  a.out = out;
  a.k = k;
  a.s = s;
  a.d = d;
  a.lo = lo;
  a.hi = hi;
  a.storage.resize(static_cast<std::size_t>(6 * out));
  std::int64_t* base = a.storage.data();
  for (AxisValues* v : {&a.start, &a.t_lo, &a.t_hi, &a.first, &a.end, &a.divisor}) {
    v->v = base;
    base += out;
  }
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t start = o * s - lo;
    const std::int64_t t_lo = start < 0 ? (-start + d - 1) / d : 0;
    const std::int64_t t_hi = std::min(k, (n - start + d - 1) / d);
    a.start[o] = start;
    a.t_lo[o] = t_lo;
    a.t_hi[o] = t_hi;
    a.first[o] = start + t_lo * d;
    a.end[o] = start + (t_hi - 1) * d + 1;
    // Padding counts up to the end of the padded input, not into a ceil_mode overhang.
    const std::int64_t padded_end = std::min(start + k, n + hi);
    a.divisor[o] = count_include_pad ? padded_end - start
                                     : std::min(start + k, n) - std::max<std::int64_t>(start, 0);
  }
  return a;
}

struct Geometry {
  std::int64_t N, C, H, W, H_out, W_out;
  Axis h, w;
};

// Validates x and p through the shape module (as `op` does), checks that every output in
// `outputs` has the output shape, and that the variant supports the problem (`reason` is its
// supports() answer).
inline Geometry geometry(std::string_view op, std::string_view variant, const Tensor<float>& x,
                         const Pool2dParams& p, std::initializer_list<const Tensor<float>*> outputs,
                         std::initializer_list<const char*> names, const std::string& reason) {
  const Shape out = pool2d_output_shape(op, x.shape(), p);
  auto name = names.begin();
  for (const Tensor<float>* t : outputs) require_same_shape(variant, *name++, t->shape(), out);
  if (!reason.empty()) {
    throw std::invalid_argument(std::string(variant) + ": unsupported problem: " + reason);
  }
  Geometry g{x.dim(0), x.dim(1), x.dim(2), x.dim(3), out[2], out[3], {}, {}};
  g.h = make_axis(g.H, g.H_out, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom,
                  p.count_include_pad);
  g.w = make_axis(g.W, g.W_out, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right,
                  p.count_include_pad);
  return g;
}

// Which input rows some window reads (a stride larger than the kernel skips rows).
inline std::vector<char> rows_read(const Axis& h) {
  std::vector<char> read(static_cast<std::size_t>(h.n), 0);
  for (std::int64_t o = 0; o < h.out; ++o) {
    for (std::int64_t t = h.t_lo[o]; t < h.t_hi[o]; ++t) {
      read[static_cast<std::size_t>(h.start[o] + t * h.d)] = 1;
    }
  }
  return read;
}

// ---- max unpooling's indices ----
//
// The registry carries indices as float values (reference/dispatch.hpp). An index is valid when
// it is an integer position in the output plane of `plane` elements. Written so that NaN fails
// too; the range test (in double, exact for any plane) comes before any cast.
inline bool is_plane_position(float v, std::int64_t plane) {
  return v >= 0 && double(v) < double(plane) && v == std::floor(v);
}

// Kernels validate indices while they read them, one plane per OpenMP iteration, and record in
// bad[pl] the flat position within plane pl of its first invalid index (-1: none), since an
// exception cannot leave an OpenMP region. This throws std::invalid_argument for the first
// recorded one, naming the variant, the position (n, c, h, w) in `indices` (N, C, H, W), its
// value and the valid range of the output plane out (N, C, H_out, W_out); else returns.
inline void throw_first_invalid_index(std::string_view variant, const Tensor<float>& indices,
                                      const std::vector<std::int64_t>& bad, const Shape& out) {
  const std::int64_t C = indices.dim(1), W = indices.dim(3);
  const std::int64_t in_plane = indices.dim(2) * W, out_plane = out[2] * out[3];
  for (std::size_t pl = 0; pl < bad.size(); ++pl) {
    const std::int64_t i = bad[pl];
    if (i < 0) continue;
    const auto plane = static_cast<std::int64_t>(pl);
    std::ostringstream os;
    os.precision(17);
    os << variant << ": indices[" << plane / C << ", " << plane % C << ", " << i / W << ", "
       << i % W << "] = " << indices[plane * in_plane + i]
       << " is not an integer position in the output plane of " << out[2] << " x " << out[3]
       << " = " << out_plane << " elements (valid 0 to " << out_plane - 1 << ")";
    throw std::invalid_argument(os.str());
  }
}

}  // namespace convlab::pool_detail
