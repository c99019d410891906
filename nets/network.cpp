#include "nets/network.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "core/shape.hpp"

namespace convlab::nets {

std::string_view to_string(LayerType type) {
  switch (type) {
    case LayerType::conv2d:
      return "conv2d";
    case LayerType::max_pool2d:
      return "max_pool2d";
    case LayerType::avg_pool2d:
      return "avg_pool2d";
    case LayerType::global_avg_pool2d:
      return "global_avg_pool2d";
    case LayerType::linear:
      return "linear";
    case LayerType::flatten:
      return "flatten";
    case LayerType::activation:
      return "activation";
    case LayerType::local_response_norm:
      return "local_response_norm";
    case LayerType::batch_norm2d:
      return "batch_norm2d";
    case LayerType::concat:
      return "concat";
    case LayerType::add:
      return "add";
  }
  return "unknown";
}

Layer conv2d(std::string name, std::int64_t out_channels, std::int64_t k, const Conv2dParams& p,
             std::string activation, bool bias) {
  Layer l;
  l.name = std::move(name);
  l.type = LayerType::conv2d;
  l.out_channels = out_channels;
  l.kernel_h = l.kernel_w = k;
  l.conv = p;
  l.activation = std::move(activation);
  l.bias = bias;
  return l;
}

Layer max_pool2d(std::string name, const Pool2dParams& p) {
  Layer l;
  l.name = std::move(name);
  l.type = LayerType::max_pool2d;
  l.pool = p;
  return l;
}

Layer avg_pool2d(std::string name, const Pool2dParams& p) {
  Layer l = max_pool2d(std::move(name), p);
  l.type = LayerType::avg_pool2d;
  return l;
}

namespace {
Layer plain(std::string name, LayerType type, std::string activation = "") {
  Layer l;
  l.name = std::move(name);
  l.type = type;
  l.activation = std::move(activation);
  return l;
}
}  // namespace

Layer global_avg_pool2d(std::string name) {
  return plain(std::move(name), LayerType::global_avg_pool2d);
}

Layer linear(std::string name, std::int64_t out_features, std::string activation, bool bias) {
  Layer l = plain(std::move(name), LayerType::linear, std::move(activation));
  l.out_channels = out_features;
  l.bias = bias;
  return l;
}

Layer flatten(std::string name) {
  return plain(std::move(name), LayerType::flatten);
}

Layer activation(std::string name, std::string function) {
  return plain(std::move(name), LayerType::activation, std::move(function));
}

Layer local_response_norm(std::string name) {
  return plain(std::move(name), LayerType::local_response_norm);
}

Layer batch_norm2d(std::string name, std::string activation) {
  return plain(std::move(name), LayerType::batch_norm2d, std::move(activation));
}

Layer concat(std::string name, std::vector<std::vector<Layer>> branches) {
  Layer l = plain(std::move(name), LayerType::concat);
  l.branches = std::move(branches);
  return l;
}

Layer add(std::string name, std::vector<Layer> main, std::vector<Layer> shortcut,
          std::string activation) {
  Layer l = plain(std::move(name), LayerType::add, std::move(activation));
  l.branches = {std::move(main), std::move(shortcut)};
  return l;
}

Conv2dParams conv_params(std::int64_t stride, std::int64_t pad) {
  return Conv2dParams{.stride_h = stride,
                      .stride_w = stride,
                      .pad_top = pad,
                      .pad_bottom = pad,
                      .pad_left = pad,
                      .pad_right = pad};
}

Pool2dParams pool_params(std::int64_t k, std::int64_t stride, std::int64_t pad, bool ceil_mode) {
  return Pool2dParams{.kernel_h = k,
                      .kernel_w = k,
                      .stride_h = stride,
                      .stride_w = stride,
                      .pad_top = pad,
                      .pad_bottom = pad,
                      .pad_left = pad,
                      .pad_right = pad,
                      .ceil_mode = ceil_mode};
}

namespace {

// What flows from layer to layer: the activation's shape, the receptive field and jump of one
// of its units, and the spatial extent of the map it came from (kept through flatten, so the
// linear layer after it knows how large a map it reads).
struct State {
  Shape shape;
  std::int64_t rf_h = 1, rf_w = 1, jump_h = 1, jump_w = 1;
  std::int64_t map_h = 1, map_w = 1;
};

// A window of extent k_eff moving by `stride`: r_out = r_in + (k_eff - 1) * j_in, j_out = j_in * s.
void grow(State& s, std::int64_t k_eff_h, std::int64_t k_eff_w, std::int64_t stride_h,
          std::int64_t stride_w) {
  s.rf_h += (k_eff_h - 1) * s.jump_h;
  s.rf_w += (k_eff_w - 1) * s.jump_w;
  s.jump_h *= stride_h;
  s.jump_w *= stride_w;
}

void set_map(State& s) {
  s.map_h = s.shape.rank() == 4 ? s.shape[2] : 1;
  s.map_w = s.shape.rank() == 4 ? s.shape[3] : 1;
}

std::string pad_text(std::int64_t top, std::int64_t bottom, std::int64_t left, std::int64_t right) {
  std::ostringstream os;
  if (top == bottom && top == left && top == right) {
    os << "p" << top;
  } else {
    os << "p(" << top << "," << bottom << "," << left << "," << right << ")";
  }
  return os.str();
}

std::string hw_text(std::int64_t h, std::int64_t w) {
  return h == w ? std::to_string(h) : std::to_string(h) + "x" + std::to_string(w);
}

std::string conv_config(const Layer& l) {
  const Conv2dParams& p = l.conv;
  std::ostringstream os;
  os << l.out_channels << "@" << l.kernel_h << "x" << l.kernel_w << " s"
     << hw_text(p.stride_h, p.stride_w) << " "
     << pad_text(p.pad_top, p.pad_bottom, p.pad_left, p.pad_right);
  if (p.dilation_h != 1 || p.dilation_w != 1) os << " d" << hw_text(p.dilation_h, p.dilation_w);
  if (p.groups != 1) os << " g" << p.groups;
  if (!l.bias) os << " no-bias";
  return os.str();
}

std::string pool_config(const Pool2dParams& p) {
  std::ostringstream os;
  os << p.kernel_h << "x" << p.kernel_w << " s" << hw_text(p.stride_h, p.stride_w) << " "
     << pad_text(p.pad_top, p.pad_bottom, p.pad_left, p.pad_right);
  if (p.dilation_h != 1 || p.dilation_w != 1) os << " d" << hw_text(p.dilation_h, p.dilation_w);
  if (p.ceil_mode) os << " ceil";
  return os.str();
}

// An error that already names the network and the layer; outer blocks pass it on unchanged.
struct LayerError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class Walker {
 public:
  explicit Walker(const Network& net) : net_(net) {}

