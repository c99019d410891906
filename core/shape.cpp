#include "core/shape.hpp"

#include <sstream>
#include <stdexcept>
#include <string>

namespace convlab {

std::string_view to_string(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::zeros:
      return "zeros";
    case PaddingMode::reflect:
      return "reflect";
    case PaddingMode::replicate:
      return "replicate";
    case PaddingMode::circular:
      return "circular";
  }
  return "unknown";
}

std::string_view to_string(UpsampleMode mode) {
  switch (mode) {
    case UpsampleMode::nearest:
      return "nearest";
    case UpsampleMode::bilinear:
      return "bilinear";
  }
  return "unknown";
}

namespace {

template <class... Parts>
[[noreturn]] void fail(std::string_view op, const Parts&... parts) {
  std::ostringstream os;
  os << op << ": ";
  (os << ... << parts);
  throw std::invalid_argument(os.str());
}

void require_rank(std::string_view op, std::string_view what, const Shape& s, int rank,
                  std::string_view layout) {
  if (s.rank() != rank) {
    fail(op, what, " must have rank ", rank, " ", layout, ", got shape ", s.str());
  }
  for (int i = 0; i < rank; ++i) {
    if (s[i] <= 0) fail(op, what, " shape ", s.str(), " has a zero-sized dimension ", i);
  }
}

// Scalar parameters (stride, padding, dilation, pooling window, output sizes) are capped so
// that no shape arithmetic below can overflow int64: 2^24 is far beyond any real layer.
constexpr std::int64_t kMaxParameter = std::int64_t{1} << 24;

void require_at_most_cap(std::string_view op, std::string_view name, std::int64_t v) {
  if (v > kMaxParameter) fail(op, name, " = ", v, " is too large (at most ", kMaxParameter, ")");
}

void require_positive(std::string_view op, std::string_view name, std::int64_t v) {
  if (v <= 0) fail(op, name, " must be >= 1, got ", v);
  require_at_most_cap(op, name, v);
}

void require_non_negative(std::string_view op, std::string_view name, std::int64_t v) {
  if (v < 0) fail(op, name, " must be >= 0, got ", v);
  require_at_most_cap(op, name, v);
}

// a * b, or an error naming the op when it does not fit in int64.
std::int64_t checked_mul(std::string_view op, std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) fail(op, "size arithmetic overflows int64: ", a, " * ", b);
  return r;
}

std::string join(std::string_view a, std::string_view b) {
  std::string s(a);
  if (!b.empty()) s.append("_").append(b);
  return s;
}

// Channels, groups, weight and bias of a convolution whose weight is
// (C_out, C_in / groups, k...). Returns C_out.
std::int64_t check_conv_channels(std::string_view op, const Shape& x, const Shape& w,
                                 const Shape& bias, std::int64_t groups) {
  require_positive(op, "groups", groups);
  const std::int64_t c_in = x[1], c_out = w[0];
  if (c_in % groups != 0) {
    fail(op, "input channels ", c_in, " are not divisible by groups ", groups);
  }
  if (c_out % groups != 0) {
    fail(op, "output channels ", c_out, " (weight dimension 0) are not divisible by groups ",
         groups);
  }
  if (w[1] != c_in / groups) {
    fail(op, "weight shape ", w.str(), " does not match the input: weight dimension 1 must be ",
         "input channels / groups = ", c_in, " / ", groups, " = ", c_in / groups, ", got ", w[1]);
  }
  if (!bias.empty() && !(bias.rank() == 1 && bias[0] == c_out)) {
    fail(op, "bias shape ", bias.str(), " does not match the output channels: expected (", c_out,
         ")");
  }
  return c_out;
}

}  // namespace

std::int64_t effective_kernel(std::int64_t kernel, std::int64_t dilation) {
  return checked_mul("effective_kernel", dilation, kernel - 1) + 1;
}

std::int64_t conv_output_size(std::string_view op, const ConvAxis& a) {
  require_positive(op, join("stride", a.axis), a.stride);
  require_positive(op, join("dilation", a.axis), a.dilation);
  require_non_negative(op, join("pad", a.lo_name), a.pad_lo);
  require_non_negative(op, join("pad", a.hi_name), a.pad_hi);
  const std::int64_t k_eff = effective_kernel(a.kernel, a.dilation);
  const std::int64_t padded = a.input + a.pad_lo + a.pad_hi;
  if (k_eff > padded) {
    fail(op, "kernel", a.axis.empty() ? "" : "_", a.axis, " ", a.kernel,
         a.dilation > 1 ? " (effective " + std::to_string(k_eff) + " with dilation " +
                              std::to_string(a.dilation) + ")"
                        : std::string(),
         " is larger than the padded input: ", a.input, " + pad_", a.lo_name, " ", a.pad_lo,
         " + pad_", a.hi_name, " ", a.pad_hi, " = ", padded);
  }
  return (padded - k_eff) / a.stride + 1;
}

