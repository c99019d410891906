// Internal to kernels/pool/: the Vc pieces shared by max_pool2d_vc and avg_pool2d_vc.
//
// Both read one input row through a padded copy: padded[c] = x_row[c - pad_left] inside the
// row and `fill` (-inf for max, 0 for average) outside, wide enough that every vector load of
// every output column vector stays inside it. A vector of output columns ow0 .. ow0 + L - 1
// then reads tap kw at padded[ow * stride_w + kw * dilation_w]:
//   stride 1: one unaligned load;
//   stride 2: two loads deinterleaved, keeping the even lanes (Vc::deinterleave);
//   stride >= 3: a gather with indices lane * stride_w.
// Deinterleaving reads each loaded element once for two vectors' worth of lanes; a gather
// costs about one load per lane, so it is kept for the rarer large strides.
#pragma once

#include <Vc/Vc>
#include <algorithm>
#include <cstdint>

namespace convlab::pool_detail {

using Vc::float_v;
inline constexpr std::int64_t kLanes = static_cast<std::int64_t>(float_v::size());

inline std::int64_t round_up_to_lanes(std::int64_t n) {
  return (n + kLanes - 1) / kLanes * kLanes;
}

// The padded row's width for W_out outputs rounded up to whole vectors.
inline std::int64_t padded_row_width(std::int64_t padded_w_out, std::int64_t stride,
                                     std::int64_t kernel, std::int64_t dilation) {
  return padded_w_out * stride + (kernel - 1) * dilation + 1;
}

inline void fill_padded_row(const float* src, std::int64_t W, std::int64_t pad_left, float fill,
                            float* dst, std::int64_t width) {
  const std::int64_t lo = std::min(pad_left, width);
  std::fill(dst, dst + lo, fill);
  const std::int64_t n = std::max<std::int64_t>(0, std::min(W, width - pad_left));
  std::copy(src, src + n, dst + pad_left);
  std::fill(dst + std::min(width, pad_left + n), dst + width, fill);
}

enum class Load { unit, even, gather };

// Output columns ow0 .. ow0 + L - 1, tap at offset `offset` (= kw * dilation): padded +
// ow0 * stride + offset, then lane * stride.
template <Load L>
inline float_v load_tap(const float* padded, std::int64_t ow0, std::int64_t stride,
                        std::int64_t offset, const float_v::IndexType& stride_index) {
  const float* base = padded + ow0 * stride + offset;
  if constexpr (L == Load::unit) {
    return float_v(base, Vc::Unaligned);
  } else if constexpr (L == Load::even) {
    float_v even, odd;
    Vc::deinterleave(&even, &odd, base, Vc::Unaligned);
    return even;
  } else {
    return float_v(base, stride_index);
  }
}

// Stores the first `valid` lanes of v at dst (all of them when valid == kLanes).
inline void store_lanes(const float_v& v, float* dst, std::int64_t valid) {
  if (valid == kLanes) {
    v.store(dst, Vc::Unaligned);
    return;
  }
  alignas(64) float lanes[kLanes];
  v.store(lanes, Vc::Aligned);
  std::copy(lanes, lanes + valid, dst);
}

}  // namespace convlab::pool_detail
