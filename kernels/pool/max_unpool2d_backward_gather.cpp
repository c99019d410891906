// max_unpool2d_backward_gather: the gradient of max unpooling, a gather of dy at the indices.
//
//   dx[n][c][h][w] = dy[n][c][indices[n][c][h][w]]      (flat position within the (n, c) plane)
//
// Parent: max_unpool2d_backward_reference. What this adds: the forward pass is a scatter, so its
// adjoint is a gather, and AVX2 has a gather instruction (the forward's scatter has none; see
// max_unpool2d_scatter.cpp). L = float_v::size() indices are loaded as one vector, validated as a
// vector (integer, 0 <= index < H_out * W_out; NaN fails), converted to 32-bit lanes and used
// for one vector gather from the dy plane. A vector holding an index the vector test rejects is
// redone one lane at a time with the exact test (in double), which records the first invalid
// index for the error message; the plane's tail (fewer than L indices) is scalar too.
// Duplicate indices read the same dy twice, as in the reference (PyTorch's convention).
// Accuracy: a copy, exact. Memory: none. When it wins: always (the reference converts every
// index to int64 and walks 4-D accessors); the gather is bound by memory like the scatter.
#include <Vc/Vc>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/shape.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

std::string max_unpool2d_backward_gather_supports(const Shape& dy) {
  if (dy.rank() != 4) return "";  // the shape module's message comes from run()
  const std::int64_t plane = dy[2] * dy[3];
  if (plane - 1 > std::numeric_limits<std::int32_t>::max()) {
    return "the output plane of " + std::to_string(dy[2]) + " x " + std::to_string(dy[3]) + " = " +
           std::to_string(plane) + " elements has positions above 2^31 - 1 = " +
           std::to_string(std::numeric_limits<std::int32_t>::max()) +
           ", which the 32-bit lanes of a vector gather cannot address";
  }
  return "";
}

void max_unpool2d_backward_gather(const Tensor<float>& x, const Tensor<float>& indices,
                                  const Tensor<float>& dy, const Unpool2dParams& p,
                                  Tensor<float>& dx) {
  using Vc::float_v;
  using IndexV = float_v::IndexType;
  constexpr std::int64_t L = static_cast<std::int64_t>(float_v::size());
  constexpr std::string_view name = "max_unpool2d_backward_gather";
  const Shape out = max_unpool2d_output_shape(x.shape(), indices.shape(), p);
  require_same_shape(name, "dy", dy.shape(), out);
  require_same_shape(name, "dx", dx.shape(), x.shape());
  if (const std::string why = max_unpool2d_backward_gather_supports(dy.shape()); !why.empty()) {
    throw std::invalid_argument(std::string(name) + ": unsupported problem: " + why);
  }
  const std::int64_t planes = x.dim(0) * x.dim(1), in_plane = x.dim(2) * x.dim(3);
  const std::int64_t out_plane = out[2] * out[3];
  // The vector test compares with the plane size as a float: exact up to 2^24, and otherwise
  // rounded, which may reject a valid index (redone exactly below) but never accepts one >=
  // out_plane (a float below float(out_plane) is below out_plane), so the cast fits 32 bits.
  const float_v limit(static_cast<float>(out_plane));
  std::vector<std::int64_t> bad(static_cast<std::size_t>(planes), -1);
  const bool threads = pool_detail::worth_threads(dx.numel() + dy.numel());
  parallel_region(threads, [&] {
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* ip = indices.data() + pl * in_plane;
      const float* gp = dy.data() + pl * out_plane;
      float* dp = dx.data() + pl * in_plane;
      // Indices [i, end) one at a time with the exact test; false after recording a bad one.
      const auto scalar = [&](std::int64_t i, std::int64_t end) {
        for (; i < end; ++i) {
          if (!pool_detail::is_plane_position(ip[i], out_plane)) {
            bad[static_cast<std::size_t>(pl)] = i;
            return false;
          }
          dp[i] = gp[static_cast<std::int64_t>(ip[i])];
        }
        return true;
      };
      std::int64_t i = 0;
      bool ok = true;
      for (; ok && i + L <= in_plane; i += L) {
        const float_v v(ip + i, Vc::Unaligned);
        if (!(v >= float_v::Zero() && v < limit && v == Vc::floor(v)).isFull()) {
          ok = scalar(i, i + L);
          continue;
        }
        const float_v g(gp, Vc::simd_cast<IndexV>(v));
        g.store(dp + i, Vc::Unaligned);
      }
      if (ok) scalar(i, in_plane);
    }
  });
  pool_detail::throw_first_invalid_index(name, indices, bad, out);
}

}  // namespace convlab
