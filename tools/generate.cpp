// The generated corpus: a table of edge cases per op, and the code that turns each row into a
// forward case and its backward twin. tools/generate.hpp explains the recipe.
#include "tools/generate.hpp"

#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "corpus/corpus.hpp"
#include "reference/dispatch.hpp"

namespace fs = std::filesystem;

namespace convlab {
namespace {

constexpr std::string_view kGenerator = "convlab-generate";

// How the values of a case are drawn.
enum class Fill {
  real,       // uniform in [-1, 1)
  small_int,  // integers -3..3: sums stay exact in float
  wide,       // uniform in [-1, 1) times a scale of 1, 4, 20 or 80 (activations' large |x|)
};

using Inputs = std::vector<std::pair<std::string, Shape>>;

// One row of the table: an op, the edge it exercises, and the inputs of its forward pass.
struct Spec {
  std::string op;
  std::string edge;         // the case directory is gen_<edge>[_backward]
  std::string description;  // one sentence: what the forward case checks
  OpParams params;
  // Forward inputs in draw order. max_unpool2d lists one tensor "source" instead: its x and
  // indices are max_pool2d's output on that source (see unpool_inputs).
  Inputs inputs;
  Fill fill = Fill::real;
  bool exact = false;  // small integers whose results are exact in float (policy exact)
};

// ---------------------------------------------------------------------------------------------
// Values

// 32-bit FNV-1a: a portable hash, so a case's seed depends on its name only.
std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t h = 2166136261u;
  for (char ch : text) {
    h ^= static_cast<unsigned char>(ch);
    h *= 16777619u;
  }
  return h;
}

// mt19937_64's output sequence is fixed by the standard; the distributions are not, so the
// conversions to values are written out here.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [lo, hi): the top 53 bits of one draw as a fraction u in [0, 1).
  double uniform(double lo, double hi) {
    const double u = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    return lo + (hi - lo) * u;
  }
  // Uniform integer in [lo, hi] (the modulo bias of 7 in 2^64 is negligible).
  std::int64_t integer(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(engine_() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  double value(Fill fill) {
    switch (fill) {
      case Fill::real:
        return uniform(-1, 1);
      case Fill::small_int:
        return static_cast<double>(integer(-3, 3));
      case Fill::wide: {
        static constexpr double kScales[] = {1, 4, 20, 80};
        const double u = uniform(-1, 1);
        return u * kScales[integer(0, 3)];
      }
    }
    throw std::logic_error("generate: unknown fill");
  }
  Tensor<double> tensor(const Shape& shape, Fill fill) {
    Tensor<double> t(shape);
    for (double& v : t.values()) v = value(fill);
    return t;
  }

 private:
  std::mt19937_64 engine_;
};

std::string fill_text(Fill fill) {
  switch (fill) {
    case Fill::real:
      return "reals uniform in [-1, 1): -1 + 2u with u = (r >> 11) * 2^-53 from one 64-bit draw "
             "r";
    case Fill::small_int:
      return "integers uniform in -3..3: -3 + r % 7 from one 64-bit draw r";
    case Fill::wide:
      return "reals spread to |x| < 80: (-1 + 2u) * s, u = (r1 >> 11) * 2^-53 from one draw r1 "
             "and the scale s = {1, 4, 20, 80}[r2 % 4] from the next draw r2";
  }
  return {};
}

// max_unpool2d's inputs: max pooling of `source` with the unpooling's kernel, stride and
// padding gives x and indices, as in a network that pools and later unpools.
Pool2dParams pooling_of(const Unpool2dParams& u) {
  return {.kernel_h = u.kernel_h,
          .kernel_w = u.kernel_w,
          .stride_h = u.stride_h,
          .stride_w = u.stride_w,
          .pad_top = u.pad_top,
          .pad_bottom = u.pad_bottom,
          .pad_left = u.pad_left,
          .pad_right = u.pad_right};
}

void unpool_inputs(const Spec& s, Draw& draw, TensorMap<double>& in) {
  const auto& u = std::get<Unpool2dParams>(s.params);
  const Shape& source_shape = s.inputs.at(0).second;
  const Tensor<double> source = draw.tensor(source_shape, s.fill);
  const TensorMap<double> pooled = run_reference<double>(find_op("max_pool2d", Direction::forward),
                                                         pooling_of(u), {{"x", source}});
  in["x"] = pooled.at("y");
  in["indices"] = pooled.at("indices");
  // The indices are positions in a plane of the source's width: the unpooled output must
  // have the source's size, whether implied or explicit.
  const ShapeMap out = output_shapes(find_op("max_unpool2d", Direction::forward), s.params,
                                     {{"x", in["x"].shape()}, {"indices", in["x"].shape()}});
  if (!(out.at("y") == source_shape)) {
    throw std::logic_error("generate: max_unpool2d/" + s.edge + " unpools to " + out.at("y").str() +
                           ", not to its source " + source_shape.str());
  }
}

// ---------------------------------------------------------------------------------------------
// Parameters, briefly

Conv1dParams c1(std::int64_t stride, std::int64_t pad, std::int64_t dilation = 1,
                std::int64_t groups = 1) {
  return {
      .stride = stride, .pad_left = pad, .pad_right = pad, .dilation = dilation, .groups = groups};
}

Conv2dParams c2(std::int64_t stride, std::int64_t pad, std::int64_t dilation = 1,
                std::int64_t groups = 1, PaddingMode mode = PaddingMode::zeros) {
  return {.stride_h = stride,
          .stride_w = stride,
          .pad_top = pad,
          .pad_bottom = pad,
          .pad_left = pad,
          .pad_right = pad,
          .dilation_h = dilation,
          .dilation_w = dilation,
          .groups = groups,
          .padding_mode = mode};
}

Conv2dParams c2_pads(std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right,
                     PaddingMode mode = PaddingMode::zeros) {
  Conv2dParams p = c2(1, 0, 1, 1, mode);
  p.pad_top = top;
  p.pad_bottom = bottom;
  p.pad_left = left;
  p.pad_right = right;
  return p;
}

Conv3dParams c3(std::int64_t stride, std::int64_t pad, std::int64_t dilation = 1,
                std::int64_t groups = 1) {
  return {.stride_d = stride,
          .stride_h = stride,
          .stride_w = stride,
          .pad_front = pad,
          .pad_back = pad,
          .pad_top = pad,
          .pad_bottom = pad,
          .pad_left = pad,
          .pad_right = pad,
          .dilation_d = dilation,
          .dilation_h = dilation,
          .dilation_w = dilation,
          .groups = groups};
}

ConvTranspose2dParams ct(std::int64_t stride, std::int64_t pad, std::int64_t output_padding = 0,
                         std::int64_t dilation = 1, std::int64_t groups = 1) {
  return {.stride_h = stride,
          .stride_w = stride,
          .pad_top = pad,
          .pad_bottom = pad,
          .pad_left = pad,
          .pad_right = pad,
          .output_padding_h = output_padding,
          .output_padding_w = output_padding,
          .dilation_h = dilation,
          .dilation_w = dilation,
          .groups = groups};
}

Pool2dParams pool(std::int64_t kernel, std::int64_t stride, std::int64_t pad = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::int64_t dilation = 1) {
  return {.kernel_h = kernel,
          .kernel_w = kernel,
          .stride_h = stride,
          .stride_w = stride,
          .pad_top = pad,
          .pad_bottom = pad,
          .pad_left = pad,
          .pad_right = pad,
          .dilation_h = dilation,
          .dilation_w = dilation,
          .ceil_mode = ceil_mode,
          .count_include_pad = count_include_pad};
}

Pool2dParams pool_pads(std::int64_t kernel, std::int64_t stride, std::int64_t top,
                       std::int64_t bottom, std::int64_t left, std::int64_t right,
                       bool count_include_pad = true) {
  Pool2dParams p = pool(kernel, stride, 0, false, count_include_pad);
  p.pad_top = top;
  p.pad_bottom = bottom;
  p.pad_left = left;
  p.pad_right = right;
  return p;
}

Unpool2dParams unpool(std::int64_t kernel, std::int64_t stride, std::int64_t pad = 0,
                      std::int64_t output_h = -1, std::int64_t output_w = -1) {
  return {.kernel_h = kernel,
          .kernel_w = kernel,
          .stride_h = stride,
          .stride_w = stride,
          .pad_top = pad,
          .pad_bottom = pad,
          .pad_left = pad,
          .pad_right = pad,
          .output_h = output_h,
          .output_w = output_w};
}

Upsample2dParams up(UpsampleMode mode, std::int64_t output_h, std::int64_t output_w,
                    bool align_corners = false) {
  return {.mode = mode, .output_h = output_h, .output_w = output_w, .align_corners = align_corners};
}

constexpr auto kNearest = UpsampleMode::nearest;
constexpr auto kBilinear = UpsampleMode::bilinear;

// ---------------------------------------------------------------------------------------------
// The table

// Ops with a weight: x, w and, when `bias`, b of w's first extent (the output channels, or
// for conv_transpose2d the output channels per group times groups: `bias_size`).
class Table {
 public:
  std::vector<Spec> specs;

  void weighted(std::string op, std::string edge, std::string what, OpParams p, Shape x, Shape w,
                std::int64_t bias_size, Fill fill = Fill::real) {
    Inputs in{{"x", x}, {"w", w}};
    if (bias_size > 0) in.push_back({"b", Shape{bias_size}});
    add(std::move(op), std::move(edge), std::move(what), p, std::move(in), fill);
  }
  void unary(std::string op, std::string edge, std::string what, OpParams p, Shape x,
             Fill fill = Fill::real) {
    add(std::move(op), std::move(edge), std::move(what), p, {{"x", x}}, fill);
  }
  void add(std::string op, std::string edge, std::string what, OpParams p, Inputs in, Fill fill) {
    specs.push_back({std::move(op), std::move(edge), std::move(what), p, std::move(in), fill,
                     fill == Fill::small_int});
  }
};

void corr2d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Shape x, Shape k, Fill f) {
    t.add("corr2d", std::move(edge), std::move(what), NoParams{}, {{"x", x}, {"k", k}}, f);
  };
  add("one_by_one", "1x1 input and 1x1 kernel: a single product", {1, 1}, {1, 1}, Fill::real);
  add("kernel_eq_input", "a 4x5 kernel on a 4x5 input: one output, the sum of all products", {4, 5},
      {4, 5}, Fill::real);
  add("width33_k3x5", "a 7x33 input with a non-square 3x5 kernel gives 5x29", {7, 33}, {3, 5},
      Fill::real);
  add("width1", "a 9x1 input (one column) with a 3x1 kernel", {9, 1}, {3, 1}, Fill::real);
  add("int_k2x2", "small integers, 6x8 input, 2x2 kernel: exact in float", {6, 8}, {2, 2},
      Fill::small_int);
}

