#include "kernels/registry.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "kernels/registration.hpp"
#include "reference/dispatch.hpp"

namespace convlab {
namespace {

// The reference run in float: the same loops with double accumulation and one rounding per
// output, so its error stays within one eps * K * M (inputs rounded to float included).
Variant reference_variant(const OpSpec& spec) {
  Variant v;
  v.op = spec.name;
  v.direction = spec.direction;
  v.name = spec.name + (spec.direction == Direction::backward ? "_backward" : "") + "_reference";
  v.description = "the textbook loop (reference/), in float with double accumulation";
  // Double accumulation and one rounding per output; but the inputs, given in double, are
  // rounded to float first, which perturbs each product by up to eps |x w| once more: for a
  // reduction of one term (K = 1) that alone can exceed 1 * eps * K * M.
  v.tolerance_factor = 2;
  v.tolerance_reason = "one rounding per output plus the rounding of the inputs to float";
  v.supports = [](const OpParams&, const ShapeMap&) { return std::string(); };
  const OpSpec* s = &spec;
  v.run = [s](const OpParams& params, const TensorMap<float>& inputs, TensorMap<float>& outputs) {
    TensorMap<float> result = run_reference<float>(*s, params, inputs);
    for (auto& [name, out] : outputs) {
      const Tensor<float>& r = result.at(name);
      std::copy(r.values().begin(), r.values().end(), out.values().begin());
    }
  };
  return v;
}

std::vector<Variant> build_registry() {
  std::vector<Variant> all;
  for (const OpSpec& spec : all_ops()) all.push_back(reference_variant(spec));
  // Optimized variants register here, one line per kernel folder.
  add_conv2d_variants(all);
  add_convnd_variants(all);
  add_transposed_variants(all);
  add_pool_variants(all);
  add_dense_variants(all);
  // Keep every op's variants together, in the order of all_ops(), reference first.
  std::stable_sort(all.begin(), all.end(), [](const Variant& a, const Variant& b) {
    const auto rank = [](const Variant& v) {
      const auto& ops = all_ops();
      for (std::size_t i = 0; i < ops.size(); ++i) {
        if (ops[i].name == v.op && ops[i].direction == v.direction) return i;
      }
      return ops.size();
    };
    return rank(a) < rank(b);
  });
  return all;
}

}  // namespace

const std::vector<Variant>& registry() {
  static const std::vector<Variant> all = build_registry();
  return all;
}

std::vector<const Variant*> variants_of(std::string_view op, Direction direction) {
  std::vector<const Variant*> out;
  for (const Variant& v : registry()) {
    if (v.op == op && v.direction == direction) out.push_back(&v);
  }
  return out;
}

const Variant* find_variant(std::string_view name) {
  for (const Variant& v : registry()) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

}  // namespace convlab
