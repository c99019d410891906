// flatten_copy and flatten_backward_copy: flatten as an explicit copy, one memcpy per sample.
//
//   y[d0]..[d_{s-1}][j] = x[d0]..[d_{s-1}][i_s]..[i_{r-1}],  j = the flat offset of (i_s..i_{r-1})
//
// Parent: flatten_reference / flatten_backward_reference. In the library flatten moves no data:
// tensors are contiguous and row-major, so the flattened tensor is a view of the same storage
// (ref::flatten returns x.reshape(...)) and a network pays nothing for it. This variant exists
// so that every op has a path other than the reference through the registry, and so that a
// runtime that cannot alias its output to its input (outputs here arrive as separate,
// NaN-filled buffers) has an implementation: for each index of the kept leading dimensions
// d0..d_{s-1} (each "sample"; one copy in all when start_dim is 0) it copies the d_s * ... *
// d_{r-1} contiguous floats in one memcpy. The backward pass is the same copy the other way:
// flatten only renames indices, so dx is dy read with x's shape. When it wins: never against the
// view; it is a memory copy at bandwidth. Cost: the output buffer. Exact.
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/shape.hpp"
#include "kernels/dense/dense_kernels.hpp"

namespace convlab {
namespace {

// Copies `count` samples of `sample` floats each from src to dst (same layout on both sides).
void copy_samples(const float* src, float* dst, std::int64_t count, std::int64_t sample) {
  for (std::int64_t n = 0; n < count; ++n) {
    std::memcpy(dst + n * sample, src + n * sample,
                static_cast<std::size_t>(sample) * sizeof(float));
  }
}

// The number of samples (product of d0..d_{s-1}) and the floats per sample.
std::pair<std::int64_t, std::int64_t> samples_of(const Shape& x, const FlattenParams& p) {
  std::int64_t count = 1, sample = 1;
  for (int d = 0; d < x.rank(); ++d) (d < p.start_dim ? count : sample) *= x[d];
  return {count, sample};
}

}  // namespace

void flatten_copy(const Tensor<float>& x, const FlattenParams& p, Tensor<float>& y) {
  require_same_shape("flatten_copy", "y", y.shape(), flatten_output_shape(x.shape(), p));
  const auto [count, sample] = samples_of(x.shape(), p);
  copy_samples(x.data(), y.data(), count, sample);
}

void flatten_backward_copy(const Tensor<float>& x, const Tensor<float>& dy, const FlattenParams& p,
                           Tensor<float>& dx) {
  require_same_shape("flatten_backward_copy", "dy", dy.shape(), flatten_output_shape(x.shape(), p));
  require_same_shape("flatten_backward_copy", "dx", dx.shape(), x.shape());
  const auto [count, sample] = samples_of(x.shape(), p);
  copy_samples(dy.data(), dx.data(), count, sample);
}

}  // namespace convlab