  std::vector<LayerRow> rows;

  State walk(const std::vector<Layer>& layers, State s, int depth, const std::string& prefix) {
    for (const Layer& l : layers) s = step(l, s, depth, prefix);
    return s;
  }

 private:
  State step(const Layer& l, const State& in, int depth, const std::string& prefix) {
    const std::string name = prefix + l.name;
    try {
      return apply(l, in, depth, name);
    } catch (const LayerError&) {
      throw;  // from a layer inside this block, already named
    } catch (const std::invalid_argument& e) {
      throw LayerError(net_.name + ": layer " + name + ": " + e.what());
    }
  }

  State apply(const Layer& l, const State& in, int depth, const std::string& name) {
    LayerRow row;
    row.name = name;
    row.type = std::string(to_string(l.type));
    row.depth = depth;
    State out = in;
    std::string config;
    const bool block = l.type == LayerType::concat || l.type == LayerType::add;
    // A block's row precedes the rows of its branches: reserve its place now, fill it at the end.
    const std::size_t slot = rows.size();
    if (block) rows.emplace_back();
    switch (l.type) {
      case LayerType::conv2d: {
        // The shape module checks the rank; C_in / groups is checked there too.
        const std::int64_t c_in = in.shape.rank() >= 2 ? in.shape[1] : 0;
        const std::int64_t groups = l.conv.groups > 0 ? l.conv.groups : 1;
        row.weight = Shape{l.out_channels, c_in / groups, l.kernel_h, l.kernel_w};
        const Shape bias = l.bias ? Shape{l.out_channels} : Shape{};
        out.shape = conv2d_output_shape(in.shape, row.weight, bias, l.conv);
        row.params = row.weight.numel() + bias.numel();
        row.macs = out.shape.numel() * row.weight[1] * row.weight[2] * row.weight[3];
        grow(out, effective_kernel(l.kernel_h, l.conv.dilation_h),
             effective_kernel(l.kernel_w, l.conv.dilation_w), l.conv.stride_h, l.conv.stride_w);
        set_map(out);
        config = conv_config(l);
        break;
      }
      case LayerType::max_pool2d:
      case LayerType::avg_pool2d: {
        out.shape = pool2d_output_shape(to_string(l.type), in.shape, l.pool);
        grow(out, effective_kernel(l.pool.kernel_h, l.pool.dilation_h),
             effective_kernel(l.pool.kernel_w, l.pool.dilation_w), l.pool.stride_h,
             l.pool.stride_w);
        set_map(out);
        config = pool_config(l.pool);
        break;
      }
      case LayerType::global_avg_pool2d: {
        out.shape = global_avg_pool2d_output_shape(in.shape);
        // One window as large as the map (stride 1, like a convolution covering the map).
        grow(out, in.shape[2], in.shape[3], 1, 1);
        set_map(out);
        config = hw_text(in.shape[2], in.shape[3]) + " -> 1";
        break;
      }
      case LayerType::linear: {
        const std::int64_t features = in.shape.rank() == 2 ? in.shape[1] : 0;
        row.weight = Shape{l.out_channels, features};
        const Shape bias = l.bias ? Shape{l.out_channels} : Shape{};
        // Rejects a non-flat input (rank != 2) naming the shape.
        out.shape = linear_output_shape(in.shape, row.weight, bias);
        row.params = row.weight.numel() + bias.numel();
        row.macs = out.shape.numel() * features;
        // Every output reads the whole map that was flattened into its input.
        grow(out, in.map_h, in.map_w, 1, 1);
        out.map_h = out.map_w = 1;
        config = std::to_string(features) + "->" + std::to_string(l.out_channels);
        if (!l.bias) config += " no-bias";
        break;
      }
      case LayerType::flatten:
        out.shape = flatten_output_shape(in.shape, FlattenParams{.start_dim = 1});
        config = in.shape.rank() == 4
                     ? std::to_string(in.shape[1]) + "x" + std::to_string(in.shape[2]) + "x" +
                           std::to_string(in.shape[3]) + " -> " + std::to_string(out.shape[1])
                     : "";
        break;
      case LayerType::activation:
        config = l.activation;
        break;
      case LayerType::local_response_norm:
        break;
      case LayerType::batch_norm2d:
        // Shape-preserving; the only requirement is an (N, C, H, W) input.
        if (in.shape.rank() != 4) {
          throw std::invalid_argument(
              "batch_norm2d: input must have rank 4 (N, C, H, W), got shape " + in.shape.str());
        }
        row.params = 2 * in.shape[1];  // gamma and beta per channel
        config = std::to_string(in.shape[1]) + " channels";
        break;
      case LayerType::concat:
      case LayerType::add:
        out = branches(l, in, depth, name, config);
        break;
    }
    if (l.type != LayerType::activation && !l.activation.empty()) config += " +" + l.activation;
    row.config = config;
    row.output = out.shape;
    row.rf_h = out.rf_h;
    row.rf_w = out.rf_w;
    row.jump_h = out.jump_h;
    row.jump_w = out.jump_w;
    if (block) {
      rows[slot] = row;
    } else {
      rows.push_back(row);
    }
    return out;
  }

