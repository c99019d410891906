#include "tools/docs.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <iostream>
#include <memory>

#include "corpus/corpus.hpp"
#include "kernels/registry.hpp"
#include "nets/network.hpp"
#include "nets/zoo.hpp"
#include "tools/commands.hpp"
#include "tools/verify.hpp"

namespace fs = std::filesystem;

namespace convlab::docs {
namespace {

const std::set<std::string>& known_kinds() {
  static const std::set<std::string> kinds = {"excerpt", "fixture",  "describe", "shapes",
                                              "count",   "accuracy", "bench"};
  return kinds;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int line_of(const std::string& text, std::size_t pos) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + pos, '\n'));
}

// A CSV line split into fields; "..." quoting with "" for a quote (the corpus' own rules).
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(trim(field));
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  fields.push_back(trim(field));
  return fields;
}

std::vector<std::vector<std::string>> read_csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (trim(line).empty()) continue;
    rows.push_back(split_csv_line(line));
  }
  return rows;
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '|') ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string md_table(const std::vector<std::string>& header,
                     const std::vector<std::vector<std::string>>& rows) {
  std::ostringstream s;
  s << "|";
  for (const auto& h : header) s << " " << md_cell(h) << " |";
  s << "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) s << " --- |";
  s << "\n";
  for (const auto& r : rows) {
    s << "|";
    for (std::size_t i = 0; i < header.size(); ++i) {
      s << " " << md_cell(i < r.size() ? r[i] : "") << " |";
    }
    s << "\n";
  }
  return s.str();
}

// 12345678 -> "12,345,678"
std::string thousands(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out;
}

std::string format_value(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  std::string s = buf;
  if (s == "-0") s = "0";
  return s;
}

// A relative link from the doc's folder to a path under the repository root.
std::string link_to(const Context& ctx, const fs::path& doc_file, const fs::path& target) {
  const fs::path doc = doc_file.is_absolute() ? doc_file : ctx.root / doc_file;
  return fs::relative(ctx.root / target, doc.parent_path()).generic_string();
}

// ---- excerpt ----

std::string render_excerpt(const Block& b, const Context& ctx, const fs::path& doc_file) {
  const auto hash = b.arg.find('#');
  if (hash == std::string::npos || hash == 0 || hash + 1 == b.arg.size()) {
    throw std::runtime_error("expected <source file>#<name>, got '" + b.arg + "'");
  }
  const std::string source = b.arg.substr(0, hash), name = b.arg.substr(hash + 1);
  const fs::path file = ctx.root / source;
  if (!fs::exists(file)) throw std::runtime_error("source file " + source + " does not exist");
  const std::string code = extract_excerpt(read_file(file), name, source);
  return "\n```cpp\n" + code + "```\n\n(from [`" + source + "`](" + link_to(ctx, doc_file, source) +
         "))\n";
}

// ---- fixture ----

// The 2-D slices of a tensor, each labelled with its leading indices: x[0,1] = ...
std::string render_tensor(const std::string& name, const Tensor<double>& t, int digits) {
  const int rank = t.rank();
  const std::int64_t cols = t.dim(rank - 1);
  const std::int64_t rows = rank >= 2 ? t.dim(rank - 2) : 1;
  const std::int64_t plane = rows * cols;
  const std::int64_t planes = plane == 0 ? 0 : t.numel() / plane;
  std::vector<std::string> cells(static_cast<std::size_t>(t.numel()));
  std::size_t width = 1;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    cells[static_cast<std::size_t>(i)] = format_value(t[i], digits);
    width = std::max(width, cells[static_cast<std::size_t>(i)].size());
  }
  std::ostringstream s;
  for (std::int64_t p = 0; p < planes; ++p) {
    std::string label = name;
    if (rank > 2) {
      std::vector<std::int64_t> lead;
      std::int64_t rest = p;
      for (int d = rank - 3; d >= 0; --d) {
        lead.insert(lead.begin(), rest % t.dim(d));
        rest /= t.dim(d);
      }
      label += "[";
      for (std::size_t i = 0; i < lead.size(); ++i) {
        label += (i ? "," : "") + std::to_string(lead[i]);
      }
      label += "]";
    }
    if (p > 0) s << "\n";
    s << label << " =\n";
    for (std::int64_t r = 0; r < rows; ++r) {
      s << " ";
      for (std::int64_t c = 0; c < cols; ++c) {
        const std::string& cell = cells[static_cast<std::size_t>(p * plane + r * cols + c)];
        s << " " << std::string(width - cell.size(), ' ') << cell;
      }
      s << "\n";
    }
  }
  return s.str();
}

