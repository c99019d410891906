// The variants of conv_transpose2d and the conv2d backward pass, as registry entries.
#include "kernels/registration.hpp"
#include "kernels/transposed/transposed_kernels.hpp"

namespace convlab {
namespace {

using TransposedKernel = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                                  const ConvTranspose2dParams&, Tensor<float>&);
using TransposedSupports = std::string (*)(const ConvTranspose2dParams&, const Shape&,
                                           const Shape&);

// A forward conv_transpose2d entry: inputs x, w, b?; output y.
Variant forward_variant(VariantInfo info, TransposedKernel kernel, TransposedSupports supports) {
  info.op = "conv_transpose2d";
  info.direction = Direction::forward;
  return typed_variant<ConvTranspose2dParams>(
      std::move(info),
      [supports](const ConvTranspose2dParams& p, const ShapeMap& shapes) {
        return supports(p, shapes.at("x"), shapes.at("w"));
      },
      [kernel](const ConvTranspose2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        kernel(in.at("x"), in.at("w"), optional_input(in, "b"), p, out.at("y"));
      });
}

// A backward entry: inputs x, w, b?, dy; outputs dx, dw and db exactly when b is given.
template <class P>
Variant backward_variant(VariantInfo info,
                         void (*kernel)(const Tensor<float>&, const Tensor<float>&,
                                        const Tensor<float>&, const P&, Tensor<float>&,
                                        Tensor<float>&, Tensor<float>&),
                         std::string (*supports)(const P&, const Shape&, const Shape&)) {
  info.direction = Direction::backward;
  return typed_variant<P>(
      std::move(info),
      [supports](const P& p, const ShapeMap& shapes) {
        return supports(p, shapes.at("x"), shapes.at("w"));
      },
      [kernel](const P& p, const TensorMap<float>& in, TensorMap<float>& out) {
        Tensor<float> db = optional_input(out, "db");
        kernel(in.at("x"), in.at("w"), in.at("dy"), p, out.at("dx"), out.at("dw"), db);
      });
}

}  // namespace

void add_transposed_variants(std::vector<Variant>& all) {
  const std::string nested =
      "nested float sums of the reference's products plus the inputs' rounding to float";
  all.push_back(forward_variant(
      {.name = "conv_transpose2d_gemm_col2im",
       .parent = "conv_transpose2d_reference",
       .description = "GEMM W^T x into a column buffer, then col2im scatter-adds it into y",
       .tolerance_factor = kConvTranspose2dGemmCol2imToleranceFactor,
       .tolerance_reason = nested},
      conv_transpose2d_gemm_col2im, conv_transpose2d_gemm_col2im_supports));
  all.push_back(forward_variant(
      {.name = "conv_transpose2d_zero_insertion",
       .parent = "conv_transpose2d_reference",
       .description = "zeros between inputs, then a stride-1 conv2d_im2col_gemm with the "
                      "flipped, channel-swapped kernel",
       .tolerance_factor = kConvTranspose2dZeroInsertionToleranceFactor,
       .tolerance_reason =
           "conv2d_im2col_gemm's float dot product (zeros add exact zeros) plus input rounding"},
      conv_transpose2d_zero_insertion, conv_transpose2d_zero_insertion_supports));
  all.push_back(backward_variant<Conv2dParams>(
      {.name = "conv2d_backward_gemm",
       .op = "conv2d",
       .parent = "conv2d_backward_reference",
       .description = "dx = col2im(W^T dy), dw = dy im2col(x)^T, db = sums, with the GEMM core",
       .tolerance_factor = kConv2dBackwardGemmToleranceFactor,
       .tolerance_reason = nested},
      conv2d_backward_gemm, conv2d_backward_gemm_supports));
  all.push_back(backward_variant<ConvTranspose2dParams>(
      {.name = "conv_transpose2d_backward_gemm",
       .op = "conv_transpose2d",
       .parent = "conv_transpose2d_backward_reference",
       .description = "dx = W im2col(dy) (a conv2d of dy), dw = x im2col(dy)^T, db = sums",
       .tolerance_factor = kConvTranspose2dBackwardGemmToleranceFactor,
       .tolerance_reason = nested},
      conv_transpose2d_backward_gemm, conv_transpose2d_backward_gemm_supports));
}

}  // namespace convlab
