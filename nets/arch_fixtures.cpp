#include "nets/arch_fixtures.hpp"

#include <csv.h>  // fast-cpp-csv-parser; see convlab_fccp in cmake/Dependencies.cmake

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "core/shape.hpp"
#include "nets/connectivity.hpp"
#include "nets/network.hpp"
#include "nets/zoo.hpp"

#ifndef CONVLAB_ARCH_FIXTURES_DIR
#define CONVLAB_ARCH_FIXTURES_DIR "fixtures/architecture"
#endif

namespace convlab::nets {

namespace fs = std::filesystem;

namespace {

template <unsigned N>
using CsvReader = io::CSVReader<N, io::trim_chars<' '>, io::double_quote_escape<',', '"'>>;

// Geometry limits: far beyond any real layer, small enough that no arithmetic overflows and no
// connectivity list grows without bound.
constexpr std::int64_t kMaxExtent = std::int64_t{1} << 20;

[[noreturn]] void fail_at(const fs::path& file, unsigned line, const std::string& what) {
  throw std::invalid_argument(file.string() + ":" + std::to_string(line) + ": " + what);
}

[[noreturn]] void fail_file(const fs::path& file, const std::string& what) {
  throw std::invalid_argument(file.string() + ": " + what);
}

// Runs `body`, which reads `file` with fast-cpp-csv-parser, turning the parser's exceptions
// (their messages give the line) into std::invalid_argument naming the file.
template <class Body>
void read_csv(const fs::path& file, Body&& body) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) fail_file(file, "missing (expected a regular file)");
  try {
    body();
  } catch (const io::error::base& e) {
    fail_file(file, e.what());
  }
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t v = 0;
  if (text.empty()) return std::nullopt;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::string in_quotes(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// ---- manifest ----

ArchManifest read_manifest(const fs::path& file) {
  ArchManifest m;
  m.file = file;
  read_csv(file, [&] {
    CsvReader<2> in(file.string());
    in.read_header(io::ignore_missing_column | io::ignore_extra_column, "key", "value");
    if (!in.has_column("key") || !in.has_column("value")) {
      fail_at(file, 1, "the header must be key,value");
    }
    std::string key, value;
    for (;;) {
      key.clear();
      value.clear();
      if (!in.read_row(key, value)) break;
      const unsigned line = in.get_file_line();
      if (key.empty()) fail_at(file, line, "empty key");
      if (const auto it = m.lines.find(key); it != m.lines.end()) {
        fail_at(file, line,
                "key " + in_quotes(key) + " repeats line " + std::to_string(it->second));
      }
      m.values[key] = value;
      m.lines[key] = line;
    }
  });
  return m;
}

// Reads the manifest's keys, remembering which were read, so that any other key is reported
// as unknown (each kind's reader calls reject_unused() after its last key, before its data).
class Keys {
 public:
  explicit Keys(const ArchManifest& m) : m_(m) {}

  bool has(const std::string& key) const { return m_.values.count(key) > 0; }
  unsigned line(const std::string& key) const {
    const auto it = m_.lines.find(key);
    return it == m_.lines.end() ? 0 : it->second;
  }

  const std::string& str(const std::string& key) {
    used_.insert(key);
    const auto it = m_.values.find(key);
    if (it == m_.values.end()) fail_file(m_.file, "missing key " + in_quotes(key));
    return it->second;
  }

  std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi) {
    const std::string& v = str(key);
    const auto x = parse_int(v);
    if (!x || *x < lo || *x > hi) {
      fail_at(m_.file, line(key),
              "key " + in_quotes(key) + ": " + in_quotes(v) + " is not an integer from " +
                  std::to_string(lo) + " to " + std::to_string(hi));
    }
    return *x;
  }

  bool boolean(const std::string& key) {
    const std::string& v = str(key);
    if (v == "true") return true;
    if (v == "false") return false;
    fail_at(m_.file, line(key),
            "key " + in_quotes(key) + ": " + in_quotes(v) + " is not true or false");
  }

  void reject_unused() const {
    for (const auto& [key, value] : m_.values) {
      if (!used_.count(key)) {
        fail_at(m_.file, line(key), "unknown key " + in_quotes(key) + " for kind " + m_.kind);
      }
    }
  }

 private:
  const ArchManifest& m_;
  std::set<std::string> used_;
};

bool is_hex_lower(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// doc:<NNN>_<16 hex digits>.txt#W<n>  or  derived:<text>
bool valid_provenance(std::string_view p) {
  if (p.starts_with("derived:")) return p.size() > 8;
  if (!p.starts_with("doc:")) return false;
  p.remove_prefix(4);
  const auto hash = p.find('#');
  if (hash == std::string_view::npos) return false;
  const std::string_view file = p.substr(0, hash), example = p.substr(hash + 1);
  if (file.size() != 24 || !all_digits(file.substr(0, 3)) || file[3] != '_' ||
      !std::all_of(file.begin() + 4, file.begin() + 20, is_hex_lower) ||
      file.substr(20) != ".txt") {
    return false;
  }
  return example.size() >= 2 && example[0] == 'W' && all_digits(example.substr(1));
}

void read_common(Keys& k, ArchManifest& m) {
  const std::string& format = k.str("format");
  if (format != kArchFormat) {
    fail_at(m.file, k.line("format"),
            "format " + in_quotes(format) + " is not " + in_quotes(kArchFormat));
  }
  m.kind = k.str("kind");
  if (m.kind != "layer_table" && m.kind != "connectivity" && m.kind != "shape_formula") {
    fail_at(m.file, k.line("kind"),
            "unknown kind " + in_quotes(m.kind) +
                " (expected layer_table, connectivity or shape_formula)");
  }
  m.description = k.str("description");
  if (m.description.empty()) fail_at(m.file, k.line("description"), "empty description");
  m.provenance = k.str("provenance");
  if (!valid_provenance(m.provenance)) {
    fail_at(m.file, k.line("provenance"),
            "provenance " + in_quotes(m.provenance) +
                " is neither doc:<NNN>_<16 hex digits>.txt#W<n> nor derived:<how>");
  }
  m.note = k.str("note");
}

// ---- layer_table ----

const std::vector<std::string>& known_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> t;
    for (LayerType lt : {LayerType::conv2d, LayerType::max_pool2d, LayerType::avg_pool2d,
                         LayerType::global_avg_pool2d, LayerType::linear, LayerType::flatten,
                         LayerType::activation, LayerType::local_response_norm,
                         LayerType::batch_norm2d, LayerType::concat, LayerType::add}) {
      t.emplace_back(to_string(lt));
    }
    t.emplace_back("total");
    return t;
  }();
  return types;
}

