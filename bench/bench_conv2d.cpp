// Benchmarks of the conv2d variants (kernels/conv2d) on a few real layers, single-threaded,
// beside the float reference ref::conv2d. Throughput is counted in direct-convolution FLOPs
// (2 * N * C_out * H_out * W_out * C_in/groups * KH * KW) whatever the algorithm, so a Winograd
// variant that does fewer multiplications shows up as more FLOP/s. A table at the end gives
// every variant's time as a speedup over the reference and over the best variant of its layer.
// Times are CPU time of the one thread (robust when other processes share the machine).
//
//   OMP_NUM_THREADS=1 bench_conv2d --benchmark_min_time=0.5s --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "reference/conv2d.hpp"

namespace convlab::bench {
namespace {

struct Layer {
  const char* name;
  Shape x, w;
  Conv2dParams p;
};

// One sample each: the layers the issue names.
const std::vector<Layer>& layers() {
  static const std::vector<Layer> l = {
      // ResNet-50 conv2_x: 3x3, 64 -> 64 at 56x56, padding 1.
      {"resnet50_3x3_64_56", Shape{1, 64, 56, 56}, Shape{64, 64, 3, 3},
       Conv2dParams{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1}},
      // VGG-16 conv1_2: 3x3, 64 -> 64 at 224x224, padding 1.
      {"vgg16_3x3_64_224", Shape{1, 64, 224, 224}, Shape{64, 64, 3, 3},
       Conv2dParams{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1}},
      // MobileNet v1 conv_dw_2: depthwise 3x3 on 32 channels at 112x112, padding 1.
      {"mobilenet_dw3x3_32_112", Shape{1, 32, 112, 112}, Shape{32, 1, 3, 3},
       Conv2dParams{.pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1, .groups = 32}},
      // AlexNet conv1: 11x11 stride 4, 3 -> 96 at 227x227.
      {"alexnet_conv1_11x11_s4", Shape{1, 3, 227, 227}, Shape{96, 3, 11, 11},
       Conv2dParams{.stride_h = 4, .stride_w = 4}},
  };
  return l;
}

using RunFn = void (*)(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&,
                       const Conv2dParams&, Tensor<float>&);
using SupportsFn = std::string (*)(const Conv2dParams&, const Shape&, const Shape&);
struct Variant {
  const char* name;
  RunFn run;
  SupportsFn supports;
};

void run_reference(const Tensor<float>& x, const Tensor<float>& w, const Tensor<float>& b,
                   const Conv2dParams& p, Tensor<float>& y) {
  y = ref::conv2d(x, w, b, p);
}
std::string reference_supports(const Conv2dParams&, const Shape&, const Shape&) {
  return "";
}

const std::vector<Variant>& variants() {
  static const std::vector<Variant> v = {
      {"reference", run_reference, reference_supports},
      {"conv2d_direct_vc", conv2d_direct_vc, conv2d_direct_vc_supports},
      {"conv2d_direct_vc_ow", conv2d_direct_vc_ow, conv2d_direct_vc_ow_supports},
      {"conv2d_direct_vc_oc", conv2d_direct_vc_oc, conv2d_direct_vc_oc_supports},
      {"conv2d_depthwise_vc", conv2d_depthwise_vc, conv2d_depthwise_vc_supports},
      {"conv2d_winograd_f2x3", conv2d_winograd_f2x3, conv2d_winograd_f2x3_supports},
      {"conv2d_winograd_f4x3", conv2d_winograd_f4x3, conv2d_winograd_f4x3_supports},
      {"conv2d_separable_svd_r3", conv2d_separable_svd_r3, conv2d_separable_svd_r3_supports},
      {"conv2d_im2col_gemm", conv2d_im2col_gemm, conv2d_im2col_gemm_supports},
      {"conv2d_1x1_gemm", conv2d_1x1_gemm, conv2d_1x1_gemm_supports},
      {"conv2d_grouped_gemm", conv2d_grouped_gemm, conv2d_grouped_gemm_supports},
  };
  return v;
}

Tensor<float> random(const Shape& s, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor<float> t(s);
  for (float& v : t.values()) v = dist(rng);
  return t;
}

double direct_flops(const Layer& l) {
  const Shape out = conv2d_output_shape(l.x, l.w, Shape{l.w[0]}, l.p);
  return 2.0 * double(out.numel()) * double(l.w[1] * l.w[2] * l.w[3]);
}

// Seconds per iteration of every run, for the table.
std::map<std::string, std::map<std::string, double>>& results() {
  static std::map<std::string, std::map<std::string, double>> r;
  return r;
}

void bm_conv(benchmark::State& state, const Layer* l, const Variant* v) {
  const Tensor<float> x = random(l->x, 1), w = random(l->w, 2), b = random(Shape{l->w[0]}, 3);
  Tensor<float> y(conv2d_output_shape(l->x, l->w, b.shape(), l->p));
  for (auto _ : state) {
    v->run(x, w, b, l->p, y);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["FLOPS"] = benchmark::Counter(direct_flops(*l) * double(state.iterations()),
                                               benchmark::Counter::kIsRate);
}

class TableReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const std::string name = r.run_name.function_name;  // "layer/variant"
      const auto slash = name.find('/');
      if (slash == std::string::npos || r.iterations == 0) continue;
      // With --benchmark_repetitions the median (reported after the runs) is what counts.
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      results()[name.substr(0, slash)][name.substr(slash + 1)] =
          r.GetAdjustedCPUTime() / 1e3;  // ms -> s
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace
}  // namespace convlab::bench

int main(int argc, char** argv) {
  using namespace convlab::bench;
  for (const Layer& l : layers()) {
    for (const Variant& v : variants()) {
      if (!v.supports(l.p, l.x, l.w).empty()) continue;
      auto* b = benchmark::RegisterBenchmark((std::string(l.name) + "/" + v.name).c_str(), bm_conv,
                                             &l, &v);
      b->Unit(benchmark::kMillisecond);
      // The reference takes seconds on the big layers: one iteration is enough.
      if (std::string(v.name) == "reference") b->Iterations(1);
    }
  }
  benchmark::Initialize(&argc, argv);
  TableReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\n%-24s %-26s %10s %9s %11s %7s\n", "layer", "variant", "ms", "GFLOP/s",
              "x reference", "x best");
  for (const auto& [layer, by_variant] : results()) {
    double best = 1e300, flops = 0;
    for (const Layer& l : layers()) {
      if (layer == l.name) flops = direct_flops(l);
    }
    for (const auto& [name, s] : by_variant) {
      if (name != "reference") best = std::min(best, s);
    }
    const auto ref = by_variant.find("reference");
    for (const auto& [name, s] : by_variant) {
      std::printf("%-24s %-26s %10.3f %9.2f %11.2f %7.2f\n", layer.c_str(), name.c_str(), s * 1e3,
                  flops / s / 1e9, ref == by_variant.end() ? 0.0 : ref->second / s, best / s);
    }
  }
  benchmark::Shutdown();
  return 0;
}
