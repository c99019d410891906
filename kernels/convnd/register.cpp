// The variants of conv1d and conv3d (kernels/convnd/convnd_kernels.hpp), as registry entries.
#include <string>
#include <utility>

#include "kernels/convnd/convnd_kernels.hpp"
#include "kernels/registration.hpp"

namespace convlab {
namespace {

template <class P>
using Forward = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&, const P&,
                         Tensor<float>&);
template <class P>
using Supports = std::string (*)(const P&, const Shape&, const Shape&);
template <class P>
using Backward = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                          const P&, Tensor<float>&, Tensor<float>&, Tensor<float>&);

template <class P>
Variant forward_variant(VariantInfo info, Forward<P> kernel, Supports<P> supports) {
  return typed_variant<P>(
      std::move(info),
      [supports](const P& p, const ShapeMap& shapes) {
        return supports(p, shapes.at("x"), shapes.at("w"));
      },
      [kernel](const P& p, const TensorMap<float>& in, TensorMap<float>& out) {
        kernel(in.at("x"), in.at("w"), optional_input(in, "b"), p, out.at("y"));
      });
}

// Computes every problem the backward reference does: supports() is always "".
template <class P>
Variant backward_variant(VariantInfo info, Backward<P> kernel) {
  info.direction = Direction::backward;
  return typed_variant<P>(
      std::move(info), [](const P&, const ShapeMap&) { return std::string(); },
      [kernel](const P& p, const TensorMap<float>& in, TensorMap<float>& out) {
        const auto db = out.find("db");
        Tensor<float> no_db;
        kernel(in.at("x"), in.at("w"), in.at("dy"), p, out.at("dx"), out.at("dw"),
               db == out.end() ? no_db : db->second);
      });
}

}  // namespace

void add_convnd_variants(std::vector<Variant>& all) {
  // (K + 2) u M with the rounding of double inputs to float: 1.5 eps K M at K = 1.
  const std::string gemm_reason =
      "one float dot product per output inside gemm(), plus the inputs' rounding to float";
  const std::string direct_reason =
      "one float dot product (FMA) per output, plus the inputs' rounding to float";
  all.push_back(forward_variant<Conv1dParams>(
      {.name = "conv1d_im2col_gemm",
       .op = "conv1d",
       .parent = "conv1d_reference",
       .description = "im2col buffer (C_in/G*K x L_out) per sample and group, then the GEMM core",
       .tolerance_factor = kConvNdGemmToleranceFactor,
       .tolerance_reason = gemm_reason},
      conv1d_im2col_gemm, conv1d_im2col_gemm_supports));
  all.push_back(forward_variant<Conv1dParams>(
      {.name = "conv1d_direct_vc",
       .op = "conv1d",
       .parent = "conv1d_im2col_gemm",
       .description = "direct, no buffer: Vc vectors along the output length (stride 1), else "
                      "along the output channels; register tiles of 6x16 / 16x6",
       .tolerance_factor = kConvNdDirectVcToleranceFactor,
       .tolerance_reason = direct_reason},
      conv1d_direct_vc, conv1d_direct_vc_supports));
  all.push_back(forward_variant<Conv3dParams>(
      {.name = "conv3d_vol2col_gemm",
       .op = "conv3d",
       .parent = "conv3d_reference",
       .description = "vol2col buffer (C_in/G*KD*KH*KW x D_out*H_out*W_out) per sample and group, "
                      "then the GEMM core",
       .tolerance_factor = kConvNdGemmToleranceFactor,
       .tolerance_reason = gemm_reason},
      conv3d_vol2col_gemm, conv3d_vol2col_gemm_supports));
  all.push_back(forward_variant<Conv3dParams>(
      {.name = "conv3d_direct_vc",
       .op = "conv3d",
       .parent = "conv3d_vol2col_gemm",
       .description = "direct, no buffer: Vc vectors along the output width (stride_w 1), else "
                      "along the output channels; register tiles of 6x16 / 16x6",
       .tolerance_factor = kConvNdDirectVcToleranceFactor,
       .tolerance_reason = direct_reason},
      conv3d_direct_vc, conv3d_direct_vc_supports));
  const std::string backward_reason =
      "nested float sums (GEMM, then col2vol / per-sample additions) of K terms, plus the "
      "inputs' rounding to float";
  all.push_back(backward_variant<Conv1dParams>(
      {.name = "conv1d_backward_gemm",
       .op = "conv1d",
       .parent = "conv1d_backward_reference",
       .description = "dx = col2im(w^T dy), dw = dy col^T by the GEMM core, db by sums",
       .tolerance_factor = kConvNdBackwardGemmToleranceFactor,
       .tolerance_reason = backward_reason},
      conv1d_backward_gemm));
  all.push_back(backward_variant<Conv3dParams>(
      {.name = "conv3d_backward_gemm",
       .op = "conv3d",
       .parent = "conv3d_backward_reference",
       .description = "dx = col2vol(w^T dy), dw = dy col^T by the GEMM core, db by sums",
       .tolerance_factor = kConvNdBackwardGemmToleranceFactor,
       .tolerance_reason = backward_reason},
      conv3d_backward_gemm));
}

}  // namespace convlab