LayerTableFixture read_layer_table(Keys& k, const fs::path& data) {
  LayerTableFixture t;
  t.network = k.str("network");
  t.input_c = k.integer("input_c", 1, kMaxExtent);
  t.input_h = k.integer("input_h", 1, kMaxExtent);
  t.input_w = k.integer("input_w", 1, kMaxExtent);
  k.reject_unused();
  read_csv(data, [&] {
    CsvReader<9> in(data.string());
    const char* names[9] = {"layer",  "type", "out_c", "out_h", "out_w",
                            "params", "macs", "rf",    "jump"};
    in.read_header(io::ignore_missing_column | io::ignore_extra_column, names[0], names[1],
                   names[2], names[3], names[4], names[5], names[6], names[7], names[8]);
    for (const char* n : names) {
      if (!in.has_column(n)) {
        fail_at(data, 1,
                "missing column " + in_quotes(n) +
                    " (the header must be layer,type,out_c,out_h,out_w,params,macs,rf,jump)");
      }
    }
    std::string cell[9];
    std::set<std::string> seen;
    for (;;) {
      for (auto& c : cell) c.clear();
      if (!in.read_row(cell[0], cell[1], cell[2], cell[3], cell[4], cell[5], cell[6], cell[7],
                       cell[8])) {
        break;
      }
      LayerTableRow row;
      row.line = in.get_file_line();
      row.layer = cell[0];
      if (row.layer.empty()) fail_at(data, row.line, "empty layer name");
      if (!seen.insert(row.layer).second) {
        fail_at(data, row.line, "layer " + in_quotes(row.layer) + " is listed twice");
      }
      row.type = cell[1];
      const auto& types = known_types();
      if (!row.type.empty() && std::find(types.begin(), types.end(), row.type) == types.end()) {
        std::string list;
        for (const auto& t2 : types) list += (list.empty() ? "" : ", ") + t2;
        fail_at(data, row.line, "unknown type " + in_quotes(row.type) + " (known: " + list + ")");
      }
      std::optional<std::int64_t>* fields[7] = {&row.out_c, &row.out_h, &row.out_w, &row.params,
                                                &row.macs,  &row.rf,    &row.jump};
      for (int i = 0; i < 7; ++i) {
        const std::string& text = cell[i + 2];
        if (text.empty()) continue;  // not asserted
        const auto v = parse_int(text);
        if (!v || *v < 0) {
          fail_at(data, row.line,
                  "column " + in_quotes(names[i + 2]) + ": " + in_quotes(text) +
                      " is not a non-negative integer (leave the cell empty to assert nothing)");
        }
        *fields[i] = v;
      }
      t.rows.push_back(std::move(row));
    }
  });
  if (t.rows.empty()) fail_file(data, "no rows");
  return t;
}