void conv1d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Conv1dParams p, Shape x, Shape w,
                       bool bias, Fill f = Fill::real) {
    t.weighted("conv1d", std::move(edge), std::move(what), p, x, w, bias ? w[0] : 0, f);
  };
  add("one_element", "a 1-element input and a 1-tap kernel, no bias: a single product", c1(1, 0),
      {1, 1, 1}, {1, 1, 1}, false);
  add("kernel_eq_padded_input",
      "an 8-tap kernel on a 6-long input padded by 1 on each side covers it exactly: one output",
      c1(1, 1), {2, 3, 6}, {4, 3, 8}, true);
  add("stride_gt_kernel", "stride 4 with a 2-tap kernel: two input elements skipped per step",
      c1(4, 0), {1, 2, 17}, {3, 2, 2}, true);
  add("large_dilation", "dilation 7 with padding 3: a 3-tap kernel spanning 15 elements",
      c1(1, 3, 7), {1, 2, 20}, {2, 2, 3}, true);
  add("asymmetric_padding", "padding 0 on the left and 3 on the right",
      Conv1dParams{.pad_left = 0, .pad_right = 3}, {1, 3, 9}, {2, 3, 4}, true);
  add("groups_eq_channels", "depthwise: groups == channels == 8, 5 taps, padding 2", c1(1, 2, 1, 8),
      {1, 8, 15}, {8, 1, 5}, true);
  add("groups2", "2 groups: 2 input channels and 3 filters per group", c1(1, 0, 1, 2), {1, 4, 9},
      {6, 2, 3}, true);
  add("groups3", "3 groups of 2 input channels and 1 filter each, batch 2", c1(1, 0, 1, 3),
      {2, 6, 7}, {3, 2, 3}, false);
  add("cin7_cout9", "7 input and 9 output channels (either side of a SIMD width of 8)", c1(1, 1),
      {1, 7, 16}, {9, 7, 3}, true);
  add("cin16_cout17_length33", "16 -> 17 channels on a length of 33 (either side of 16 and 32)",
      c1(1, 1), {1, 16, 33}, {17, 16, 3}, true);
  add("length1", "a 1-long input with a 3-tap kernel padded by 1: only the centre tap reads it",
      c1(1, 1), {1, 3, 1}, {2, 3, 3}, true);
  add("int_pad1", "small integers, 3 -> 4 channels, padding 1, batch 2: exact in float", c1(1, 1),
      {2, 3, 10}, {4, 3, 3}, true, Fill::small_int);
  add("int_groups2_stride2", "small integers, 2 groups, stride 2: exact in float", c1(2, 0, 1, 2),
      {1, 4, 11}, {4, 2, 3}, true, Fill::small_int);
}