std::string render_arch_fixture(const fs::path& dir, const std::string& rel, const Context& ctx,
                                const fs::path& doc_file) {
  const auto manifest = read_csv_rows(read_file(dir / "manifest.csv"));
  std::map<std::string, std::string> m;
  for (const auto& r : manifest) {
    if (r.size() >= 2) m[r[0]] = r[1];
  }
  const std::string kind = m["kind"];
  const std::string data = kind == "connectivity"    ? "connectivity.csv"
                           : kind == "layer_table"   ? "layers.csv"
                           : kind == "shape_formula" ? "shapes.csv"
                                                     : "";
  if (data.empty()) throw std::runtime_error(rel + ": unknown architecture kind '" + kind + "'");
  auto rows = read_csv_rows(read_file(dir / data));
  if (rows.empty()) throw std::runtime_error(rel + "/" + data + " is empty");
  const std::vector<std::string> header = rows.front();
  rows.erase(rows.begin());
  return "\n" + m["description"] + " ([`" + rel + "`](" +
         link_to(ctx, doc_file, "fixtures/" + rel) + "/), `" + m["provenance"] + "`):\n\n" +
         md_table(header, rows);
}

std::string render_fixture(const Block& b, const Context& ctx, const fs::path& doc_file) {
  auto words = split_words(b.arg);
  if (words.empty()) throw std::runtime_error("expected <op>/<case> [tensor...] [digits=N]");
  const std::string rel = words.front();
  words.erase(words.begin());
  int digits = 6;
  std::vector<std::string> names;
  for (const auto& w : words) {
    if (w.rfind("digits=", 0) == 0) {
      digits = std::stoi(w.substr(7));
    } else {
      names.push_back(w);
    }
  }
  const fs::path dir = ctx.root / "fixtures" / rel;
  if (!fs::exists(dir / "manifest.csv")) {
    throw std::runtime_error("no fixture case fixtures/" + rel);
  }
  if (read_file(dir / "manifest.csv").find("convlab-arch-1") != std::string::npos) {
    return render_arch_fixture(dir, rel, ctx, doc_file);
  }
  const Case c = load_case(dir);
  if (names.empty()) throw std::runtime_error("name the tensors to show, e.g. 'x w y'");
  std::ostringstream s;
  s << "\nFrom [`" << rel << "`](" << link_to(ctx, doc_file, "fixtures/" + rel) << "/) (`"
    << c.provenance << "`): " << c.description << "\n\n```text\n";
  bool first = true;
  for (const auto& n : names) {
    const Tensor<double>* t = nullptr;
    if (c.inputs.count(n)) t = &c.inputs.at(n);
    if (c.expected.count(n)) t = &c.expected.at(n);
    if (!t) throw std::runtime_error("case " + rel + " has no tensor '" + n + "'");
    if (!first) s << "\n";
    first = false;
    s << "# " << n << ": " << format_shape(t->shape()) << "\n" << render_tensor(n, *t, digits);
  }
  s << "```\n";
  return s.str();
}

// ---- describe ----

std::string render_describe(const Block& b) {
  const nets::LayerTable table = nets::describe(nets::make_network(trim(b.arg)));
  return "\n```text\n" + nets::render_text(table) + "```\n";
}

// ---- shapes ----

