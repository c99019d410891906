// Reference 3-D convolution (cross-correlation over depth, height and width), e.g. for video or
// volumetric scans. The filter is usually shallower than the input and slides along all three
// axes (doc:001_a5e5184ddd425933.txt#W15).
//
//   y[n][oc][od][oh][ow] = b[oc] + sum_{ic, kd, kh, kw}
//                          x[n][g * C_in/G + ic][id][ih][iw] * w[oc][ic][kd][kh][kw]
//   id = od * stride_d + kd * dilation_d - pad_front
//   ih = oh * stride_h + kh * dilation_h - pad_top
//   iw = ow * stride_w + kw * dilation_w - pad_left
//
// where g = oc / (C_out / G) is the group of output channel oc and ic runs over the C_in / G
// input channels of that group. Positions outside the input read zero. Sums are accumulated in
// double. Each depth slice kd of the kernel is an ordinary conv2d applied to input slice id, so
// conv3d is a sum of conv2d's over kd (the tests check that).
#pragma once

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::ref {

// x: (N, C_in, D, H, W), w: (C_out, C_in / groups, KD, KH, KW), bias: empty or (C_out)
//   -> (N, C_out, D_out, H_out, W_out)
template <class T>
Tensor<T> conv3d(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& bias,
                 const Conv3dParams& p);

template <class T>
struct Conv3dGrads {
  Tensor<T> grad_input;   // (N, C_in, D, H, W)
  Tensor<T> grad_weight;  // (C_out, C_in / groups, KD, KH, KW)
  Tensor<T> grad_bias;    // (C_out), or empty when has_bias is false
};

// Gradients of a scalar loss given grad_output = dL/dy of shape (N, C_out, D_out, H_out, W_out):
//   dL/dx[n][..][id][ih][iw]  = sum over every (oc, od, oh, ow, kd, kh, kw) that read that
//                               element of grad_output[n][oc][od][oh][ow] * w[oc][ic][kd][kh][kw]
//   dL/dw[oc][ic][kd][kh][kw] = sum_{n, od, oh, ow} grad_output[n][oc][od][oh][ow] *
//                               x[n][g * C_in/G + ic][id][ih][iw]
//   dL/db[oc]                 = sum_{n, od, oh, ow} grad_output[n][oc][od][oh][ow]
template <class T>
Conv3dGrads<T> conv3d_backward(const Tensor<T>& grad_output, const Tensor<T>& x, const Tensor<T>& w,
                               bool has_bias, const Conv3dParams& p);

}  // namespace convlab::ref