Shape conv1d_output_shape(const Shape& x, const Shape& w, const Shape& bias,
                          const Conv1dParams& p) {
  constexpr std::string_view op = "conv1d";
  require_rank(op, "input", x, 3, "(N, C_in, L)");
  require_rank(op, "weight", w, 3, "(C_out, C_in / groups, K)");
  const std::int64_t c_out = check_conv_channels(op, x, w, bias, p.groups);
  const std::int64_t l = conv_output_size(
      op, {x[2], w[2], p.stride, p.pad_left, p.pad_right, p.dilation, "", "left", "right"});
  return {x[0], c_out, l};
}

Shape conv2d_output_shape(const Shape& x, const Shape& w, const Shape& bias,
                          const Conv2dParams& p) {
  constexpr std::string_view op = "conv2d";
  require_rank(op, "input", x, 4, "(N, C_in, H, W)");
  require_rank(op, "weight", w, 4, "(C_out, C_in / groups, KH, KW)");
  const std::int64_t c_out = check_conv_channels(op, x, w, bias, p.groups);
  const std::int64_t h = conv_output_size(
      op, {x[2], w[2], p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h, "h", "top", "bottom"});
  const std::int64_t wo = conv_output_size(
      op, {x[3], w[3], p.stride_w, p.pad_left, p.pad_right, p.dilation_w, "w", "left", "right"});
  // Non-zero padding modes read real pixels in the padding (PyTorch's limits).
  const auto check_mode_pad = [&](std::string_view name, std::int64_t pad, std::int64_t n) {
    if (p.padding_mode == PaddingMode::reflect && pad >= n) {
      fail(op, "reflect padding ", name, " = ", pad, " must be smaller than the input size ", n);
    }
    if (p.padding_mode == PaddingMode::circular && pad > n) {
      fail(op, "circular padding ", name, " = ", pad, " must be at most the input size ", n);
    }
  };
  check_mode_pad("pad_top", p.pad_top, x[2]);
  check_mode_pad("pad_bottom", p.pad_bottom, x[2]);
  check_mode_pad("pad_left", p.pad_left, x[3]);
  check_mode_pad("pad_right", p.pad_right, x[3]);
  return {x[0], c_out, h, wo};
}

Shape corr2d_output_shape(const Shape& x, const Shape& k) {
  constexpr std::string_view op = "corr2d";
  require_rank(op, "input x", x, 2, "(H, W)");
  require_rank(op, "kernel k", k, 2, "(KH, KW)");
  const std::int64_t h = conv_output_size(op, {x[0], k[0], 1, 0, 0, 1, "h", "top", "bottom"});
  const std::int64_t w = conv_output_size(op, {x[1], k[1], 1, 0, 0, 1, "w", "left", "right"});
  return {h, w};
}

Shape conv3d_output_shape(const Shape& x, const Shape& w, const Shape& bias,
                          const Conv3dParams& p) {
  constexpr std::string_view op = "conv3d";
  require_rank(op, "input", x, 5, "(N, C_in, D, H, W)");
  require_rank(op, "weight", w, 5, "(C_out, C_in / groups, KD, KH, KW)");
  const std::int64_t c_out = check_conv_channels(op, x, w, bias, p.groups);
  const std::int64_t d = conv_output_size(
      op, {x[2], w[2], p.stride_d, p.pad_front, p.pad_back, p.dilation_d, "d", "front", "back"});
  const std::int64_t h = conv_output_size(
      op, {x[3], w[3], p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h, "h", "top", "bottom"});
  const std::int64_t wo = conv_output_size(
      op, {x[4], w[4], p.stride_w, p.pad_left, p.pad_right, p.dilation_w, "w", "left", "right"});
  return {x[0], c_out, d, h, wo};
}