std::string axis_formula(const std::map<std::string, std::string>& p, const std::string& op,
                         std::int64_t in, std::int64_t k, const std::string& axis,
                         std::int64_t out) {
  const auto get = [&](const std::string& key) {
    const auto it = p.find(key);
    return it == p.end() ? std::string("0") : it->second;
  };
  const std::string lo = axis == "h" ? "top" : "left", hi = axis == "h" ? "bottom" : "right";
  const std::string s = get("stride_" + axis), pl = get("pad_" + lo), ph = get("pad_" + hi);
  const std::string d = get("dilation_" + axis);
  std::ostringstream f;
  if (op == "conv_transpose2d") {
    f << "(" << in << "-1)*" << s << " - " << pl << " - " << ph << " + " << d << "*(" << k
      << "-1) + " << get("output_padding_" + axis) << " + 1 = " << out;
  } else {
    const bool ceil = get("ceil_mode") == "true";
    f << (ceil ? "ceil" : "floor") << "((" << in << " + " << pl << " + " << ph << " - " << d << "*("
      << k << "-1) - 1) / " << s << ") + 1";
    const std::int64_t span = in + std::stoll(pl) + std::stoll(ph) - std::stoll(d) * (k - 1) - 1;
    const std::int64_t stride = std::stoll(s);
    const std::int64_t plain = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
    if (plain != out) {
      f << " = " << plain << ", minus the last window (it would start in the padding)";
    }
    f << " = " << out;
  }
  return f.str();
}

std::string render_shapes(const Block& b, const Context& ctx, const fs::path& doc_file) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& rel : split_words(b.arg)) {
    const Case c = load_case(ctx.root / "fixtures" / rel);
    ShapeMap in;
    for (const auto& [name, t] : c.inputs) in[name] = t.shape();
    const ShapeMap out = output_shapes(*c.spec, c.params, in);
    const std::string yname = c.spec->outputs.front().name;
    const Shape y = out.at(yname);
    if (c.expected.count(yname) && c.expected.at(yname).shape() != y) {
      throw std::runtime_error(rel + ": the shape module gives " + format_shape(y) +
                               " but the case holds " + format_shape(c.expected.at(yname).shape()));
    }
    std::map<std::string, std::string> p;
    for (const auto& [k, v] : param_entries(c.params)) p[k] = v;
    const Shape x = c.inputs.at("x").shape();
    std::int64_t kh = 0, kw = 0;
    if (c.inputs.count("w")) {
      kh = c.inputs.at("w").dim(2);
      kw = c.inputs.at("w").dim(3);
    } else {
      kh = std::stoll(p["kernel_h"]);
      kw = std::stoll(p["kernel_w"]);
    }
    const std::string op = c.spec->name;
    rows.push_back({"[`" + rel + "`](" + link_to(ctx, doc_file, "fixtures/" + rel) + "/)", op,
                    format_shape(x), std::to_string(kh) + "x" + std::to_string(kw),
                    axis_formula(p, op, x[2], kh, "h", y[2]),
                    axis_formula(p, op, x[3], kw, "w", y[3]), format_shape(y)});
  }
  return "\n" +
         md_table({"case", "op", "input", "kernel", "H_out", "W_out", "output (shape module)"},
                  rows);
}

// ---- accuracy ----

std::string render_accuracy(const Block& b, const Context& ctx, const fs::path& doc_file) {
  auto words = split_words(b.arg);
  if (words.size() < 2) throw std::runtime_error("expected <op>/<case> <variant>...");
  const std::string rel = words.front();
  const Case c = load_case(ctx.root / "fixtures" / rel);
  std::vector<std::vector<std::string>> rows;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const Variant* v = find_variant(words[i]);
    if (!v) throw std::runtime_error("no registered variant '" + words[i] + "'");
    const Outcome o = run_variant_on_case(*v, c);
    if (o.status == Status::skipped) {
      throw std::runtime_error(words[i] + " skips " + rel + ": " + o.reason);
    }
    rows.push_back({"`" + v->name + "`", format_value(o.comparison.worst_abs_error, 2),
                    format_value(o.comparison.worst_ratio, 2), format_value(v->tolerance_factor, 3),
                    o.status == Status::passed ? "pass" : "FAIL"});
  }
  return "\nOn [`" + rel + "`](" + link_to(ctx, doc_file, "fixtures/" + rel) +
         "/), float32, against the case's double-precision expected values (2 significant "
         "digits):\n\n" +
         md_table(
             {"variant", "largest abs error", "error / allowed", "tolerance factor", "verdict"},
             rows);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string Problem::str() const {
  std::string s = file.generic_string() + ":" + std::to_string(line) + ": ";
  if (!marker.empty()) s += marker + ": ";
  return s + what;
}