void conv2d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Conv2dParams p, Shape x, Shape w,
                       bool bias, Fill f = Fill::real) {
    t.weighted("conv2d", std::move(edge), std::move(what), p, x, w, bias ? w[0] : 0, f);
  };
  add("one_by_one_input", "1x1 input, 1x1 kernel, one channel, no bias: a single product", c2(1, 0),
      {1, 1, 1, 1}, {1, 1, 1, 1}, false);
  add("one_by_one_input_k3_pad1",
      "a 1x1 input with 3 channels, 3x3 kernel, padding 1: only the centre tap reads the input",
      c2(1, 1), {1, 3, 1, 1}, {4, 3, 3, 3}, true);
  add("kernel_eq_padded_input",
      "a 7x7 kernel on a 5x5 input padded by 1 on every side covers it exactly: one output",
      c2(1, 1), {2, 2, 5, 5}, {3, 2, 7, 7}, true);
  add("kernel_eq_input",
      "a 5x5 kernel on a 5x5 input (LeNet-5's C5): one output per filter, a fully connected "
      "layer",
      c2(1, 0), {2, 3, 5, 5}, {4, 3, 5, 5}, true);
  add("output_size1_stride_past_end",
      "stride 4, 3x3 kernel, 5x5 input: the second window would run past the end, so the "
      "output is 1x1",
      c2(4, 0), {1, 2, 5, 5}, {2, 2, 3, 3}, true);
  add("stride_gt_kernel", "stride 3 with a 2x2 kernel: windows skip a row and a column", c2(3, 0),
      {1, 2, 9, 8}, {3, 2, 2, 2}, true);
  {
    Conv2dParams p = c2(1, 0);
    p.stride_h = 4;
    p.stride_w = 3;
    add("stride_4x3_kernel_1x1", "1x1 kernel with stride 4 down and 3 across: pure subsampling", p,
        {1, 3, 9, 10}, {2, 3, 1, 1}, true);
  }
  {
    Conv2dParams p = c2(1, 2);
    p.dilation_h = 5;
    p.dilation_w = 4;
    add("large_dilation",
        "dilation 5 down and 4 across with padding 2: a 3x3 kernel spread over 11x9 pixels", p,
        {1, 2, 11, 13}, {3, 2, 3, 3}, true);
  }
  add("dilation_spans_input",
      "dilation 4 with a 2x2 kernel on a 5x5 input: the taps are the four corners, one output",
      c2(1, 0, 4), {1, 3, 5, 5}, {2, 3, 2, 2}, true);
  add("asymmetric_padding", "padding 0 top, 2 bottom, 1 left, 3 right", c2_pads(0, 2, 1, 3),
      {1, 2, 6, 5}, {3, 2, 3, 3}, true);
  add("pad_gt_half_kernel",
      "padding 3 around a 3x3 kernel: the corner outputs read only zeros and equal the bias",
      c2(1, 3), {1, 2, 4, 4}, {2, 2, 3, 3}, true);
  add("same_padding_even_kernel",
      "a 4x4 kernel with padding 1 top/left and 2 bottom/right keeps the 6x6 size ('same')",
      c2_pads(1, 2, 1, 2), {1, 3, 6, 6}, {2, 3, 4, 4}, true);
  add("groups_eq_channels_c8", "depthwise: groups == channels == 8, 3x3, padding 1", c2(1, 1, 1, 8),
      {1, 8, 7, 7}, {8, 1, 3, 3}, true);
  add("groups_eq_channels_c17_stride2",
      "depthwise with 17 channels (one past 16), stride 2, padding 1", c2(2, 1, 1, 17),
      {1, 17, 9, 9}, {17, 1, 3, 3}, true);
  add("groups_eq_channels_multiplier2",
      "groups == input channels == 3 with 2 filters per channel (depth multiplier 2)",
      c2(1, 1, 1, 3), {1, 3, 6, 6}, {6, 1, 3, 3}, true);
  add("groups2", "2 groups: input channels 0-1 feed outputs 0-2, channels 2-3 outputs 3-5",
      c2(1, 0, 1, 2), {1, 4, 5, 5}, {6, 2, 3, 3}, true);
  add("groups3", "3 groups of 2 input and 2 output channels, batch 2, padding 1", c2(1, 1, 1, 3),
      {2, 6, 5, 4}, {6, 2, 3, 3}, false);
  const std::pair<std::int64_t, std::int64_t> channels[] = {{1, 7},  {7, 8},   {8, 9},
                                                            {9, 16}, {16, 17}, {17, 1}};
  for (const auto& [cin, cout] : channels) {
    add("cin" + std::to_string(cin) + "_cout" + std::to_string(cout),
        std::to_string(cin) + " -> " + std::to_string(cout) +
            " channels, 3x3, padding 1 (channel counts around the SIMD widths 8 and 16)",
        c2(1, 1), {1, cin, 5, 5}, {cout, cin, 3, 3}, true);
  }
  add("width1", "a 5x1 input (one column), 3x3 kernel, padding 1: the output is one column",
      c2(1, 1), {1, 2, 5, 1}, {3, 2, 3, 3}, true);
  for (std::int64_t width : {7, 15, 17, 33}) {
    add("width" + std::to_string(width),
        "width " + std::to_string(width) +
            ", 3x3 kernel, padding 1 (a row that does not fill whole SIMD registers)",
        c2(1, 1), {1, 3, 4, width}, {4, 3, 3, 3}, true);
  }
  add("output_9x11_partial_tiles",
      "a 9x11 output, not a multiple of 2 or 4: partial tiles for tiled and Winograd kernels",
      c2(1, 0), {1, 3, 11, 13}, {4, 3, 3, 3}, true);
  add("padding_reflect",
      "reflect padding (mirror, the edge not repeated): 2 top, 1 bottom, 2 left, 3 right",
      c2_pads(2, 1, 2, 3, PaddingMode::reflect), {1, 2, 5, 6}, {3, 2, 3, 3}, true);
  add("padding_replicate",
      "replicate padding (the edge repeated): 2 top, 1 bottom, 2 left, 3 right",
      c2_pads(2, 1, 2, 3, PaddingMode::replicate), {1, 2, 5, 6}, {3, 2, 3, 3}, true);
  add("padding_replicate_pad_gt_input",
      "replicate padding 4 around a 3x3 input: the padding is wider than the input",
      c2(1, 4, 1, 1, PaddingMode::replicate), {1, 1, 3, 3}, {2, 1, 3, 3}, true);
  add("padding_circular", "circular padding (wrap around): 2 top, 1 bottom, 2 left, 3 right",
      c2_pads(2, 1, 2, 3, PaddingMode::circular), {1, 2, 5, 6}, {3, 2, 3, 3}, true);
  add("padding_circular_pad_eq_input",
      "circular padding as wide as the input (3 rows, 4 columns): the whole input wraps once",
      c2_pads(3, 3, 4, 4, PaddingMode::circular), {1, 2, 3, 4}, {2, 2, 3, 3}, true);
  add("padding_reflect_stride2_dilation2",
      "reflect padding 2 with stride 2 and dilation 2: mirrored reads far from the edge",
      c2(2, 2, 2, 1, PaddingMode::reflect), {1, 2, 7, 7}, {2, 2, 3, 3}, true);
  add("batch3_stride2_pad1", "batch 3, 4 -> 8 channels, stride 2, padding 1 (a downsampling layer)",
      c2(2, 1), {3, 4, 8, 8}, {8, 4, 3, 3}, true);
  {
    Conv2dParams p = c2_pads(0, 0, 2, 2);
    p.stride_h = 2;
    add("kernel_3x5_stride_2x1", "a non-square 3x5 kernel with stride 2 down and 1 across", p,
        {1, 2, 7, 9}, {3, 2, 3, 5}, true);
  }
  add("int_k3_pad1", "small integers, 3 -> 4 channels, 3x3, padding 1: exact in float", c2(1, 1),
      {1, 3, 6, 6}, {4, 3, 3, 3}, true, Fill::small_int);
  add("int_k3_9x9", "small integers, 4 -> 4 channels, 3x3, stride 1 on 9x9: exact in float",
      c2(1, 0), {1, 4, 9, 9}, {4, 4, 3, 3}, true, Fill::small_int);
  add("int_stride2_pad1", "small integers, batch 2, stride 2, padding 1: exact in float", c2(2, 1),
      {2, 2, 7, 7}, {3, 2, 3, 3}, true, Fill::small_int);
  add("int_groups2", "small integers, 2 groups: exact in float", c2(1, 0, 1, 2), {1, 4, 5, 5},
      {4, 2, 3, 3}, true, Fill::small_int);
  add("int_groups_eq_channels_c9", "small integers, depthwise with 9 channels: exact in float",
      c2(1, 1, 1, 9), {1, 9, 5, 5}, {9, 1, 3, 3}, true, Fill::small_int);
  {
    Conv2dParams p = c2_pads(1, 0, 2, 1);
    p.dilation_h = 2;
    p.dilation_w = 2;
    add("int_dilation2_asymmetric_padding",
        "small integers, dilation 2, padding 1 top, 0 bottom, 2 left, 1 right: exact in float", p,
        {1, 2, 7, 6}, {2, 2, 3, 3}, false, Fill::small_int);
  }
  add("int_k1_cin17", "small integers, 1x1 kernel, 17 -> 8 channels: exact in float", c2(1, 0),
      {1, 17, 4, 4}, {8, 17, 1, 1}, true, Fill::small_int);
  for (PaddingMode mode : {PaddingMode::reflect, PaddingMode::replicate, PaddingMode::circular}) {
    const std::string name(to_string(mode));
    add("int_padding_" + name, "small integers, " + name + " padding 2: exact in float",
        c2(1, 2, 1, 1, mode), {1, 2, 5, 5}, {2, 2, 3, 3}, true, Fill::small_int);
  }
}

