// The shape-set parser (see shapes.hpp for the syntax).
#include "bench/shapes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "core/shape.hpp"

#ifndef CONVLAB_SOURCE_DIR
#define CONVLAB_SOURCE_DIR "."
#endif

namespace convlab::bench {
namespace {

[[noreturn]] void fail(std::string_view where, const std::string& message) {
  throw std::invalid_argument(std::string(where) + ": " + message);
}

// The integer keys each op accepts; a key absent from the line takes its default.
struct OpKeys {
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

const std::map<std::string, OpKeys>& op_keys() {
  static const std::map<std::string, OpKeys> keys = [] {
    const std::vector<std::string> conv2d_opt = {"mb", "iw", "kw", "sh", "sw",
                                                 "ph", "pw", "dh", "dw", "g"};
    std::map<std::string, OpKeys> k;
    k["conv1d"] = {{"ic", "iw", "oc", "kw"}, {"mb", "sw", "pw", "dw", "g"}};
    k["conv2d"] = {{"ic", "ih", "oc", "kh"}, conv2d_opt};
    std::vector<std::string> conv3d_opt = conv2d_opt;
    for (const char* key : {"id", "kd", "sd", "pd", "dd"}) conv3d_opt.push_back(key);
    k["conv3d"] = {{"ic", "ih", "oc", "kh"}, conv3d_opt};
    std::vector<std::string> transposed_opt = conv2d_opt;
    transposed_opt.push_back("oph");
    transposed_opt.push_back("opw");
    k["conv_transpose2d"] = {{"ic", "ih", "oc", "kh"}, transposed_opt};
    k["max_pool2d"] = {{"ic", "ih", "kh"},
                       {"mb", "iw", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "ceil"}};
    k["avg_pool2d"] = {{"ic", "ih", "kh"},
                       {"mb", "iw", "kw", "sh", "sw", "ph", "pw", "ceil", "cip"}};
    for (const char* op : {"global_avg_pool2d", "relu", "sigmoid", "tanh"}) {
      k[op] = {{"ic", "ih"}, {"mb", "iw"}};
    }
    k["linear"] = {{"ic", "oc"}, {"mb"}};
    k["gemm"] = {{"m", "n", "k"}, {}};
    return k;
  }();
  return keys;
}

std::string known_ops() {
  std::string s;
  for (const auto& [op, keys] : op_keys()) s += (s.empty() ? "" : ", ") + op;
  return s;
}

// The raw pairs of a descriptor: integer values, and the name.
struct Tokens {
  std::map<std::string, std::int64_t> ints;
  std::map<std::string, std::string> token_text;  // key -> "<key><value>" as written
  std::string name;
};

Tokens tokenize(std::string_view d, std::string_view where) {
  Tokens t;
  std::size_t i = 0;
  while (i < d.size()) {
    const std::size_t start = i;
    while (i < d.size() && std::islower(static_cast<unsigned char>(d[i]))) ++i;
    const std::string key(d.substr(start, i - start));
    if (key.empty()) {
      // Show the rest of the descriptor from the offending character.
      fail(where, "bad token '" + std::string(d.substr(start)) +
                      "': expected a key (lower-case letters) followed by a value");
    }
    if (i == d.size()) fail(where, "bad token '" + key + "': key without a value");
    if (d[i] == '"') {
      const std::size_t close = d.find('"', i + 1);
      if (close == std::string_view::npos) {
        fail(where, "bad token '" + std::string(d.substr(start)) + "': unterminated quote");
      }
      const std::string value(d.substr(i + 1, close - i - 1));
      i = close + 1;
      if (key != "n") {
        fail(where, "bad token '" + std::string(d.substr(start, i - start)) +
                        "': only the name (n\"...\") takes a quoted value");
      }
      if (!t.name.empty()) {
        fail(where, "bad token '" + std::string(d.substr(start, i - start)) +
                        "': the name is given twice");
      }
      if (value.empty()) fail(where, "bad token 'n\"\"': empty name");
      t.name = value;
      continue;
    }
    const std::size_t digits = i;
    while (i < d.size() && std::isdigit(static_cast<unsigned char>(d[i]))) ++i;
    const std::string text(d.substr(start, i - start));
    if (i == digits) {
      fail(where, "bad token '" +
                      std::string(d.substr(
                          start, std::min<std::size_t>(d.size() - start, key.size() + 1))) +
                      "': key '" + key + "' needs a non-negative integer or, for n, a quoted name");
    }
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(d.data() + digits, d.data() + i, value);
    if (ec != std::errc() || ptr != d.data() + i) {
      fail(where, "bad token '" + text + "': value out of range");
    }
    if (t.ints.count(key) != 0) {
      fail(where, "bad token '" + text + "': key '" + key + "' given twice");
    }
    t.ints[key] = value;
    t.token_text[key] = text;
  }
  return t;
}

std::int64_t get(const std::map<std::string, std::int64_t>& k, const std::string& key) {
  return k.at(key);
}

// Fills the defaults: a width key defaults to its height key, a depth key to its height key.
void fill_defaults(const std::string& op, std::map<std::string, std::int64_t>& k) {
  auto def = [&](const std::string& key, std::int64_t value) { k.try_emplace(key, value); };
  const OpKeys& allowed = op_keys().at(op);
  auto allows = [&](const std::string& key) {
    return std::count(allowed.optional.begin(), allowed.optional.end(), key) != 0 ||
           std::count(allowed.required.begin(), allowed.required.end(), key) != 0;
  };
  if (allows("mb")) def("mb", 1);
  if (op == "conv1d") {
    def("sw", 1);
    def("pw", 0);
    def("dw", 1);
    def("g", 1);
    return;
  }
  for (const auto& [h, w, d, value] :
       std::vector<std::tuple<std::string, std::string, std::string, std::int64_t>>{
           {"ih", "iw", "id", -1},
           {"kh", "kw", "kd", -1},
           {"sh", "sw", "sd", 1},
           {"ph", "pw", "pd", 0},
           {"dh", "dw", "dd", 1}}) {
    if (value >= 0 && allows(h)) def(h, value);
    if (allows(w) && k.count(h) != 0) def(w, k.at(h));
    if (allows(d) && k.count(h) != 0) def(d, k.at(h));
  }
  if (allows("g")) def("g", 1);
  if (allows("oph")) def("oph", 0);
  if (allows("opw")) def("opw", k.at("oph"));
  if (allows("ceil")) def("ceil", 0);
  if (allows("cip")) def("cip", 1);
}

}  // namespace

std::string Problem::op_name() const {
  return direction == Direction::backward ? op + "_backward" : op;
}

Problem parse_problem(std::string_view line, std::string_view set, std::string_view where) {
  std::istringstream in{std::string(line)};
  std::string op_text, descriptor, extra;
  in >> op_text >> descriptor;
  if (op_text.empty()) fail(where, "empty problem line");
  if (descriptor.empty()) {
    fail(where, "bad token '" + op_text + "': an op needs a descriptor after it");
  }
  if (in >> extra) {
    fail(where, "bad token '" + extra + "': one descriptor per line, without spaces");
  }
  Problem p;
  p.set = std::string(set);
  p.descriptor = descriptor;
  p.op = op_text;
  const std::string suffix = "_backward";
  if (p.op.size() > suffix.size() && p.op.ends_with(suffix)) {
    p.op.resize(p.op.size() - suffix.size());
    p.direction = Direction::backward;
  }
  const auto keys_it = op_keys().find(p.op);
  if (keys_it == op_keys().end() || (p.op == "gemm" && p.direction == Direction::backward)) {
    fail(where, "bad token '" + op_text + "': unknown op; known ops: " + known_ops() +
                    " (each but gemm also as <op>_backward)");
  }
  const OpKeys& allowed = keys_it->second;
  Tokens t = tokenize(descriptor, where);
  for (const auto& [key, value] : t.ints) {
    if (std::count(allowed.required.begin(), allowed.required.end(), key) == 0 &&
        std::count(allowed.optional.begin(), allowed.optional.end(), key) == 0) {
      fail(where,
           "bad token '" + t.token_text.at(key) + "': op " + p.op + " has no key '" + key + "'");
    }
  }
  for (const std::string& key : allowed.required) {
    if (t.ints.count(key) == 0) {
      fail(where, "bad token '" + descriptor + "': op " + p.op + " needs key '" + key + "'");
    }
  }
  if (t.name.empty()) fail(where, "bad token '" + descriptor + "': no name (n\"<set>:<layer>\")");
  const std::string prefix = std::string(set) + ":";
  if (!t.name.starts_with(prefix) || t.name.size() == prefix.size()) {
    fail(where, "bad token 'n\"" + t.name + "\"': the name must be \"" + prefix + "<layer>\"");
  }
  p.layer = t.name.substr(prefix.size());
  if (p.layer.find_first_of("/ ,\"") != std::string::npos) {
    fail(where, "bad token 'n\"" + t.name + "\"': a layer name has no '/', ',', space or quote");
  }
  p.keys = t.ints;
  fill_defaults(p.op, p.keys);
  const auto& k = p.keys;
  for (const char* key : {"ceil", "cip"}) {
    if (k.count(key) != 0 && k.at(key) > 1) {
      fail(where, "bad token '" + t.token_text.at(key) + "': " + key + " is 0 or 1");
    }
  }
  if (k.count("g") != 0 &&
      (get(k, "g") < 1 || get(k, "ic") % get(k, "g") != 0 || get(k, "oc") % get(k, "g") != 0)) {
    fail(where, "bad token '" + (t.token_text.count("g") ? t.token_text.at("g") : "g1") +
                    "': groups must divide ic " + std::to_string(get(k, "ic")) + " and oc " +
                    std::to_string(get(k, "oc")));
  }

  // Shapes and parameters; the shape module validates them below.
  auto v = [&](const char* key) { return get(k, key); };
  if (p.op == "conv1d") {
    p.params = Conv1dParams{.stride = v("sw"),
                            .pad_left = v("pw"),
                            .pad_right = v("pw"),
                            .dilation = v("dw"),
                            .groups = v("g")};
    p.inputs = {{"x", Shape{v("mb"), v("ic"), v("iw")}},
                {"w", Shape{v("oc"), v("ic") / v("g"), v("kw")}},
                {"b", Shape{v("oc")}}};
  } else if (p.op == "conv2d") {
    p.params = Conv2dParams{.stride_h = v("sh"),
                            .stride_w = v("sw"),
                            .pad_top = v("ph"),
                            .pad_bottom = v("ph"),
                            .pad_left = v("pw"),
                            .pad_right = v("pw"),
                            .dilation_h = v("dh"),
                            .dilation_w = v("dw"),
                            .groups = v("g")};
    p.inputs = {{"x", Shape{v("mb"), v("ic"), v("ih"), v("iw")}},
                {"w", Shape{v("oc"), v("ic") / v("g"), v("kh"), v("kw")}},
                {"b", Shape{v("oc")}}};
  } else if (p.op == "conv3d") {
    p.params = Conv3dParams{.stride_d = v("sd"),
                            .stride_h = v("sh"),
                            .stride_w = v("sw"),
                            .pad_front = v("pd"),
                            .pad_back = v("pd"),
                            .pad_top = v("ph"),
                            .pad_bottom = v("ph"),
                            .pad_left = v("pw"),
                            .pad_right = v("pw"),
                            .dilation_d = v("dd"),
                            .dilation_h = v("dh"),
                            .dilation_w = v("dw"),
                            .groups = v("g")};
    p.inputs = {{"x", Shape{v("mb"), v("ic"), v("id"), v("ih"), v("iw")}},
                {"w", Shape{v("oc"), v("ic") / v("g"), v("kd"), v("kh"), v("kw")}},
                {"b", Shape{v("oc")}}};
  } else if (p.op == "conv_transpose2d") {
    p.params = ConvTranspose2dParams{.stride_h = v("sh"),
                                     .stride_w = v("sw"),
                                     .pad_top = v("ph"),
                                     .pad_bottom = v("ph"),
                                     .pad_left = v("pw"),
                                     .pad_right = v("pw"),
                                     .output_padding_h = v("oph"),
                                     .output_padding_w = v("opw"),
                                     .dilation_h = v("dh"),
                                     .dilation_w = v("dw"),
                                     .groups = v("g")};
    p.inputs = {{"x", Shape{v("mb"), v("ic"), v("ih"), v("iw")}},
                {"w", Shape{v("ic"), v("oc") / v("g"), v("kh"), v("kw")}},
                {"b", Shape{v("oc")}}};
  } else if (p.op == "max_pool2d" || p.op == "avg_pool2d") {
    Pool2dParams pp{.kernel_h = v("kh"),
                    .kernel_w = v("kw"),
                    .stride_h = v("sh"),
                    .stride_w = v("sw"),
                    .pad_top = v("ph"),
                    .pad_bottom = v("ph"),
                    .pad_left = v("pw"),
                    .pad_right = v("pw"),
                    .ceil_mode = v("ceil") == 1};
    if (p.op == "max_pool2d") {
      pp.dilation_h = v("dh");
      pp.dilation_w = v("dw");
    } else {
      pp.count_include_pad = v("cip") == 1;
    }
    p.params = pp;
    p.inputs = {{"x", Shape{v("mb"), v("ic"), v("ih"), v("iw")}}};
  } else if (p.op == "linear") {
    p.params = NoParams{};
    p.inputs = {
        {"x", Shape{v("mb"), v("ic")}}, {"w", Shape{v("oc"), v("ic")}}, {"b", Shape{v("oc")}}};
  } else if (p.op == "gemm") {
    p.params = NoParams{};
    p.inputs = {{"a", Shape{v("m"), v("k")}}, {"b", Shape{v("k"), v("n")}}};
  } else {  // global_avg_pool2d and the element-wise functions
    p.params = NoParams{};
    p.inputs = {{"x", Shape{v("mb"), v("ic"), v("ih"), v("iw")}}};
  }

  try {
    {
      const OpSpec& forward = find_op(p.op, Direction::forward);
      // The parameter struct of the op table, with our values.
      if (p.params.index() != forward.default_params.index()) {
        fail(where, "internal: op " + p.op + " has another parameter struct in core/ops.hpp");
      }
      ShapeMap out = output_shapes(forward, p.params, p.inputs);
      if (p.direction == Direction::backward) {
        p.inputs["dy"] = out.at("y");
        out = output_shapes(find_op(p.op, Direction::backward), p.params, p.inputs);
      }
      p.outputs = out;
    }
  } catch (const std::invalid_argument& e) {
    fail(where, "bad token '" + descriptor + "': " + e.what());
  }
  return p;
}

std::vector<Problem> parse_shape_set(std::istream& in, const std::string& file) {
  const std::string set = std::filesystem::path(file).stem().string();
  std::vector<Problem> problems;
  std::set<std::string> layers;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    // Cut the comment: a '#' outside quotes.
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '"') quoted = !quoted;
      if (line[i] == '#' && !quoted) {
        line.resize(i);
        break;
      }
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file + ":" + std::to_string(number);
    Problem p = parse_problem(line, set, where);
    if (!layers.insert(p.layer).second) {
      fail(where, "bad token 'n\"" + p.name() + "\"': layer name used twice in this set");
    }
    problems.push_back(std::move(p));
  }
  return problems;
}

