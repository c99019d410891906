// max_pool2d_backward_scatter: the gradient of max pooling as the forward's indices and one
// scatter-add per plane.
//
//   dx[n][c] = 0, then dx[n][c][indices[n][c][oh][ow]] += dy[n][c][oh][ow] in row-major (oh, ow)
//
// Parent: max_pool2d_backward_reference (which recomputes the reference forward pass and adds
// in double). What this adds: the indices come from max_pool2d_vc (the same indices as the
// reference's, exactly: see max_pool2d_separable.cpp), and the scatter-add runs in float over
// flat planes, OpenMP over planes. Overlapping windows that chose the same element add their
// gradients in output order.
// Accuracy: an element receives at most ceil(KH / SH) * ceil(KW / SW) gradients; their float
// sum has at most that many roundings of partial sums bounded by M = sum |dy|: the plain
// bound of the reference's K * M. Memory: the forward output and indices (N, C, H_out, W_out).
#include <algorithm>
#include <cstdint>

#include "core/shape.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

void max_pool2d_backward_scatter(const Tensor<float>& x, const Tensor<float>& dy,
                                 const Pool2dParams& p, Tensor<float>& dx) {
  const Shape out = pool2d_output_shape("max_pool2d_backward", x.shape(), p);
  require_same_shape("max_pool2d_backward_scatter", "dy", dy.shape(), out);
  require_same_shape("max_pool2d_backward_scatter", "dx", dx.shape(), x.shape());
  Tensor<float> y(out), indices(out);
  max_pool2d_vc(x, p, y, indices);
  const std::int64_t planes = x.dim(0) * x.dim(1), in_plane = x.dim(2) * x.dim(3);
  const std::int64_t out_plane = out[2] * out[3];
  const bool threads = pool_detail::worth_threads(dx.numel() + dy.numel());
  parallel_region(threads, [&] {
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      float* g = dx.data() + pl * in_plane;
      std::fill(g, g + in_plane, 0.0f);
      const float* d = dy.data() + pl * out_plane;
      const float* ip = indices.data() + pl * out_plane;
      for (std::int64_t o = 0; o < out_plane; ++o) g[static_cast<std::int64_t>(ip[o])] += d[o];
    }
  });
}

}  // namespace convlab