void conv3d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Conv3dParams p, Shape x, Shape w,
                       bool bias, Fill f = Fill::real) {
    t.weighted("conv3d", std::move(edge), std::move(what), p, x, w, bias ? w[0] : 0, f);
  };
  add("one_voxel", "a 1x1x1 input and kernel with a bias: one product plus the bias", c3(1, 0),
      {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, true);
  add("kernel_eq_padded_input",
      "a 5x6x5 kernel on a 3x4x3 input padded by 1 on every side: one output", c3(1, 1),
      {1, 2, 3, 4, 3}, {2, 2, 5, 6, 5}, true);
  add("stride_gt_kernel", "stride 3 with a 2x2x2 kernel: windows skip a slice, row and column",
      c3(3, 0), {1, 2, 7, 7, 7}, {2, 2, 2, 2, 2}, true);
  {
    Conv3dParams p = c3(1, 1);
    p.dilation_d = 3;
    p.dilation_h = 2;
    p.dilation_w = 4;
    add("large_dilation", "dilation 3 in depth, 2 in height, 4 in width, padding 1", p,
        {1, 1, 7, 8, 9}, {2, 1, 3, 3, 3}, true);
  }
  {
    Conv3dParams p = c3(1, 0);
    p.pad_back = 1;
    p.pad_top = 2;
    p.pad_left = 1;
    p.pad_right = 2;
    add("asymmetric_padding", "padding front 0, back 1, top 2, bottom 0, left 1, right 2", p,
        {1, 2, 4, 5, 3}, {2, 2, 3, 3, 3}, true);
  }
  {
    Conv3dParams p = c3(1, 0);
    p.stride_h = 2;
    p.stride_w = 3;
    add("stride_1x2x3", "strides 1, 2 and 3 along depth, height and width", p, {1, 2, 5, 7, 9},
        {2, 2, 3, 3, 3}, true);
  }
  add("groups_eq_channels", "depthwise 3-D: groups == channels == 4, padding 1", c3(1, 1, 1, 4),
      {1, 4, 4, 5, 5}, {4, 1, 3, 3, 3}, true);
  add("groups2", "2 groups of 2 input channels and 1 filter each", c3(1, 0, 1, 2), {1, 4, 3, 4, 4},
      {2, 2, 2, 3, 3}, true);
  add("groups3", "3 groups of 2 input and 2 output channels", c3(1, 0, 1, 3), {1, 6, 3, 3, 3},
      {6, 2, 2, 2, 2}, false);
  add("cin7_cout9", "7 -> 9 channels (either side of a SIMD width of 8)", c3(1, 0), {1, 7, 3, 4, 4},
      {9, 7, 2, 3, 3}, true);
  add("cin17_cout8", "17 -> 8 channels (one past 16) with a 1x3x3 kernel", c3(1, 0),
      {1, 17, 2, 3, 3}, {8, 17, 1, 3, 3}, true);
  add("int_pad1", "small integers, 2 -> 3 channels, 3x3x3, padding 1: exact in float", c3(1, 1),
      {1, 2, 4, 4, 4}, {3, 2, 3, 3, 3}, true, Fill::small_int);
  add("int_groups2_stride2", "small integers, 2 groups, stride 2: exact in float", c3(2, 0, 1, 2),
      {1, 4, 5, 5, 5}, {2, 2, 3, 3, 3}, true, Fill::small_int);
}