std::vector<Problem> load_shape_set(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::invalid_argument(file.string() + ": cannot open the shape set");
  return parse_shape_set(in, file.string());
}

std::filesystem::path default_shapes_dir() {
  if (const char* env = std::getenv("CONVLAB_BENCH_SHAPES"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::filesystem::path(CONVLAB_SOURCE_DIR) / "bench" / "shapes";
}

std::vector<std::string> available_sets(const std::filesystem::path& dir) {
  std::vector<std::string> sets;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".txt") sets.push_back(entry.path().stem().string());
  }
  if (ec)
    throw std::invalid_argument(dir.string() + ": cannot list the shape sets: " + ec.message());
  std::sort(sets.begin(), sets.end());
  return sets;
}

std::vector<std::string> select_sets(std::string_view list, const std::filesystem::path& dir) {
  const std::vector<std::string> known = available_sets(dir);
  if (list.empty() || list == "all") return known;
  std::vector<std::string> chosen;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string name(list.substr(start, comma - start));
    start = comma + 1;
    if (name.empty()) continue;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (const std::string& s : known) names += (names.empty() ? "" : ", ") + s;
      throw std::invalid_argument("unknown shape set '" + name + "' (in " + dir.string() +
                                  "); known sets: " + names);
    }
    if (std::find(chosen.begin(), chosen.end(), name) == chosen.end()) chosen.push_back(name);
  }
  return chosen;
}

