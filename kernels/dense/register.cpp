// The variants of gemm, linear, activations and flatten, as registry entries.
//
// The gemm op's variants are the steps of the GEMM core, taken from gemm_steps() (the core's
// single list of its steps), so a new step appears here, in the tests and in the benchmarks
// without another list.
#include <string>

#include "kernels/dense/dense_kernels.hpp"
#include "kernels/gemm/gemm.hpp"
#include "kernels/registration.hpp"

namespace convlab {
namespace {

// c = a b with a: (M, K), b: (K, N), c: (M, N), all contiguous: no transposes, ld = width.
GemmProblem gemm_problem(const TensorMap<float>& in, TensorMap<float>& out) {
  const Tensor<float>& a = in.at("a");
  const Tensor<float>& b = in.at("b");
  Tensor<float>& c = out.at("c");
  return GemmProblem{.M = a.dim(0),
                     .N = b.dim(1),
                     .K = a.dim(1),
                     .A = a.data(),
                     .lda = a.dim(1),
                     .B = b.data(),
                     .ldb = b.dim(1),
                     .C = c.data(),
                     .ldc = b.dim(1)};
}

void add_gemm_steps(std::vector<Variant>& all) {
  for (const GemmStep& step : gemm_steps()) {
    auto run_step = step.run;
    auto reason = step.unsupported_reason;
    all.push_back(typed_variant<NoParams>(
        VariantInfo{.name = std::string(step.name),
                    .op = "gemm",
                    .parent = step.parent.empty() ? "gemm_reference" : std::string(step.parent),
                    .description = std::string(step.description),
                    .tolerance_factor = kDotProductToleranceFactor,
                    .tolerance_reason = "one float dot product of K terms per element, in any "
                                        "order (kernels/tolerance.hpp)"},
        [reason](const NoParams&, const ShapeMap&) { return reason(); },
        [run_step](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
          run_step(gemm_problem(in, out));
        }));
  }
}

void add_linear(std::vector<Variant>& all) {
  const std::string dot = "one float dot product per output, plus the inputs' rounding to float";
  all.push_back(typed_variant<NoParams>(
      VariantInfo{.name = "linear_gemv_vc",
                  .op = "linear",
                  .parent = "linear_reference",
                  .description = "batch 1: Vc dot products along the input features, 4 rows of w "
                                 "per pass",
                  .tolerance_factor = kLinearGemvVcToleranceFactor,
                  .tolerance_reason = dot},
      [](const NoParams&, const ShapeMap& s) {
        return linear_gemv_vc_supports(s.at("x"), s.at("w"));
      },
      [](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        linear_gemv_vc(in.at("x"), in.at("w"), optional_input(in, "b"), out.at("y"));
      }));
  all.push_back(typed_variant<NoParams>(
      VariantInfo{.name = "linear_gemm",
                  .op = "linear",
                  .parent = "linear_reference",
                  .description = "any batch: y^T = w x^T on the GEMM core (w unit-stride as A), "
                                 "transposed into y, + b",
                  .tolerance_factor = kLinearGemmToleranceFactor,
                  .tolerance_reason = dot},
      [](const NoParams&, const ShapeMap&) { return std::string(); },
      [](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        linear_gemm(in.at("x"), in.at("w"), optional_input(in, "b"), out.at("y"));
      }));
  all.back().prepare = [](const OpParams&, const TensorMap<float>& in) -> Variant::PreparedRun {
    LinearPreparedRun run = linear_gemm_prepare(in.at("x"), in.at("w"), optional_input(in, "b"));
    return [run](const TensorMap<float>& in, TensorMap<float>& out) {
      run(in.at("x"), optional_input(in, "b"), out.at("y"));
    };
  };
  all.push_back(typed_variant<NoParams>(
      VariantInfo{.name = "linear_backward_gemm",
                  .op = "linear",
                  .direction = Direction::backward,
                  .parent = "linear_backward_reference",
                  .description = "dx = dy w and dw = dy^T x on the GEMM core, db column sums",
                  .tolerance_factor = kLinearBackwardGemmToleranceFactor,
                  .tolerance_reason = "one float sum of products per element, plus the inputs' "
                                      "rounding to float"},
      [](const NoParams&, const ShapeMap&) { return std::string(); },
      [](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        const auto db = out.find("db");
        Tensor<float> no_db;
        linear_backward_gemm(in.at("x"), in.at("w"), in.at("dy"), out.at("dx"), out.at("dw"),
                             db == out.end() ? no_db : db->second);
      }));
}

using Unary = void (*)(const Tensor<float>&, Tensor<float>&);
using UnaryBackward = void (*)(const Tensor<float>&, const Tensor<float>&, Tensor<float>&);

void add_activation(std::vector<Variant>& all, const std::string& op, Unary forward,
                    UnaryBackward backward, double factor, double backward_factor,
                    const std::string& how, const std::string& reason) {
  all.push_back(typed_variant<NoParams>(
      VariantInfo{.name = op + "_vc",
                  .op = op,
                  .parent = op + "_reference",
                  .description = how,
                  .tolerance_factor = factor,
                  .tolerance_reason = reason},
      [](const NoParams&, const ShapeMap&) { return std::string(); },
      [forward](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        forward(in.at("x"), out.at("y"));
      }));
  all.push_back(typed_variant<NoParams>(
      VariantInfo{.name = op + "_backward_vc",
                  .op = op,
                  .direction = Direction::backward,
                  .parent = op + "_backward_reference",
                  .description = "gradient: " + how,
                  .tolerance_factor = backward_factor,
                  .tolerance_reason = reason},
      [](const NoParams&, const ShapeMap&) { return std::string(); },
      [backward](const NoParams&, const TensorMap<float>& in, TensorMap<float>& out) {
        backward(in.at("x"), in.at("dy"), out.at("dx"));
      }));
}

void add_flatten(std::vector<Variant>& all) {
  const std::string reason = "a copy: exact (the factor only matters for the inputs' rounding)";
  all.push_back(typed_variant<FlattenParams>(
      VariantInfo{.name = "flatten_copy",
                  .op = "flatten",
                  .parent = "flatten_reference",
                  .description = "one memcpy per sample into a separate output (the library's "
                                 "flatten is a view)",
                  .tolerance_factor = 1,
                  .tolerance_reason = reason},
      [](const FlattenParams&, const ShapeMap&) { return std::string(); },
      [](const FlattenParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        flatten_copy(in.at("x"), p, out.at("y"));
      }));
  all.push_back(typed_variant<FlattenParams>(
      VariantInfo{.name = "flatten_backward_copy",
                  .op = "flatten",
                  .direction = Direction::backward,
                  .parent = "flatten_backward_reference",
                  .description = "dy copied back into x's shape, one memcpy per sample",
                  .tolerance_factor = 1,
                  .tolerance_reason = reason},
      [](const FlattenParams&, const ShapeMap&) { return std::string(); },
      [](const FlattenParams& p, const TensorMap<float>& in, TensorMap<float>& out) {
        flatten_backward_copy(in.at("x"), in.at("dy"), p, out.at("dx"));
      }));
}

}  // namespace

void add_dense_variants(std::vector<Variant>& all) {
  add_gemm_steps(all);
  add_linear(all);
  add_activation(all, "relu", relu_vc, relu_backward_vc, 1, 1,
                 "Vc mask: x <= 0 set to +0, NaN kept", "a selection: exact");
  add_activation(all, "sigmoid", sigmoid_vc, sigmoid_backward_vc, kSigmoidVcToleranceFactor,
                 kSigmoidBackwardVcToleranceFactor,
                 "Vc, e^-|x| by exp_vc (range reduction + degree-7 polynomial)",
                 "exp_vc's measured max relative error 0.66 eps plus 3 roundings; the factor is "
                 "the measured worst ratio over a float sweep, rounded up (dense_kernels.hpp)");
  add_activation(all, "tanh", tanh_vc, tanh_backward_vc, kTanhVcToleranceFactor,
                 kTanhBackwardVcToleranceFactor,
                 "Vc, Taylor polynomial below 1/8, else (1 - t) / (1 + t) with t = exp_vc(-2|x|)",
                 "exp_vc's measured max relative error 0.66 eps plus 3 roundings; the factor is "
                 "the measured worst ratio over a float sweep, rounded up (dense_kernels.hpp)");
  add_flatten(all);
}

}  // namespace convlab