void conv_transpose2d_cases(Table& t) {
  // w: (C_in, C_out / groups, KH, KW); the bias has C_out = w[1] * groups entries.
  const auto add = [&](std::string edge, std::string what, ConvTranspose2dParams p, Shape x,
                       Shape w, bool bias, Fill f = Fill::real) {
    t.weighted("conv_transpose2d", std::move(edge), std::move(what), p, x, w,
               bias ? w[1] * p.groups : 0, f);
  };
  add("one_by_one_input", "1x1 input and 1x1 kernel with a bias", ct(1, 0), {1, 1, 1, 1},
      {1, 1, 1, 1}, true);
  add("one_by_one_input_k3", "a 1x1 input spreads one scaled copy of the 3x3 kernel", ct(1, 0),
      {1, 3, 1, 1}, {3, 2, 3, 3}, true);
  add("stride2_k3", "stride 2 with a 3x3 kernel: neighbouring copies overlap in one row/column",
      ct(2, 0), {1, 2, 4, 4}, {2, 3, 3, 3}, true);
  add("stride_gt_kernel",
      "stride 3 with a 2x2 kernel: copies do not touch, the gaps receive only the bias", ct(3, 0),
      {1, 2, 3, 4}, {2, 2, 2, 2}, true);
  add("output_padding_max_stride3",
      "stride 3 with output_padding 2, its maximum (stride - 1): two extra rows and columns",
      ct(3, 0, 2), {1, 2, 3, 3}, {2, 2, 3, 3}, true);
  add("output_padding_max_dilation3",
      "stride 1, dilation 3 and output_padding 2, the maximum dilation allows", ct(1, 0, 2, 3),
      {1, 2, 4, 4}, {2, 2, 2, 2}, true);
  {
    ConvTranspose2dParams p = ct(1, 1);
    p.stride_h = 2;
    p.stride_w = 4;
    p.output_padding_h = 1;
    p.output_padding_w = 3;
    add("output_padding_max_strides_2x4",
        "strides 2 and 4 with output_padding 1 and 3 (each at its maximum), padding 1", p,
        {1, 2, 3, 3}, {2, 2, 3, 3}, true);
  }
  add("k4_stride2_pad1_doubles",
      "4x4 kernel, stride 2, padding 1: the usual learned 2x upsampler (4x4 -> 8x8)", ct(2, 1),
      {1, 3, 4, 4}, {3, 2, 4, 4}, true);
  {
    ConvTranspose2dParams p = ct(2, 0);
    p.pad_bottom = 1;
    p.pad_left = 2;
    add("asymmetric_padding", "stride 2, cropping 0 top, 1 bottom, 2 left, 0 right", p,
        {1, 2, 4, 3}, {2, 2, 3, 3}, true);
  }
  add("dilation2", "dilation 2: each copy of the kernel is spread over 5x5", ct(1, 0, 0, 2),
      {1, 2, 4, 4}, {2, 3, 3, 3}, true);
  add("groups2", "2 groups, stride 2: input channels 0-1 feed outputs 0-2, 2-3 feed 3-5",
      ct(2, 0, 0, 1, 2), {1, 4, 3, 3}, {4, 3, 3, 3}, true);
  add("groups3", "3 groups of 2 input channels and 1 output channel", ct(1, 0, 0, 1, 3),
      {1, 6, 3, 3}, {6, 1, 2, 2}, true);
  add("groups_eq_channels_c8", "depthwise: groups == channels == 8, stride 2, padding 1",
      ct(2, 1, 0, 1, 8), {1, 8, 4, 4}, {8, 1, 3, 3}, true);
  add("cin7_cout9", "7 -> 9 channels (either side of 8), padding 1", ct(1, 1), {1, 7, 4, 4},
      {7, 9, 3, 3}, true);
  add("cin16_cout17", "16 -> 17 channels (either side of 16), stride 2", ct(2, 0), {1, 16, 3, 3},
      {16, 17, 2, 2}, true);
  add("width33", "a 2x33 input with a 3x3 kernel and padding 1 keeps width 33", ct(1, 1),
      {1, 2, 2, 33}, {2, 2, 3, 3}, false);
  add("int_stride2_pad1", "small integers, stride 2, padding 1: exact in float", ct(2, 1),
      {1, 2, 3, 3}, {2, 3, 3, 3}, true, Fill::small_int);
  add("int_output_padding_groups2",
      "small integers, stride 2, output_padding 1, 2 groups: exact in float", ct(2, 0, 1, 1, 2),
      {1, 4, 3, 3}, {4, 1, 3, 3}, true, Fill::small_int);
}

void max_pool2d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Pool2dParams p, Shape x,
                       Fill f = Fill::real) {
    t.unary("max_pool2d", std::move(edge), std::move(what), p, x, f);
  };
  add("k2_s2", "2x2 windows, stride 2: the classic halving", pool(2, 2), {1, 3, 6, 6});
  add("k3_s2_overlap", "3x3 windows, stride 2: neighbouring windows share a row or column",
      pool(3, 2), {1, 2, 7, 7});
  add("k3_s1_pad1", "3x3 windows, stride 1, padding 1: the size is kept", pool(3, 1, 1),
      {1, 2, 5, 5});
  add("asymmetric_padding", "3x3, stride 2, padding 1 top, 0 bottom, 0 left, 1 right",
      pool_pads(3, 2, 1, 0, 0, 1), {1, 2, 6, 5});
  add("ceil_mode_window_in_padding",
      "ceil_mode, 3x3, stride 2, padding 1 on 6x6: the last window starts in the input and "
      "runs through the padding and past it",
      pool(3, 2, 1, true), {1, 2, 6, 6});
  add("ceil_mode_partial_window",
      "ceil_mode without padding, 2x2, stride 2 on 5x5: the last window holds one row/column",
      pool(2, 2, 0, true), {1, 2, 5, 5});
  add("ceil_mode_last_window_dropped",
      "ceil_mode, 2x2, stride 2, padding 1 on 5x5: a fourth window would start in the padding, "
      "so it is dropped",
      pool(2, 2, 1, true), {1, 2, 5, 5});
  add("dilation2", "3x3 windows with dilation 2 (taps 2 apart), stride 1",
      pool(3, 1, 0, false, true, 2), {1, 2, 7, 7});
  add("dilation3_pad1_ceil_mode",
      "2x2 windows with dilation 3, stride 2, padding 1, ceil_mode: the first tap of the first "
      "window is padding",
      pool(2, 2, 1, true, true, 3), {1, 2, 8, 8});
  add("stride_gt_kernel", "2x2 windows, stride 3: a row and a column skipped between windows",
      pool(2, 3), {1, 2, 8, 8});
  add("kernel_eq_padded_input", "a 5x5 window on a 3x3 input padded by 1: one output",
      pool(5, 1, 1), {1, 2, 3, 3});
  add("one_by_one_input", "1x1 input and window: the output is the input", pool(1, 1),
      {1, 3, 1, 1});
  add("one_by_one_input_k3_pad1", "a 1x1 input in a 3x3 window padded by 1", pool(3, 1, 1),
      {1, 2, 1, 1});
  add("c17_width33", "17 channels, width 33, 2x2 windows, stride 2", pool(2, 2), {1, 17, 2, 33});
  {
    Pool2dParams p = pool(2, 1, 1);
    p.kernel_w = 3;
    p.stride_w = 2;
    add("kernel_2x3_stride_1x2", "a 2x3 window with stride 1 down and 2 across, padding 1", p,
        {1, 2, 5, 7});
  }
  add("int_ties_k2_s2",
      "small integers with ties inside windows: the first maximum in row-major order wins",
      pool(2, 2), {1, 2, 6, 6}, Fill::small_int);
  add("int_ties_k3_s2_pad1_ceil_mode",
      "small integers with ties, 3x3, stride 2, padding 1, ceil_mode", pool(3, 2, 1, true),
      {1, 3, 7, 7}, Fill::small_int);
}