// ---- connectivity ----

WindowSpec read_window(Keys& k, const ArchManifest& m, int i) {
  const std::string p = "layer" + std::to_string(i) + ".";
  WindowSpec w;
  w.name = k.str(p + "name");
  w.op = k.str(p + "op");
  const auto size = [&](const char* key) { return k.integer(p + key, 1, kMaxExtent); };
  const auto pad = [&](const char* key) { return k.integer(p + key, 0, kMaxExtent); };
  if (w.op == "conv1d") {
    w.kernel_h = 1;
    w.kernel_w = size("kernel");
    w.conv1d.stride = size("stride");
    w.conv1d.pad_left = pad("pad_left");
    w.conv1d.pad_right = pad("pad_right");
    w.conv1d.dilation = size("dilation");
  } else if (w.op == "conv2d" || w.op == "max_pool2d" || w.op == "avg_pool2d") {
    w.kernel_h = size("kernel_h");
    w.kernel_w = size("kernel_w");
    const std::int64_t stride_h = size("stride_h"), stride_w = size("stride_w");
    const std::int64_t top = pad("pad_top"), bottom = pad("pad_bottom");
    const std::int64_t left = pad("pad_left"), right = pad("pad_right");
    const std::int64_t dilation_h = size("dilation_h"), dilation_w = size("dilation_w");
    if (w.op == "conv2d") {
      const std::string& mode = k.str(p + "padding_mode");
      PaddingMode pm = PaddingMode::zeros;
      if (mode == "zeros") {
        pm = PaddingMode::zeros;
      } else if (mode == "reflect") {
        pm = PaddingMode::reflect;
      } else if (mode == "replicate") {
        pm = PaddingMode::replicate;
      } else if (mode == "circular") {
        pm = PaddingMode::circular;
      } else {
        fail_at(m.file, k.line(p + "padding_mode"),
                "unknown padding_mode " + in_quotes(mode) +
                    " (expected zeros, reflect, replicate or circular)");
      }
      w.conv2d = Conv2dParams{.stride_h = stride_h,
                              .stride_w = stride_w,
                              .pad_top = top,
                              .pad_bottom = bottom,
                              .pad_left = left,
                              .pad_right = right,
                              .dilation_h = dilation_h,
                              .dilation_w = dilation_w,
                              .groups = 1,
                              .padding_mode = pm};
    } else {
      w.pool = Pool2dParams{.kernel_h = w.kernel_h,
                            .kernel_w = w.kernel_w,
                            .stride_h = stride_h,
                            .stride_w = stride_w,
                            .pad_top = top,
                            .pad_bottom = bottom,
                            .pad_left = left,
                            .pad_right = right,
                            .dilation_h = dilation_h,
                            .dilation_w = dilation_w,
                            .ceil_mode = k.boolean(p + "ceil_mode")};
    }
  } else {
    fail_at(
        m.file, k.line(p + "op"),
        "unknown op " + in_quotes(w.op) + " (expected conv1d, conv2d, max_pool2d or avg_pool2d)");
  }
  return w;
}

