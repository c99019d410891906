// Internal to kernels/pool/: the source taps of upsampling along one axis, shared by the
// forward (upsample2d_vc) and backward (upsample2d_backward_vc) variants.
//
// Output index dst along an axis of `in` inputs and `out` outputs reads inputs i0[dst] and
// i1[dst] with weights w0[dst] and w1[dst], computed in double exactly as the reference
// computes them (reference/upsample2d.hpp: the same floor, the same clamping). Nearest reads
// i0 only (i1 = i0, w0 = 1, w1 = 0). Both i0 and i1 are non-decreasing in dst in every mode
// (the source coordinate is, and floor and min keep that), so the outputs that read a given
// input through either tap form a contiguous range.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/params.hpp"

namespace convlab::pool_detail {

struct UpsampleTaps {
  std::vector<std::int64_t> i0, i1;
  std::vector<double> w0, w1;
};

inline UpsampleTaps upsample_axis_taps(std::int64_t in, std::int64_t out,
                                       const Upsample2dParams& p) {
  UpsampleTaps t;
  for (std::int64_t dst = 0; dst < out; ++dst) {
    if (p.mode == UpsampleMode::nearest) {
      t.i0.push_back(std::min(dst * in / out, in - 1));
      t.i1.push_back(t.i0.back());
      t.w0.push_back(1);
      t.w1.push_back(0);
      continue;
    }
    double src;
    if (p.align_corners) {
      src = out == 1 ? 0.0 : double(dst) * double(in - 1) / double(out - 1);
    } else {
      src = std::max((double(dst) + 0.5) * double(in) / double(out) - 0.5, 0.0);
    }
    const std::int64_t i0 = std::min(static_cast<std::int64_t>(src), in - 1);
    const double l = src - double(i0);
    t.i0.push_back(i0);
    t.i1.push_back(std::min(i0 + 1, in - 1));
    t.w0.push_back(1.0 - l);
    t.w1.push_back(l);
  }
  return t;
}

}  // namespace convlab::pool_detail
