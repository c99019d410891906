// Sparse connectivity (W26) and receptive fields by composition (W27): for a convolution or
// pooling window, the set of input positions each output position reads.
//
// Positions are 0-based and row-major over a single channel's map: input position ih * W + iw,
// output position oh * W_out + ow. Output (oh, ow) reads, for every tap (kh, kw) of the window,
//   ih = oh * stride_h + kh * dilation_h - pad_top,   iw = ow * stride_w + kw * dilation_w -
//   pad_left
// (the index formula of reference/conv2d.cpp). A tap in the zero padding (convolution) or the
// -inf/0 padding (pooling) reads no input position; with reflect/replicate/circular padding it
// reads the input position that padding copies. Output sizes come from the shape module, which
// also rejects invalid geometry.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/params.hpp"

namespace convlab::nets {

struct Connectivity {
  std::int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  // reads[o]: the sorted, distinct input positions that output position o depends on.
  std::vector<std::vector<std::int64_t>> reads;
};

// One channel of a convolution with a kernel_h x kernel_w kernel over an in_h x in_w map.
// p.groups must be 1 (the map of one channel; groups do not change the spatial pattern).
Connectivity conv2d_connectivity(std::int64_t in_h, std::int64_t in_w, std::int64_t kernel_h,
                                 std::int64_t kernel_w, const Conv2dParams& p);
// op is "max_pool2d" or "avg_pool2d" (error messages; both read the same positions).
Connectivity pool2d_connectivity(std::string_view op, std::int64_t in_h, std::int64_t in_w,
                                 const Pool2dParams& p);
// A 1-D convolution over a sequence of `length` (in_h = out_h = 1):
//   il = ol * stride + k * dilation - pad_left.
Connectivity conv1d_connectivity(std::int64_t length, std::int64_t kernel, const Conv1dParams& p);

// `second` applied to the output of `first`: what each output of `second` reads in the input
// of `first`, the union over the positions it reads in between. Throws std::invalid_argument
// when second's input map is not first's output map.
Connectivity compose(const Connectivity& first, const Connectivity& second);

}  // namespace convlab::nets
