// Element-wise loops over Vc::float_v for the activation kernels. Internal to kernels/dense/.
//
// The tail (numel not a multiple of the vector width) is copied into a zero-padded vector and
// run through the same function, so there is no second, scalar version of any formula. OpenMP
// over fixed chunks of 2^14 elements for large tensors: each element is computed alone, so the
// result does not depend on the thread count.
#pragma once

#include <Vc/Vc>
#include <algorithm>
#include <cstdint>

#include "kernels/parallel.hpp"

namespace convlab::dense_detail {

inline constexpr std::int64_t kElementChunk = std::int64_t{1} << 14;

// y[i] = f(x[i]) for i < n; f maps a float_v to a float_v.
template <class F>
void map_unary(const float* x, float* y, std::int64_t n, F f) {
  using Vc::float_v;
  constexpr std::int64_t L = float_v::size();
  const std::int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
  parallel_region(chunks > 1, [&] {
#pragma omp for schedule(static)
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::int64_t begin = c * kElementChunk, end = std::min(n, begin + kElementChunk);
      std::int64_t i = begin;
      for (; i + L <= end; i += L) f(float_v(x + i, Vc::Unaligned)).store(y + i, Vc::Unaligned);
      if (i < end) {
        alignas(64) float in[L] = {}, out[L];
        std::copy(x + i, x + end, in);
        f(float_v(in, Vc::Aligned)).store(out, Vc::Aligned);
        std::copy(out, out + (end - i), y + i);
      }
    }
  });
}

// dx[i] = f(x[i], dy[i]) for i < n.
template <class F>
void map_binary(const float* x, const float* dy, float* dx, std::int64_t n, F f) {
  using Vc::float_v;
  constexpr std::int64_t L = float_v::size();
  const std::int64_t chunks = (n + kElementChunk - 1) / kElementChunk;
  parallel_region(chunks > 1, [&] {
#pragma omp for schedule(static)
    for (std::int64_t c = 0; c < chunks; ++c) {
      const std::int64_t begin = c * kElementChunk, end = std::min(n, begin + kElementChunk);
      std::int64_t i = begin;
      for (; i + L <= end; i += L) {
        f(float_v(x + i, Vc::Unaligned), float_v(dy + i, Vc::Unaligned))
            .store(dx + i, Vc::Unaligned);
      }
      if (i < end) {
        alignas(64) float xin[L] = {}, din[L] = {}, out[L];
        std::copy(x + i, x + end, xin);
        std::copy(dy + i, dy + end, din);
        f(float_v(xin, Vc::Aligned), float_v(din, Vc::Aligned)).store(out, Vc::Aligned);
        std::copy(out, out + (end - i), dx + i);
      }
    }
  });
}

}  // namespace convlab::dense_detail