void avg_pool2d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Pool2dParams p, Shape x,
                       Fill f = Fill::real) {
    t.unary("avg_pool2d", std::move(edge), std::move(what), p, x, f);
  };
  add("k2_s2", "2x2 windows, stride 2", pool(2, 2), {1, 3, 6, 6});
  add("k3_s2_overlap", "3x3 windows, stride 2: neighbouring windows share a row or column",
      pool(3, 2), {1, 2, 7, 7});
  add("pad1_count_include_pad", "3x3, stride 2, padding 1, the padding counted in the divisor",
      pool(3, 2, 1, false, true), {1, 2, 5, 5});
  add("pad1_count_exclude_pad",
      "3x3, stride 2, padding 1, only real elements counted in the divisor",
      pool(3, 2, 1, false, false), {1, 2, 5, 5});
  add("asymmetric_padding_count_include_pad",
      "3x3, stride 2, padding 1 top and right only, the padding counted",
      pool_pads(3, 2, 1, 0, 0, 1, true), {1, 2, 6, 5});
  add("asymmetric_padding_count_exclude_pad",
      "3x3, stride 2, padding 1 top and right only, the padding not counted",
      pool_pads(3, 2, 1, 0, 0, 1, false), {1, 2, 6, 5});
  add("ceil_mode_window_in_padding_count_include_pad",
      "ceil_mode, 3x3, stride 2, padding 1 on 6x6: the last window's divisor counts the "
      "padding but not the part past it",
      pool(3, 2, 1, true, true), {1, 2, 6, 6});
  add("ceil_mode_window_in_padding_count_exclude_pad",
      "ceil_mode, 3x3, stride 2, padding 1 on 6x6, counting only real elements",
      pool(3, 2, 1, true, false), {1, 2, 6, 6});
  add("ceil_mode_partial_window",
      "ceil_mode without padding, 2x2, stride 2 on 5x5: the last window holds one row/column",
      pool(2, 2, 0, true, true), {1, 2, 5, 5});
  add("ceil_mode_last_window_dropped",
      "ceil_mode, 2x2, stride 2, padding 1 on 5x5: a window starting in the padding is dropped",
      pool(2, 2, 1, true, true), {1, 2, 5, 5});
  add("stride_gt_kernel", "2x2 windows, stride 3", pool(2, 3), {1, 2, 8, 8});
  add("kernel_eq_padded_input_count_include_pad",
      "a 5x5 window on a 3x3 input padded by 1: one output, divided by 25",
      pool(5, 1, 1, false, true), {1, 2, 3, 3});
  add("kernel_eq_padded_input_count_exclude_pad",
      "a 5x5 window on a 3x3 input padded by 1: one output, divided by 9",
      pool(5, 1, 1, false, false), {1, 2, 3, 3});
  add("one_by_one_input", "1x1 input and window: the output is the input", pool(1, 1),
      {1, 3, 1, 1});
  add("c17_width33", "17 channels, width 33, 2x2 windows, stride 2", pool(2, 2), {1, 17, 2, 33});
  {
    Pool2dParams p = pool(2, 1, 1, false, false);
    p.kernel_w = 3;
    p.stride_w = 2;
    add("kernel_2x3_stride_1x2",
        "a 2x3 window, stride 1 down and 2 across, padding 1, "
        "the padding not counted",
        p, {1, 2, 5, 7});
  }
  add("int_k2_s2", "small integers, 2x2 windows, stride 2: sums divided by 4, exact in float",
      pool(2, 2), {1, 3, 6, 6}, Fill::small_int);
  add("int_k2_s2_pad1_count_include_pad",
      "small integers, 2x2, stride 2, padding 1, padding counted: every divisor is 4",
      pool(2, 2, 1, false, true), {1, 2, 4, 4}, Fill::small_int);
  add("int_k2_s2_pad1_count_exclude_pad",
      "small integers, 2x2, stride 2, padding 1, padding not counted: divisors 1, 2 and 4",
      pool(2, 2, 1, false, false), {1, 2, 4, 4}, Fill::small_int);
}

void global_avg_pool2d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Shape x, Fill f = Fill::real) {
    t.unary("global_avg_pool2d", std::move(edge), std::move(what), NoParams{}, x, f);
  };
  add("one_by_one_input", "a 1x1 plane: the mean is the value", {1, 3, 1, 1});
  add("c17_7x7", "17 channels of 7x7 (a ResNet head in miniature)", {1, 17, 7, 7});
  add("batch2_5x3", "batch 2, non-square 5x3 planes", {2, 4, 5, 3});
  add("int_4x4", "small integers on 4x4 planes: sums divided by 16, exact in float", {2, 3, 4, 4},
      Fill::small_int);
}

void max_unpool2d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Unpool2dParams p, Shape source,
                       Fill f = Fill::real) {
    t.add("max_unpool2d", std::move(edge), std::move(what), p, {{"source", source}}, f);
  };
  add("k2_s2", "2x2, stride 2: each value goes back to the position of its maximum", unpool(2, 2),
      {1, 2, 6, 6});
  add("k2_s2_explicit_output_size",
      "2x2, stride 2, pooled from 5x5 and unpooled to an explicit 5x5 (not the implied 4x4)",
      unpool(2, 2, 0, 5, 5), {1, 2, 5, 5});
  add("k3_s2_overlap",
      "3x3, stride 2: overlapping windows may record the same position twice (same value)",
      unpool(3, 2), {1, 2, 7, 7});
  add("k3_s2_pad1_explicit_output_size",
      "3x3, stride 2, padding 1, pooled from 6x6 and unpooled to an explicit 6x6",
      unpool(3, 2, 1, 6, 6), {1, 2, 6, 6});
  add("stride_gt_kernel", "2x2, stride 3: rows and columns between windows stay zero", unpool(2, 3),
      {1, 2, 8, 8});
  add("one_by_one_input", "1x1 window on a 1x1 input", unpool(1, 1), {1, 3, 1, 1});
  add("batch2_c9", "batch 2, 9 channels, 2x2, stride 2", unpool(2, 2), {2, 9, 4, 4});
  add("int_k2_s2", "small integers, 2x2, stride 2: exact", unpool(2, 2), {1, 2, 4, 4},
      Fill::small_int);
}