ConvTranspose2dParams adjoint_conv_transpose2d_params(const Conv2dParams& p) {
  return ConvTranspose2dParams{.stride_h = p.stride_h,
                               .stride_w = p.stride_w,
                               .pad_top = p.pad_top,
                               .pad_bottom = p.pad_bottom,
                               .pad_left = p.pad_left,
                               .pad_right = p.pad_right,
                               .dilation_h = p.dilation_h,
                               .dilation_w = p.dilation_w,
                               .groups = p.groups};
}

Conv2dParams adjoint_conv2d_params(const ConvTranspose2dParams& p) {
  return Conv2dParams{.stride_h = p.stride_h,
                      .stride_w = p.stride_w,
                      .pad_top = p.pad_top,
                      .pad_bottom = p.pad_bottom,
                      .pad_left = p.pad_left,
                      .pad_right = p.pad_right,
                      .dilation_h = p.dilation_h,
                      .dilation_w = p.dilation_w,
                      .groups = p.groups,
                      .padding_mode = PaddingMode::zeros};
}

Shape conv_transpose2d_output_shape(const Shape& x, const Shape& w, const Shape& bias,
                                    const ConvTranspose2dParams& p) {
  constexpr std::string_view op = "conv_transpose2d";
  require_rank(op, "input", x, 4, "(N, C_in, H, W)");
  require_rank(op, "weight", w, 4, "(C_in, C_out / groups, KH, KW)");
  require_positive(op, "groups", p.groups);
  const std::int64_t c_in = x[1];
  if (c_in % p.groups != 0) {
    fail(op, "input channels ", c_in, " are not divisible by groups ", p.groups);
  }
  if (w[0] != c_in) {
    fail(op, "weight shape ", w.str(), " does not match the input: weight dimension 0 must be ",
         "the input channels ", c_in, ", got ", w[0]);
  }
  const std::int64_t c_out = w[1] * p.groups;
  if (!bias.empty() && !(bias.rank() == 1 && bias[0] == c_out)) {
    fail(op, "bias shape ", bias.str(), " does not match the output channels: expected (", c_out,
         ")");
  }
  const auto axis = [&](std::string_view a, std::int64_t n, std::int64_t k, std::int64_t s,
                        std::int64_t lo, std::string_view lo_name, std::int64_t hi,
                        std::string_view hi_name, std::int64_t d, std::int64_t op_pad) {
    require_positive(op, join("stride", a), s);
    require_positive(op, join("dilation", a), d);
    require_non_negative(op, join("pad", lo_name), lo);
    require_non_negative(op, join("pad", hi_name), hi);
    require_non_negative(op, join("output_padding", a), op_pad);
    if (op_pad >= s && op_pad >= d) {
      fail(op, "output_padding_", a, " = ", op_pad, " must be smaller than stride_", a, " = ", s,
           " or dilation_", a, " = ", d);
    }
    const std::int64_t out = checked_mul(op, n - 1, s) - lo - hi + effective_kernel(k, d) + op_pad;
    if (out <= 0) {
      fail(op, "output size along ", a, " is ", out, " = (", n, " - 1) * stride ", s, " - pad_",
           lo_name, " ", lo, " - pad_", hi_name, " ", hi, " + dilation ", d, " * (kernel ", k,
           " - 1) + 1 + output_padding ", op_pad, "; it must be >= 1");
    }
    return out;
  };
  const std::int64_t h = axis("h", x[2], w[2], p.stride_h, p.pad_top, "top", p.pad_bottom, "bottom",
                              p.dilation_h, p.output_padding_h);
  const std::int64_t wo = axis("w", x[3], w[3], p.stride_w, p.pad_left, "left", p.pad_right,
                               "right", p.dilation_w, p.output_padding_w);
  return {x[0], c_out, h, wo};
}