std::vector<Block> parse_blocks(const std::string& text, const fs::path& file,
                                std::vector<Problem>& problems) {
  static const std::regex open(R"(<!--\s*([a-z]+)\s*:([^>]*?)-->)");
  static const std::regex close(R"(<!--\s*/([a-z]+)\s*-->)");
  std::vector<Block> blocks;
  std::size_t pos = 0;
  // Closing comments that belong to no block.
  std::set<std::size_t> used_closes;
  for (std::sregex_iterator it(text.begin(), text.end(), open), end; it != end; ++it) {
    const std::size_t at = static_cast<std::size_t>(it->position(0));
    if (at < pos) continue;  // inside a previous block
    Block b;
    b.kind = (*it)[1].str();
    b.arg = trim((*it)[2].str());
    b.line = line_of(text, at);
    if (!known_kinds().count(b.kind)) {
      problems.push_back({file, b.line, b.kind + ": " + b.arg,
                          "unknown marker kind '" + b.kind +
                              "' (known: excerpt, fixture, "
                              "describe, shapes, count, accuracy, bench)"});
      continue;
    }
    if (b.arg.empty()) {
      problems.push_back({file, b.line, b.kind + ":", "the marker names nothing"});
      continue;
    }
    b.body_begin = at + static_cast<std::size_t>(it->length(0));
    const std::string closing = "<!-- /" + b.kind + " -->";
    const std::size_t c = text.find(closing, b.body_begin);
    // The closing comment must come before the next block's opening comment.
    std::smatch next;
    std::size_t next_block = std::string::npos;
    {
      auto from = text.cbegin() + static_cast<std::ptrdiff_t>(b.body_begin);
      if (std::regex_search(from, text.cend(), next, open)) {
        next_block = b.body_begin + static_cast<std::size_t>(next.position(0));
      }
    }
    if (c == std::string::npos || (next_block != std::string::npos && next_block < c)) {
      problems.push_back({file, b.line, b.marker(), "never closed by '" + closing + "'"});
      pos = b.body_begin;
      continue;
    }
    b.body_end = c;
    used_closes.insert(c);
    pos = c + closing.size();
    blocks.push_back(b);
  }
  for (std::sregex_iterator it(text.begin(), text.end(), close), end; it != end; ++it) {
    const std::size_t at = static_cast<std::size_t>(it->position(0));
    if (!used_closes.count(at)) {
      problems.push_back({file, line_of(text, at), "/" + (*it)[1].str(),
                          "closing comment without an opening one"});
    }
  }
  return blocks;
}

std::string extract_excerpt(const std::string& source, const std::string& name,
                            const std::string& source_name) {
  const std::string open = "// [docs:" + name + "]", end = "// [docs:end]";
  std::istringstream in(source);
  std::vector<std::string> lines;
  bool inside = false, found = false, ended = false;
  int count = 0;
  for (std::string line; std::getline(in, line);) {
    const std::string t = trim(line);
    if (t == open) {
      ++count;
      if (!found) {
        found = inside = true;
        continue;
      }
    }
    if (inside) {
      if (t == end) {
        inside = false;
        ended = true;
        continue;
      }
      if (t.rfind("// [docs:", 0) == 0) continue;  // another excerpt's marker inside this one
      lines.push_back(line);
    }
  }
  if (!found) {
    throw std::runtime_error("no line '" + open + "' in " + source_name);
  }
  if (count > 1) throw std::runtime_error("'" + open + "' appears twice in " + source_name);
  if (!ended)
    throw std::runtime_error("'" + open + "' in " + source_name + " has no '" + end + "'");
  std::size_t indent = std::string::npos;
  for (const auto& l : lines) {
    if (trim(l).empty()) continue;
    indent = std::min(indent, l.find_first_not_of(' '));
  }
  std::string out;
  for (const auto& l : lines) {
    out += (trim(l).empty() ? "" : l.substr(indent == std::string::npos ? 0 : indent)) + "\n";
  }
  return out;
}

