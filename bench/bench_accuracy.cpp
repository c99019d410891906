// bench_accuracy: the error of every registered variant on every shape of the selected sets it
// supports, against the double-precision reference on the same random inputs.
//
// Inputs are uniform in [-1, 1), drawn in float (so the float inputs of the variant and the
// double inputs of the reference are the same numbers) from --seed, one stream per tensor. Each
// variant's outputs start as NaN. Per (variant, problem) one CSV row
//   op,variant,set,layer,max_abs_error,max_rel_error,error_over_bound,tolerance_factor
// over every element of every output:
//   max_abs_error     max |y - y_ref|
//   max_rel_error     max |y - y_ref| / max |y_ref|, over the elements of the layer's outputs:
//                     the error relative to the outputs' scale (normwise). Element by element,
//                     an output near zero by cancellation would turn any rounding into a
//                     relative error of 1 or more and hide the differences between variants.
//   error_over_bound  max |y - y_ref| / (FLT_EPSILON * K * M), K * M from the variant's own
//                     error_scale when it declares one (Winograd, SVD) and from error_scale()
//                     of reference/dispatch.hpp otherwise: the tolerance factor this problem
//                     needed. A variant passes the DESIGN.md policy when it is at most
//                     tolerance_factor. Where K * M is 0 (max pooling's indices) any
//                     difference gives inf.
//   tolerance_factor  the factor the variant declares in the registry.
// A non-finite output (a NaN left unwritten) gives inf in the three error columns.
//
// The double reference of the biggest layers is slow (and error_scale runs the op twice more):
// above --flop-budget direct operations (default 2e8), the reference is computed for a random
// subset of the output channels only (conv1d/2d/3d and linear: rows of w; conv_transpose2d:
// columns of w; gemm: rows of a; groups == 1 only), sized so that the reduced problem is
// within the budget and at least 8 channels; the subset is drawn from the seed (its size and first
// channels are printed on stderr). The variant still computes the whole layer; only the chosen
// channels are compared. Problems without such a subset (pooling, element-wise, grouped, backward)
// are compared whole.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "bench/shapes.hpp"
#include "kernels/registry.hpp"
#include "reference/dispatch.hpp"

#ifndef CONVLAB_SOURCE_DIR
#define CONVLAB_SOURCE_DIR "."
#endif

namespace convlab::bench {
namespace {

// The channels compared: along `axis` of output `output`, taken from input `input` along
// `input_axis` (and from the bias, when there is one).
struct Subset {
  bool active = false;
  std::string input;  // "w" or "a"
  int input_axis = 0;
  int output_axis = 1;
  std::vector<std::int64_t> channels;
};

// t with only `idx` kept along `axis`.
template <class T>
Tensor<T> take(const Tensor<T>& t, int axis, const std::vector<std::int64_t>& idx) {
  std::vector<std::int64_t> dims;
  for (int i = 0; i < t.rank(); ++i) dims.push_back(t.dim(i));
  std::int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= dims[i];
  for (int i = axis + 1; i < t.rank(); ++i) inner *= dims[i];
  const std::int64_t n = dims[axis];
  dims[axis] = static_cast<std::int64_t>(idx.size());
  Tensor<T> out{Shape(std::span<const std::int64_t>(dims))};
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::size_t s = 0; s < idx.size(); ++s) {
      const T* src = t.data() + (o * n + idx[s]) * inner;
      std::copy(src, src + inner,
                out.data() + (o * std::int64_t(idx.size()) + std::int64_t(s)) * inner);
    }
  }
  return out;
}

