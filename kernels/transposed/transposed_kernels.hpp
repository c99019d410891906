// The optimized variants of conv_transpose2d and of the backward passes of conv2d and
// conv_transpose2d (float32, NCHW). Each variant is one file in kernels/transposed/ and a pair
// of functions, as in kernels/conv2d/conv2d_kernels.hpp:
//
//   void <variant>(inputs..., p, outputs...);     // every element of every output written
//   std::string <variant>_supports(p, shapes);    // "" or the reason it does not apply
//
// Running a variant on a problem its supports() refuses throws std::invalid_argument with that
// reason; invalid shapes throw from the shape module, as for the reference; an output of the
// wrong shape throws std::invalid_argument naming the variant and the output.
//
// The one idea behind all of them: a transposed convolution is the matrix transpose C^T of the
// convolution matrix C of conv2d with the same weight, stride, padding, dilation and groups
// (reference/conv_matrix.hpp). With im2col (kernels/conv2d/im2col.hpp) conv2d is
//   y = W * im2col(x),  so  C^T y = col2im(W^T * y),
// where col2im, the adjoint of im2col, scatter-adds each column entry back to the pixel
// im2col read. Hence:
//   conv_transpose2d(x)        = col2im(W^T x)             (GEMM, then scatter)
//   conv2d backward dx         = col2im(W^T dy)            (the same transposed convolution)
//   conv2d backward dw         = dy * im2col(x)^T          (GEMM over the output positions)
//   conv_transpose2d backward dx = W * im2col(dy)          (an ordinary conv2d of dy)
//   conv_transpose2d backward dw = x * im2col(dy)^T
//
// Tolerance: |y - y_ref| <= factor * eps(float) * K * M (DESIGN.md), K and M from the
// reference's reduction. Every variant here sums the same products as the reference in float,
// split into two nested float sums (a GEMM dot product, then the col2im adds, or a GEMM over
// one sample, then the sum over samples); with FMA a nested sum of K terms rounds at most K
// times, an error of at most K * u * M (u = eps / 2). On corpus cases the inputs are doubles
// rounded to float first, which perturbs every product by up to 2u |x w| more (as for the
// float reference, whose factor is 2 for that reason): (K + 2) * u * M in all, 1.5 eps K M for a
// one-term reduction (a dw element that only one output position reaches; measured: 0.99 of
// the factor-1 bound on conv2d/gen_dilation_spans_input_backward, with the same absolute error
// as the reference). Hence a factor of 2 for every variant below.
#pragma once

#include <string>

#include "core/params.hpp"
#include "core/tensor.hpp"
#include "kernels/tolerance.hpp"

namespace convlab {

// ---- conv_transpose2d forward ----
// x: (N, C_in, H, W), w: (C_in, C_out / groups, KH, KW), b: empty or (C_out)
//   -> y: preallocated (N, C_out, H_out, W_out) (conv_transpose2d_output_shape)

// Per sample and group: col (C_out/G*KH*KW x H*W) = W_g^T (that x C_in/G) * x_g (C_in/G x
// H*W), then col2im scatter-adds col into y, prefilled with the bias. Every stride, padding,
// output_padding, dilation and groups.
void conv_transpose2d_gemm_col2im(const Tensor<float>& x, const Tensor<float>& w,
                                  const Tensor<float>& b, const ConvTranspose2dParams& p,
                                  Tensor<float>& y);
std::string conv_transpose2d_gemm_col2im_supports(const ConvTranspose2dParams& p, const Shape& x,
                                                  const Shape& w);
// A float GEMM dot product of C_in/G terms, then up to KH*KW col2im adds, onto the bias.
inline constexpr double kConvTranspose2dGemmCol2imToleranceFactor = kDotProductToleranceFactor;

// The textbook picture: stride - 1 zeros between neighbouring inputs, dilation * (k - 1) - pad
// zeros around (negative: cropped; output_padding more at the bottom/right), then an ordinary
// stride-1 conv2d (conv2d_im2col_gemm) with the kernel flipped in both axes and its two channel
// axes swapped. Every parameter; see zero_insertion.cpp for what it wastes.
void conv_transpose2d_zero_insertion(const Tensor<float>& x, const Tensor<float>& w,
                                     const Tensor<float>& b, const ConvTranspose2dParams& p,
                                     Tensor<float>& y);
std::string conv_transpose2d_zero_insertion_supports(const ConvTranspose2dParams& p, const Shape& x,
                                                     const Shape& w);
// The conv2d_im2col_gemm dot product; the inserted zeros add exact zeros, so the rounding is
// that of a float dot product over the same non-zero products.
inline constexpr double kConvTranspose2dZeroInsertionToleranceFactor = kDotProductToleranceFactor;

// ---- conv2d backward ----
// x: (N, C_in, H, W), w: (C_out, C_in / groups, KH, KW), dy: (N, C_out, H_out, W_out)
//   -> dx: (N, C_in, H, W), dw: (C_out, C_in / groups, KH, KW), db: empty (no bias) or (C_out),
//   all preallocated and entirely written.

// Per group and sample: col = im2col(x), dw_g += dy_g (C_out/G x P) * col^T (P x K); then
// col = W_g^T dy_g (K x P) and dx_g = col2im(col); db = sums of dy. K = C_in/G*KH*KW,
// P = H_out*W_out. Every stride, padding, dilation, groups and padding mode: col2im is the
// exact adjoint of im2col, which reads the reflected, replicated or wrapped pixel, so the
// gradient of such a read goes back to that pixel as in the reference.
void conv2d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& dy,
                          const Conv2dParams& p, Tensor<float>& dx, Tensor<float>& dw,
                          Tensor<float>& db);
std::string conv2d_backward_gemm_supports(const Conv2dParams& p, const Shape& x, const Shape& w);
// dx: a GEMM dot product of C_out/G terms, then col2im adds; dw: one GEMM dot product of
// H_out*W_out terms per sample, summed over the samples; db: a float sum. All nested float sums.
inline constexpr double kConv2dBackwardGemmToleranceFactor = kDotProductToleranceFactor;

// ---- conv_transpose2d backward ----
// x: (N, C_in, H, W), w: (C_in, C_out / groups, KH, KW), dy: (N, C_out, H_out, W_out)
//   -> dx: (N, C_in, H, W), dw: (C_in, C_out / groups, KH, KW), db: empty or (C_out).

// Per group and sample: col = im2col(dy) through the adjoint convolution (C_out/G*KH*KW x
// H*W), dx_g = W_g (C_in/G x C_out/G*KH*KW) * col (an ordinary conv2d of dy) and
// dw_g += x_g (C_in/G x H*W) * col^T; db = sums of dy. Every parameter.
void conv_transpose2d_backward_gemm(const Tensor<float>& x, const Tensor<float>& w,
                                    const Tensor<float>& dy, const ConvTranspose2dParams& p,
                                    Tensor<float>& dx, Tensor<float>& dw, Tensor<float>& db);
std::string conv_transpose2d_backward_gemm_supports(const ConvTranspose2dParams& p, const Shape& x,
                                                    const Shape& w);
// dx: one GEMM dot product per element; dw: a GEMM per sample, summed over samples.
inline constexpr double kConvTranspose2dBackwardGemmToleranceFactor = kDotProductToleranceFactor;

}  // namespace convlab