double direct_flops(const Problem& p) {
  const auto in = [&](const char* name) { return p.inputs.at(name); };
  double forward = 0;
  bool weighted = false;
  if (p.op == "gemm") {
    return 2.0 * double(in("a")[0]) * double(in("a")[1]) * double(in("b")[1]);
  }
  if (p.op == "conv1d" || p.op == "conv2d" || p.op == "conv3d") {
    // Output elements x (C_in/groups x kernel taps) multiply-adds.
    const Shape w = in("w");
    const Shape y = output_shapes(find_op(p.op, Direction::forward), p.params,
                                  {{"x", in("x")}, {"w", w}, {"b", in("b")}})
                        .at("y");
    forward = 2.0 * double(y.numel()) * double(w.numel() / w[0]);
    weighted = true;
  } else if (p.op == "conv_transpose2d") {
    // The adjoint convolution: every input element meets C_out/groups x KH x KW weights.
    const Shape w = in("w");
    forward = 2.0 * double(in("x").numel()) * double(w.numel() / w[0]);
    weighted = true;
  } else if (p.op == "linear") {
    forward = 2.0 * double(in("x")[0]) * double(in("w").numel());
    weighted = true;
  } else if (p.op == "max_pool2d" || p.op == "avg_pool2d") {
    const auto& pp = std::get<Pool2dParams>(p.params);
    const Shape y = pool2d_output_shape(p.op, in("x"), pp);
    forward = double(y.numel()) * double(pp.kernel_h * pp.kernel_w);
  } else {  // global_avg_pool2d, relu, sigmoid, tanh
    forward = double(in("x").numel());
  }
  return p.direction == Direction::backward && weighted ? 2 * forward : forward;
}

double minimal_bytes(const Problem& p) {
  double elements = 0;
  for (const auto& [name, s] : p.inputs) elements += double(s.numel());
  for (const auto& [name, s] : p.outputs) elements += double(s.numel());
  return 4.0 * elements;
}

}  // namespace convlab::bench
