// Parameter structs of every operation. Every parameter is a named field; kernel sizes of
// convolutions come from the weight's shape. Padding is per side (top/bottom/left/right), so
// asymmetric and 'same' padding are expressible; dilation 1 means a dense kernel.
//
// Designated initializers read well at call sites:
//   Conv2dParams p{.stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_bottom = 1,
//                  .pad_left = 1, .pad_right = 1};
#pragma once

#include <cstdint>
#include <string_view>

namespace convlab {

// How a convolution reads outside its input (PyTorch's padding_mode).
enum class PaddingMode {
  zeros,      // out-of-range reads are 0
  reflect,    // mirror without repeating the edge: x[-1] = x[1]
  replicate,  // repeat the edge: x[-1] = x[0]
  circular,   // wrap around: x[-1] = x[n-1]
};
std::string_view to_string(PaddingMode mode);

struct Conv1dParams {
  std::int64_t stride = 1;
  std::int64_t pad_left = 0, pad_right = 0;
  std::int64_t dilation = 1;
  std::int64_t groups = 1;
};

struct Conv2dParams {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;  // groups == in_channels is depthwise convolution
  PaddingMode padding_mode = PaddingMode::zeros;
};

struct Conv3dParams {
  std::int64_t stride_d = 1, stride_h = 1, stride_w = 1;
  std::int64_t pad_front = 0, pad_back = 0, pad_top = 0, pad_bottom = 0, pad_left = 0,
               pad_right = 0;
  std::int64_t dilation_d = 1, dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
};

// Transposed convolution: the adjoint of the Conv2dParams convolution with the same stride,
// padding, dilation and groups. The padding is removed from the full output; output_padding
// adds rows/columns at the bottom/right to pick one of the `stride` input sizes that a strided
// convolution maps to the same output size.
struct ConvTranspose2dParams {
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t output_padding_h = 0, output_padding_w = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t groups = 1;
};

// Max and average pooling. Padding is implicit -infinity (max) or 0 (average). With ceil_mode
// the output size rounds up, but a last window that would start inside the right/bottom
// padding is dropped (PyTorch's rule). count_include_pad (average only) divides by the window
// size clipped to the padded input instead of by the number of real input elements.
struct Pool2dParams {
  std::int64_t kernel_h = 2, kernel_w = 2;
  std::int64_t stride_h = 2, stride_w = 2;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t dilation_h = 1, dilation_w = 1;  // max pooling only
  bool ceil_mode = false;
  bool count_include_pad = true;  // average pooling only
};

// Max unpooling (up-pooling): scatters each value to the position its max pooling took it
// from. output_h/output_w of -1 mean the size max pooling with these parameters inverts:
// (in - 1) * stride - pad_top - pad_bottom + kernel.
struct Unpool2dParams {
  std::int64_t kernel_h = 2, kernel_w = 2;
  std::int64_t stride_h = 2, stride_w = 2;
  std::int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  std::int64_t output_h = -1, output_w = -1;
};

enum class UpsampleMode { nearest, bilinear };
std::string_view to_string(UpsampleMode mode);

// Upsampling by interpolation to an explicit output size. The source coordinate of output
// pixel i is i * in / out (nearest, floor) or, for bilinear, (i + 0.5) * in / out - 0.5
// clamped at 0 without align_corners and i * (in - 1) / (out - 1) with it.
struct Upsample2dParams {
  UpsampleMode mode = UpsampleMode::nearest;
  std::int64_t output_h = 0, output_w = 0;
  bool align_corners = false;  // bilinear only
};

// Flatten dimensions [start_dim, rank) into one.
struct FlattenParams {
  int start_dim = 1;
};

}  // namespace convlab