// "<prefix><index>" where prefix is one of `prefixes` (0 = the input's) and index is digits.
PositionName parse_position(const std::string& text, const std::vector<std::string>& prefixes,
                            const fs::path& file, unsigned line) {
  PositionName pos;
  pos.text = text;
  int matches = 0;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const std::string& prefix = prefixes[i];
    if (!std::string_view(text).starts_with(prefix)) continue;
    const std::string_view rest = std::string_view(text).substr(prefix.size());
    if (!all_digits(rest)) continue;
    const auto index = parse_int(rest);
    if (!index) fail_at(file, line, "position " + in_quotes(text) + ": index out of range");
    ++matches;
    pos.layer = static_cast<int>(i);
    pos.index = *index;
  }
  if (matches == 0) {
    std::string list;
    for (const auto& p : prefixes) list += (list.empty() ? "" : ", ") + in_quotes(p);
    fail_at(file, line,
            in_quotes(text) + " does not name a position: expected one of the prefixes " + list +
                " followed by an index");
  }
  if (matches > 1) {
    fail_at(file, line, in_quotes(text) + " is ambiguous: more than one layer name is its prefix");
  }
  return pos;
}

ConnectivityFixture read_connectivity(Keys& k, const ArchManifest& m, const fs::path& data) {
  ConnectivityFixture c;
  c.index_base = static_cast<int>(k.integer("index_base", 0, 1));
  c.input_name = k.str("input_name");
  const int layers = static_cast<int>(k.integer("layers", 1, 16));
  for (int i = 1; i <= layers; ++i) c.layers.push_back(read_window(k, m, i));
  const auto is_1d = [](const WindowSpec& w) { return w.op == "conv1d"; };
  c.one_d = is_1d(c.layers[0]);
  for (int i = 1; i < layers; ++i) {
    if (is_1d(c.layers[static_cast<std::size_t>(i)]) != c.one_d) {
      fail_at(m.file, k.line("layer" + std::to_string(i + 1) + ".op"),
              "conv1d layers cannot be mixed with 2-D layers");
    }
  }
  if (c.one_d) {
    c.input_h = 1;
    c.input_w = k.integer("input_length", 1, kMaxExtent);
  } else {
    c.input_h = k.integer("input_h", 1, kMaxExtent);
    c.input_w = k.integer("input_w", 1, kMaxExtent);
  }
  // Position names: distinct prefixes without separators.
  std::vector<std::string> prefixes = {c.input_name};
  for (const auto& w : c.layers) prefixes.push_back(w.name);
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const std::string key = i == 0 ? "input_name" : "layer" + std::to_string(i) + ".name";
    if (i > 0 && prefixes[i].empty()) fail_at(m.file, k.line(key), "empty layer name");
    for (char ch : prefixes[i]) {
      if (std::isspace(static_cast<unsigned char>(ch)) || ch == ',' || ch == '"') {
        fail_at(m.file, k.line(key), "name " + in_quotes(prefixes[i]) + " contains a separator");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (prefixes[i] == prefixes[j]) {
        fail_at(m.file, k.line(key), "name " + in_quotes(prefixes[i]) + " is used twice");
      }
    }
  }
  k.reject_unused();
  read_csv(data, [&] {
    CsvReader<2> in(data.string());
    in.read_header(io::ignore_missing_column | io::ignore_extra_column, "output", "inputs");
    if (!in.has_column("output") || !in.has_column("inputs")) {
      fail_at(data, 1, "the header must be output,inputs");
    }
    std::string output, inputs;
    for (;;) {
      output.clear();
      inputs.clear();
      if (!in.read_row(output, inputs)) break;
      ConnectivityRow row;
      row.line = in.get_file_line();
      row.output = parse_position(output, prefixes, data, row.line);
      if (row.output.layer == 0) {
        fail_at(data, row.line,
                "output " + in_quotes(output) + " is an input position; outputs belong to a layer");
      }
      std::istringstream words(inputs);
      std::string word;
      std::set<std::int64_t> seen;
      while (words >> word) {
        PositionName in_pos = parse_position(word, prefixes, data, row.line);
        if (in_pos.layer >= row.output.layer) {
          fail_at(
              data, row.line,
              "input " + in_quotes(word) + " is not in a layer before output " + in_quotes(output));
        }
        if (!row.inputs.empty() && in_pos.layer != row.inputs[0].layer) {
          fail_at(data, row.line,
                  "inputs " + in_quotes(row.inputs[0].text) + " and " + in_quotes(word) +
                      " are in different layers; list the inputs of one layer per row");
        }
        if (!seen.insert(in_pos.index).second) {
          fail_at(data, row.line, "input " + in_quotes(word) + " is listed twice");
        }
        row.inputs.push_back(std::move(in_pos));
      }
      if (row.inputs.empty()) fail_at(data, row.line, "no inputs listed");
      c.rows.push_back(std::move(row));
    }
  });
  if (c.rows.empty()) fail_file(data, "no rows");
  return c;
}

