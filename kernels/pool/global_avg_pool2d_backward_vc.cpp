// global_avg_pool2d_backward_vc: the gradient of global average pooling, a broadcast.
//
//   dx[n][c][h][w] = dy[n][c][0][0] / (H * W)
//
// Parent: global_avg_pool2d_backward_reference. What this adds: one division per (n, c) plane,
// then the plane (contiguous) filled with vector stores of that value, broadcast into a float_v
// once; the tail of fewer than L = float_v::size() elements is stored lane by lane.
// Accuracy: the division is the reference's (in double, rounded to float once: H * W need not
// be a float), so dx equals the float reference bit for bit; against the exact value the error
// is the rounding of dy and of the quotient, eps * |dy| / (H * W) at most: K * M with K = 1.
// When it wins: always; the work is writing dx, bound by memory. Memory: none.
#include <Vc/Vc>
#include <cstdint>

#include "core/shape.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"
#include "kernels/pool/pool_vc.hpp"

namespace convlab {

void global_avg_pool2d_backward_vc(const Tensor<float>& x, const Tensor<float>& dy,
                                   Tensor<float>& dx) {
  using pool_detail::kLanes;
  using Vc::float_v;
  const Shape out = global_avg_pool2d_output_shape(x.shape());
  require_same_shape("global_avg_pool2d_backward_vc", "dy", dy.shape(), out);
  require_same_shape("global_avg_pool2d_backward_vc", "dx", dx.shape(), x.shape());
  const std::int64_t planes = x.dim(0) * x.dim(1), plane = x.dim(2) * x.dim(3);
  const double count = static_cast<double>(plane);
  const bool threads = pool_detail::worth_threads(dx.numel());
  parallel_region(threads, [&] {
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      const float_v share(static_cast<float>(double(dy[pl]) / count));
      float* dp = dx.data() + pl * plane;
      std::int64_t i = 0;
      for (; i + kLanes <= plane; i += kLanes) share.store(dp + i, Vc::Unaligned);
      pool_detail::store_lanes(share, dp + i, plane - i);
    }
  });
}

}  // namespace convlab