  // Runs every branch on `in` and combines their outputs.
  State branches(const Layer& l, const State& in, int depth, const std::string& name,
                 std::string& config) {
    const std::string op(to_string(l.type));
    if (l.branches.empty()) {
      throw std::invalid_argument(op + " block has no branches");
    }
    if (l.type == LayerType::add && l.branches.size() != 2) {
      throw std::invalid_argument("add block needs exactly 2 branches (main, shortcut), got " +
                                  std::to_string(l.branches.size()));
    }
    std::vector<State> outs;
    for (const auto& branch : l.branches) {
      outs.push_back(walk(branch, in, depth + 1, name + "/"));
    }
    std::vector<Shape> shapes;
    for (const State& s : outs) shapes.push_back(s.shape);
    State out = outs[0];
    if (l.type == LayerType::concat) {
      out.shape = concat_output_shape("concat", shapes, 1);
      config = std::to_string(l.branches.size()) + " branches";
    } else {
      require_same_shape("add", "shortcut output", shapes[1], shapes[0]);
      config = l.branches[1].empty() ? "main + identity" : "main + projection";
    }
    for (std::size_t b = 0; b < outs.size(); ++b) {
      const State& s = outs[b];
      if (s.jump_h != out.jump_h || s.jump_w != out.jump_w) {
        throw std::invalid_argument("branch " + std::to_string(b) + " has jump " +
                                    hw_text(s.jump_h, s.jump_w) + " but branch 0 has " +
                                    hw_text(out.jump_h, out.jump_w) +
                                    "; the branches must sample the input on the same grid");
      }
      out.rf_h = std::max(out.rf_h, s.rf_h);
      out.rf_w = std::max(out.rf_w, s.rf_w);
    }
    set_map(out);
    return out;
  }

