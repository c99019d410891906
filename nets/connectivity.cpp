#include "nets/connectivity.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/shape.hpp"
#include "reference/padding.hpp"

namespace convlab::nets {

namespace {

void sort_unique(std::vector<std::int64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// The lists hold out positions x taps entries; keep them to a size worth listing.
void check_size(std::string_view op, std::int64_t outputs, std::int64_t taps) {
  constexpr std::int64_t kMaxReads = std::int64_t{1} << 26;
  if (outputs > kMaxReads / taps) {
    throw std::invalid_argument(std::string(op) + " connectivity: " + std::to_string(outputs) +
                                " outputs x " + std::to_string(taps) +
                                " taps is more than the 2^26 reads this function lists");
  }
}

}  // namespace

Connectivity conv2d_connectivity(std::int64_t in_h, std::int64_t in_w, std::int64_t kernel_h,
                                 std::int64_t kernel_w, const Conv2dParams& p) {
  // One channel in, one out: the shape module validates the geometry and sizes the output.
  const Shape out =
      conv2d_output_shape(Shape{1, 1, in_h, in_w}, Shape{1, 1, kernel_h, kernel_w}, Shape{}, p);
  Connectivity c{in_h, in_w, out[2], out[3], {}};
  check_size("conv2d", c.out_h * c.out_w, kernel_h * kernel_w);
  c.reads.resize(static_cast<std::size_t>(c.out_h * c.out_w));
  for (std::int64_t oh = 0; oh < c.out_h; ++oh) {
    for (std::int64_t ow = 0; ow < c.out_w; ++ow) {
      auto& reads = c.reads[static_cast<std::size_t>(oh * c.out_w + ow)];
      for (std::int64_t kh = 0; kh < kernel_h; ++kh) {
        const std::int64_t ih = ref::source_index(oh * p.stride_h + kh * p.dilation_h - p.pad_top,
                                                  in_h, p.padding_mode);
        if (ih < 0) continue;  // zero padding
        for (std::int64_t kw = 0; kw < kernel_w; ++kw) {
          const std::int64_t iw = ref::source_index(
              ow * p.stride_w + kw * p.dilation_w - p.pad_left, in_w, p.padding_mode);
          if (iw < 0) continue;
          reads.push_back(ih * in_w + iw);
        }
      }
      sort_unique(reads);
    }
  }
  return c;
}

Connectivity pool2d_connectivity(std::string_view op, std::int64_t in_h, std::int64_t in_w,
                                 const Pool2dParams& p) {
  const Shape out = pool2d_output_shape(op, Shape{1, 1, in_h, in_w}, p);
  Connectivity c{in_h, in_w, out[2], out[3], {}};
  check_size(op, c.out_h * c.out_w, p.kernel_h * p.kernel_w);
  c.reads.resize(static_cast<std::size_t>(c.out_h * c.out_w));
  for (std::int64_t oh = 0; oh < c.out_h; ++oh) {
    for (std::int64_t ow = 0; ow < c.out_w; ++ow) {
      auto& reads = c.reads[static_cast<std::size_t>(oh * c.out_w + ow)];
      for (std::int64_t kh = 0; kh < p.kernel_h; ++kh) {
        const std::int64_t ih = oh * p.stride_h + kh * p.dilation_h - p.pad_top;
        if (ih < 0 || ih >= in_h) continue;  // padding, or past the end in ceil mode
        for (std::int64_t kw = 0; kw < p.kernel_w; ++kw) {
          const std::int64_t iw = ow * p.stride_w + kw * p.dilation_w - p.pad_left;
          if (iw < 0 || iw >= in_w) continue;
          reads.push_back(ih * in_w + iw);
        }
      }
      sort_unique(reads);
    }
  }
  return c;
}

Connectivity conv1d_connectivity(std::int64_t length, std::int64_t kernel, const Conv1dParams& p) {
  const Shape out = conv1d_output_shape(Shape{1, 1, length}, Shape{1, 1, kernel}, Shape{}, p);
  Connectivity c{1, length, 1, out[2], {}};
  check_size("conv1d", c.out_w, kernel);
  c.reads.resize(static_cast<std::size_t>(c.out_w));
  for (std::int64_t ol = 0; ol < c.out_w; ++ol) {
    auto& reads = c.reads[static_cast<std::size_t>(ol)];
    for (std::int64_t k = 0; k < kernel; ++k) {
      const std::int64_t il = ol * p.stride + k * p.dilation - p.pad_left;
      if (il < 0 || il >= length) continue;  // zero padding
      reads.push_back(il);
    }
    sort_unique(reads);
  }
  return c;
}

Connectivity compose(const Connectivity& first, const Connectivity& second) {
  if (second.in_h != first.out_h || second.in_w != first.out_w) {
    throw std::invalid_argument("compose: the second map reads a " + std::to_string(second.in_h) +
                                "x" + std::to_string(second.in_w) +
                                " input but the first produces " + std::to_string(first.out_h) +
                                "x" + std::to_string(first.out_w));
  }
  Connectivity c{first.in_h, first.in_w, second.out_h, second.out_w, {}};
  c.reads.resize(second.reads.size());
  std::int64_t listed = 0;
  for (std::size_t o = 0; o < second.reads.size(); ++o) {
    for (const std::int64_t mid : second.reads[o]) {
      const auto& r = first.reads[static_cast<std::size_t>(mid)];
      c.reads[o].insert(c.reads[o].end(), r.begin(), r.end());
    }
    sort_unique(c.reads[o]);
    listed += static_cast<std::int64_t>(c.reads[o].size());
    check_size("compose", listed, 1);
  }
  return c;
}

}  // namespace convlab::nets
