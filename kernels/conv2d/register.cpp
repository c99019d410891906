// The conv2d forward variants of this folder, and corr2d run through one of them, as registry
// entries.
#include <algorithm>
#include <cmath>
#include <optional>

#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/registration.hpp"
#include "reference/dispatch.hpp"

namespace convlab {
namespace {

using Conv2dKernel = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                              const Conv2dParams&, Tensor<float>&);
using Conv2dSupports = std::string (*)(const Conv2dParams&, const Shape&, const Shape&);

// K * M under a Conv2dErrorModel (kernels/conv2d/conv2d_kernels.hpp): M from weights replaced
// by the largest |w| of their (oc, ic) kernel, then the largest value over tile x tile blocks.
TensorMap<double> conv2d_model_error_scale(const Conv2dErrorModel& model, const OpParams& params,
                                           const TensorMap<double>& inputs) {
  TensorMap<double> in = inputs;
  if (model.kernel_max) {
    Tensor<double> w = inputs.at("w").clone();
    const std::int64_t taps = w.dim(2) * w.dim(3);
    for (std::int64_t k = 0; k < w.numel(); k += taps) {
      double largest = 0;
      for (std::int64_t i = k; i < k + taps; ++i) largest = std::max(largest, std::fabs(w[i]));
      for (std::int64_t i = k; i < k + taps; ++i) w[i] = largest;
    }
    in["w"] = w;
  }
  TensorMap<double> scale = error_scale(find_op("conv2d", Direction::forward), params, in);
  if (model.tile > 1) {
    Tensor<double>& y = scale.at("y");
    const Tensor<double> m = y.clone();
    const std::int64_t planes = y.dim(0) * y.dim(1), H = y.dim(2), W = y.dim(3), t = model.tile;
    for (std::int64_t pl = 0; pl < planes; ++pl) {
      for (std::int64_t bh = 0; bh < H; bh += t) {
        for (std::int64_t bw = 0; bw < W; bw += t) {
          double largest = 0;
          for (std::int64_t i = bh; i < std::min(H, bh + t); ++i)
            for (std::int64_t j = bw; j < std::min(W, bw + t); ++j)
              largest = std::max(largest, m[(pl * H + i) * W + j]);
          for (std::int64_t i = bh; i < std::min(H, bh + t); ++i)
            for (std::int64_t j = bw; j < std::min(W, bw + t); ++j)
              y[(pl * H + i) * W + j] = largest;
        }
      }
    }
  }
  return scale;
}

// Variant::prepare from a conv2d variant's prepare function.
using Conv2dPrepare = Conv2dPreparedRun (*)(const Tensor<float>&, const Tensor<float>&,
                                            const Tensor<float>&, const Conv2dParams&);
auto conv2d_prepare(Conv2dPrepare prepare) {
  return [prepare](const OpParams& params, const TensorMap<float>& in) -> Variant::PreparedRun {
    const Conv2dParams& p = std::get<Conv2dParams>(params);
    const auto b = in.find("b");
    const Tensor<float> none;
    Conv2dPreparedRun run = prepare(in.at("x"), in.at("w"), b == in.end() ? none : b->second, p);
    return [run](const TensorMap<float>& in, TensorMap<float>& out) {
      const auto b = in.find("b");
      run(in.at("x"), b == in.end() ? Tensor<float>() : b->second, out.at("y"));
    };
  };
}

// A registry entry for one kernels/conv2d/ variant.
Variant conv2d_variant(std::string name, std::string parent, std::string description,
                       Conv2dKernel kernel, Conv2dSupports supports, double factor,
                       std::string reason, std::optional<Conv2dErrorModel> model = {}) {
  Variant v;
  v.name = std::move(name);
  v.op = "conv2d";
  v.parent = std::move(parent);
  v.description = std::move(description);
  v.tolerance_factor = factor;
  v.tolerance_reason = std::move(reason);
  v.supports = [supports](const OpParams& params, const ShapeMap& shapes) {
    return supports(std::get<Conv2dParams>(params), shapes.at("x"), shapes.at("w"));
  };
  v.run = [kernel](const OpParams& params, const TensorMap<float>& in, TensorMap<float>& out) {
    const auto b = in.find("b");
    kernel(in.at("x"), in.at("w"), b == in.end() ? Tensor<float>() : b->second,
           std::get<Conv2dParams>(params), out.at("y"));
  };
  if (model) {
    v.error_scale = [m = *model](const OpParams& params, const TensorMap<double>& inputs) {
      return conv2d_model_error_scale(m, params, inputs);
    };
  }
  return v;
}

}  // namespace