std::string render_bench(const std::string& csv_text, const std::string& set,
                         const std::string& source_name) {
  auto rows = read_csv_rows(csv_text);
  if (rows.empty()) throw std::runtime_error(source_name + " is empty");
  const auto header = rows.front();
  rows.erase(rows.begin());
  const auto col = std::find(header.begin(), header.end(), "set");
  if (col == header.end()) throw std::runtime_error(source_name + " has no column 'set'");
  const auto i = static_cast<std::size_t>(col - header.begin());
  std::vector<std::vector<std::string>> chosen;
  for (const auto& r : rows) {
    if (set == "all" || (i < r.size() && r[i] == set)) chosen.push_back(r);
  }
  if (chosen.empty()) throw std::runtime_error(source_name + " has no row of set '" + set + "'");
  return "\n" + md_table(header, chosen);
}

std::string render_count(const std::string& arg) {
  auto words = split_words(arg);
  if (words.empty()) throw std::runtime_error("expected <kind> key=value...");
  const std::string kind = words.front();
  std::map<std::string, std::int64_t> v;
  for (std::size_t i = 1; i < words.size(); ++i) {
    const auto eq = words[i].find('=');
    if (eq == std::string::npos) throw std::runtime_error("expected key=value, got " + words[i]);
    v[words[i].substr(0, eq)] = std::stoll(words[i].substr(eq + 1));
  }
  const auto need = [&](const std::string& key) {
    if (!v.count(key)) throw std::runtime_error(kind + ": missing " + key + "=...");
    return v.at(key);
  };
  const auto n = [](std::int64_t x) { return std::to_string(x); };
  std::vector<std::vector<std::string>> rows;
  if (kind == "depthwise_separable" || kind == "standard" || kind == "grouped") {
    const std::int64_t h = need("h"), w = need("w"), ci = need("c_in"), co = need("c_out"),
                       k = need("k");
    const std::int64_t ho = h - k + 1, wo = w - k + 1;  // stride 1, no padding
    if (ho < 1 || wo < 1) throw std::runtime_error(kind + ": kernel larger than the input");
    const std::int64_t standard = co * k * k * ci * ho * wo;
    rows.push_back({"standard: " + n(co) + " filters of " + n(k) + "x" + n(k) + "x" + n(ci),
                    "C_out * K * K * C_in * H_out * W_out = " + n(co) + "*" + n(k) + "*" + n(k) +
                        "*" + n(ci) + "*" + n(ho) + "*" + n(wo),
                    thousands(standard)});
    if (kind == "depthwise_separable") {
      const std::int64_t dw = ci * k * k * ho * wo, pw = co * ci * ho * wo;
      rows.push_back({"depthwise: " + n(ci) + " filters of " + n(k) + "x" + n(k) + "x1",
                      "C_in * K * K * H_out * W_out = " + n(ci) + "*" + n(k) + "*" + n(k) + "*" +
                          n(ho) + "*" + n(wo),
                      thousands(dw)});
      rows.push_back(
          {"pointwise: " + n(co) + " filters of 1x1x" + n(ci),
           "C_out * C_in * H_out * W_out = " + n(co) + "*" + n(ci) + "*" + n(ho) + "*" + n(wo),
           thousands(pw)});
      rows.push_back({"depthwise separable (sum)", "", thousands(dw + pw)});
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.2f", double(standard) / double(dw + pw));
      rows.push_back({"standard / separable", "", ratio});
    } else if (kind == "grouped") {
      const std::int64_t g = need("groups");
      if (ci % g || co % g) throw std::runtime_error("grouped: groups must divide c_in and c_out");
      const std::int64_t grouped = co * k * k * (ci / g) * ho * wo;
      rows.push_back({n(g) + " groups: each filter sees C_in/G = " + n(ci / g) + " channels",
                      "C_out * K * K * (C_in/G) * H_out * W_out = " + n(co) + "*" + n(k) + "*" +
                          n(k) + "*" + n(ci / g) + "*" + n(ho) + "*" + n(wo),
                      thousands(grouped)});
    }
  } else if (kind == "spatial_separable") {
    const std::int64_t h = need("h"), w = need("w"), kh = need("kh"), kw = need("kw");
    const std::int64_t ho = h - kh + 1, wo = w - kw + 1;
    if (ho < 1 || wo < 1) throw std::runtime_error(kind + ": kernel larger than the input");
    const std::int64_t full = ho * wo * kh * kw, pass1 = ho * w * kh, pass2 = ho * wo * kw;
    rows.push_back({"one " + n(kh) + "x" + n(kw) + " kernel",
                    "H_out * W_out * KH * KW = " + n(ho) + "*" + n(wo) + "*" + n(kh) + "*" + n(kw),
                    thousands(full)});
    rows.push_back({"vertical pass, " + n(kh) + "x1",
                    "H_out * W * KH = " + n(ho) + "*" + n(w) + "*" + n(kh), thousands(pass1)});
    rows.push_back({"horizontal pass, 1x" + n(kw),
                    "H_out * W_out * KW = " + n(ho) + "*" + n(wo) + "*" + n(kw), thousands(pass2)});
    rows.push_back({"two passes (sum)", "", thousands(pass1 + pass2)});
  } else {
    throw std::runtime_error("unknown count kind '" + kind +
                             "' (depthwise_separable, spatial_separable, grouped, standard)");
  }
  return "\n" + md_table({"computation", "multiplications", "count"}, rows);
}

