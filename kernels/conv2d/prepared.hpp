// Internal to kernels/conv2d/: what the variants with a prepared form (Variant::prepare) share.
// Work that depends on the weights alone (packing them for the GEMM, Winograd's transform) is
// done once by prepare and kept; every later call checks its x, b and y exactly as the variant
// itself does. Also the per-thread scratch buffers those variants reuse between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernels/conv2d/conv2d_common.hpp"
#include "kernels/conv2d/conv2d_kernels.hpp"
#include "kernels/gemm/gemm.hpp"

namespace convlab::conv2d_detail {

using Conv2dSupportsFn = std::string (*)(const Conv2dParams&, const Shape&, const Shape&);

// Variant::prepare for a conv2d variant: checks the problem as the variant would (shapes, then
// supports()), builds the state once with make() (only then, so it never reads weights of a
// refused shape), and returns a run that checks each call's shapes and calls
// run(geometry, state, x, w, b, y).
template <class Make, class Run>
Conv2dPreparedRun prepare_with(std::string_view variant, Conv2dSupportsFn supports,
                               const Tensor<float>& x, const Tensor<float>& w,
                               const Tensor<float>& b, const Conv2dParams& p, Make make, Run run) {
  conv2d_output_shape(x.shape(), w.shape(), b.shape(), p);  // throws on inconsistent shapes
  if (const std::string why = supports(p, x.shape(), w.shape()); !why.empty()) {
    throw std::invalid_argument(std::string(variant) + ": unsupported problem: " + why);
  }
  auto state = std::make_shared<const decltype(make())>(make());
  return [variant, supports, state, w, p, run](const Tensor<float>& x, const Tensor<float>& b,
                                               Tensor<float>& y) {
    const Geometry g = geometry(variant, x, w, b, p, y, supports(p, x.shape(), w.shape()));
    run(g, *state, x, w, b, y);
  };
}

// The weights of each group as the GEMM's A operand (C_out/G x C_in/G*KH*KW), packed once.
inline std::vector<GemmPackedA> pack_weight_groups(const Tensor<float>& w, std::int64_t groups) {
  const std::int64_t C_out_g = w.dim(0) / groups, K = w.dim(1) * w.dim(2) * w.dim(3);
  std::vector<GemmPackedA> packed;
  packed.reserve(static_cast<std::size_t>(groups));
  for (std::int64_t grp = 0; grp < groups; ++grp) {
    packed.emplace_back(w.data() + grp * C_out_g * K, K, false, C_out_g, K);
  }
  return packed;
}

// A GEMM-based variant's body: `packed` holds each group's weights packed once (the prepared
// form), or is null (the variant packs per call).
using PackedWeightsRun = void (*)(const Geometry& g, const std::vector<GemmPackedA>* packed,
                                  const Tensor<float>& x, const Tensor<float>& w,
                                  const Tensor<float>& b, Tensor<float>& y);

// Variant::prepare for a GEMM-based variant: its weights packed once (pack_weight_groups).
inline Conv2dPreparedRun prepare_packed_weights(std::string_view variant, Conv2dSupportsFn supports,
                                                const Tensor<float>& x, const Tensor<float>& w,
                                                const Tensor<float>& b, const Conv2dParams& p,
                                                PackedWeightsRun run) {
  return prepare_with(
      variant, supports, x, w, b, p, [&w, &p] { return pack_weight_groups(w, p.groups); },
      [run](const Geometry& g, const std::vector<GemmPackedA>& packed, const Tensor<float>& x,
            const Tensor<float>& w, const Tensor<float>& b,
            Tensor<float>& y) { run(g, &packed, x, w, b, y); });
}

// A variant whose weights are packed in blocks of output channels (pack_weights, bias apart):
// its body, given the packed weights.
using BlockedWeightsRun = void (*)(const Geometry& g, const PackedWeights& pw,
                                   const Tensor<float>& x, const Tensor<float>& b,
                                   Tensor<float>& y);

// Such a variant run once: the checks, the weights packed in blocks of `block`, the body.
inline void run_blocked_weights(std::string_view variant, Conv2dSupportsFn supports,
                                std::int64_t block, BlockedWeightsRun run, const Tensor<float>& x,
                                const Tensor<float>& w, const Tensor<float>& b,
                                const Conv2dParams& p, Tensor<float>& y) {
  const Geometry g = geometry(variant, x, w, b, p, y, supports(p, x.shape(), w.shape()));
  run(g, pack_weights(w, Tensor<float>(), g.groups, block), x, b, y);
}

// Variant::prepare for such a variant: the weights packed once.
inline Conv2dPreparedRun prepare_blocked_weights(std::string_view variant,
                                                 Conv2dSupportsFn supports, std::int64_t block,
                                                 BlockedWeightsRun run, const Tensor<float>& x,
                                                 const Tensor<float>& w, const Tensor<float>& b,
                                                 const Conv2dParams& p) {
  return prepare_with(
      variant, supports, x, w, b, p,
      [&w, &p, block] { return pack_weights(w, Tensor<float>(), p.groups, block); },
      [run](const Geometry& g, const PackedWeights& pw, const Tensor<float>& x,
            const Tensor<float>&, const Tensor<float>& b,
            Tensor<float>& y) { run(g, pw, x, b, y); });
}

// C (+)= A B with A the weights of group grp: from `packed` when given, else from w itself.
inline void gemm_weights(const std::vector<GemmPackedA>* packed, std::int64_t grp, GemmProblem gp) {
  if (packed != nullptr) {
    gemm((*packed)[static_cast<std::size_t>(grp)], gp);
  } else {
    gemm(gp);
  }
}

// A buffer of at least n floats owned by the calling thread and reused by its later calls.
// Fresh pages cost a fault each, and here a large buffer allocated per call can cost more than
// the arithmetic: conv2d_im2col_gemm on VGG-16 conv1_2 (a 115 MB im2col buffer) measured
// 357 ms per call with a fresh buffer and 53 ms with a kept one (bench_variants, two runs).
// Slots keep a variant's buffers apart.
inline float* scratch(int slot, std::size_t n) {
  thread_local std::vector<float> buffers[6];
  std::vector<float>& buffer = buffers[slot];
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

}  // namespace convlab::conv2d_detail