// ---- shape_formula ----

ShapeFormulaFixture read_shape_formula(Keys& k, const fs::path& data) {
  ShapeFormulaFixture f;
  f.formula = k.str("formula");
  k.reject_unused();
  read_csv(data, [&] {
    CsvReader<6> in(data.string());
    const char* names[6] = {"n", "k", "p_total", "s", "expected_out", "source"};
    in.read_header(io::ignore_missing_column | io::ignore_extra_column, names[0], names[1],
                   names[2], names[3], names[4], names[5]);
    for (int i = 0; i < 5; ++i) {
      if (!in.has_column(names[i])) {
        fail_at(data, 1,
                "missing column " + in_quotes(names[i]) +
                    " (the header must be n,k,p_total,s,expected_out and optionally source)");
      }
    }
    std::string cell[6];
    for (;;) {
      for (auto& c : cell) c.clear();
      if (!in.read_row(cell[0], cell[1], cell[2], cell[3], cell[4], cell[5])) break;
      ShapeFormulaRow row;
      row.line = in.get_file_line();
      std::int64_t* fields[5] = {&row.n, &row.k, &row.p_total, &row.s, &row.expected_out};
      for (int i = 0; i < 5; ++i) {
        const std::int64_t lo = i == 2 ? 0 : 1;
        const auto v = parse_int(cell[i]);
        if (!v || *v < lo || *v > kMaxExtent) {
          fail_at(data, row.line,
                  "column " + in_quotes(names[i]) + ": " + in_quotes(cell[i]) +
                      " is not an integer from " + std::to_string(lo) + " to " +
                      std::to_string(kMaxExtent));
        }
        *fields[i] = *v;
      }
      row.source = cell[5];
      f.rows.push_back(std::move(row));
    }
  });
  if (f.rows.empty()) fail_file(data, "no rows");
  return f;
}

// ---- checks ----

std::string at(const fs::path& file, unsigned line) {
  return file.string() + ":" + std::to_string(line) + ": ";
}

