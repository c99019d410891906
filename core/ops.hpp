// The table of operations: for every op and direction, the names of its input and output
// tensors, its parameter struct, and its parameters as text (for fixture manifests and the
// command line). The fixture reader, `convlab run`, the registry of variants and the benchmarks
// all speak of operations through this table, so an op's tensor names and parameter names are
// written down exactly once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab {

enum class Direction { forward, backward };
std::string_view to_string(Direction d);

// Ops without parameters (linear, activations, global average pooling, corr2d).
struct NoParams {};

using OpParams =
    std::variant<NoParams, Conv1dParams, Conv2dParams, Conv3dParams, ConvTranspose2dParams,
                 Pool2dParams, Unpool2dParams, Upsample2dParams, FlattenParams>;

template <class T>
using TensorMap = std::map<std::string, Tensor<T>>;
using ShapeMap = std::map<std::string, Shape>;

struct TensorSpec {
  std::string name;     // "x", "w", "b", "y", "dy", "dx", "indices", ...
  bool optional;        // e.g. the bias
  std::string meaning;  // "input (N, C_in, H, W)"
};

struct OpSpec {
  std::string name;  // "conv2d"
  Direction direction;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  OpParams default_params;  // selects the parameter struct; its values are the defaults
  std::string summary;      // one line for `convlab list` and --help
};

// Every operation, forward and backward. Ordered as the docs teach them.
const std::vector<OpSpec>& all_ops();
// Throws std::invalid_argument listing the known ops when (name, direction) is not one.
const OpSpec& find_op(std::string_view name, Direction direction);
Direction parse_direction(std::string_view text);

// Parameters as text. Names are the struct's field names ("stride_h", "pad_top", "ceil_mode",
// "padding_mode"); values are integers, true/false, or enum names ("reflect", "bilinear").
// set_param throws std::invalid_argument naming the op, key and value when the key is unknown
// for this op or the value does not parse (trailing characters, out of int64 range, ...).
void set_param(std::string_view op, OpParams& params, std::string_view key, std::string_view value);
// Every parameter of the struct, in declaration order, as (name, value text).
std::vector<std::pair<std::string, std::string>> param_entries(const OpParams& params);

// Output shapes from input shapes, through the shape module (which validates everything).
// Missing required inputs and unknown input names are errors naming the tensor.
ShapeMap output_shapes(const OpSpec& spec, const OpParams& params, const ShapeMap& inputs);

}  // namespace convlab
