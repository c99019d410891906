// Where a convolution reads when its window hangs over the edge of the input.
#pragma once

#include <cstdint>

#include "core/params.hpp"

namespace convlab::ref {

// The input index that padded position i (may be < 0 or >= n) reads from, or -1 when it reads
// a zero (PaddingMode::zeros outside [0, n)). The shape module has already checked that the
// padding is small enough for reflect (< n) and circular (<= n).
inline std::int64_t source_index(std::int64_t i, std::int64_t n, PaddingMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PaddingMode::zeros:
      return -1;
    case PaddingMode::reflect:
      return i < 0 ? -i : 2 * (n - 1) - i;
    case PaddingMode::replicate:
      return i < 0 ? 0 : n - 1;
    case PaddingMode::circular:
      return i < 0 ? i + n : i - n;
  }
  return -1;
}

}  // namespace convlab::ref
