#include "reference/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "core/shape.hpp"
#include "reference/activation.hpp"
#include "reference/conv1d.hpp"
#include "reference/conv2d.hpp"
#include "reference/conv3d.hpp"
#include "reference/conv_transpose2d.hpp"
#include "reference/flatten.hpp"
#include "reference/gemm.hpp"
#include "reference/linear.hpp"
#include "reference/pool2d.hpp"
#include "reference/unpool2d.hpp"
#include "reference/upsample2d.hpp"

namespace convlab {

namespace {

template <class T>
Tensor<T> get(const TensorMap<T>& m, const std::string& name) {
  const auto it = m.find(name);
  return it == m.end() ? Tensor<T>() : it->second;
}

// "(0, 1, 2, 3)": the multi-index of flat position `flat` in `shape`.
std::string index_string(const Shape& shape, std::int64_t flat) {
  std::int64_t idx[Shape::kMaxRank] = {};
  for (int d = shape.rank() - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  std::ostringstream os;
  os << '(';
  for (int d = 0; d < shape.rank(); ++d) os << (d ? ", " : "") << idx[d];
  os << ')';
  return os.str();
}

template <class T>
Tensor<T> indices_to_values(std::string_view op, const Tensor<std::int64_t>& indices) {
  Tensor<T> v(indices.shape());
  for (std::int64_t i = 0; i < indices.numel(); ++i) {
    if (indices[i] > max_exact_index<T>()) {
      std::ostringstream os;
      os << op << ": index " << indices[i] << " at " << index_string(indices.shape(), i)
         << " exceeds " << max_exact_index<T>() << ", the largest integer a "
         << (sizeof(T) == 4 ? "float" : "double")
         << " holds exactly; run this op in double to get exact indices";
      throw std::invalid_argument(os.str());
    }
    v[i] = static_cast<T>(indices[i]);
  }
  return v;
}

template <class T>
Tensor<std::int64_t> values_to_indices(std::string_view op, const Tensor<T>& values) {
  Tensor<std::int64_t> indices(values.shape());
  for (std::int64_t i = 0; i < values.numel(); ++i) {
    const double v = values[i];
    // Written so that NaN fails too; the range test comes before the cast.
    if (!(v >= 0 && v <= double(max_exact_index<T>()) && v == std::floor(v))) {
      std::ostringstream os;
      os.precision(17);
      os << op << ": indices" << index_string(values.shape(), i) << " = " << v
         << " is not an integer from 0 to " << max_exact_index<T>()
         << " (indices are flat positions h * W + w, stored as numbers)";
      throw std::invalid_argument(os.str());
    }
    indices[i] = static_cast<std::int64_t>(v);
  }
  return indices;
}

// Gradients of a weighted op as named outputs; db only with a bias.
template <template <class> class Grads, class T>
TensorMap<T> grads_map(const Grads<T>& g, bool has_bias) {
  TensorMap<T> out{{"dx", g.grad_input}, {"dw", g.grad_weight}};
  if (has_bias) out["db"] = g.grad_bias;
  return out;
}

template <class T>
TensorMap<T> forward(const OpSpec& spec, const OpParams& params, const TensorMap<T>& in) {
  const std::string& op = spec.name;
  const Tensor<T> x = get(in, "x");
  if (op == "corr2d") return {{"y", ref::corr2d(x, get(in, "k"))}};
  if (op == "conv1d") {
    return {{"y", ref::conv1d(x, get(in, "w"), get(in, "b"), std::get<Conv1dParams>(params))}};
  }
  if (op == "conv2d") {
    return {{"y", ref::conv2d(x, get(in, "w"), get(in, "b"), std::get<Conv2dParams>(params))}};
  }
  if (op == "conv3d") {
    return {{"y", ref::conv3d(x, get(in, "w"), get(in, "b"), std::get<Conv3dParams>(params))}};
  }
  if (op == "conv_transpose2d") {
    return {{"y", ref::conv_transpose2d(x, get(in, "w"), get(in, "b"),
                                        std::get<ConvTranspose2dParams>(params))}};
  }
  if (op == "max_pool2d") {
    const auto r = ref::max_pool2d(x, std::get<Pool2dParams>(params));
    return {{"y", r.output}, {"indices", indices_to_values<T>(op, r.indices)}};
  }
  if (op == "avg_pool2d") return {{"y", ref::avg_pool2d(x, std::get<Pool2dParams>(params))}};
  if (op == "global_avg_pool2d") return {{"y", ref::global_avg_pool2d(x)}};
  if (op == "max_unpool2d") {
    return {{"y", ref::max_unpool2d(x, values_to_indices(op, get(in, "indices")),
                                    std::get<Unpool2dParams>(params))}};
  }
  if (op == "upsample2d") return {{"y", ref::upsample2d(x, std::get<Upsample2dParams>(params))}};
  if (op == "gemm") return {{"c", ref::gemm(get(in, "a"), get(in, "b"))}};
  if (op == "linear") return {{"y", ref::linear(x, get(in, "w"), get(in, "b"))}};
  // flatten returns a view of its argument; outputs must not share storage with inputs.
  if (op == "flatten") return {{"y", ref::flatten(x, std::get<FlattenParams>(params)).clone()}};
  if (op == "relu") return {{"y", ref::relu(x)}};
  if (op == "sigmoid") return {{"y", ref::sigmoid(x)}};
  if (op == "tanh") return {{"y", ref::tanh(x)}};
  throw std::logic_error("run_reference: op " + op + " has no forward dispatch");
}

template <class T>
TensorMap<T> backward(const OpSpec& spec, const OpParams& params, const TensorMap<T>& in) {
  const std::string& op = spec.name;
  const Tensor<T> x = get(in, "x"), w = get(in, "w"), dy = get(in, "dy");
  const bool has_bias = !get(in, "b").empty();
  if (op == "conv1d") {
    return grads_map(ref::conv1d_backward(dy, x, w, has_bias, std::get<Conv1dParams>(params)),
                     has_bias);
  }
  if (op == "conv2d") {
    return grads_map(ref::conv2d_backward(dy, x, w, has_bias, std::get<Conv2dParams>(params)),
                     has_bias);
  }
  if (op == "conv3d") {
    return grads_map(ref::conv3d_backward(dy, x, w, has_bias, std::get<Conv3dParams>(params)),
                     has_bias);
  }
  if (op == "conv_transpose2d") {
    return grads_map(
        ref::conv_transpose2d_backward(dy, x, w, has_bias, std::get<ConvTranspose2dParams>(params)),
        has_bias);
  }
  if (op == "linear") return grads_map(ref::linear_backward(dy, x, w, has_bias), has_bias);
  if (op == "max_pool2d") {
    // The gradient goes where the forward pass found each maximum.
    const auto r = ref::max_pool2d(x, std::get<Pool2dParams>(params));
    return {{"dx", ref::max_pool2d_backward(dy, r.indices, x.shape())}};
  }
  if (op == "avg_pool2d") {
    return {{"dx", ref::avg_pool2d_backward(dy, x.shape(), std::get<Pool2dParams>(params))}};
  }
  if (op == "global_avg_pool2d") {
    return {{"dx", ref::global_avg_pool2d_backward(dy, x.shape())}};
  }
  if (op == "max_unpool2d") {
    return {{"dx", ref::max_unpool2d_backward(dy, values_to_indices(op, get(in, "indices")),
                                              std::get<Unpool2dParams>(params))}};
  }
  if (op == "upsample2d") {
    return {{"dx", ref::upsample2d_backward(dy, x.shape(), std::get<Upsample2dParams>(params))}};
  }
  if (op == "flatten") {
    return {{"dx", ref::flatten_backward(dy, x.shape(), std::get<FlattenParams>(params)).clone()}};
  }
  if (op == "relu") return {{"dx", ref::relu_backward(dy, x)}};
  // The activations' backward passes take the forward output y.
  if (op == "sigmoid") return {{"dx", ref::sigmoid_backward(dy, ref::sigmoid(x))}};
  if (op == "tanh") return {{"dx", ref::tanh_backward(dy, ref::tanh(x))}};
  throw std::logic_error("run_reference: op " + op + " has no backward dispatch");
}

}  // namespace

template <class T>
TensorMap<T> run_reference(const OpSpec& spec, const OpParams& params, const TensorMap<T>& inputs) {
  ShapeMap shapes;
  for (const auto& [name, t] : inputs) shapes[name] = t.shape();
  const ShapeMap expected = output_shapes(spec, params, shapes);  // validates everything
  TensorMap<T> out = spec.direction == Direction::forward ? forward(spec, params, inputs)
                                                          : backward(spec, params, inputs);
  // The reference and the shape module must agree; a disagreement is a bug, not bad input.
  bool agree = out.size() == expected.size();
  for (const auto& [name, shape] : expected) {
    agree = agree && out.contains(name) && out.at(name).shape() == shape;
  }
  if (!agree) {
    throw std::logic_error("run_reference: the outputs of " + spec.name + " " +
                           std::string(to_string(spec.direction)) + " disagree with output_shapes");
  }
  return out;
}

template TensorMap<float> run_reference(const OpSpec&, const OpParams&, const TensorMap<float>&);
template TensorMap<double> run_reference(const OpSpec&, const OpParams&, const TensorMap<double>&);

// ---------------------------------------------------------------------------------------------
// The error scale K * M.

namespace {

Tensor<double> map_values(const Tensor<double>& t, double (*f)(double)) {
  Tensor<double> r(t.shape());
  for (std::int64_t i = 0; i < t.numel(); ++i) r[i] = f(t[i]);
  return r;
}
double abs_value(double v) {
  return std::fabs(v);
}
double one(double) {
  return 1.0;
}

// The same inputs with `f` applied to the ones named in `which`.
TensorMap<double> transform(const TensorMap<double>& in, std::initializer_list<const char*> which,
                            double (*f)(double)) {
  TensorMap<double> r = in;
  for (const char* name : which) {
    if (r.contains(name) && !r.at(name).empty()) r[name] = map_values(r.at(name), f);
  }
  return r;
}

Tensor<double> times(const Tensor<double>& a, const Tensor<double>& b) {
  Tensor<double> r(a.shape());
  for (std::int64_t i = 0; i < a.numel(); ++i) r[i] = a[i] * b[i];
  return r;
}

// For an op that is a sum of products of the inputs named in `linear` (the others, e.g. max
// pooling's x or unpooling's indices, only steer where values go): K = the op on all-ones
// inputs, which counts the terms behind each output element (padding reads no term, a bias is
// one more term, a 0/1 routing counts how many values meet), and M = the op on |inputs|, which
// is exactly sum_i |x_i * w_i| (plus |b|).
TensorMap<double> count_times_magnitude(const OpSpec& spec, const OpParams& params,
                                        const TensorMap<double>& in,
                                        std::initializer_list<const char*> linear) {
  const TensorMap<double> k = run_reference(spec, params, transform(in, linear, one));
  const TensorMap<double> m = run_reference(spec, params, transform(in, linear, abs_value));
  TensorMap<double> scale;
  for (const auto& [name, t] : k) scale[name] = times(t, m.at(name));
  return scale;
}

// max over each (n, c) plane of |t|, broadcast back to `like` (N, C, *, *).
Tensor<double> plane_max_abs(const Tensor<double>& t, const Shape& like) {
  const std::int64_t N = t.dim(0), C = t.dim(1), plane = t.dim(2) * t.dim(3);
  const std::int64_t out_plane = like[2] * like[3];
  Tensor<double> r(like);
  for (std::int64_t nc = 0; nc < N * C; ++nc) {
    double m = 0;
    for (std::int64_t i = 0; i < plane; ++i) m = std::max(m, std::fabs(t[nc * plane + i]));
    for (std::int64_t i = 0; i < out_plane; ++i) r[nc * out_plane + i] = m;
  }
  return r;
}

}  // namespace

TensorMap<double> error_scale(const OpSpec& spec, const OpParams& params,
                              const TensorMap<double>& inputs) {
  const std::string& op = spec.name;
  const bool fwd = spec.direction == Direction::forward;

  // Sums of products, and 0/1 routings: K and M from the reference itself (see above).
  if (op == "corr2d" || op == "conv1d" || op == "conv2d" || op == "conv3d" ||
      op == "conv_transpose2d" || op == "linear" || op == "flatten") {
    return count_times_magnitude(spec, params, inputs, {"x", "k", "w", "b", "dy"});
  }
  // gemm: c[i][j] is a dot product of K terms a[i][k] b[k][j]: K from all-ones a and b, M from
  // |a| |b|, as for linear (its "b" is a matrix factor here, not a bias).
  if (op == "gemm") {
    return count_times_magnitude(spec, params, inputs, {"a", "b"});
  }
  // max_unpool2d scatters x (forward) and gathers dy (backward); the indices only route.
  if (op == "max_unpool2d") return count_times_magnitude(spec, params, inputs, {"x", "dy"});
  // Backward max pooling routes each dy to its window's maximum; overlapping windows add.
  if (op == "max_pool2d" && !fwd) return count_times_magnitude(spec, params, inputs, {"dy"});
  // relu's backward passes dy through or not: K = 1 (or 0), M = |dy|.
  if (op == "relu" && !fwd) return count_times_magnitude(spec, params, inputs, {"dy"});

  if (op == "max_pool2d" || op == "relu") {
    // Forward selections: y is one of the inputs (or 0), exact in any precision except for
    // the rounding of that input to T: K = 1, M = |y|. The indices must match exactly: 0.
    const TensorMap<double> y = run_reference(spec, params, inputs);
    TensorMap<double> scale{{"y", map_values(y.at("y"), abs_value)}};
    if (op == "max_pool2d") scale["indices"] = Tensor<double>(y.at("indices").shape());
    return scale;
  }

  // The op on |x| and |dy|: M for the ops below, whose weights are all >= 0.
  const TensorMap<double> ref_abs =
      run_reference(spec, params, transform(inputs, {"x", "dy"}, abs_value));
  const Tensor<double> x = get(inputs, "x");
  if (op == "upsample2d") {
    const auto& p = std::get<Upsample2dParams>(params);
    if (p.mode == UpsampleMode::nearest) {
      // Nearest copies (forward) or adds up (backward) values with 0/1 weights.
      return count_times_magnitude(spec, params, inputs, {"x", "dy"});
    }
    // Bilinear: y = sum of 4 taps w_i * x_i with w_i >= 0 summing to 1, so M = bilinear(|x|)
    // exactly. K = 6: the 4-term sum, plus the two roundings inside each weight (1 - l, and
    // the product of the two axes' weights). The source coordinate (dst + 0.5) * in / out - 0.5
    // is itself rounded: up to 2 eps * in per axis, which moves a weight by that much and y by
    // that times the difference of two taps (<= 2 max|x| over the plane): hence the term
    // 4 (H + W) max|x|. The backward pass scatters each dy to the same taps with the same
    // weights: an input pixel gathers at most T = (ceil(out_h / H) + 2) (ceil(out_w / W) + 2)
    // terms, so K = T + 6 and the coordinate term is 4 (H + W) T max|dy|.
    const double H = double(x.dim(2)), W = double(x.dim(3));
    if (fwd) {
      const Tensor<double> m = ref_abs.at("y");
      const Tensor<double> big = plane_max_abs(x, m.shape());
      Tensor<double> s(m.shape());
      for (std::int64_t i = 0; i < s.numel(); ++i) s[i] = 6 * m[i] + 4 * (H + W) * big[i];
      return {{"y", s}};
    }
    const double terms =
        (std::ceil(double(p.output_h) / H) + 2) * (std::ceil(double(p.output_w) / W) + 2);
    const Tensor<double> m = ref_abs.at("dx");
    const Tensor<double> big = plane_max_abs(get(inputs, "dy"), m.shape());
    Tensor<double> s(m.shape());
    for (std::int64_t i = 0; i < s.numel(); ++i) {
      s[i] = (terms + 6) * m[i] + 4 * (H + W) * terms * big[i];
    }
    return {{"dx", s}};
  }
  if (op == "avg_pool2d") {
    // y = (sum of the window's real elements) / divisor = sum_i x_i * (1 / divisor): M =
    // avg_pool(|x|) exactly. K bounds the terms by the window area, plus 1 for the division.
    // Backward: each x receives dy / divisor from every window holding it, at most
    // ceil(kernel / stride) windows per axis, plus 1 for the division.
    const auto& p = std::get<Pool2dParams>(params);
    const double k = fwd ? double(p.kernel_h * p.kernel_w) + 1
                         : std::ceil(double(p.kernel_h) / double(p.stride_h)) *
                                   std::ceil(double(p.kernel_w) / double(p.stride_w)) +
                               1;
    TensorMap<double> scale;
    for (const auto& [name, t] : ref_abs) {
      Tensor<double> s = t.clone();
      for (double& v : s.values()) v *= k;
      scale[name] = s;
    }
    return scale;
  }
  if (op == "global_avg_pool2d") {
    // Forward: a mean of H * W terms, plus 1 for the division; M = mean |x|. Backward: one
    // division per element, K = 1, M = |dy| / (H * W).
    const double k = fwd ? double(x.dim(2) * x.dim(3)) + 1 : 1;
    TensorMap<double> scale;
    for (const auto& [name, t] : ref_abs) {
      Tensor<double> s = t.clone();
      for (double& v : s.values()) v *= k;
      scale[name] = s;
    }
    return scale;
  }
  if (op == "sigmoid" || op == "tanh") {
    // Element-wise f: an implementation evaluates f with a few roundings (exp or tanh from the
    // library within about 1 ulp, an add, a divide): K = 4 times |y|. The input itself arrives
    // rounded to T (relative error eps), which f amplifies by its condition number: the term
    // |x f'(x)|. So forward scale = 4 |y| + |x f'(x)|, with f' = y (1 - y) for sigmoid and
    // 1 - y^2 for tanh.
    // Backward dx = dy * g(y) with g = y (1 - y) or 1 - y^2: K = 4 roundings times |dy g(y)|,
    // plus the error of y (its forward scale, above) amplified by |g'(y)| = |1 - 2y| or |2y|
    // (this is what dominates where g(y) is tiny and y is rounded near 1).
    const bool sig = op == "sigmoid";
    const Tensor<double> y = sig ? ref::sigmoid(x) : ref::tanh(x);
    const Tensor<double> dy = get(inputs, "dy");
    Tensor<double> s(fwd ? y.shape() : x.shape());
    for (std::int64_t i = 0; i < s.numel(); ++i) {
      const double g = sig ? y[i] * (1 - y[i]) : 1 - y[i] * y[i];
      const double g_prime = sig ? std::fabs(1 - 2 * y[i]) : 2 * std::fabs(y[i]);
      const double y_scale = 4 * std::fabs(y[i]) + std::fabs(x[i] * g);
      s[i] = fwd ? y_scale : std::fabs(dy[i]) * (4 * g + g_prime * y_scale);
    }
    return {{fwd ? "y" : "dx", s}};
  }
  throw std::logic_error("error_scale: op " + op + " has no error scale");
}

}  // namespace convlab