std::string render_block(const Block& b, const Context& ctx, const fs::path& doc_file) {
  if (b.kind == "excerpt") return render_excerpt(b, ctx, doc_file);
  if (b.kind == "fixture") return render_fixture(b, ctx, doc_file);
  if (b.kind == "describe") return render_describe(b);
  if (b.kind == "shapes") return render_shapes(b, ctx, doc_file);
  if (b.kind == "count") return render_count(b.arg);
  if (b.kind == "accuracy") return render_accuracy(b, ctx, doc_file);
  if (b.kind == "bench") {
    const fs::path csv = ctx.summary_csv();
    if (!fs::exists(csv)) {
      throw std::runtime_error(fs::relative(csv, ctx.root).generic_string() +
                               " does not exist (written by `convlab plot`)");
    }
    return render_bench(read_file(csv), b.arg, fs::relative(csv, ctx.root).generic_string());
  }
  throw std::runtime_error("unknown marker kind '" + b.kind + "'");
}

std::string process_doc(const fs::path& file, const std::string& text, const Context& ctx,
                        std::vector<Problem>& problems) {
  const std::vector<Block> blocks = parse_blocks(text, file, problems);
  std::string out;
  std::size_t copied = 0;
  for (const Block& b : blocks) {
    out += text.substr(copied, b.body_begin - copied);
    const std::string current = text.substr(b.body_begin, b.body_end - b.body_begin);
    std::string fresh;
    try {
      fresh = render_block(b, ctx, file);
    } catch (const std::exception& e) {
      problems.push_back({file, b.line, b.marker(), std::string("broken: ") + e.what()});
      fresh = current;
    }
    if (fresh != current) {
      problems.push_back({file, b.line, b.marker(),
                          "stale: differs from its source (run `convlab docs --update`)"});
    }
    out += fresh;
    copied = b.body_end;
  }
  out += text.substr(copied);

  // Local links: [text](path) must name an existing file or folder. Figures that other tools
  // write later (scripts/figures, the training run) are reported as missing too: the check
  // says which picture is still to be drawn.
  static const std::regex link(R"(\]\(([^)\s#]+)(#[^)]*)?\))");
  for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
    const std::string target = (*it)[1].str();
    if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0) continue;
    const fs::path doc = file.is_absolute() ? file : ctx.root / file;
    if (!fs::exists(doc.parent_path() / target)) {
      // Figures that other tools draw later (scripts/figures, the training run) are pending,
      // not dead: reported, but they do not fail the check.
      const bool figure = target.rfind("figures/", 0) == 0;
      problems.push_back({file, line_of(text, static_cast<std::size_t>(it->position(0))), "",
                          (figure ? "pending figure (not drawn yet): " : "dead link: ") + target});
    }
  }
  return out;
}

