// max_unpool2d_scatter: max unpooling as a plain scatter over flat planes.
//
//   y[n][c] = 0, then y[n][c][indices[n][c][h][w]] = x[n][c][h][w] in row-major order of (h, w)
//
// Parent: max_unpool2d_reference. What this adds: flat pointers per plane (no 4-D accessor,
// no conversion of the whole index tensor to int64 first), the indices validated while they
// are read, and OpenMP over planes.
// Why not Vc: the work is one store per input element to a data-dependent address. AVX2 has
// no scatter instruction, and a vector scatter would still have to keep the reference's rule
// for duplicate indices (the later element wins), i.e. resolve conflicts between lanes; the
// stores are bound by memory, not by instruction count. Zeroing the plane (memset) and the
// index checks are already as fast as the memory allows.
// Accuracy: a copy, exact. Memory: none.
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/shape.hpp"
#include "kernels/parallel.hpp"
#include "kernels/pool/pool_common.hpp"
#include "kernels/pool/pool_kernels.hpp"

namespace convlab {

void max_unpool2d_scatter(const Tensor<float>& x, const Tensor<float>& indices,
                          const Unpool2dParams& p, Tensor<float>& y) {
  const Shape out = max_unpool2d_output_shape(x.shape(), indices.shape(), p);
  require_same_shape("max_unpool2d_scatter", "y", y.shape(), out);
  const std::int64_t planes = x.dim(0) * x.dim(1), in_plane = x.dim(2) * x.dim(3);
  const std::int64_t out_plane = out[2] * out[3];
  // First bad element of each plane (-1: none); an exception cannot leave an OpenMP region.
  std::vector<std::int64_t> bad(static_cast<std::size_t>(planes), -1);
  const bool threads = pool_detail::worth_threads(x.numel() + y.numel());
  parallel_region(threads, [&] {
#pragma omp for schedule(static)
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      float* yp = y.data() + pl * out_plane;
      std::memset(yp, 0, static_cast<std::size_t>(out_plane) * sizeof(float));
      const float* xp = x.data() + pl * in_plane;
      const float* ip = indices.data() + pl * in_plane;
      for (std::int64_t i = 0; i < in_plane; ++i) {
        const float v = ip[i];
        if (!pool_detail::is_plane_position(v, out_plane)) {
          bad[static_cast<std::size_t>(pl)] = i;
          break;
        }
        yp[static_cast<std::int64_t>(v)] = xp[i];
      }
    }
  });
  pool_detail::throw_first_invalid_index("max_unpool2d_scatter", indices, bad, out);
}

}  // namespace convlab
