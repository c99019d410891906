// The variants of pooling, unpooling and upsampling, as registry entries.
#include "kernels/pool/pool_kernels.hpp"
#include "kernels/registration.hpp"

namespace convlab {
namespace {

using MaxPoolKernel = void (*)(const Tensor<float>&, const Pool2dParams&, Tensor<float>&,
                               Tensor<float>&);
using AvgPoolKernel = void (*)(const Tensor<float>&, const Pool2dParams&, Tensor<float>&);
using PoolSupports = std::string (*)(const Pool2dParams&, const Shape&);

Variant max_pool_variant(VariantInfo info, MaxPoolKernel kernel,
                         PoolSupports supports = max_pool2d_indices_supports) {
  return typed_variant<Pool2dParams>(
      std::move(info),
      [supports](const Pool2dParams& p, const ShapeMap& s) { return supports(p, s.at("x")); },
      [kernel](const Pool2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        kernel(in.at("x"), p, out.at("y"), out.at("indices"));
      });
}

std::string all_pools(const Pool2dParams&, const Shape&) {
  return "";
}

Variant avg_pool_variant(VariantInfo info, AvgPoolKernel kernel,
                         PoolSupports supports = all_pools) {
  return typed_variant<Pool2dParams>(
      std::move(info),
      [supports](const Pool2dParams& p, const ShapeMap& s) { return supports(p, s.at("x")); },
      [kernel](const Pool2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        kernel(in.at("x"), p, out.at("y"));
      });
}

}  // namespace

void add_pool_variants(std::vector<Variant>& all) {
  const std::string exact = "selects one input value: exact";
  all.push_back(max_pool_variant(
      {.name = "max_pool2d_separable",
       .op = "max_pool2d",
       .parent = "max_pool2d_reference",
       .description = "row maxima, then the maximum of the row maxima (first maximum kept)",
       .tolerance_factor = kMaxPool2dToleranceFactor,
       .tolerance_reason = exact},
      max_pool2d_separable));
  all.push_back(
      max_pool_variant({.name = "max_pool2d_vc",
                        .op = "max_pool2d",
                        .parent = "max_pool2d_separable",
                        .description = "the separable passes in Vc vectors along the output width",
                        .tolerance_factor = kMaxPool2dToleranceFactor,
                        .tolerance_reason = exact},
                       max_pool2d_vc));
  all.push_back(max_pool_variant(
      {.name = "max_pool2d_avx512",
       .op = "max_pool2d",
       .parent = "max_pool2d_vc",
       .description = "the window in row-major tap order with AVX-512: 16 planes per vector "
                      "(16x16 transposes in and out), or 16 columns of a plane per vector",
       .tolerance_factor = kMaxPool2dToleranceFactor,
       .tolerance_reason = exact},
      max_pool2d_avx512, max_pool2d_avx512_supports));
  all.push_back(avg_pool_variant(
      {.name = "avg_pool2d_separable",
       .op = "avg_pool2d",
       .parent = "avg_pool2d_reference",
       .description = "row sums, then sums of the row sums, divided by the reference's divisor",
       .tolerance_factor = kAvgPool2dSeparableToleranceFactor,
       .tolerance_reason = "two nested float sums (kernel_w + kernel_h terms) and a division"},
      avg_pool2d_separable));
  all.push_back(
      avg_pool_variant({.name = "avg_pool2d_vc",
                        .op = "avg_pool2d",
                        .parent = "avg_pool2d_separable",
                        .description = "the separable passes in Vc vectors along the output width",
                        .tolerance_factor = kAvgPool2dSeparableToleranceFactor,
                        .tolerance_reason = "the separable variant's sums, in the same order"},
                       avg_pool2d_vc));
  all.push_back(avg_pool_variant(
      {.name = "avg_pool2d_avx512",
       .op = "avg_pool2d",
       .parent = "avg_pool2d_vc",
       .description = "the window's sum with AVX-512: 16 planes per vector (16x16 transposes "
                      "in and out), or 16 columns of a plane per vector",
       .tolerance_factor = kAvgPool2dAvx512ToleranceFactor,
       .tolerance_reason = "kernel_h * kernel_w float terms in another order and a division: "
                           "the separable variant's bound"},
      avg_pool2d_avx512, avg_pool2d_avx512_supports));
  Variant running = typed_variant<Pool2dParams>(
      {.name = "avg_pool2d_running_sum",
       .op = "avg_pool2d",
       .parent = "avg_pool2d_separable",
       .description = "sliding sums along rows then columns, restarted every kernel outputs",
       .tolerance_factor = kAvgPool2dRunningSumToleranceFactor,
       .tolerance_reason = "own error model: roundings since the last restart, over its block "
                           "(pool_kernels.hpp)"},
      [](const Pool2dParams& p, const ShapeMap& s) {
        return avg_pool2d_running_sum_supports(p, s.at("x"));
      },
      [](const Pool2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        avg_pool2d_running_sum(in.at("x"), p, out.at("y"));
      });
  running.error_scale = [](const OpParams& params, const TensorMap<double>& in) {
    const auto& p = std::get<Pool2dParams>(params);
    return TensorMap<double>{
        {"y", avg_pool2d_running_sum_error_scale(
                  in.at("x"), p, avg_pool2d_running_sum_restart(p.kernel_h, p.stride_h),
                  avg_pool2d_running_sum_restart(p.kernel_w, p.stride_w))}};
  };
  all.push_back(std::move(running));
  all.push_back(typed_variant<Pool2dParams>(
      {.name = "max_pool2d_backward_scatter",
       .op = "max_pool2d",
       .direction = Direction::backward,
       .parent = "max_pool2d_backward_reference",
       .description = "indices from max_pool2d_vc, then a float scatter-add of dy per plane",
       .tolerance_factor = kMaxPool2dBackwardScatterToleranceFactor,
       .tolerance_reason = "float sums of the gradients meeting at one element"},
      [](const Pool2dParams& p, const ShapeMap& s) {
        return max_pool2d_indices_supports(p, s.at("x"));
      },
      [](const Pool2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        max_pool2d_backward_scatter(in.at("x"), in.at("dy"), p, out.at("dx"));
      }));
  Variant avg_backward = typed_variant<Pool2dParams>(
      {.name = "avg_pool2d_backward_separable",
       .op = "avg_pool2d",
       .direction = Direction::backward,
       .parent = "avg_pool2d_backward_reference",
       .description = "dy / divisor scattered down the columns (Vc), then along the rows",
       .tolerance_factor = kAvgPool2dBackwardSeparableToleranceFactor,
       .tolerance_reason = "a division and two nested float sums: the plain bound"},
      [](const Pool2dParams&, const ShapeMap&) { return std::string(); },
      [](const Pool2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        avg_pool2d_backward_separable(in.at("x"), in.at("dy"), p, out.at("dx"));
      });
  avg_backward.exact_on_integers = false;  // dy / divisor is rounded to float
  all.push_back(std::move(avg_backward));
  all.push_back(typed_variant<NoParams>(
      {.name = "global_avg_pool2d_vc",
       .op = "global_avg_pool2d",
       .parent = "global_avg_pool2d_reference",
       .description = "each plane summed in 4 Vc accumulators, then across lanes",
       .tolerance_factor = kGlobalAvgPool2dVcToleranceFactor,
       .tolerance_reason = "H * W float terms in another order: the plain bound"},
      [](const NoParams&, const ShapeMap&) { return std::string(); },
      [](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        global_avg_pool2d_vc(in.at("x"), out.at("y"));
      }));
  all.push_back(typed_variant<NoParams>(
      {.name = "global_avg_pool2d_backward_vc",
       .op = "global_avg_pool2d",
       .direction = Direction::backward,
       .parent = "global_avg_pool2d_backward_reference",
       .description = "dy / (H * W) once per plane, broadcast into the plane with Vc stores",
       .tolerance_factor = kGlobalAvgPool2dBackwardVcToleranceFactor,
       .tolerance_reason = "the reference's one rounded division per plane, copied: K = 1"},
      [](const NoParams&, const ShapeMap&) { return std::string(); },
      [](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        global_avg_pool2d_backward_vc(in.at("x"), in.at("dy"), out.at("dx"));
      }));
  all.push_back(typed_variant<Unpool2dParams>(
      {.name = "max_unpool2d_scatter",
       .op = "max_unpool2d",
       .parent = "max_unpool2d_reference",
       .description = "zero each plane, then scatter over flat pointers (no vector scatter)",
       .tolerance_factor = kMaxUnpool2dScatterToleranceFactor,
       .tolerance_reason = "copies values: exact"},
      [](const Unpool2dParams&, const ShapeMap&) { return std::string(); },
      [](const Unpool2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        max_unpool2d_scatter(in.at("x"), in.at("indices"), p, out.at("y"));
      }));
  all.push_back(typed_variant<Unpool2dParams>(
      {.name = "max_unpool2d_backward_gather",
       .op = "max_unpool2d",
       .direction = Direction::backward,
       .parent = "max_unpool2d_backward_reference",
       .description = "dy read at the indices: a vector validity test, then Vc gathers",
       .tolerance_factor = kMaxUnpool2dBackwardGatherToleranceFactor,
       .tolerance_reason = "copies values: exact"},
      [](const Unpool2dParams&, const ShapeMap& s) {
        return max_unpool2d_backward_gather_supports(s.at("dy"));
      },
      [](const Unpool2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        max_unpool2d_backward_gather(in.at("x"), in.at("indices"), in.at("dy"), p, out.at("dx"));
      }));
  all.push_back(typed_variant<Upsample2dParams>(
      {.name = "upsample2d_vc",
       .op = "upsample2d",
       .parent = "upsample2d_reference",
       .description = "precomputed source columns and weights, Vc gathers along the width",
       .tolerance_factor = kUpsample2dVcToleranceFactor,
       .tolerance_reason = "nearest copies (exact); bilinear: float weights, 6 float operations"},
      [](const Upsample2dParams&, const ShapeMap&) { return std::string(); },
      [](const Upsample2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        upsample2d_vc(in.at("x"), p, out.at("y"));
      }));
  all.push_back(typed_variant<Upsample2dParams>(
      {.name = "upsample2d_backward_vc",
       .op = "upsample2d",
       .direction = Direction::backward,
       .parent = "upsample2d_backward_reference",
       .description = "per input, dy summed over the outputs that read it: Vc rows, then columns",
       .tolerance_factor = kUpsample2dBackwardVcToleranceFactor,
       .tolerance_reason =
           "nearest: float sums, the plain bound; bilinear: float weights, FMA sums"},
      [](const Upsample2dParams&, const ShapeMap&) { return std::string(); },
      [](const Upsample2dParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        upsample2d_backward_vc(in.at("x"), in.at("dy"), p, out.at("dx"));
      }));
}

}  // namespace convlab
