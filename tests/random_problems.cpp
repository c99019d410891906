#include "tests/random_problems.hpp"

#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/shape.hpp"
#include "reference/dispatch.hpp"

namespace convlab::test {
namespace {

class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  std::int64_t pick(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool coin(double p = 0.5) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <class T>
  T one_of(const std::vector<T>& values) {
    return values[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(values.size()) - 1))];
  }
  // Spatial sizes: small and around the SIMD widths (8 and 16 floats).
  std::int64_t width() {
    return one_of<std::int64_t>({1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 33});
  }
  std::int64_t small_width() { return one_of<std::int64_t>({1, 2, 3, 4, 5, 6, 7, 9}); }
  std::int64_t channels() { return one_of<std::int64_t>({1, 2, 3, 4, 5, 7, 8, 9, 16, 17}); }
  std::int64_t batch() { return one_of<std::int64_t>({1, 1, 2, 3}); }
  Tensor<double> tensor(const Shape& shape, double scale = 1) {
    Tensor<double> t(shape);
    std::uniform_real_distribution<double> u(-scale, scale);
    for (double& v : t.values()) v = u(rng_);
    return t;
  }

 private:
  std::mt19937_64 rng_;
};

// A problem's parameters and forward input tensors.
struct Problem {
  OpParams params;
  TensorMap<double> inputs;
};

// Channel counts (in, out) and groups: dense, grouped or depthwise (groups == in channels,
// out a multiple of it).
struct Channels {
  std::int64_t in, out, groups;
};
Channels draw_channels(Draw& d) {
  switch (d.pick(0, 3)) {
    case 0: {  // depthwise, multiplier 1 or 2
      const std::int64_t c = d.channels();
      return {c, c * d.pick(1, 2), c};
    }
    case 1: {  // grouped
      const std::int64_t g = d.pick(2, 4);
      return {g * d.pick(1, 3), g * d.pick(1, 3), g};
    }
    default:
      return {d.channels(), d.channels(), 1};
  }
}

void maybe_bias(Draw& d, Problem& p, std::int64_t out_channels) {
  if (d.coin(0.6)) p.inputs["b"] = d.tensor(Shape{out_channels});
}

Problem draw_corr2d(Draw& d) {
  const std::int64_t h = d.width(), w = d.width();
  return {NoParams{},
          {{"x", d.tensor(Shape{h, w})}, {"k", d.tensor(Shape{d.pick(1, h), d.pick(1, w)})}}};
}

Problem draw_conv1d(Draw& d) {
  const Channels ch = draw_channels(d);
  Conv1dParams p{.stride = d.pick(1, 3),
                 .pad_left = d.pick(0, 3),
                 .pad_right = d.pick(0, 3),
                 .dilation = d.pick(1, 3),
                 .groups = ch.groups};
  Problem pr{p, {}};
  pr.inputs["x"] =
      d.tensor(Shape{d.batch(), ch.in, d.one_of<std::int64_t>({1, 3, 7, 15, 17, 33, 64})});
  pr.inputs["w"] = d.tensor(Shape{ch.out, ch.in / ch.groups, d.pick(1, 5)});
  maybe_bias(d, pr, ch.out);
  return pr;
}

