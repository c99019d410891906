// The registry: every implementation of every operation, the reference first.
//
// This list is the single source of truth about variants. The tests, `convlab verify`,
// `convlab list`, the benchmarks and the plots iterate over it; nothing else names a variant.
// A new kernel is one new file plus one registration line in kernels/registry.cpp.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"

namespace convlab {

struct Variant {
  std::string name;  // <op>_<algorithm>[_<isa>][_<tile>], e.g. "conv2d_im2col_gemm"
  std::string op;    // an OpSpec name, e.g. "conv2d"
  Direction direction = Direction::forward;
  std::string parent;       // the variant this one improves on ("" for the reference)
  std::string description;  // one line: the idea
  // The `factor` of the tolerance policy (|y - y_ref| <= abs + factor * eps * K * M) and why.
  double tolerance_factor = 1;
  std::string tolerance_reason;
  // "" when the variant computes this problem; otherwise the reason it does not (shown as a
  // skip, never silently replaced by another variant).
  std::function<std::string(const OpParams&, const ShapeMap& inputs)> supports;
  // Writes every output. `outputs` arrives allocated with the shapes of output_shapes() and
  // filled with NaN, so an element the variant forgets to write fails the comparison.
  std::function<void(const OpParams&, const TensorMap<float>& inputs, TensorMap<float>& outputs)>
      run;
  // For a variant with work that depends on the weights alone (Winograd's U = G g G^T and its
  // packing): that work done once, as an inference engine does when it loads a layer (and as
  // the oneDNN peer is timed, on weights already in its layout). Returns a run for inputs
  // whose weights ("w") are those given here; the other inputs may change between calls. Its
  // outputs are bit-identical to run's (tests/test_registry_random.cpp). Empty for variants
  // without such work. The benchmarks time it beside run, as "<name>+prepared".
  using PreparedRun =
      std::function<void(const TensorMap<float>& inputs, TensorMap<float>& outputs)>;
  std::function<PreparedRun(const OpParams&, const TensorMap<float>& inputs)> prepare;
  // The K * M of the tolerance bound for each output element; empty means error_scale() of
  // reference/dispatch.hpp. Variants that do not compute a dot product of the original weights
  // (Winograd, SVD) declare how their error scales instead, measured and documented.
  std::function<TensorMap<double>(const OpParams&, const TensorMap<double>& inputs)> error_scale;
  // Whether small-integer inputs give exactly the integer result (every product and partial
  // sum representable). False for algorithms that divide (Winograd F(4x4,3x3)'s 1/6, 1/24) or
  // refactor the weights (SVD): on a corpus case marked exact they are held to their bound.
  bool exact_on_integers = true;
};

// Thrown by a variant's run when the *values* of a problem rule it out (e.g. a separable
// kernel that is not rank 1), which supports() cannot see from shapes: reported as a skip
// with this reason, never as a pass.
class Unsupported : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// All variants, grouped by op in the order of all_ops(), the reference of each op first.
const std::vector<Variant>& registry();
// The variants of one op and direction (reference first); empty if there are none.
std::vector<const Variant*> variants_of(std::string_view op, Direction direction);
// nullptr when no variant has that name.
const Variant* find_variant(std::string_view name);

}  // namespace convlab
