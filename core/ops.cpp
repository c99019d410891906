// The table of operations (see ops.hpp) and the reflection of the parameter structs.
//
// Each parameter struct is described once, by a list of (field name, member pointer) pairs in
// declaration order. set_param, param_entries and therefore the fixture manifests and the
// command line all read that one list, so a field added to a struct in core/params.hpp needs
// one line here and nowhere else.
#include "core/ops.hpp"

#include <charconv>
#include <limits>
#include <span>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <type_traits>

#include "core/shape.hpp"

namespace convlab {

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::forward:
      return "forward";
    case Direction::backward:
      return "backward";
  }
  return "unknown";
}

Direction parse_direction(std::string_view text) {
  if (text == "forward") return Direction::forward;
  if (text == "backward") return Direction::backward;
  throw std::invalid_argument("direction \"" + std::string(text) +
                              "\" is not one of: forward, backward");
}

// ---------------------------------------------------------------------------------------------
// The op table.

namespace {

TensorSpec req(std::string name, std::string meaning) {
  return {std::move(name), false, std::move(meaning)};
}
TensorSpec opt(std::string name, std::string meaning) {
  return {std::move(name), true, std::move(meaning)};
}

// A convolution-like op (weights and optional bias): forward x, w, b? -> y; backward
// x, w, b?, dy -> dx, dw, db? (db exists exactly when b was given).
void add_weighted(std::vector<OpSpec>& ops, std::string name, OpParams params, std::string x,
                  std::string w, std::string b, std::string y, std::string summary) {
  ops.push_back({name,
                 Direction::forward,
                 {req("x", "input " + x), req("w", "weight " + w), opt("b", "bias " + b)},
                 {req("y", "output " + y)},
                 params,
                 summary});
  ops.push_back(
      {name,
       Direction::backward,
       {req("x", "input " + x), req("w", "weight " + w),
        opt("b", "bias " + b + "; only its presence matters (it decides whether db exists)"),
        req("dy", "gradient of the loss w.r.t. y " + y)},
       {req("dx", "gradient w.r.t. x " + x), req("dw", "gradient w.r.t. w " + w),
        opt("db", "gradient w.r.t. b " + b + ", present exactly when b is given")},
       params,
       "gradients of " + name + ": " + summary});
}

// An op with one input and one output: forward x -> y; backward x, dy -> dx.
void add_unary(std::vector<OpSpec>& ops, std::string name, OpParams params, std::string x,
               std::string y, std::string summary) {
  ops.push_back({name,
                 Direction::forward,
                 {req("x", "input " + x)},
                 {req("y", "output " + y)},
                 params,
                 summary});
  ops.push_back({name,
                 Direction::backward,
                 {req("x", "input " + x), req("dy", "gradient of the loss w.r.t. y " + y)},
                 {req("dx", "gradient w.r.t. x " + x)},
                 params,
                 "gradient of " + name + ": " + summary});
}

std::vector<OpSpec> make_ops() {
  std::vector<OpSpec> ops;
  ops.push_back({"corr2d",
                 Direction::forward,
                 {req("x", "input (H, W)"), req("k", "kernel (KH, KW)")},
                 {req("y", "output (H - KH + 1, W - KW + 1)")},
                 NoParams{},
                 "single-channel cross-correlation, stride 1, no padding, no bias (W17)"});
  add_weighted(ops, "conv1d", Conv1dParams{}, "(N, C_in, L)", "(C_out, C_in / groups, K)",
               "(C_out)", "(N, C_out, L_out)", "1-D convolution (cross-correlation)");
  add_weighted(ops, "conv2d", Conv2dParams{}, "(N, C_in, H, W)", "(C_out, C_in / groups, KH, KW)",
               "(C_out)", "(N, C_out, H_out, W_out)",
               "2-D convolution (cross-correlation) with stride, padding, dilation, groups");
  add_weighted(ops, "conv3d", Conv3dParams{}, "(N, C_in, D, H, W)",
               "(C_out, C_in / groups, KD, KH, KW)", "(C_out)", "(N, C_out, D_out, H_out, W_out)",
               "3-D convolution (cross-correlation)");
  add_weighted(ops, "conv_transpose2d", ConvTranspose2dParams{}, "(N, C_in, H, W)",
               "(C_in, C_out / groups, KH, KW)", "(C_out)", "(N, C_out, H_out, W_out)",
               "2-D transposed convolution, the adjoint of conv2d");
  ops.push_back({"max_pool2d",
                 Direction::forward,
                 {req("x", "input (N, C, H, W)")},
                 {req("y", "output (N, C, H_out, W_out)"),
                  req("indices",
                      "(N, C, H_out, W_out): flat position h * W + w of each maximum within its "
                      "(n, c) plane, stored as numbers")},
                 Pool2dParams{},
                 "2-D max pooling"});
  ops.push_back({"max_pool2d",
                 Direction::backward,
                 {req("x", "input (N, C, H, W)"),
                  req("dy", "gradient of the loss w.r.t. y (N, C, H_out, W_out)")},
                 {req("dx", "gradient w.r.t. x (N, C, H, W)")},
                 Pool2dParams{},
                 "gradient of max_pool2d: each dy goes to the position of its window's maximum"});
  add_unary(ops, "avg_pool2d", Pool2dParams{}, "(N, C, H, W)", "(N, C, H_out, W_out)",
            "2-D average pooling");
  add_unary(ops, "global_avg_pool2d", NoParams{}, "(N, C, H, W)", "(N, C, 1, 1)",
            "mean over each (n, c) plane");
  ops.push_back({"max_unpool2d",
                 Direction::forward,
                 {req("x", "input (N, C, H, W)"),
                  req("indices",
                      "(N, C, H, W): flat positions in the output plane, as max_pool2d "
                      "writes them")},
                 {req("y", "output (N, C, H_out, W_out), zero where no index points")},
                 Unpool2dParams{},
                 "max unpooling (up-pooling): scatter each value to its recorded position"});
  ops.push_back({"max_unpool2d",
                 Direction::backward,
                 {req("x", "input (N, C, H, W)"),
                  req("indices", "(N, C, H, W): flat positions in the output plane"),
                  req("dy", "gradient of the loss w.r.t. y (N, C, H_out, W_out)")},
                 {req("dx", "gradient w.r.t. x (N, C, H, W): dy read at each index")},
                 Unpool2dParams{},
                 "gradient of max_unpool2d: gather dy at the recorded positions"});
  add_unary(ops, "upsample2d", Upsample2dParams{}, "(N, C, H, W)", "(N, C, output_h, output_w)",
            "upsampling by nearest or bilinear interpolation");
  ops.push_back({"gemm",
                 Direction::forward,
                 {req("a", "left matrix (M, K)"), req("b", "right matrix (K, N)")},
                 {req("c", "product (M, N)")},
                 NoParams{},
                 "matrix product c = a b, the core of linear layers and im2col convolution"});
  add_weighted(ops, "linear", NoParams{}, "(N, in_features)", "(out_features, in_features)",
               "(out_features)", "(N, out_features)", "fully connected layer y = x w^T + b");
  add_unary(ops, "flatten", FlattenParams{}, "(d0, ..., d_{s-1}, d_s, ..., d_{r-1})",
            "(d0, ..., d_{s-1}, d_s * ... * d_{r-1})", "merge dimensions [start_dim, rank)");
  add_unary(ops, "relu", NoParams{}, "any shape", "same shape", "max(x, 0) element-wise");
  add_unary(ops, "sigmoid", NoParams{}, "any shape", "same shape", "1 / (1 + e^-x) element-wise");
  add_unary(ops, "tanh", NoParams{}, "any shape", "same shape", "tanh(x) element-wise");
  return ops;
}

}  // namespace