Problem draw_conv2d(Draw& d) {
  const Channels ch = draw_channels(d);
  const std::int64_t kh = d.pick(1, 5), kw = d.coin(0.7) ? kh : d.pick(1, 5);
  const bool three = d.coin(0.3);  // 3x3 stride 1, the Winograd case
  if (!three && d.coin(0.2)) {     // pointwise: 1x1, stride 1, no padding
    Problem pr{Conv2dParams{.groups = ch.groups}, {}};
    pr.inputs["x"] = d.tensor(Shape{d.batch(), ch.in, d.width(), d.width()});
    pr.inputs["w"] = d.tensor(Shape{ch.out, ch.in / ch.groups, 1, 1});
    maybe_bias(d, pr, ch.out);
    return pr;
  }
  const PaddingMode mode =
      d.coin(0.8) ? PaddingMode::zeros
                  : d.one_of<PaddingMode>(
                        {PaddingMode::reflect, PaddingMode::replicate, PaddingMode::circular});
  Conv2dParams p{.stride_h = three ? 1 : d.pick(1, 3),
                 .stride_w = three ? 1 : d.pick(1, 3),
                 .pad_top = d.pick(0, 2),
                 .pad_bottom = d.pick(0, 2),
                 .pad_left = d.pick(0, 2),
                 .pad_right = d.pick(0, 2),
                 .dilation_h = three ? 1 : d.pick(1, 3),
                 .dilation_w = three ? 1 : d.pick(1, 3),
                 .groups = ch.groups,
                 .padding_mode = mode};
  Problem pr{p, {}};
  pr.inputs["x"] = d.tensor(Shape{d.batch(), ch.in, d.width(), d.width()});
  pr.inputs["w"] = d.tensor(three ? Shape{ch.out, ch.in / ch.groups, 3, 3}
                                  : Shape{ch.out, ch.in / ch.groups, kh, kw});
  maybe_bias(d, pr, ch.out);
  return pr;
}

Problem draw_conv3d(Draw& d) {
  const Channels ch = draw_channels(d);
  Conv3dParams p{.stride_d = d.pick(1, 2),
                 .stride_h = d.pick(1, 2),
                 .stride_w = d.pick(1, 3),
                 .pad_front = d.pick(0, 1),
                 .pad_back = d.pick(0, 1),
                 .pad_top = d.pick(0, 2),
                 .pad_bottom = d.pick(0, 1),
                 .pad_left = d.pick(0, 2),
                 .pad_right = d.pick(0, 1),
                 .dilation_d = d.pick(1, 2),
                 .dilation_h = d.pick(1, 2),
                 .dilation_w = d.pick(1, 2),
                 .groups = ch.groups};
  Problem pr{p, {}};
  pr.inputs["x"] = d.tensor(
      Shape{d.one_of<std::int64_t>({1, 1, 2}), ch.in, d.small_width(), d.small_width(), d.width()});
  pr.inputs["w"] =
      d.tensor(Shape{ch.out, ch.in / ch.groups, d.pick(1, 3), d.pick(1, 3), d.pick(1, 3)});
  maybe_bias(d, pr, ch.out);
  return pr;
}

Problem draw_conv_transpose2d(Draw& d) {
  const Channels ch = draw_channels(d);
  const std::int64_t sh = d.pick(1, 3), sw = d.pick(1, 3), dh = d.pick(1, 2), dw = d.pick(1, 2);
  ConvTranspose2dParams p{.stride_h = sh,
                          .stride_w = sw,
                          .pad_top = d.pick(0, 2),
                          .pad_bottom = d.pick(0, 2),
                          .pad_left = d.pick(0, 2),
                          .pad_right = d.pick(0, 2),
                          .output_padding_h = d.pick(0, std::max(sh, dh) - 1),
                          .output_padding_w = d.pick(0, std::max(sw, dw) - 1),
                          .dilation_h = dh,
                          .dilation_w = dw,
                          .groups = ch.groups};
  Problem pr{p, {}};
  pr.inputs["x"] = d.tensor(Shape{d.batch(), ch.in, d.small_width(), d.width()});
  // Transposed weights are (C_in, C_out / groups, KH, KW).
  pr.inputs["w"] = d.tensor(Shape{ch.in, ch.out / ch.groups, d.pick(1, 5), d.pick(1, 5)});
  maybe_bias(d, pr, ch.out);
  return pr;
}