Shape pool2d_output_shape(std::string_view op, const Shape& x, const Pool2dParams& p) {
  require_rank(op, "input", x, 4, "(N, C, H, W)");
  const auto axis = [&](std::string_view a, std::int64_t n, std::int64_t k, std::int64_t s,
                        std::int64_t lo, std::string_view lo_name, std::int64_t hi,
                        std::string_view hi_name, std::int64_t d) {
    require_positive(op, join("kernel", a), k);
    require_positive(op, join("stride", a), s);
    require_positive(op, join("dilation", a), d);
    require_non_negative(op, join("pad", lo_name), lo);
    require_non_negative(op, join("pad", hi_name), hi);
    // Every window must hold at least one real element (PyTorch's limit).
    for (auto [pad, name] : {std::pair{lo, lo_name}, std::pair{hi, hi_name}}) {
      if (pad > k / 2) {
        fail(op, "pad_", name, " = ", pad, " must be at most half the kernel_", a, " ", k,
             " (i.e. <= ", k / 2, ")");
      }
    }
    const std::int64_t k_eff = effective_kernel(k, d);
    const std::int64_t span = n + lo + hi - k_eff;
    if (span < 0) {
      fail(op, "kernel_", a, " ", k,
           d > 1 ? " (effective " + std::to_string(k_eff) + " with dilation " + std::to_string(d) +
                       ")"
                 : std::string(),
           " is larger than the padded input: ", n, " + pad_", lo_name, " ", lo, " + pad_", hi_name,
           " ", hi, " = ", n + lo + hi);
    }
    std::int64_t out = (p.ceil_mode ? (span + s - 1) / s : span / s) + 1;
    // ceil_mode must not create a window that starts in the trailing padding.
    if (p.ceil_mode && (out - 1) * s >= n + lo) --out;
    // With dilation a window that starts in the leading padding can step over the whole input
    // (e.g. n 2, kernel 2, dilation 3, pad 1: taps -1 and 2). Its first tap at or after index 0
    // is start + ceil(-start / d) * d; the window reads nothing when that tap is >= n.
    for (std::int64_t o = 0; o < out && o * s - lo < 0; ++o) {
      const std::int64_t start = o * s - lo;
      const std::int64_t first_real = start + (-start + d - 1) / d * d;
      if (first_real >= n) {
        fail(op, "window ", o, " along ", a, " reads no input element: it starts at ", start,
             " (pad_", lo_name, " ", lo, ") and with dilation_", a, " ", d, " its next tap is at ",
             first_real, ", past the input size ", n);
      }
    }
    return out;
  };
  if (op == "avg_pool2d" && (p.dilation_h != 1 || p.dilation_w != 1)) {
    fail(op, "dilation_h = ", p.dilation_h, ", dilation_w = ", p.dilation_w,
         ": average pooling has no dilation (both must be 1)");
  }
  const std::int64_t h = axis("h", x[2], p.kernel_h, p.stride_h, p.pad_top, "top", p.pad_bottom,
                              "bottom", p.dilation_h);
  const std::int64_t w = axis("w", x[3], p.kernel_w, p.stride_w, p.pad_left, "left", p.pad_right,
                              "right", p.dilation_w);
  return {x[0], x[1], h, w};
}

Shape global_avg_pool2d_output_shape(const Shape& x) {
  require_rank("global_avg_pool2d", "input", x, 4, "(N, C, H, W)");
  return {x[0], x[1], 1, 1};
}

Shape max_unpool2d_output_shape(const Shape& x, const Shape& indices, const Unpool2dParams& p) {
  constexpr std::string_view op = "max_unpool2d";
  require_rank(op, "input", x, 4, "(N, C, H, W)");
  if (!(indices == x)) {
    fail(op, "indices shape ", indices.str(), " must equal the input shape ", x.str());
  }
  const auto axis = [&](std::string_view a, std::int64_t n, std::int64_t k, std::int64_t s,
                        std::int64_t lo, std::string_view lo_name, std::int64_t hi,
                        std::string_view hi_name, std::int64_t requested) {
    require_positive(op, join("kernel", a), k);
    require_positive(op, join("stride", a), s);
    require_non_negative(op, join("pad", lo_name), lo);
    require_non_negative(op, join("pad", hi_name), hi);
    const std::int64_t natural = checked_mul(op, n - 1, s) - lo - hi + k;
    if (requested == -1) {
      if (natural <= 0) {
        fail(op, "output size along ", a, " is ", natural, " = (", n, " - 1) * stride ", s,
             " - pad_", lo_name, " ", lo, " - pad_", hi_name, " ", hi, " + kernel ", k,
             "; it must be >= 1");
      }
      return natural;
    }
    // Like PyTorch: an explicit size may pick any of the sizes max pooling maps to n.
    if (requested < natural - s + 1 || requested > natural + s - 1 || requested <= 0) {
      fail(op, "output_", a, " = ", requested, " is not a size that max pooling maps to ", n,
           " (expected ", std::max<std::int64_t>(1, natural - s + 1), " to ", natural + s - 1, ")");
    }
    return requested;
  };
  const std::int64_t h =
      axis("h", x[2], p.kernel_h, p.stride_h, p.pad_top, "top", p.pad_bottom, "bottom", p.output_h);
  const std::int64_t w =
      axis("w", x[3], p.kernel_w, p.stride_w, p.pad_left, "left", p.pad_right, "right", p.output_w);
  return {x[0], x[1], h, w};
}