const std::vector<OpSpec>& all_ops() {
  static const std::vector<OpSpec> ops = make_ops();
  return ops;
}

const OpSpec& find_op(std::string_view name, Direction direction) {
  bool name_known = false;
  for (const OpSpec& op : all_ops()) {
    if (op.name == name) {
      name_known = true;
      if (op.direction == direction) return op;
    }
  }
  std::ostringstream os;
  if (name_known) {
    os << "op " << name << " has no " << to_string(direction) << " direction";
  } else {
    os << "unknown op \"" << name << "\"; known ops:";
    std::string_view last;
    for (const OpSpec& op : all_ops()) {
      if (op.name != last) os << ' ' << op.name;
      last = op.name;
    }
  }
  throw std::invalid_argument(os.str());
}

// ---------------------------------------------------------------------------------------------
// Parameter reflection.

namespace {

template <class P>
using Member =
    std::variant<std::int64_t P::*, int P::*, bool P::*, PaddingMode P::*, UpsampleMode P::*>;

template <class P>
struct Field {
  std::string_view name;
  Member<P> member;
};

// One list per parameter struct, in declaration order.
template <class P>
std::span<const Field<P>> fields();

template <>
std::span<const Field<NoParams>> fields<NoParams>() {
  return {};
}

template <>
std::span<const Field<Conv1dParams>> fields<Conv1dParams>() {
  using P = Conv1dParams;
  static const Field<P> f[] = {{"stride", &P::stride},
                               {"pad_left", &P::pad_left},
                               {"pad_right", &P::pad_right},
                               {"dilation", &P::dilation},
                               {"groups", &P::groups}};
  return f;
}

template <>
std::span<const Field<Conv2dParams>> fields<Conv2dParams>() {
  using P = Conv2dParams;
  static const Field<P> f[] = {{"stride_h", &P::stride_h},     {"stride_w", &P::stride_w},
                               {"pad_top", &P::pad_top},       {"pad_bottom", &P::pad_bottom},
                               {"pad_left", &P::pad_left},     {"pad_right", &P::pad_right},
                               {"dilation_h", &P::dilation_h}, {"dilation_w", &P::dilation_w},
                               {"groups", &P::groups},         {"padding_mode", &P::padding_mode}};
  return f;
}

template <>
std::span<const Field<Conv3dParams>> fields<Conv3dParams>() {
  using P = Conv3dParams;
  static const Field<P> f[] = {{"stride_d", &P::stride_d},     {"stride_h", &P::stride_h},
                               {"stride_w", &P::stride_w},     {"pad_front", &P::pad_front},
                               {"pad_back", &P::pad_back},     {"pad_top", &P::pad_top},
                               {"pad_bottom", &P::pad_bottom}, {"pad_left", &P::pad_left},
                               {"pad_right", &P::pad_right},   {"dilation_d", &P::dilation_d},
                               {"dilation_h", &P::dilation_h}, {"dilation_w", &P::dilation_w},
                               {"groups", &P::groups}};
  return f;
}

template <>
std::span<const Field<ConvTranspose2dParams>> fields<ConvTranspose2dParams>() {
  using P = ConvTranspose2dParams;
  static const Field<P> f[] = {{"stride_h", &P::stride_h},
                               {"stride_w", &P::stride_w},
                               {"pad_top", &P::pad_top},
                               {"pad_bottom", &P::pad_bottom},
                               {"pad_left", &P::pad_left},
                               {"pad_right", &P::pad_right},
                               {"output_padding_h", &P::output_padding_h},
                               {"output_padding_w", &P::output_padding_w},
                               {"dilation_h", &P::dilation_h},
                               {"dilation_w", &P::dilation_w},
                               {"groups", &P::groups}};
  return f;
}

template <>
std::span<const Field<Pool2dParams>> fields<Pool2dParams>() {
  using P = Pool2dParams;
  static const Field<P> f[] = {
      {"kernel_h", &P::kernel_h},     {"kernel_w", &P::kernel_w},
      {"stride_h", &P::stride_h},     {"stride_w", &P::stride_w},
      {"pad_top", &P::pad_top},       {"pad_bottom", &P::pad_bottom},
      {"pad_left", &P::pad_left},     {"pad_right", &P::pad_right},
      {"dilation_h", &P::dilation_h}, {"dilation_w", &P::dilation_w},
      {"ceil_mode", &P::ceil_mode},   {"count_include_pad", &P::count_include_pad}};
  return f;
}

template <>
std::span<const Field<Unpool2dParams>> fields<Unpool2dParams>() {
  using P = Unpool2dParams;
  static const Field<P> f[] = {{"kernel_h", &P::kernel_h}, {"kernel_w", &P::kernel_w},
                               {"stride_h", &P::stride_h}, {"stride_w", &P::stride_w},
                               {"pad_top", &P::pad_top},   {"pad_bottom", &P::pad_bottom},
                               {"pad_left", &P::pad_left}, {"pad_right", &P::pad_right},
                               {"output_h", &P::output_h}, {"output_w", &P::output_w}};
  return f;
}

template <>
std::span<const Field<Upsample2dParams>> fields<Upsample2dParams>() {
  using P = Upsample2dParams;
  static const Field<P> f[] = {{"mode", &P::mode},
                               {"output_h", &P::output_h},
                               {"output_w", &P::output_w},
                               {"align_corners", &P::align_corners}};
  return f;
}

template <>
std::span<const Field<FlattenParams>> fields<FlattenParams>() {
  using P = FlattenParams;
  static const Field<P> f[] = {{"start_dim", &P::start_dim}};
  return f;
}

// The enumerators, for parsing; their names come from to_string in core/params.hpp.
template <class E>
std::span<const E> enumerators();
template <>
std::span<const PaddingMode> enumerators<PaddingMode>() {
  static const PaddingMode e[] = {PaddingMode::zeros, PaddingMode::reflect, PaddingMode::replicate,
                                  PaddingMode::circular};
  return e;
}
template <>
std::span<const UpsampleMode> enumerators<UpsampleMode>() {
  static const UpsampleMode e[] = {UpsampleMode::nearest, UpsampleMode::bilinear};
  return e;
}

[[noreturn]] void bad_value(std::string_view op, std::string_view key, std::string_view value,
                            std::string_view why) {
  std::ostringstream os;
  os << op << ": parameter " << key << " = \"" << value << "\" " << why;
  throw std::invalid_argument(os.str());
}

template <class I>
I parse_integer(std::string_view op, std::string_view key, std::string_view value) {
  I v{};
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (ec == std::errc::result_out_of_range) {
    bad_value(op, key, value,
              "is out of range (" + std::to_string(std::numeric_limits<I>::min()) + " to " +
                  std::to_string(std::numeric_limits<I>::max()) + ")");
  }
  if (ec != std::errc{} || value.empty()) {
    bad_value(op, key, value, "is not an integer (write digits with an optional leading -)");
  }
  if (ptr != end) {
    bad_value(op, key, value,
              "is not an integer: unexpected \"" + std::string(ptr, end) + "\" after \"" +
                  std::string(value.data(), ptr) + "\"");
  }
  return v;
}

bool parse_bool(std::string_view op, std::string_view key, std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  bad_value(op, key, value, "must be true or false");
}

template <class E>
E parse_enum(std::string_view op, std::string_view key, std::string_view value) {
  std::string names;
  for (E e : enumerators<E>()) {
    if (to_string(e) == value) return e;
    names += names.empty() ? "" : ", ";
    names += to_string(e);
  }
  bad_value(op, key, value, "must be one of: " + names);
}

template <class P>
std::string known_names() {
  std::string names;
  for (const Field<P>& f : fields<P>()) {
    names += names.empty() ? "" : ", ";
    names += f.name;
  }
  return names;
}

template <class P>
void set_field(std::string_view op, P& p, std::string_view key, std::string_view value) {
  for (const Field<P>& f : fields<P>()) {
    if (f.name != key) continue;
    std::visit(
        [&](auto member) {
          using V = std::remove_cvref_t<decltype(p.*member)>;
          if constexpr (std::is_same_v<V, bool>) {
            p.*member = parse_bool(op, key, value);
          } else if constexpr (std::is_integral_v<V>) {
            p.*member = parse_integer<V>(op, key, value);
          } else {
            p.*member = parse_enum<V>(op, key, value);
          }
        },
        f.member);
    return;
  }
  std::ostringstream os;
  os << op << ": unknown parameter \"" << key << "\"; ";
  if (fields<P>().empty()) {
    os << op << " has no parameters";
  } else {
    os << "known parameters: " << known_names<P>();
  }
  throw std::invalid_argument(os.str());
}

template <class P>
std::vector<std::pair<std::string, std::string>> entries(const P& p) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Field<P>& f : fields<P>()) {
    std::visit(
        [&](auto member) {
          using V = std::remove_cvref_t<decltype(p.*member)>;
          const V& v = p.*member;
          if constexpr (std::is_same_v<V, bool>) {
            out.emplace_back(f.name, v ? "true" : "false");
          } else if constexpr (std::is_integral_v<V>) {
            out.emplace_back(f.name, std::to_string(v));
          } else {
            out.emplace_back(f.name, std::string(to_string(v)));
          }
        },
        f.member);
  }
  return out;
}

}  // namespace

