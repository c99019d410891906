// A second reference for convolution and transposed convolution: the explicit convolution
// matrix. A convolution is linear in its input, so for one sample it is a matrix C with
//   rows    = C_out * H_out * W_out   (one per output element, row-major (oc, oh, ow))
//   columns = C_in * H * W            (one per input element,  row-major (ic, ih, iw))
// and conv2d(x) = C * vec(x) + bias, where row (oc, oh, ow) holds w[oc][ic][kh][kw] in column
// (g * C_in/G + ic, ih, iw) for every tap whose source position
//   ih = oh * stride_h + kh * dilation_h - pad_top,  iw = ow * stride_w + kw * dilation_w -
//   pad_left
// lies inside the input (a tap in the zero padding contributes nothing; with a reflect,
// replicate or circular padding_mode it is added to the column of the pixel it reads).
//
// The transposed convolution is C^T: the same weight, read the other way round.
//
// Example (doc:001_a5e5184ddd425933.txt#W10): a 4x4 input, a 3x3 kernel, stride 1, padding 0
// give a 2x2 output. vec(x) has 16 entries, x[i][j] at position 4i + j; vec(y) has 4. C is
// 4x16; row 2 * oh + ow holds the kernel at the positions of the window of output (oh, ow):
//
//   row 0 (0,0): w00 w01 w02  0   w10 w11 w12  0   w20 w21 w22  0    0   0   0   0
//   row 1 (0,1):  0  w00 w01 w02   0  w10 w11 w12   0  w20 w21 w22   0   0   0   0
//   row 2 (1,0):  0   0   0   0   w00 w01 w02  0   w10 w11 w12  0   w20 w21 w22  0
//   row 3 (1,1):  0   0   0   0    0  w00 w01 w02   0  w10 w11 w12   0  w20 w21 w22
//
// conv2d is vec(y) = C vec(x) (4 = 4x16 times 16). The transposed convolution of a 2x2 y is
// C^T vec(y): a 16-vector, reshaped to 4x4 -- the shape of x, but not x (C has no inverse;
// C^T only sends every y element back, times the kernel, over the window it came from).
//
// Cost: the matrix is dense storage for a sparse operator (36 non-zeros of 64 above; for real
// layers almost all zeros), so this is a teaching and testing reference, not a kernel.
// Products are accumulated in double.
#pragma once

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// input_shape: (C_in, H, W) or (N, C_in, H, W) (N is ignored: every sample uses the same C),
// w: (C_out, C_in / groups, KH, KW) -> C: (C_out * H_out * W_out, C_in * H * W)
template <class T>
Tensor<T> conv2d_matrix(const Shape& input_shape, const Tensor<T>& w, const Conv2dParams& p);

// conv2d as a matrix-vector product per sample: y[n] = C * vec(x[n]) + bias.
// x: (N, C_in, H, W), w: (C_out, C_in / groups, KH, KW), bias: empty or (C_out)
//   -> (N, C_out, H_out, W_out), equal to ref::conv2d
template <class T>
Tensor<T> conv2d_via_matrix(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                            const Conv2dParams& p);

// conv_transpose2d as a transposed matrix-vector product per sample: y[n] = C^T * vec(x[n]) +
// bias, where C = conv2d_matrix((C_out, H_out, W_out), w, adjoint_conv2d_params(p)) is the
// convolution that maps the transposed convolution's output size back to its input size
// (output_padding picks that output size). When output_padding >= stride (allowed if it is
// below the dilation) that convolution yields more than H x W positions; the extra rows of C
// belong to positions the scatter never reaches and meet zeros in the padded vec(x[n]).
// x: (N, C_in, H, W), w: (C_in, C_out / groups, KH, KW), bias: empty or (C_out)
//   -> (N, C_out, H_out, W_out), equal to ref::conv_transpose2d
template <class T>
Tensor<T> conv_transpose2d_via_matrix(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                                      const ConvTranspose2dParams& p);

}  // namespace convlab::ref