std::vector<fs::path> doc_files(const Context& ctx) {
  std::vector<fs::path> files;
  if (!fs::is_directory(ctx.doc_dir())) {
    throw std::runtime_error("no docs folder " + ctx.doc_dir().string());
  }
  for (const auto& e : fs::directory_iterator(ctx.doc_dir())) {
    if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

int run_docs(const Context& ctx, std::ostream& out, bool update) {
  int stale = 0, broken = 0, blocks = 0, rewritten = 0, pending = 0;
  for (const fs::path& file : doc_files(ctx)) {
    const fs::path shown = fs::relative(file, ctx.root);
    const std::string text = read_file(file);
    std::vector<Problem> problems;
    const std::string fresh = process_doc(shown, text, ctx, problems);
    std::vector<Problem> unused;
    blocks += static_cast<int>(parse_blocks(text, shown, unused).size());
    for (const Problem& p : problems) {
      const bool is_stale = p.what.rfind("stale", 0) == 0;
      if (p.what.rfind("pending", 0) == 0) {
        ++pending;
        out << p.str() << "\n";
        continue;
      }
      if (is_stale) {
        ++stale;
        if (update) continue;
      } else {
        ++broken;
      }
      out << p.str() << "\n";
    }
    if (update && fresh != text) {
      std::ofstream(file, std::ios::binary) << fresh;
      ++rewritten;
      out << "updated " << shown.generic_string() << "\n";
    }
  }
  if (update) {
    out << blocks << " blocks, " << stale << " rewritten in " << rewritten << " files, " << broken
        << " problems left, " << pending << " pending figures\n";
    return broken == 0 ? 0 : 1;
  }
  out << blocks << " blocks, " << stale << " stale, " << broken << " broken, " << pending
      << " pending figures\n";
  return stale + broken == 0 ? 0 : 1;
}

}  // namespace

int check_docs(const Context& ctx, std::ostream& out) {
  return run_docs(ctx, out, false);
}

int update_docs(const Context& ctx, std::ostream& out) {
  return run_docs(ctx, out, true);
}

}  // namespace convlab::docs

namespace convlab {

Command add_docs_command(CLI::App& app) {
  struct Options {
    bool check = false, update = false, figures = false;
    fs::path root;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "docs", "Check or rewrite the generated blocks of docs/*.md, or draw the docs' figures");
  auto* check = cmd->add_flag("--check", options->check,
                              "report every stale or broken block (file:line: marker: what); "
                              "exit status 1 if there is any");
  auto* update = cmd->add_flag("--update", options->update,
                               "rewrite every block from its source (code, fixture, describe, "
                               "summary.csv)");
  auto* figures = cmd->add_flag("--figures", options->figures,
                                "draw the docs' own pictures into docs/figures/ (gnuplot)");
  check->excludes(update);
  figures->excludes(check);
  cmd->add_option("--root", options->root,
                  "the source tree holding docs/, fixtures/, reference/ (default: the tree this "
                  "convlab was built from)");
  cmd->footer(
      "Example:\n  convlab docs --check\n"
      "Markers: <!-- excerpt: FILE#NAME -->, <!-- fixture: OP/CASE x w y -->, <!-- describe: "
      "NET -->,\n<!-- shapes: CASE... -->, <!-- count: KIND k=v... -->, <!-- accuracy: CASE "
      "VARIANT... -->, <!-- bench: SET -->,\neach closed by <!-- /KIND -->. See tools/docs.hpp.");
  return {cmd, [options]() {
            docs::Context ctx;
            ctx.root = fs::absolute(options->root.empty() ? bundled_corpus_dir().parent_path()
                                                          : options->root);
            if (options->figures) {
              docs::draw_doc_figures(ctx, std::cout);
              return options->update ? docs::update_docs(ctx, std::cout) : 0;
            }
            if (options->update) return docs::update_docs(ctx, std::cout);
            return docs::check_docs(ctx, std::cout);
          }};
}

}  // namespace convlab
