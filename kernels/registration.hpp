// What a kernel folder needs to register its variants (see registry.hpp).
//
// Each folder of kernels/ defines one add_<folder>_variants() in its register.cpp; registry.cpp
// calls them all. typed_variant() turns functions on an op's own parameter struct into the
// type-erased Variant, so a folder's registration reads as a list of one entry per kernel.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kernels/registry.hpp"
#include "kernels/tolerance.hpp"

namespace convlab {

// conv2d forward (kernels/conv2d/)
void add_conv2d_variants(std::vector<Variant>& all);
// conv1d and conv3d (kernels/convnd/)
void add_convnd_variants(std::vector<Variant>& all);
// conv_transpose2d and the conv2d backward pass (kernels/transposed/)
void add_transposed_variants(std::vector<Variant>& all);
// pooling, global average pooling, unpooling, upsampling (kernels/pool/)
void add_pool_variants(std::vector<Variant>& all);
// gemm, linear, activations, flatten (kernels/dense/)
void add_dense_variants(std::vector<Variant>& all);

// The registry entry's text fields.
struct VariantInfo {
  // Every member has a default so designated initializers may leave any of them out.
  std::string name{};  // <op>_<algorithm>[_<isa>][_<tile>]
  std::string op{};
  Direction direction = Direction::forward;
  std::string parent{};
  std::string description{};
  double tolerance_factor = 1;
  std::string tolerance_reason{};
};

// A Variant whose supports() and run() take the op's parameter struct P directly.
template <class P>
Variant typed_variant(
    VariantInfo info, std::function<std::string(const P&, const ShapeMap&)> supports,
    std::function<void(const P&, const TensorMap<float>&, TensorMap<float>&)> run) {
  Variant v;
  v.name = std::move(info.name);
  v.op = std::move(info.op);
  v.direction = info.direction;
  v.parent = std::move(info.parent);
  v.description = std::move(info.description);
  v.tolerance_factor = info.tolerance_factor;
  v.tolerance_reason = std::move(info.tolerance_reason);
  v.supports = [supports = std::move(supports)](const OpParams& params, const ShapeMap& shapes) {
    return supports(std::get<P>(params), shapes);
  };
  v.run = [run = std::move(run)](const OpParams& params, const TensorMap<float>& in,
                                 TensorMap<float>& out) { run(std::get<P>(params), in, out); };
  return v;
}

// The bias input when the case has one, else the empty tensor.
inline Tensor<float> optional_input(const TensorMap<float>& in, const std::string& name) {
  const auto it = in.find(name);
  return it == in.end() ? Tensor<float>() : it->second;
}

}  // namespace convlab