Subset choose_subset(const Problem& p, double budget, std::uint64_t seed) {
  Subset s;
  const double flops = direct_flops(p);
  if (flops <= budget || p.direction != Direction::forward) return s;
  std::int64_t channels = 0;
  if (p.op == "conv1d" || p.op == "conv2d" || p.op == "conv3d" || p.op == "linear") {
    const auto* cp2 = std::get_if<Conv2dParams>(&p.params);
    const auto* cp1 = std::get_if<Conv1dParams>(&p.params);
    const auto* cp3 = std::get_if<Conv3dParams>(&p.params);
    if ((cp2 && cp2->groups != 1) || (cp1 && cp1->groups != 1) || (cp3 && cp3->groups != 1)) {
      return s;
    }
    s.input = "w";
    s.input_axis = 0;
    s.output_axis = 1;
    channels = p.inputs.at("w")[0];
  } else if (p.op == "conv_transpose2d") {
    if (std::get<ConvTranspose2dParams>(p.params).groups != 1) return s;
    s.input = "w";
    s.input_axis = 1;
    s.output_axis = 1;
    channels = p.inputs.at("w")[1];
  } else if (p.op == "gemm") {
    s.input = "a";
    s.input_axis = 0;
    s.output_axis = 0;
    channels = p.inputs.at("a")[0];
  } else {
    return s;
  }
  const auto keep = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(double(channels) * budget / flops)), 8, channels);
  if (keep == channels) return s;
  std::vector<std::int64_t> all(static_cast<std::size_t>(channels));
  for (std::int64_t i = 0; i < channels; ++i) all[std::size_t(i)] = i;
  std::mt19937_64 rng(seed);
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(static_cast<std::size_t>(keep));
  std::sort(all.begin(), all.end());
  s.active = true;
  s.channels = all;
  return s;
}

struct Errors {
  double max_abs = 0, max_ref = 0, over_bound = 0;
  double max_rel() const { return max_abs == 0 ? 0 : max_abs / std::max(max_ref, double(FLT_MIN)); }
};

void accumulate(Errors& e, double y, double ref, double km) {
  double abs = std::fabs(y - ref);
  if (!std::isfinite(abs)) abs = std::numeric_limits<double>::infinity();
  const double bound = double(FLT_EPSILON) * km;
  const double ratio = abs == 0    ? 0
                       : bound > 0 ? abs / bound
                                   : std::numeric_limits<double>::infinity();
  e.max_abs = std::max(e.max_abs, abs);
  e.max_ref = std::max(e.max_ref, std::fabs(ref));
  e.over_bound = std::max(e.over_bound, ratio);
}