void upsample2d_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Upsample2dParams p, Shape x,
                       Fill f = Fill::real) {
    t.unary("upsample2d", std::move(edge), std::move(what), p, x, f);
  };
  add("nearest_x2", "nearest, 3x4 -> 6x8 (scale 2)", up(kNearest, 6, 8), {1, 2, 3, 4});
  add("nearest_non_integer_scale", "nearest, 3x3 -> 5x7 (scales 5/3 and 7/3)", up(kNearest, 5, 7),
      {1, 2, 3, 3});
  add("nearest_shrink", "nearest, 7x5 -> 3x2 (shrinking)", up(kNearest, 3, 2), {1, 2, 7, 5});
  add("nearest_one_by_one_input", "nearest, 1x1 -> 4x3: every output is the one input",
      up(kNearest, 4, 3), {1, 3, 1, 1});
  for (bool align : {false, true}) {
    const std::string a = align ? "align_corners" : "half_pixel";
    const std::string how =
        align ? " with align_corners (the corner pixels line up)" : " (half-pixel centres)";
    add("bilinear_x2_" + a, "bilinear, 3x4 -> 6x8" + how, up(kBilinear, 6, 8, align), {1, 2, 3, 4});
    add("bilinear_non_integer_scale_" + a, "bilinear, 4x5 -> 7x9 (scales 7/4 and 9/5)" + how,
        up(kBilinear, 7, 9, align), {1, 2, 4, 5});
    add("bilinear_shrink_" + a, "bilinear, 7x6 -> 4x3 (shrinking)" + how,
        up(kBilinear, 4, 3, align), {1, 2, 7, 6});
    add("bilinear_output_1x1_" + a, "bilinear, 3x4 -> 1x1" + how, up(kBilinear, 1, 1, align),
        {1, 2, 3, 4});
  }
  add("bilinear_one_by_one_input", "bilinear, 1x1 -> 3x5: both taps are the same pixel",
      up(kBilinear, 3, 5), {1, 2, 1, 1});
  add("bilinear_c17_width33", "bilinear, 17 channels, 3x5 -> 5x33", up(kBilinear, 5, 33),
      {1, 17, 3, 5});
  add("int_nearest_non_integer_scale", "small integers, nearest, 3x3 -> 5x7: exact",
      up(kNearest, 5, 7), {1, 2, 3, 3}, Fill::small_int);
  add("int_bilinear_x2_half_pixel",
      "small integers, bilinear 3x3 -> 6x6: weights 1/4 and 3/4, exact in float",
      up(kBilinear, 6, 6), {1, 2, 3, 3}, Fill::small_int);
  add("int_bilinear_3to5_align_corners",
      "small integers, bilinear 3x3 -> 5x5 with align_corners: weights 0 and 1/2, exact",
      up(kBilinear, 5, 5, true), {1, 2, 3, 3}, Fill::small_int);
}

void gemm_cases(Table& t) {
  // a: (M, K), b: (K, N). The GEMM core's micro-tiles are 6 x 16 (Vc) and 14 x 32 (AVX-512),
  // its K blocks 384 (Vc) and 512 (AVX-512): sizes sit on, one below and one past them.
  const auto add = [&](std::string edge, std::string what, std::int64_t M, std::int64_t K,
                       std::int64_t N, Fill f = Fill::real) {
    t.add("gemm", std::move(edge), std::move(what), NoParams{}, {{"a", {M, K}}, {"b", {K, N}}}, f);
  };
  add("m1_k1_n1", "1x1 times 1x1: a single product", 1, 1, 1);
  add("k1_m7_n33", "K = 1: an outer product of a 7-column and a 33-row", 7, 1, 33);
  add("m6_k9_n16", "M x N = 6 x 16, exactly one Vc micro-tile", 6, 9, 16);
  add("m5_k9_n15", "M x N = 5 x 15, one row and one column short of a Vc micro-tile", 5, 9, 15);
  add("m7_k9_n17", "M x N = 7 x 17, one row and one column past a Vc micro-tile", 7, 9, 17);
  add("m14_k5_n32", "M x N = 14 x 32, exactly one AVX-512 micro-tile", 14, 5, 32);
  add("m13_k5_n31", "M x N = 13 x 31, one short of an AVX-512 micro-tile each way", 13, 5, 31);
  add("m15_k5_n33", "M x N = 15 x 33, one past an AVX-512 micro-tile each way", 15, 5, 33);
  add("m1_k33_n47", "M = 1: a row vector times a matrix (a batch-1 linear layer)", 1, 33, 47);
  add("m1_k300_n1", "M = N = 1, K = 300: one long dot product", 1, 300, 1);
  add("m300_k3_n5", "M = 300: many rows, crossing the row blocks of 144 and 168", 300, 3, 5);
  add("m2_k4_n300", "N = 300: a wide product crossing many 16- and 32-column panels", 2, 4, 300);
  add("m3_k517_n5", "K = 517: past the K blocks of 384 and 512, so C is summed in two blocks", 3,
      517, 5);
  add("int_m15_k17_n33", "small integers, 15 x 17 times 17 x 33: exact in float", 15, 17, 33,
      Fill::small_int);
}

void linear_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, Shape x, Shape w, bool bias,
                       Fill f = Fill::real) {
    t.weighted("linear", std::move(edge), std::move(what), NoParams{}, x, w, bias ? w[0] : 0, f);
  };
  add("batch1", "batch 1, 17 -> 16 features", {1, 17}, {16, 17}, true);
  add("batch9", "batch 9 (one past 8), 33 -> 7 features", {9, 33}, {7, 33}, true);
  add("batch9_no_bias", "batch 9, 8 -> 9 features, no bias", {9, 8}, {9, 8}, false);
  add("in1_out1", "one input feature, one output, no bias: a single product", {1, 1}, {1, 1},
      false);
  add("in1_out17", "one input feature, 17 outputs, batch 3", {3, 1}, {17, 1}, true);
  add("int_batch9", "small integers, batch 9, 16 -> 9 features: exact in float", {9, 16}, {9, 16},
      true, Fill::small_int);
  add("int_batch1", "small integers, batch 1, 7 -> 8 features: exact in float", {1, 7}, {8, 7},
      true, Fill::small_int);
}

void flatten_cases(Table& t) {
  const auto add = [&](std::string edge, std::string what, int start_dim, Shape x,
                       Fill f = Fill::real) {
    t.unary("flatten", std::move(edge), std::move(what), FlattenParams{.start_dim = start_dim}, x,
            f);
  };
  add("rank4_start_dim1", "(2, 3, 4, 5) -> (2, 60): the usual flatten before a linear layer", 1,
      {2, 3, 4, 5});
  add("rank4_start_dim0", "(2, 3, 4, 5) -> (120): everything, the batch too", 0, {2, 3, 4, 5});
  add("rank4_start_dim3", "(2, 3, 4, 5) -> (2, 3, 4, 5): flattening the last dimension alone", 3,
      {2, 3, 4, 5});
  add("rank5_start_dim2", "(2, 2, 3, 2, 3) -> (2, 2, 18)", 2, {2, 2, 3, 2, 3});
  add("rank1_start_dim0", "(7) -> (7)", 0, {7});
  add("rank2_start_dim1", "(3, 5) -> (3, 5)", 1, {3, 5});
  add("int_lenet_400", "small integers, LeNet's (1, 16, 5, 5) -> (1, 400): exact", 1, {1, 16, 5, 5},
      Fill::small_int);
}

void activation_cases(Table& t) {
  t.unary("relu", "mixed_signs", "reals of both signs in [-1, 1)", NoParams{}, {2, 3, 4, 5});
  t.unary("relu", "large_abs", "reals up to |x| = 80", NoParams{}, {1, 2, 5, 5}, Fill::wide);
  t.unary("relu", "rank1", "a rank-1 tensor of 33 values", NoParams{}, {33});
  t.unary("relu", "rank5", "a rank-5 tensor", NoParams{}, {1, 2, 3, 2, 3});
  t.unary("relu", "int_with_zeros",
          "small integers, many exactly 0 (relu'(0) = 0 in the backward pass): exact", NoParams{},
          {2, 3, 4, 4}, Fill::small_int);
  for (const char* op : {"sigmoid", "tanh"}) {
    t.unary(op, "unit_range", "reals in [-1, 1), where the function is nearly linear", NoParams{},
            {2, 3, 4, 5});
    t.unary(op, "large_abs",
            "reals up to |x| = 80: saturation, where the derivative underflows towards 0",
            NoParams{}, {1, 2, 8, 8}, Fill::wide);
    t.unary(op, "rank1", "a rank-1 tensor of 17 values", NoParams{}, {17});
  }
}