void set_param(std::string_view op, OpParams& params, std::string_view key,
               std::string_view value) {
  std::visit([&](auto& p) { set_field(op, p, key, value); }, params);
}

std::vector<std::pair<std::string, std::string>> param_entries(const OpParams& params) {
  return std::visit([](const auto& p) { return entries(p); }, params);
}

// ---------------------------------------------------------------------------------------------
// Output shapes.

namespace {

std::string direction_name(const OpSpec& spec) {
  return spec.direction == Direction::forward ? spec.name : spec.name + "_backward";
}

std::string list_inputs(const OpSpec& spec) {
  std::string s;
  for (const TensorSpec& t : spec.inputs) {
    s += s.empty() ? "" : ", ";
    s += t.name + (t.optional ? " (optional)" : "");
  }
  return s;
}

template <class P>
const P& params_as(const OpSpec& spec, const OpParams& params) {
  if (const P* p = std::get_if<P>(&params)) return *p;
  throw std::invalid_argument(direction_name(spec) +
                              ": the parameters are of the wrong kind for this op");
}

// The forward output shapes from the forward inputs (x, w, b, k, indices).
ShapeMap forward_shapes(const OpSpec& spec, const OpParams& params, const ShapeMap& in) {
  const auto get = [&](const char* name) {
    const auto it = in.find(name);
    return it == in.end() ? Shape() : it->second;
  };
  const std::string& op = spec.name;
  const Shape x = get("x");
  if (op == "corr2d") return {{"y", corr2d_output_shape(x, get("k"))}};
  if (op == "conv1d") {
    return {
        {"y", conv1d_output_shape(x, get("w"), get("b"), params_as<Conv1dParams>(spec, params))}};
  }
  if (op == "conv2d") {
    return {
        {"y", conv2d_output_shape(x, get("w"), get("b"), params_as<Conv2dParams>(spec, params))}};
  }
  if (op == "conv3d") {
    return {
        {"y", conv3d_output_shape(x, get("w"), get("b"), params_as<Conv3dParams>(spec, params))}};
  }
  if (op == "conv_transpose2d") {
    return {{"y", conv_transpose2d_output_shape(x, get("w"), get("b"),
                                                params_as<ConvTranspose2dParams>(spec, params))}};
  }
  if (op == "max_pool2d") {
    const Shape y = pool2d_output_shape(op, x, params_as<Pool2dParams>(spec, params));
    return {{"y", y}, {"indices", y}};
  }
  if (op == "avg_pool2d") {
    return {{"y", pool2d_output_shape(op, x, params_as<Pool2dParams>(spec, params))}};
  }
  if (op == "global_avg_pool2d") return {{"y", global_avg_pool2d_output_shape(x)}};
  if (op == "max_unpool2d") {
    return {{"y", max_unpool2d_output_shape(x, get("indices"),
                                            params_as<Unpool2dParams>(spec, params))}};
  }
  if (op == "upsample2d") {
    return {{"y", upsample2d_output_shape(x, params_as<Upsample2dParams>(spec, params))}};
  }
  if (op == "gemm") return {{"c", gemm_output_shape(get("a"), get("b"))}};
  if (op == "linear") return {{"y", linear_output_shape(x, get("w"), get("b"))}};
  if (op == "flatten") {
    return {{"y", flatten_output_shape(x, params_as<FlattenParams>(spec, params))}};
  }
  if (op == "relu" || op == "sigmoid" || op == "tanh") return {{"y", x}};
  throw std::logic_error("output_shapes: op " + op + " is in the table but has no shape rule");
}

}  // namespace