std::string number(double v) {
  if (std::isinf(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

int run(const std::vector<std::string>& sets, const std::filesystem::path& out_path,
        std::uint64_t seed, double budget) {
  const auto dir = default_shapes_dir();
  std::filesystem::create_directories(std::filesystem::absolute(out_path).parent_path());
  std::ofstream out(out_path);
  if (!out) throw std::invalid_argument("cannot write " + out_path.string());
  out << "op,variant,set,layer,max_abs_error,max_rel_error,error_over_bound,tolerance_factor\n";
  std::fprintf(stderr, "bench_accuracy: seed %llu, reference budget %.3g operations, writing %s\n",
               static_cast<unsigned long long>(seed), budget, out_path.c_str());
  int rows = 0;
  for (const std::string& set : sets) {
    const std::vector<Problem> problems = load_shape_set(dir / (set + ".txt"));
    std::fprintf(stderr, "accuracy: set %s (%zu problems)\n", set.c_str(), problems.size());
    for (const Problem& p : problems) {
      const OpSpec& spec = find_op(p.op, p.direction);
      // Random inputs in float, and the same numbers in double.
      TensorMap<float> in_f;
      TensorMap<double> in_d;
      std::uint64_t stream = 0;
      for (const auto& [name, shape] : p.inputs) {
        std::mt19937_64 rng(seed * 1000003 + stream++);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        Tensor<float> f(shape);
        Tensor<double> d(shape);
        for (std::int64_t i = 0; i < f.numel(); ++i) {
          f[i] = dist(rng);
          d[i] = f[i];
        }
        in_f[name] = f;
        in_d[name] = d;
      }
      const Subset subset = choose_subset(p, budget, seed);
      TensorMap<double> ref_in = in_d;
      if (subset.active) {
        ref_in[subset.input] = take(in_d.at(subset.input), subset.input_axis, subset.channels);
        // The bias of the weighted ops ("b" of gemm is its right matrix, not a bias).
        if (p.op != "gemm" && ref_in.count("b") != 0) {
          ref_in["b"] = take(in_d.at("b"), 0, subset.channels);
        }
        std::string list;
        for (std::size_t i = 0; i < subset.channels.size() && i < 12; ++i) {
          list += (i == 0 ? "" : " ") + std::to_string(subset.channels[i]);
        }
        if (subset.channels.size() > 12) list += " ...";
        std::fprintf(stderr, "  %s: reference on %zu of %lld output channels: %s\n",
                     p.name().c_str(), subset.channels.size(),
                     static_cast<long long>(p.outputs.begin()->second[subset.output_axis]),
                     list.c_str());
      }
      std::vector<const Variant*> variants;
      for (const Variant* v : variants_of(p.op, p.direction)) {
        if (v->supports(p.params, p.inputs).empty()) variants.push_back(v);
      }
      if (variants.empty()) continue;
      const TensorMap<double> ref = run_reference<double>(spec, p.params, ref_in);
      const TensorMap<double> default_scale = error_scale(spec, p.params, ref_in);
      for (const Variant* v : variants) {
        TensorMap<float> y;
        for (const auto& [name, shape] : p.outputs) {
          y[name] = Tensor<float>::full(shape, std::numeric_limits<float>::quiet_NaN());
        }
        try {
          v->run(p.params, in_f, y);
        } catch (const Unsupported& e) {
          std::fprintf(stderr, "  %s %s: skipped: %s\n", v->name.c_str(), p.name().c_str(),
                       e.what());
          continue;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "  %s %s: FAILED: %s\n", v->name.c_str(), p.name().c_str(),
                       e.what());
          continue;
        }
        const TensorMap<double> scale =
            v->error_scale ? v->error_scale(p.params, ref_in) : default_scale;
        Errors e;
        for (const auto& [name, r] : ref) {
          const Tensor<double>& km = scale.at(name);
          Tensor<float> got = y.at(name);
          if (subset.active) got = take(got, subset.output_axis, subset.channels);
          for (std::int64_t i = 0; i < r.numel(); ++i) accumulate(e, got[i], r[i], km[i]);
        }
        out << p.op_name() << "," << v->name << "," << p.set << "," << p.layer << ","
            << number(e.max_abs) << "," << number(e.max_rel()) << "," << number(e.over_bound) << ","
            << number(v->tolerance_factor) << "\n";
        out.flush();
        ++rows;
        if (e.over_bound > v->tolerance_factor) {
          std::fprintf(stderr, "  %s %s: error %.3g x eps*K*M exceeds its tolerance factor %g\n",
                       v->name.c_str(), p.name().c_str(), e.over_bound, v->tolerance_factor);
        }
      }
    }
  }
  std::fprintf(stderr, "bench_accuracy: %d rows written to %s\n", rows, out_path.c_str());
  return 0;
}

}  // namespace
}  // namespace convlab::bench

int main(int argc, char** argv) {
  using namespace convlab::bench;
  CLI::App app{"Accuracy of every registered variant against the double reference, per shape"};
  std::string sets = "all";
  std::string out =
      (std::filesystem::path(CONVLAB_SOURCE_DIR) / "build" / "bench-results" / "accuracy.csv")
          .string();
  std::uint64_t seed = 1;
  double budget = 2e8;
  app.add_option("--sets", sets, "comma-separated shape sets of bench/shapes, or all")
      ->capture_default_str();
  app.add_option("--out", out, "CSV file to write")->capture_default_str();
  app.add_option("--seed", seed, "seed of the random inputs and channel subsets")
      ->capture_default_str();
  app.add_option("--flop-budget", budget,
                 "above this many direct operations the reference checks a channel subset")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(select_sets(sets, default_shapes_dir()), out, seed, budget);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_accuracy: %s\n", e.what());
    return 2;
  }
}