std::vector<Spec> table() {
  Table t;
  corr2d_cases(t);
  conv1d_cases(t);
  conv2d_cases(t);
  conv3d_cases(t);
  conv_transpose2d_cases(t);
  max_pool2d_cases(t);
  avg_pool2d_cases(t);
  global_avg_pool2d_cases(t);
  max_unpool2d_cases(t);
  upsample2d_cases(t);
  gemm_cases(t);
  linear_cases(t);
  flatten_cases(t);
  activation_cases(t);
  return t.specs;
}

// ---------------------------------------------------------------------------------------------
// Writing

bool has_backward(const std::string& op) {
  for (const OpSpec& s : all_ops()) {
    if (s.name == op && s.direction == Direction::backward) return true;
  }
  return false;
}

// The case of `s` in `direction`: inputs drawn, expected computed, exactness checked.
Case make_case(const Spec& s, Direction direction, std::uint32_t seed) {
  Draw draw(seed);
  TensorMap<double> in;
  std::string order;
  if (s.op == "max_unpool2d") {
    unpool_inputs(s, draw, in);
    order = "source";
  } else {
    for (const auto& [name, shape] : s.inputs) {
      in[name] = draw.tensor(shape, s.fill);
      order += (order.empty() ? "" : ", ") + name;
    }
  }
  if (direction == Direction::backward) {
    ShapeMap shapes;
    for (const auto& [name, t] : in) shapes[name] = t.shape();
    const ShapeMap out = output_shapes(find_op(s.op, Direction::forward), s.params, shapes);
    in["dy"] = draw.tensor(out.at("y"), s.fill);
    order += ", dy";
  }

  Case c;
  c.spec = &find_op(s.op, direction);
  c.params = s.params;
  c.inputs = in;
  c.expected = run_reference<double>(*c.spec, c.params, c.inputs);
  c.exact = s.exact;
  c.abs_tol = 0;
  c.provenance =
      std::string("generated:") + std::string(kGenerator) + "@seed=" + std::to_string(seed);
  std::string what = s.description;
  if (!what.empty() && what[0] >= 'a' && what[0] <= 'z') what[0] = char(what[0] - 'a' + 'A');
  c.description = direction == Direction::forward ? what : "Backward pass. " + what;
  if (s.exact) {
    c.tolerance_reason =
        "small integers in -3..3: every product, sum and power-of-two division is exact in "
        "float, so a correct implementation gives these values exactly (==)";
    // The claim is checked here: the reference run in float must give the same values.
    TensorMap<float> in_float;
    for (const auto& [name, t] : c.inputs) in_float[name] = t.cast<float>();
    const TensorMap<float> out_float = run_reference<float>(*c.spec, c.params, in_float);
    for (const auto& [name, expected] : c.expected) {
      const Tensor<float>& got = out_float.at(name);
      for (std::int64_t i = 0; i < expected.numel(); ++i) {
        if (static_cast<double>(got[i]) != expected[i]) {
          throw std::logic_error("generate: " + s.op + "/" + s.edge + " is marked exact but " +
                                 name + " differs in float at flat index " + std::to_string(i));
        }
      }
    }
  } else {
    c.tolerance_reason =
        "expected values are the double reference's results for the inputs as written (17 "
        "significant digits read back exactly); an implementation is allowed the DESIGN.md "
        "bound factor * eps * K * M and nothing more";
  }
  std::ostringstream note;
  note << "Made by `convlab generate` (tools/generate.cpp). Inputs drawn from "
          "std::mt19937_64(seed) in the order "
       << order << ": " << fill_text(s.fill) << ".";
  if (s.op == "max_unpool2d") {
    note << " x and indices are max_pool2d's y and indices (this case's kernel, stride and "
            "padding, dilation 1, floor mode) on a source of shape "
         << format_shape(s.inputs.at(0).second)
         << " drawn first; the unpooled output has the source's size.";
  }
  note << " Expected outputs from the double reference (run_reference<double>), written with 17 "
          "significant digits.";
  c.note = note.str();
  return c;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Removes `<op>/gen_*` case directories that this generator wrote.
int remove_generated(const fs::path& out_root) {
  int removed = 0;
  if (!fs::is_directory(out_root)) return 0;
  const std::string mark = "\nprovenance,generated:" + std::string(kGenerator) + "@";
  std::vector<fs::path> doomed;
  for (const fs::directory_entry& op_dir : fs::directory_iterator(out_root)) {
    if (!op_dir.is_directory()) continue;
    for (const fs::directory_entry& case_dir : fs::directory_iterator(op_dir.path())) {
      const std::string name = case_dir.path().filename().string();
      if (!case_dir.is_directory() || name.rfind("gen_", 0) != 0) continue;
      const fs::path manifest = case_dir.path() / "manifest.csv";
      if (fs::is_regular_file(manifest) && read_file(manifest).find(mark) != std::string::npos) {
        doomed.push_back(case_dir.path());
      }
    }
  }
  for (const fs::path& dir : doomed) {
    fs::remove_all(dir);
    ++removed;
  }
  return removed;
}

}  // namespace

int generate_corpus(const fs::path& out_root, std::ostream& log) {
  const std::vector<Spec> specs = table();
  std::set<std::string> seen;
  for (const Spec& s : specs) {
    if (!seen.insert(s.op + "/" + s.edge).second) {
      throw std::logic_error("generate: the table lists " + s.op + "/" + s.edge + " twice");
    }
  }
  const int removed = remove_generated(out_root);
  std::map<std::string, std::pair<int, int>> per_op;  // op -> (forward, backward)
  int written = 0, exact = 0;
  for (const Spec& s : specs) {
    const std::uint32_t seed = fnv1a(s.op + "/" + s.edge);
    for (Direction d : {Direction::forward, Direction::backward}) {
      if (d == Direction::backward && !has_backward(s.op)) continue;
      const Case c = make_case(s, d, seed);
      const std::string dir_name = "gen_" + s.edge + (d == Direction::backward ? "_backward" : "");
      write_case(c, out_root / s.op / dir_name);
      ++written;
      exact += c.exact ? 1 : 0;
      auto& counts = per_op[s.op];
      (d == Direction::forward ? counts.first : counts.second) += 1;
    }
  }
  log << "convlab generate: removed " << removed << " old generated case(s), wrote " << written
      << " (" << exact << " exact) under " << out_root.string() << "\n";
  for (const auto& [op, counts] : per_op) {
    log << "  " << op << ": " << counts.first << " forward, " << counts.second << " backward\n";
  }
  return written;
}

}  // namespace convlab