Shape upsample2d_output_shape(const Shape& x, const Upsample2dParams& p) {
  constexpr std::string_view op = "upsample2d";
  require_rank(op, "input", x, 4, "(N, C, H, W)");
  require_positive(op, "output_h", p.output_h);
  require_positive(op, "output_w", p.output_w);
  if (p.align_corners && p.mode != UpsampleMode::bilinear) {
    fail(op, "align_corners = true applies to bilinear mode only, got mode ", to_string(p.mode));
  }
  return {x[0], x[1], p.output_h, p.output_w};
}

Shape linear_output_shape(const Shape& x, const Shape& w, const Shape& bias) {
  constexpr std::string_view op = "linear";
  require_rank(op, "input", x, 2, "(N, in_features)");
  require_rank(op, "weight", w, 2, "(out_features, in_features)");
  if (w[1] != x[1]) {
    fail(op, "weight shape ", w.str(), " does not match the input: in_features is ", x[1],
         " but weight dimension 1 is ", w[1]);
  }
  if (!bias.empty() && !(bias.rank() == 1 && bias[0] == w[0])) {
    fail(op, "bias shape ", bias.str(), " does not match out_features: expected (", w[0], ")");
  }
  return {x[0], w[0]};
}

Shape gemm_output_shape(const Shape& a, const Shape& b) {
  constexpr std::string_view op = "gemm";
  require_rank(op, "a", a, 2, "(M, K)");
  require_rank(op, "b", b, 2, "(K, N)");
  if (b[0] != a[1]) {
    fail(op, "b shape ", b.str(), " does not match a shape ", a.str(), ": K is ", a[1],
         " in a but b dimension 0 is ", b[0]);
  }
  return {a[0], b[1]};
}

Shape flatten_output_shape(const Shape& x, const FlattenParams& p) {
  constexpr std::string_view op = "flatten";
  if (x.rank() < 1) fail(op, "input must have rank 1 to 5, got shape ", x.str());
  if (p.start_dim < 0 || p.start_dim >= x.rank()) {
    fail(op, "start_dim ", p.start_dim, " is out of range for input shape ", x.str(),
         " (must be 0 to ", x.rank() - 1, ")");
  }
  std::int64_t dims[Shape::kMaxRank];
  std::int64_t tail = 1;
  for (int i = 0; i < x.rank(); ++i) {
    if (i < p.start_dim) {
      dims[i] = x[i];
    } else {
      tail *= x[i];  // cannot overflow: x.numel() did not
    }
  }
  dims[p.start_dim] = tail;
  return Shape(std::span<const std::int64_t>(dims, static_cast<std::size_t>(p.start_dim) + 1));
}

Shape concat_output_shape(std::string_view op, std::span<const Shape> inputs, int dim) {
  if (inputs.empty()) fail(op, "needs at least one input to concatenate, got none");
  const Shape& first = inputs[0];
  if (dim < 0 || dim >= first.rank()) {
    fail(op, "dim ", dim, " is out of range for input 0 shape ", first.str(), " (must be 0 to ",
         first.rank() - 1, ")");
  }
  std::int64_t dims[Shape::kMaxRank];
  std::int64_t total = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    if (s.rank() != first.rank()) {
      fail(op, "input ", i, " shape ", s.str(), " has rank ", s.rank(), " but input 0 shape ",
           first.str(), " has rank ", first.rank());
    }
    for (int d = 0; d < s.rank(); ++d) {
      if (d != dim && s[d] != first[d]) {
        fail(op, "input ", i, " shape ", s.str(), " differs from input 0 shape ", first.str(),
             " in dimension ", d, " (only dimension ", dim, " may differ)");
      }
      dims[d] = s[d];
    }
    total += s[dim];
  }
  dims[dim] = total;
  return Shape(std::span<const std::int64_t>(dims, static_cast<std::size_t>(first.rank())));
}

void require_same_shape(std::string_view op, std::string_view what, const Shape& actual,
                        const Shape& expected) {
  if (!(actual == expected)) {
    fail(op, what, " shape ", actual.str(), " does not match the expected shape ", expected.str());
  }
}

}  // namespace convlab
