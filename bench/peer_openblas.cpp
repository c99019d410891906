// OpenBLAS peers (see peers.cpp): openblas_im2col for conv2d (zero padding, any groups) and
// openblas_sgemm for gemm and linear. The im2col is ours (kernels/conv2d/im2col.hpp), so
// openblas_im2col against conv2d_im2col_gemm isolates the GEMM.
#include <cblas.h>

#include <memory>
#include <vector>

#include "bench/bench_common.hpp"
#include "kernels/conv2d/im2col.hpp"

namespace convlab::bench {

std::string openblas_core() {
  const char* name = openblas_get_corename();
  return name == nullptr ? "unknown" : name;
}

void openblas_set_threads(int threads) {
  openblas_set_num_threads(threads);
}

namespace {

std::string label() {
  return "openblas core " + openblas_core();
}

// y (N, C_out, H_out, W_out): per sample and group, col = im2col(x), y = w_g col + b.
Body conv2d_body(const Problem& p, benchmark::State& state) {
  const Conv2dParams& cp = std::get<Conv2dParams>(p.params);
  if (cp.padding_mode != PaddingMode::zeros) {
    state.SkipWithError("openblas_im2col: zero padding only");
    return {};
  }
  const TensorMap<float>& in = problem_inputs(p);
  auto out = std::make_shared<TensorMap<float>>(problem_outputs(p));
  const Tensor<float>&x = in.at("x"), &w = in.at("w"), &b = in.at("b");
  const conv2d_detail::Geometry g =
      conv2d_detail::geometry("openblas_im2col", x, w, b, cp, out->at("y"), "");
  const std::int64_t K = g.C_in_g * g.KH * g.KW, P = g.H_out * g.W_out;
  auto col = std::make_shared<std::vector<float>>(static_cast<std::size_t>(K * P));
  state.SetLabel(label());
  return [g, K, P, x, w, b, out, col] {
    float* y = out->at("y").data();
    for (std::int64_t n = 0; n < g.N; ++n) {
      for (std::int64_t gr = 0; gr < g.groups; ++gr) {
        const float* xg = x.data() + (n * g.C_in + gr * g.C_in_g) * g.H * g.W;
        float* yg = y + (n * g.C_out + gr * g.C_out_g) * P;
        conv2d_detail::im2col(g, xg, col->data(), P);
        conv2d_detail::fill_rows(yg, g.C_out_g, P, P, b.data() + gr * g.C_out_g);
        // (C_out/G x P) += (C_out/G x K) (K x P)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(g.C_out_g), int(P), int(K), 1.0f,
                    w.data() + gr * g.C_out_g * K, int(K), col->data(), int(P), 1.0f, yg, int(P));
      }
    }
  };
}

// gemm: C (M x N) = A (M x K) B (K x N). linear: y (N x out) = x (N x in) w^T + b.
Body sgemm_body(const Problem& p, benchmark::State& state) {
  const TensorMap<float>& in = problem_inputs(p);
  auto out = std::make_shared<TensorMap<float>>(problem_outputs(p));
  state.SetLabel(label());
  if (p.op == "gemm") {
    const Tensor<float>&a = in.at("a"), &b = in.at("b");
    return [a, b, out] {
      Tensor<float>& c = out->at("c");
      const int M = int(a.dim(0)), N = int(b.dim(1)), K = int(a.dim(1));
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a.data(), K, b.data(),
                  N, 0.0f, c.data(), N);
    };
  }
  const Tensor<float>&x = in.at("x"), &w = in.at("w"), &b = in.at("b");
  return [x, w, b, out] {
    Tensor<float>& y = out->at("y");
    const int N = int(x.dim(0)), O = int(w.dim(0)), I = int(w.dim(1));
    for (int n = 0; n < N; ++n) std::copy(b.data(), b.data() + O, y.data() + n * O);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, O, I, 1.0f, x.data(), I, w.data(), I,
                1.0f, y.data(), O);
  };
}

}  // namespace

void register_openblas(const Problem& p) {
  if (p.direction != Direction::forward) return;
  if (p.op == "conv2d") {
    register_problem_benchmark(
        p, "openblas_im2col", [&p](benchmark::State& s) { return conv2d_body(p, s); }, false);
  } else if (p.op == "gemm" || p.op == "linear") {
    register_problem_benchmark(
        p, "openblas_sgemm", [&p](benchmark::State& s) { return sgemm_body(p, s); }, false);
  }
}

}  // namespace convlab::bench
