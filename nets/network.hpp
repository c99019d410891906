// The network-architecture calculator behind `convlab describe`: a network is a list of layers;
// describe() walks it and produces one row per layer with the output shape, the parameter
// count, the multiply-accumulates and the receptive field with its jump.
//
// Every output shape comes from the shape module (conv2d_output_shape, pool2d_output_shape,
// linear_output_shape, flatten_output_shape, ...), which also rejects an inconsistent network
// with a std::invalid_argument naming the op and the values; describe() adds the layer's name.
//
// What is counted (per sample, batch 1):
//   params  weights + biases of conv2d and linear layers, and gamma + beta (2 per channel) of
//           batch_norm2d; the running mean/variance are buffers, not parameters. Pooling,
//           activations, local response normalization, concat and add have none.
//   macs    multiply-accumulates of conv2d (C_out * H_out * W_out * C_in/groups * KH * KW) and
//           linear (in * out) layers; bias additions, pooling, normalization and activations
//           are not counted (the convention of published GMAC figures, e.g. VGG-16's 15.47 G).
//   rf      receptive field: the extent of input pixels (padding included) one output unit can
//           see, and jump, the distance in input pixels between adjacent output units:
//             r_out = r_in + (k_eff - 1) * j_in,   j_out = j_in * s,   k_eff = d * (k - 1) + 1
//           starting from r = 1, j = 1 at the input. A layer that reads its whole input map
//           (global pooling; the first linear layer after a flatten) counts as a kernel as large
//           as that map with stride 1, so it agrees with a convolution that covers the map (as
//           LeNet-5's C5 does). Branches (inception concat, residual add) take the largest
//           receptive field of their branches.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/params.hpp"
#include "core/tensor.hpp"

namespace convlab::nets {

enum class LayerType {
  conv2d,
  max_pool2d,
  avg_pool2d,
  global_avg_pool2d,
  linear,
  flatten,
  activation,           // a standalone activation module (e.g. nn.Sigmoid in W21)
  local_response_norm,  // AlexNet/GoogLeNet's LRN: parameter-free, shape-preserving
  batch_norm2d,
  concat,  // branches run on the same input, outputs stacked along channels (inception)
  add,     // branches run on the same input, outputs summed (residual block)
};
std::string_view to_string(LayerType type);

struct Layer {
  std::string name;
  LayerType type = LayerType::activation;
  std::int64_t out_channels = 0;            // conv2d: filters; linear: out_features
  std::int64_t kernel_h = 0, kernel_w = 0;  // conv2d
  bool bias = true;                         // conv2d, linear
  Conv2dParams conv{};                      // conv2d
  Pool2dParams pool{};                      // max_pool2d, avg_pool2d
  // activation layers: the function ("relu", "sigmoid", "tanh"); other layers: an activation
  // applied to the output in place (shown in the table's config column), "" for none.
  std::string activation;
  // concat: the branches; add: {main, shortcut}, where an empty shortcut is the identity.
  std::vector<std::vector<Layer>> branches;
};

// Builders. `k` is a square kernel; conv2d's padding and stride are in `p`.
Layer conv2d(std::string name, std::int64_t out_channels, std::int64_t k, const Conv2dParams& p,
             std::string activation = "", bool bias = true);
Layer max_pool2d(std::string name, const Pool2dParams& p);
Layer avg_pool2d(std::string name, const Pool2dParams& p);
Layer global_avg_pool2d(std::string name);
Layer linear(std::string name, std::int64_t out_features, std::string activation = "",
             bool bias = true);
Layer flatten(std::string name);
Layer activation(std::string name, std::string function);
Layer local_response_norm(std::string name);
Layer batch_norm2d(std::string name, std::string activation = "");
Layer concat(std::string name, std::vector<std::vector<Layer>> branches);
Layer add(std::string name, std::vector<Layer> main, std::vector<Layer> shortcut,
          std::string activation = "");

// Symmetric padding `pad` on every side and stride `stride` on both axes.
Conv2dParams conv_params(std::int64_t stride, std::int64_t pad);
// A square k x k window with stride `stride`, padding `pad` on every side.
Pool2dParams pool_params(std::int64_t k, std::int64_t stride, std::int64_t pad = 0,
                         bool ceil_mode = false);

struct Network {
  std::string name;
  std::string description;  // what the network is and what the table counts, for the header
  Shape input;              // (1, C, H, W)
  std::vector<Layer> layers;
};

struct LayerRow {
  std::string name;    // "conv1"; a layer inside a block is "<block>/<layer>"
  std::string type;    // to_string(LayerType), or "total" for the totals row
  std::string config;  // "6@5x5 s1 p0 +tanh", "3x3 s2 ceil", "400->120"
  int depth = 0;       // nesting level: 0 for the network's own layers
  Shape output;        // (1, C, H, W), or (1, F) after flatten/linear
  Shape weight;        // conv2d (C_out, C_in/groups, KH, KW), linear (out, in); else empty
  std::int64_t params = 0, macs = 0;
  std::int64_t rf_h = 1, rf_w = 1, jump_h = 1, jump_w = 1;

  // The output as C x H x W; a flat (1, F) output is F x 1 x 1.
  std::int64_t out_c() const { return output[1]; }
  std::int64_t out_h() const { return output.rank() == 4 ? output[2] : 1; }
  std::int64_t out_w() const { return output.rank() == 4 ? output[3] : 1; }
};

struct LayerTable {
  std::string network;
  std::string description;
  Shape input;  // (1, C, H, W)
  // Every layer in order; a block (concat/add) row comes before the rows of its branches and
  // carries no parameters or MACs of its own, so the columns add up to the totals.
  std::vector<LayerRow> rows;

  std::int64_t total_params() const;
  std::int64_t total_macs() const;
  // The row named "total": the final output, the totals, the final receptive field and jump.
  LayerRow total() const;
  // The row with this name ("total" gives total()); nullopt when there is none.
  std::optional<LayerRow> find(std::string_view name) const;
};

// Walks the network. Throws std::invalid_argument "<network>: layer <name>: <shape error>" when
// a layer does not fit its input.
LayerTable describe(const Network& net);

// Aligned columns: layer, type, output (CxHxW), params, MACs, rf, jump, config; then totals.
std::string render_text(const LayerTable& table);
// Header `layer,type,out_c,out_h,out_w,params,macs,rf,jump` (the fixture format of
// fixtures/architecture/), one line per row, then the `total` row. rf and jump are single
// numbers when equal along h and w, else "<h>x<w>" (quoted cells never occur).
std::string render_csv(const LayerTable& table);

}  // namespace convlab::nets