  const Network& net_;
};

std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string shape_text(const LayerRow& r) {
  if (r.output.rank() == 4) {
    return std::to_string(r.out_c()) + "x" + std::to_string(r.out_h()) + "x" +
           std::to_string(r.out_w());
  }
  return std::to_string(r.out_c());
}

}  // namespace

std::int64_t LayerTable::total_params() const {
  std::int64_t t = 0;
  for (const LayerRow& r : rows) t += r.params;
  return t;
}

std::int64_t LayerTable::total_macs() const {
  std::int64_t t = 0;
  for (const LayerRow& r : rows) t += r.macs;
  return t;
}

LayerRow LayerTable::total() const {
  LayerRow t;
  t.name = "total";
  t.type = "total";
  // The last top-level row is the network's output (a block's row precedes its branches, so a
  // final block's inner rows come after it: skip them).
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it->depth == 0) {
      t.output = it->output;
      t.rf_h = it->rf_h;
      t.rf_w = it->rf_w;
      t.jump_h = it->jump_h;
      t.jump_w = it->jump_w;
      break;
    }
  }
  if (rows.empty()) t.output = input;
  t.params = total_params();
  t.macs = total_macs();
  return t;
}

std::optional<LayerRow> LayerTable::find(std::string_view name) const {
  if (name == "total") return total();
  for (const LayerRow& r : rows) {
    if (r.name == name) return r;
  }
  return std::nullopt;
}

LayerTable describe(const Network& net) {
  if (net.input.rank() != 4 || net.input[0] != 1) {
    throw std::invalid_argument(net.name + ": input must be (1, C, H, W), got " + net.input.str());
  }
  Walker walker(net);
  State s;
  s.shape = net.input;
  set_map(s);
  walker.walk(net.layers, s, 0, "");
  LayerTable table;
  table.network = net.name;
  table.description = net.description;
  table.input = net.input;
  table.rows = std::move(walker.rows);
  return table;
}

std::string render_text(const LayerTable& table) {
  struct Cells {
    std::string name, type, out, params, macs, rf, jump, config;
  };
  std::vector<Cells> cells;
  cells.push_back({"layer", "type", "output", "params", "MACs", "rf", "jump", "config"});
  const auto add_row = [&](const LayerRow& r) {
    cells.push_back({std::string(2 * static_cast<std::size_t>(r.depth), ' ') + r.name, r.type,
                     shape_text(r), with_commas(r.params), with_commas(r.macs),
                     hw_text(r.rf_h, r.rf_w), hw_text(r.jump_h, r.jump_w), r.config});
  };
  for (const LayerRow& r : table.rows) add_row(r);
  add_row(table.total());
  cells.back().type = "";
  std::size_t w[8] = {};
  for (const Cells& c : cells) {
    const std::string* f[8] = {&c.name, &c.type, &c.out,  &c.params,
                               &c.macs, &c.rf,   &c.jump, &c.config};
    for (int i = 0; i < 8; ++i) w[i] = std::max(w[i], f[i]->size());
  }
  std::ostringstream os;
  os << table.network << ": " << table.description << "\n";
  os << "input " << table.input[1] << "x" << table.input[2] << "x" << table.input[3]
     << " (C x H x W), batch 1\n\n";
  const auto line = [&](const Cells& c) {
    const std::string* f[8] = {&c.name, &c.type, &c.out,  &c.params,
                               &c.macs, &c.rf,   &c.jump, &c.config};
    std::string s;
    for (int i = 0; i < 8; ++i) {
      // Text columns left-aligned, numbers right-aligned.
      const bool right = i >= 3 && i <= 6;
      const std::string pad(w[i] - f[i]->size(), ' ');
      s += right ? pad + *f[i] : *f[i] + (i == 7 ? "" : pad);
      if (i != 7) s += "  ";
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    os << s << "\n";
  };
  line(cells[0]);
  std::size_t rule = 0;
  for (int i = 0; i < 8; ++i) rule += w[i] + (i == 7 ? 0 : 2);
  os << std::string(rule, '-') << "\n";
  for (std::size_t i = 1; i + 1 < cells.size(); ++i) line(cells[i]);
  os << std::string(rule, '-') << "\n";
  line(cells.back());
  return os.str();
}

std::string render_csv(const LayerTable& table) {
  std::ostringstream os;
  os << "layer,type,out_c,out_h,out_w,params,macs,rf,jump\n";
  const auto line = [&](const LayerRow& r) {
    os << r.name << "," << r.type << "," << r.out_c() << "," << r.out_h() << "," << r.out_w() << ","
       << r.params << "," << r.macs << "," << hw_text(r.rf_h, r.rf_w) << ","
       << hw_text(r.jump_h, r.jump_w) << "\n";
  };
  for (const LayerRow& r : table.rows) line(r);
  line(table.total());
  return os.str();
}

}  // namespace convlab::nets