Pool2dParams draw_pool(Draw& d, bool max) {
  const std::int64_t kh = d.pick(1, 4), kw = d.coin(0.7) ? kh : d.pick(1, 4);
  return {.kernel_h = kh,
          .kernel_w = kw,
          .stride_h = d.pick(1, 3),
          .stride_w = d.pick(1, 3),
          .pad_top = d.pick(0, kh / 2),
          .pad_bottom = d.pick(0, kh / 2),
          .pad_left = d.pick(0, kw / 2),
          .pad_right = d.pick(0, kw / 2),
          .dilation_h = max ? d.pick(1, 2) : 1,
          .dilation_w = max ? d.pick(1, 2) : 1,
          .ceil_mode = d.coin(),
          .count_include_pad = d.coin()};
}

Shape image(Draw& d) {
  return Shape{d.batch(), d.channels(), d.width(), d.width()};
}

Problem draw_max_pool2d(Draw& d) {
  return {draw_pool(d, true), {{"x", d.tensor(image(d))}}};
}
Problem draw_avg_pool2d(Draw& d) {
  return {draw_pool(d, false), {{"x", d.tensor(image(d))}}};
}
Problem draw_global_avg_pool2d(Draw& d) {
  return {NoParams{}, {{"x", d.tensor(image(d))}}};
}

// x and indices are max pooling's output on a source, as in a network that pools and later
// unpools; the output has the source's size.
Problem draw_max_unpool2d(Draw& d) {
  const Shape source_shape = image(d);
  const std::int64_t k = d.pick(1, 3), s = d.pick(1, 3);
  const Pool2dParams pool{.kernel_h = k,
                          .kernel_w = k,
                          .stride_h = s,
                          .stride_w = s,
                          .pad_top = d.pick(0, k / 2),
                          .pad_bottom = 0,
                          .pad_left = d.pick(0, k / 2),
                          .pad_right = 0};
  const TensorMap<double> pooled = run_reference<double>(find_op("max_pool2d", Direction::forward),
                                                         pool, {{"x", d.tensor(source_shape)}});
  const Unpool2dParams p{.kernel_h = k,
                         .kernel_w = k,
                         .stride_h = s,
                         .stride_w = s,
                         .pad_top = pool.pad_top,
                         .pad_bottom = 0,
                         .pad_left = pool.pad_left,
                         .pad_right = 0,
                         .output_h = source_shape[2],
                         .output_w = source_shape[3]};
  return {p, {{"x", pooled.at("y")}, {"indices", pooled.at("indices")}}};
}

Problem draw_upsample2d(Draw& d) {
  const bool bilinear = d.coin();
  Upsample2dParams p{.mode = bilinear ? UpsampleMode::bilinear : UpsampleMode::nearest,
                     .output_h = d.width(),
                     .output_w = d.coin(0.3) ? d.width() : d.pick(1, 40),
                     .align_corners = bilinear && d.coin()};
  return {p, {{"x", d.tensor(Shape{d.batch(), d.channels(), d.small_width(), d.width()})}}};
}

Problem draw_linear(Draw& d) {
  const std::int64_t n = d.one_of<std::int64_t>({1, 1, 2, 3, 7, 17});
  const std::int64_t in = d.one_of<std::int64_t>({1, 3, 7, 8, 15, 16, 17, 33, 64, 100});
  const std::int64_t out = d.one_of<std::int64_t>({1, 2, 5, 7, 8, 9, 16, 17, 33});
  Problem pr{NoParams{}, {{"x", d.tensor(Shape{n, in})}, {"w", d.tensor(Shape{out, in})}}};
  maybe_bias(d, pr, out);
  return pr;
}

Shape any_shape(Draw& d) {
  std::vector<std::int64_t> dims(static_cast<std::size_t>(d.pick(1, 5)));
  for (auto& v : dims) v = d.one_of<std::int64_t>({1, 2, 3, 5, 7, 8, 17});
  return Shape(dims);
}

Problem draw_flatten(Draw& d) {
  const Shape s = any_shape(d);
  return {FlattenParams{.start_dim = static_cast<int>(d.pick(0, s.rank() - 1))},
          {{"x", d.tensor(s)}}};
}