void check_layer_table(const ArchFixture& f, const LayerTableFixture& t,
                       std::vector<std::string>& bad) {
  const ArchManifest& m = f.manifest;
  Network net;
  try {
    net = make_network(t.network);
  } catch (const std::invalid_argument& e) {
    fail_at(m.file, m.lines.at("network"), e.what());
  }
  const LayerTable table = describe(net);
  const Shape want{1, t.input_c, t.input_h, t.input_w};
  if (!(table.input == want)) {
    bad.push_back(at(m.file, m.lines.at("input_c")) + "input " + want.str() + " but network " +
                  t.network + " takes " + table.input.str());
  }
  for (const LayerTableRow& row : t.rows) {
    const auto r = table.find(row.layer);
    const std::string where = at(f.data_file, row.line) + row.layer + " ";
    if (!r) {
      bad.push_back(where + "is not a layer of network " + t.network);
      continue;
    }
    if (!row.type.empty() && row.type != r->type) {
      bad.push_back(where + "type: fixture " + row.type + ", calculator " + r->type);
    }
    const auto cmp = [&](const char* column, const std::optional<std::int64_t>& expected,
                         std::int64_t actual) {
      if (expected && *expected != actual) {
        bad.push_back(where + column + ": fixture " + std::to_string(*expected) + ", calculator " +
                      std::to_string(actual));
      }
    };
    cmp("out_c", row.out_c, r->out_c());
    cmp("out_h", row.out_h, r->out_h());
    cmp("out_w", row.out_w, r->out_w());
    cmp("params", row.params, r->params);
    cmp("macs", row.macs, r->macs);
    // A single rf/jump value asserts both axes.
    cmp("rf (h)", row.rf, r->rf_h);
    cmp("rf (w)", row.rf, r->rf_w);
    cmp("jump (h)", row.jump, r->jump_h);
    cmp("jump (w)", row.jump, r->jump_w);
  }
}

std::string position_text(const ConnectivityFixture& c, int layer, std::int64_t index0) {
  const std::string& prefix =
      layer == 0 ? c.input_name : c.layers[static_cast<std::size_t>(layer - 1)].name;
  return prefix + std::to_string(index0 + c.index_base);
}

void check_connectivity(const ArchFixture& f, const ConnectivityFixture& c,
                        std::vector<std::string>& bad) {
  // maps[i]: layer i's positions -> layer i + 1's (layer 0 is the input).
  std::vector<Connectivity> maps;
  std::vector<std::int64_t> sizes = {c.input_h * c.input_w};
  std::int64_t h = c.input_h, w = c.input_w;
  for (std::size_t i = 0; i < c.layers.size(); ++i) {
    const WindowSpec& l = c.layers[i];
    try {
      if (l.op == "conv1d") {
        maps.push_back(conv1d_connectivity(w, l.kernel_w, l.conv1d));
      } else if (l.op == "conv2d") {
        maps.push_back(conv2d_connectivity(h, w, l.kernel_h, l.kernel_w, l.conv2d));
      } else {
        maps.push_back(pool2d_connectivity(l.op, h, w, l.pool));
      }
    } catch (const std::invalid_argument& e) {
      fail_at(f.manifest.file, f.manifest.lines.at("layer" + std::to_string(i + 1) + ".op"),
              "layer" + std::to_string(i + 1) + " (" + l.name + "): " + e.what());
    }
    h = maps.back().out_h;
    w = maps.back().out_w;
    sizes.push_back(h * w);
  }
  for (const ConnectivityRow& row : c.rows) {
    const auto index0 = [&](const PositionName& p) {
      const std::int64_t i = p.index - c.index_base;
      const std::int64_t n = sizes[static_cast<std::size_t>(p.layer)];
      if (i < 0 || i >= n) {
        fail_at(f.data_file, row.line,
                in_quotes(p.text) + " is outside its layer, which has " + std::to_string(n) +
                    " positions (" + position_text(c, p.layer, 0) + " to " +
                    position_text(c, p.layer, n - 1) + ")");
      }
      return i;
    };
    const std::int64_t out = index0(row.output);
    std::vector<std::int64_t> expected;
    for (const PositionName& p : row.inputs) expected.push_back(index0(p));
    std::sort(expected.begin(), expected.end());
    const int from = row.inputs[0].layer, to = row.output.layer;
    Connectivity path = maps[static_cast<std::size_t>(from)];
    for (int l = from + 1; l < to; ++l) path = compose(path, maps[static_cast<std::size_t>(l)]);
    const std::vector<std::int64_t>& actual = path.reads[static_cast<std::size_t>(out)];
    if (actual != expected) {
      const auto list = [&](const std::vector<std::int64_t>& v) {
        std::string s;
        for (std::int64_t i : v) s += (s.empty() ? "" : " ") + position_text(c, from, i);
        return "{" + s + "}";
      };
      bad.push_back(at(f.data_file, row.line) + row.output.text + " reads " + list(actual) +
                    " (calculator), fixture lists " + list(expected));
    }
  }
}