void add_conv2d_variants(std::vector<Variant>& all) {
  const std::string gemm_reason = "one float dot product per output, in blocks: the plain bound";
  all.push_back(conv2d_variant(
      "conv2d_direct_vc_ow", "conv2d_reference",
      "direct, Vc vectors along the output width, 6 output channels x 16 columns in registers",
      conv2d_direct_vc_ow, conv2d_direct_vc_ow_supports, kConv2dDirectVcOwToleranceFactor,
      "one float dot product per output"));
  all.push_back(conv2d_variant(
      "conv2d_direct_vc_oc", "conv2d_direct_vc_ow",
      "direct, Vc vectors along the output channels (any stride), 16 channels x 6 columns",
      conv2d_direct_vc_oc, conv2d_direct_vc_oc_supports, kConv2dDirectVcOcToleranceFactor,
      "one float dot product per output"));
  all.push_back(conv2d_variant(
      "conv2d_direct_vc", "conv2d_direct_vc_oc",
      "direct with Vc, no im2col buffer: the width path for stride 1, else the channel path",
      conv2d_direct_vc, conv2d_direct_vc_supports, kConv2dDirectVcToleranceFactor,
      "one float dot product per output"));
  all.push_back(conv2d_variant(
      "conv2d_direct_avx512", "conv2d_direct_vc_ow",
      "direct, AVX-512 along the output width, 12 channels x 32 columns; OpenMP over rows",
      conv2d_direct_avx512, conv2d_direct_avx512_supports, kConv2dDirectAvx512ToleranceFactor,
      "one float dot product per output"));
  all.push_back(conv2d_variant(
      "conv2d_direct_oc_avx512", "conv2d_direct_vc_oc",
      "direct, AVX-512 along the output channels, 32 channels x 14 columns, any stride; OpenMP",
      conv2d_direct_oc_avx512, conv2d_direct_oc_avx512_supports,
      kConv2dDirectOcAvx512ToleranceFactor, "one float dot product per output"));
  all.back().prepare = conv2d_prepare(conv2d_direct_oc_avx512_prepare);
  all.push_back(conv2d_variant("conv2d_depthwise_vc", "conv2d_direct_vc",
                               "depthwise (groups == channels), Vc vectors along the output width",
                               conv2d_depthwise_vc, conv2d_depthwise_vc_supports,
                               kConv2dDepthwiseVcToleranceFactor,
                               "one float dot product of KH*KW terms per output"));
  all.push_back(conv2d_variant(
      "conv2d_depthwise_avx512", "conv2d_depthwise_vc",
      "depthwise, AVX-512: 16 channels per vector on small planes, flat padded planes else",
      conv2d_depthwise_avx512, conv2d_depthwise_avx512_supports,
      kConv2dDepthwiseAvx512ToleranceFactor, "one float dot product of KH*KW terms per output"));
  all.push_back(conv2d_variant("conv2d_im2col_gemm", "conv2d_reference",
                               "im2col buffer per sample and group, then the GEMM core",
                               conv2d_im2col_gemm, conv2d_im2col_gemm_supports,
                               kConv2dIm2colGemmToleranceFactor, gemm_reason));
  all.back().prepare = conv2d_prepare(conv2d_im2col_gemm_prepare);
  all.push_back(conv2d_variant("conv2d_implicit_gemm", "conv2d_im2col_gemm",
                               "im2col columns built straight into the GEMM's B panels, no buffer",
                               conv2d_implicit_gemm, conv2d_implicit_gemm_supports,
                               kConv2dImplicitGemmToleranceFactor, gemm_reason));
  all.back().prepare = conv2d_prepare(conv2d_implicit_gemm_prepare);
  all.push_back(conv2d_variant("conv2d_1x1_gemm", "conv2d_im2col_gemm",
                               "1x1 kernel: the input already is the GEMM's B matrix",
                               conv2d_1x1_gemm, conv2d_1x1_gemm_supports,
                               kConv2d1x1GemmToleranceFactor, gemm_reason));
  all.back().prepare = conv2d_prepare(conv2d_1x1_gemm_prepare);
  all.push_back(conv2d_variant(
      "conv2d_1x1_avx512", "conv2d_1x1_gemm",
      "1x1, AVX-512: 8 channels x 48 positions per tile, no packing or transpose (few channels)",
      conv2d_1x1_avx512, conv2d_1x1_avx512_supports, kConv2d1x1Avx512ToleranceFactor,
      "one float dot product per output"));
  all.back().prepare = conv2d_prepare(conv2d_1x1_avx512_prepare);
  all.push_back(conv2d_variant("conv2d_grouped_gemm", "conv2d_im2col_gemm",
                               "one GEMM per group over the whole batch", conv2d_grouped_gemm,
                               conv2d_grouped_gemm_supports, kConv2dGroupedGemmToleranceFactor,
                               gemm_reason));
  all.back().prepare = conv2d_prepare(conv2d_grouped_gemm_prepare);
  all.push_back(conv2d_variant(
      "conv2d_winograd_f2x3", "conv2d_im2col_gemm",
      "Winograd F(2x2,3x3): 16 products per 2x2 outputs instead of 36", conv2d_winograd_f2x3,
      conv2d_winograd_f2x3_supports, kConv2dWinogradF2x3ToleranceFactor,
      "transforms mix a kernel's weights and a tile's inputs; measured, see conv2d_kernels.hpp",
      kConv2dWinogradF2x3ErrorModel));
  all.back().prepare = conv2d_prepare(conv2d_winograd_f2x3_prepare);
  all.push_back(conv2d_variant(
      "conv2d_winograd_f4x3", "conv2d_winograd_f2x3",
      "Winograd F(4x4,3x3): 36 products per 4x4 outputs instead of 144", conv2d_winograd_f4x3,
      conv2d_winograd_f4x3_supports, kConv2dWinogradF4x3ToleranceFactor,
      "larger transform coefficients (up to 8, 1/24); measured, see conv2d_kernels.hpp",
      kConv2dWinogradF4x3ErrorModel));
  all.back().exact_on_integers = false;  // G holds 1/6 and 1/24
  all.back().prepare = conv2d_prepare(conv2d_winograd_f4x3_prepare);
  all.push_back(conv2d_variant(
      "conv2d_winograd_f2x3_avx512", "conv2d_winograd_f2x3",
      "transforms on 16-float AVX-512 vectors, products on the output-channel tile",
      conv2d_winograd_f2x3_avx512, conv2d_winograd_f2x3_avx512_supports,
      kConv2dWinogradF2x3ToleranceFactor,
      "transforms mix a kernel's weights and a tile's inputs; measured, see conv2d_kernels.hpp",
      kConv2dWinogradF2x3ErrorModel));
  all.back().prepare = conv2d_prepare(conv2d_winograd_f2x3_avx512_prepare);
  all.push_back(conv2d_variant(
      "conv2d_winograd_f4x3_avx512", "conv2d_winograd_f4x3",
      "transforms on 16-float AVX-512 vectors, products on the output-channel tile",
      conv2d_winograd_f4x3_avx512, conv2d_winograd_f4x3_avx512_supports,
      kConv2dWinogradF4x3ToleranceFactor,
      "larger transform coefficients (up to 8, 1/24); measured, see conv2d_kernels.hpp",
      kConv2dWinogradF4x3ErrorModel));
  all.back().exact_on_integers = false;  // G holds 1/6 and 1/24
  all.back().prepare = conv2d_prepare(conv2d_winograd_f4x3_avx512_prepare);
  Variant rank1 = conv2d_variant("conv2d_separable_rank1", "conv2d_direct_vc",
                                 "rank-1 kernels u v^T as a vertical then a horizontal 1-D pass",
                                 conv2d_separable_rank1, conv2d_separable_rank1_supports,
                                 kConv2dSeparableRank1ToleranceFactor,
                                 "two nested float sums and refactored weights");
  rank1.run = [](const OpParams& params, const TensorMap<float>& in, TensorMap<float>& out) {
    if (std::string why = conv2d_separable_rank1_weights_reason(in.at("w")); !why.empty()) {
      throw Unsupported(why);
    }
    const auto b = in.find("b");
    conv2d_separable_rank1(in.at("x"), in.at("w"), b == in.end() ? Tensor<float>() : b->second,
                           std::get<Conv2dParams>(params), out.at("y"));
  };
  all.push_back(std::move(rank1));
  all.push_back(conv2d_variant(
      "conv2d_separable_svd_r3", "conv2d_separable_rank1",
      "any kernel with min(KH,KW) <= 3 as a sum of rank-1 passes from its SVD (exact rank)",
      conv2d_separable_svd_r3, conv2d_separable_svd_r3_supports,
      kConv2dSeparableSvdR3ToleranceFactor,
      "SVD terms can cancel: error relative to the kernel's largest weight; measured",
      kConv2dSeparableSvdR3ErrorModel));
  all.back().exact_on_integers = false;  // singular vectors are irrational
  all.push_back(typed_variant<NoParams>(
      {.name = "corr2d_via_conv2d_direct_vc_ow",
       .op = "corr2d",
       .parent = "corr2d_reference",
       .description = "x, k, y viewed as 1-channel NCHW tensors, run by conv2d_direct_vc_ow",
       .tolerance_factor = kCorr2dViaConv2dDirectVcOwToleranceFactor,
       .tolerance_reason = "one float dot product per output"},
      [](const NoParams&, const ShapeMap& s) {
        return corr2d_via_conv2d_direct_vc_ow_supports(s.at("x"), s.at("k"));
      },
      [](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        corr2d_via_conv2d_direct_vc_ow(in.at("x"), in.at("k"), out.at("y"));
      }));
}

}  // namespace convlab