ShapeMap output_shapes(const OpSpec& spec, const OpParams& params, const ShapeMap& inputs) {
  const std::string op = direction_name(spec);
  if (params.index() != spec.default_params.index()) {
    throw std::invalid_argument(op + ": the parameters are of the wrong kind for this op");
  }
  // An empty (rank-0) shape means "absent", as for an absent Tensor.
  ShapeMap in;
  for (const auto& [name, shape] : inputs) {
    bool known = false;
    for (const TensorSpec& t : spec.inputs) known = known || t.name == name;
    if (!known) {
      throw std::invalid_argument(op + ": unknown input tensor \"" + name + "\"; its inputs are " +
                                  list_inputs(spec));
    }
    if (!shape.empty()) in[name] = shape;
  }
  for (const TensorSpec& t : spec.inputs) {
    if (!t.optional && !in.contains(t.name)) {
      throw std::invalid_argument(op + ": missing required input tensor \"" + t.name + "\" (" +
                                  t.meaning + "); its inputs are " + list_inputs(spec));
    }
  }
  if (spec.direction == Direction::forward) return forward_shapes(spec, params, in);

  // Backward: the gradient of each differentiable input has that input's shape, and dy must
  // have the forward output's shape.
  ShapeMap forward_in = in;
  forward_in.erase("dy");
  const ShapeMap forward_out = forward_shapes(spec, params, forward_in);
  require_same_shape(op, "dy", in.at("dy"), forward_out.at("y"));
  ShapeMap out;
  for (const TensorSpec& t : spec.outputs) {
    const std::string of = t.name.substr(1);  // "dx" -> "x"
    if (in.contains(of)) out[t.name] = in.at(of);
  }
  return out;
}

}  // namespace convlab