void check_shape_formula(const ArchFixture& f, const ShapeFormulaFixture& sf,
                         std::vector<std::string>& bad) {
  for (const ShapeFormulaRow& row : sf.rows) {
    // The formula takes the total padding; the shape module takes it per side. Both ways of
    // splitting an odd total must give the same size.
    const std::int64_t half = row.p_total / 2, rest = row.p_total - half;
    for (const auto& [lo, hi] : {std::pair{half, rest}, std::pair{rest, half}}) {
      const Conv2dParams p{.stride_h = row.s,
                           .stride_w = row.s,
                           .pad_top = lo,
                           .pad_bottom = hi,
                           .pad_left = lo,
                           .pad_right = hi};
      const std::string where = at(f.data_file, row.line) + "n " + std::to_string(row.n) + ", k " +
                                std::to_string(row.k) + ", padding " + std::to_string(lo) + "+" +
                                std::to_string(hi) + ", stride " + std::to_string(row.s) + ": ";
      try {
        const Shape out =
            conv2d_output_shape(Shape{1, 1, row.n, row.n}, Shape{1, 1, row.k, row.k}, Shape{}, p);
        if (out[2] != row.expected_out || out[3] != row.expected_out) {
          bad.push_back(where + "fixture " + std::to_string(row.expected_out) + ", shape module " +
                        std::to_string(out[2]) + "x" + std::to_string(out[3]));
        }
      } catch (const std::invalid_argument& e) {
        bad.push_back(where + "the shape module rejects it: " + e.what());
      }
    }
  }
}

}  // namespace

ArchFixture load_arch_fixture(const fs::path& dir) {
  ArchFixture f;
  f.dir = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail_file(dir, "not a fixture folder (no such directory)");
  f.manifest = read_manifest(dir / "manifest.csv");
  Keys k(f.manifest);
  read_common(k, f.manifest);
  if (f.manifest.kind == "layer_table") {
    f.data_file = dir / "layers.csv";
    f.data = read_layer_table(k, f.data_file);
  } else if (f.manifest.kind == "connectivity") {
    f.data_file = dir / "connectivity.csv";
    f.data = read_connectivity(k, f.manifest, f.data_file);
  } else {
    f.data_file = dir / "shapes.csv";
    f.data = read_shape_formula(k, f.data_file);
  }
  return f;
}

std::vector<fs::path> find_arch_fixtures(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) fail_file(root, "no such directory");
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_directory() && fs::is_regular_file(entry.path() / "manifest.csv", ec)) {
      dirs.push_back(entry.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

fs::path bundled_arch_fixtures() {
  return fs::path(CONVLAB_ARCH_FIXTURES_DIR);
}

std::vector<std::string> check_arch_fixture(const ArchFixture& fixture) {
  std::vector<std::string> bad;
  std::visit(
      [&](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, LayerTableFixture>) {
          check_layer_table(fixture, data, bad);
        } else if constexpr (std::is_same_v<T, ConnectivityFixture>) {
          check_connectivity(fixture, data, bad);
        } else {
          check_shape_formula(fixture, data, bad);
        }
      },
      fixture.data);
  return bad;
}

}  // namespace convlab::nets
