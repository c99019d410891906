// global_avg_pool2d_vc: the mean of each (n, c) plane, summed in Vc vectors.
//
//   y[n][c][0][0] = (sum_{h, w} x[n][c][h][w]) / (H * W)
//
// Parent: global_avg_pool2d_reference. What this adds: the plane is contiguous, so it is read
// as one long vector stream into 4 independent float_v accumulators (4 x L partial sums: enough
// independent additions to hide the add latency), which are added together, then across
// lanes, then the scalar tail; one float division.
// Accuracy: each partial sum holds about H * W / (4 L) terms and the combination adds
// log2(4 L) more levels: fewer roundings than one running float sum, well inside the plain
// bound (H * W + 1) u M. On small integers every partial sum is exact, so the result equals
// the reference's. When it wins: always (the reference walks the 4-D accessor in double).
// Memory: none beyond registers.
#include <Vc/Vc>
#include <cstdint>

#include "core/shape.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

void global_avg_pool2d_vc(const Tensor<float>& x, Tensor<float>& y) {
  using Vc::float_v;
  constexpr std::int64_t L = static_cast<std::int64_t>(float_v::size());
  const Shape out = global_avg_pool2d_output_shape(x.shape());
  require_same_shape("global_avg_pool2d_vc", "y", y.shape(), out);
  const std::int64_t planes = x.dim(0) * x.dim(1), plane = x.dim(2) * x.dim(3);
  const float count = static_cast<float>(plane);
  const bool threads = pool_detail::worth_threads(x.numel());
  parallel_region(threads, [&] {
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = x.data() + pl * plane;
      float_v acc[4] = {float_v::Zero(), float_v::Zero(), float_v::Zero(), float_v::Zero()};
      std::int64_t i = 0;
      for (; i + 4 * L <= plane; i += 4 * L) {
        for (int v = 0; v < 4; ++v) acc[v] += float_v(xp + i + v * L, Vc::Unaligned);
      }
      for (; i + L <= plane; i += L) acc[0] += float_v(xp + i, Vc::Unaligned);
      float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])).sum();
      for (; i < plane; ++i) s += xp[i];
      y[pl] = s / count;
    }
  });
}

}  // namespace convlab