// Activations: values up to +-20, where sigmoid and tanh saturate but stay normal floats.
Problem draw_activation(Draw& d) {
  return {NoParams{}, {{"x", d.tensor(any_shape(d), d.one_of<double>({1, 4, 20}))}}};
}

Problem draw_gemm(Draw& d) {
  const std::int64_t m = d.one_of<std::int64_t>({1, 2, 5, 6, 7, 13, 14, 15, 17, 33, 64});
  const std::int64_t n = d.one_of<std::int64_t>({1, 3, 8, 15, 16, 17, 31, 32, 33, 48});
  const std::int64_t k = d.one_of<std::int64_t>({1, 2, 7, 16, 17, 64, 100});
  return {NoParams{}, {{"a", d.tensor(Shape{m, k})}, {"b", d.tensor(Shape{k, n})}}};
}

Problem draw(const std::string& op, Draw& d) {
  if (op == "corr2d") return draw_corr2d(d);
  if (op == "conv1d") return draw_conv1d(d);
  if (op == "conv2d") return draw_conv2d(d);
  if (op == "conv3d") return draw_conv3d(d);
  if (op == "conv_transpose2d") return draw_conv_transpose2d(d);
  if (op == "max_pool2d") return draw_max_pool2d(d);
  if (op == "avg_pool2d") return draw_avg_pool2d(d);
  if (op == "global_avg_pool2d") return draw_global_avg_pool2d(d);
  if (op == "max_unpool2d") return draw_max_unpool2d(d);
  if (op == "upsample2d") return draw_upsample2d(d);
  if (op == "linear") return draw_linear(d);
  if (op == "flatten") return draw_flatten(d);
  if (op == "relu" || op == "sigmoid" || op == "tanh") return draw_activation(d);
  if (op == "gemm") return draw_gemm(d);
  throw std::logic_error("random_problems: no generator for op '" + op +
                         "'; add one to tests/random_problems.cpp");
}

}  // namespace

std::uint64_t problem_seed(const OpSpec& spec, int index) {
  std::uint64_t h = 1469598103934665603ull;  // 64-bit FNV-1a of "<op>/<direction>"
  for (char c : spec.name + "/" + std::string(to_string(spec.direction))) {
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  return h + static_cast<std::uint64_t>(index);
}

Case random_case(const OpSpec& spec, int index) {
  const std::uint64_t seed = problem_seed(spec, index);
  Draw d(seed);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Problem p;
    ShapeMap out;
    try {
      p = draw(spec.name, d);
      ShapeMap shapes;
      for (const auto& [name, t] : p.inputs) shapes[name] = t.shape();
      out = output_shapes(find_op(spec.name, Direction::forward), p.params, shapes);
    } catch (const std::invalid_argument&) {
      continue;  // an invalid combination: draw again
    }
    Case c;
    c.spec = &spec;
    c.name = spec.name + "/random_" + std::to_string(index);
    c.params = p.params;
    c.inputs = p.inputs;
    if (spec.direction == Direction::backward) c.inputs["dy"] = d.tensor(out.at("y"));
    // Backward ops take only the forward inputs they list (max_pool2d's backward has no
    // indices input, for instance).
    TensorMap<double> wanted;
    for (const TensorSpec& t : spec.inputs) {
      if (auto it = c.inputs.find(t.name); it != c.inputs.end()) wanted[t.name] = it->second;
    }
    c.inputs = wanted;
    c.expected = run_reference<double>(spec, c.params, c.inputs);
    c.provenance = "generated:test_registry_random@seed=" + std::to_string(seed);
    return c;
  }
  throw std::logic_error("random_problems: 1000 invalid draws in a row for " + spec.name);
}

std::string describe_problem(const Case& c) {
  std::ostringstream s;
  s << c.name << " (" << c.provenance << "):";
  for (const auto& [key, value] : param_entries(c.params)) s << " " << key << "=" << value;
  for (const auto& [name, t] : c.inputs) s << " " << name << "=" << t.shape().str();
  return s.str();
}

}  // namespace convlab::test
