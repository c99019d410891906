#include "corpus/corpus.hpp"

#include <csv.h>  // fast-cpp-csv-parser; see convlab_fccp in cmake/Dependencies.cmake

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "core/shape.hpp"
#include "reference/dispatch.hpp"

#ifndef CONVLAB_FIXTURES_DIR
#error "CONVLAB_FIXTURES_DIR must name the source tree's fixtures/ folder"
#endif

namespace convlab {

namespace fs = std::filesystem;

namespace {

std::string locate(const fs::path& file, std::int64_t line, int column, const std::string& what) {
  std::ostringstream os;
  os << file.string();
  if (line > 0) os << ", line " << line;
  if (line > 0 && column > 0) os << ", column " << column;
  os << ": " << what;
  return os.str();
}

}  // namespace

CaseError::CaseError(fs::path file, std::int64_t line, int column, const std::string& what)
    : std::runtime_error(locate(file, line, column, what)),
      file_(std::move(file)),
      line_(line),
      column_(column) {}

namespace {

[[noreturn]] void fail(const fs::path& file, std::int64_t line, int column,
                       const std::string& what) {
  throw CaseError(file, line, column, what);
}

std::string show(std::string_view s) {
  // Messages show at most 60 characters of a field, so a garbage line stays readable.
  std::string q = "\"";
  q.append(s.substr(0, 60));
  if (s.size() > 60) q += "...";
  return q + "\"";
}

// ---------------------------------------------------------------------------------------------
// Numbers.

// A decimal floating-point number, the whole text, finite.
double parse_number(std::string_view text, const fs::path& file, std::int64_t line, int column,
                    std::string_view what) {
  if (text.empty()) fail(file, line, column, std::string(what) + " is empty");
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    fail(file, line, column,
         std::string(what) + " " + show(text) + " is outside the range of a double");
  }
  if (ec != std::errc{}) {
    fail(file, line, column,
         std::string(what) + " " + show(text) + " is not a number" +
             (text.front() == '+' ? " (write it without the leading +)" : ""));
  }
  if (ptr != end) {
    fail(file, line, column,
         std::string(what) + " " + show(text) + " is not a number: unexpected " +
             show(std::string_view(ptr, static_cast<std::size_t>(end - ptr))) + " after " +
             show(std::string_view(text.data(), static_cast<std::size_t>(ptr - text.data()))));
  }
  if (!std::isfinite(v)) {
    fail(file, line, column,
         std::string(what) + " " + show(text) +
             " is not finite: NaN and infinities are not allowed in fixtures");
  }
  return v;
}

// A non-negative decimal integer, the whole text (no sign).
bool parse_count(std::string_view text, std::int64_t& v) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  return ec == std::errc{} && ptr == end;
}

// 17 significant digits: every double reads back bit for bit.
std::string format_value(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 17);
  return std::string(buf, r.ptr);
}

// The shortest text that reads back as the same double (for the manifest's tolerance).
std::string format_shortest(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// ---------------------------------------------------------------------------------------------
// Two-column CSV files, split by fast-cpp-csv-parser.

// Manifests may quote a field ("a, b" with "" for a quote); tensor files hold plain numbers
// only, so that numpy.loadtxt reads them too.
template <class Quote>
using CsvReader =
    io::CSVReader<2, io::trim_chars<' '>, Quote, io::throw_on_overflow, io::empty_line_comment>;
using ManifestQuoting = io::double_quote_escape<',', '"'>;
using TensorQuoting = io::no_quote_escape<','>;

void require_regular_file(const fs::path& file, const std::string& missing_what) {
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (!fs::exists(st)) fail(file, 0, 0, missing_what);
  if (!fs::is_regular_file(st)) fail(file, 0, 0, "is not a regular file");
  // The parser ends a field at a NUL byte and would silently drop the rest of the line.
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, 0, 0, "cannot be opened for reading");
  char buf[1 << 16];
  std::int64_t line = 1;
  while (in) {
    in.read(buf, sizeof buf);
    const auto n = static_cast<std::size_t>(in.gcount());
    const char* nul = static_cast<const char*>(std::memchr(buf, '\0', n));
    if (nul) {
      line += std::count(static_cast<const char*>(buf), nul, '\n');
      fail(file, line, 0, "contains a NUL byte; fixtures are text files");
    }
    line += std::count(buf, buf + n, '\n');
  }
}

// Calls row(line, first, second) for every data row of a CSV file whose header is exactly
// `col1,col2`. Blank lines are skipped (as pandas does); every other line must have exactly
// two fields. The parser's own exceptions become CaseErrors naming file and line.
template <class Quote, class Row>
void read_two_columns(const fs::path& file, std::string_view col1, std::string_view col2,
                      const std::string& missing_what, Row&& row) {
  require_regular_file(file, missing_what);
  const std::string header = std::string(col1) + "," + std::string(col2);
  try {
    CsvReader<Quote> reader(file.string());
    char* a = nullptr;
    char* b = nullptr;
    if (!reader.read_row(a, b)) fail(file, 0, 0, "is empty; expected the header " + header);
    if (std::string_view(a) != col1 || std::string_view(b) != col2) {
      fail(file, reader.get_file_line(), std::string_view(a) != col1 ? 1 : 2,
           "the header must be exactly " + header + ", got " + show(a) + "," + show(b));
    }
    while (reader.read_row(a, b)) row(std::int64_t{reader.get_file_line()}, a, b);
  } catch (const io::error::too_few_columns& e) {
    fail(file, e.file_line, 0, "has 1 field; every row must have 2 (" + header + ")");
  } catch (const io::error::too_many_columns& e) {
    fail(file, e.file_line, 0, "has more than 2 fields; every row must have 2 (" + header + ")");
  } catch (const io::error::escaped_string_not_closed& e) {
    fail(file, e.file_line, 0, "a quoted field is not closed");
  } catch (const io::error::line_length_limit_exceeded& e) {
    fail(file, e.file_line, 0, "the line is longer than 2^24 - 1 bytes");
  } catch (const io::error::base& e) {
    fail(file, 0, 0, std::string("cannot be read: ") + e.what());
  }
}

// ---------------------------------------------------------------------------------------------
// Tensor files.

// Reads values into `values` (at most `limit` rows), calling check(line, index text) for each.
template <class Check>
void read_tensor_rows(const fs::path& file, std::int64_t limit, std::vector<double>& values,
                      const std::string& missing_what, Check&& check) {
  read_two_columns<TensorQuoting>(
      file, "index", "value", missing_what,
      [&](std::int64_t line, std::string_view index, std::string_view value) {
        if (static_cast<std::int64_t>(values.size()) >= limit) {
          fail(file, line, 0,
               "one value too many: the tensor holds " + std::to_string(limit) + " elements");
        }
        check(line, index);
        values.push_back(parse_number(value, file, line, 2, "value"));
      });
}

// Splits "0:0:2:3" into integers; false when malformed.
bool parse_index(std::string_view text, std::vector<std::int64_t>& out) {
  out.clear();
  while (true) {
    const std::size_t colon = text.find(':');
    std::int64_t v = 0;
    if (out.size() == Shape::kMaxRank || !parse_count(text.substr(0, colon), v)) return false;
    out.push_back(v);
    if (colon == std::string_view::npos) return true;
    text.remove_prefix(colon + 1);
  }
}

[[noreturn]] void bad_index(const fs::path& file, std::int64_t line, std::string_view text,
                            const std::string& why) {
  fail(file, line, 1, "index " + show(text) + " " + why);
}

}  // namespace

Tensor<double> read_tensor_csv(const fs::path& file, const Shape& shape) {
  if (shape.numel() > kMaxTensorElements) {
    fail(file, 0, 0,
         "the shape " + format_shape(shape) + " is larger than the limit of " +
             std::to_string(kMaxTensorElements) + " elements");
  }
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(std::min<std::int64_t>(shape.numel(), 1 << 16)));
  std::vector<std::int64_t> expected(static_cast<std::size_t>(shape.rank()), 0), got;
  read_tensor_rows(
      file, shape.numel(), values, "is missing", [&](std::int64_t line, std::string_view text) {
        if (!parse_index(text, got)) {
          bad_index(file, line, text,
                    "is malformed: write one non-negative integer per dimension joined by "
                    "colons, e.g. " +
                        format_index(expected));
        }
        if (got.size() != expected.size()) {
          bad_index(file, line, text,
                    "has " + std::to_string(got.size()) + " dimensions, the tensor " +
                        format_shape(shape) + " has " + std::to_string(shape.rank()));
        }
        if (got != expected) {
          bad_index(file, line, text,
                    "is out of order: expected " + format_index(expected) +
                        " (rows list every index of " + format_shape(shape) +
                        " in row-major order)");
        }
        // The next index in row-major order.
        for (int d = shape.rank() - 1; d >= 0; --d) {
          if (++expected[static_cast<std::size_t>(d)] < shape[d] || d == 0) break;
          expected[static_cast<std::size_t>(d)] = 0;
        }
      });
  if (static_cast<std::int64_t>(values.size()) != shape.numel()) {
    fail(file, 0, 0,
         "has " + std::to_string(values.size()) + " values, but the shape " + format_shape(shape) +
             " needs " + std::to_string(shape.numel()));
  }
  Tensor<double> t(shape);
  t.assign(values);
  return t;
}

Tensor<double> read_tensor_csv(const fs::path& file) {
  std::vector<double> values;
  std::vector<std::int64_t> indices, got;  // every row's index, rank entries each
  std::vector<std::int64_t> lines;
  std::size_t rank = 0;
  read_tensor_rows(file, kMaxTensorElements, values, "is missing",
                   [&](std::int64_t line, std::string_view text) {
                     if (!parse_index(text, got)) {
                       bad_index(file, line, text,
                                 "is malformed: write one non-negative integer per dimension "
                                 "joined by colons, e.g. 0:0:2:3");
                     }
                     if (rank == 0) rank = got.size();
                     if (got.size() != rank) {
                       bad_index(file, line, text,
                                 "has " + std::to_string(got.size()) +
                                     " dimensions, the first row has " + std::to_string(rank));
                     }
                     indices.insert(indices.end(), got.begin(), got.end());
                     lines.push_back(line);
                   });
  if (values.empty()) fail(file, 0, 0, "has no values; the shape cannot be inferred");
  // The shape is the last index plus one; then every row must be that shape's next index.
  std::vector<std::int64_t> dims(indices.end() - static_cast<std::ptrdiff_t>(rank), indices.end());
  for (auto& d : dims) ++d;
  Shape shape;
  try {
    shape = Shape(std::span<const std::int64_t>(dims));
  } catch (const std::invalid_argument& e) {
    fail(file, lines.back(), 1,
         std::string("the last index gives an impossible shape: ") + e.what());
  }
  if (shape.numel() != static_cast<std::int64_t>(values.size())) {
    fail(file, 0, 0,
         "has " + std::to_string(values.size()) + " values, but its last index " +
             format_index({indices.end() - static_cast<std::ptrdiff_t>(rank), indices.end()}) +
             " implies the shape " + format_shape(shape) + " with " +
             std::to_string(shape.numel()) + " (rows must list every index in row-major order)");
  }
  std::vector<std::int64_t> expected(rank, 0);
  for (std::size_t row = 0; row < values.size(); ++row) {
    const std::vector<std::int64_t> at(
        indices.begin() + static_cast<std::ptrdiff_t>(row * rank),
        indices.begin() + static_cast<std::ptrdiff_t>(row * rank + rank));
    if (at != expected) {
      bad_index(file, lines[row], format_index(at),
                "is out of order: expected " + format_index(expected) +
                    " (rows list every index of " + format_shape(shape) + " in row-major order)");
    }
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (++expected[static_cast<std::size_t>(d)] < shape[d] || d == 0) break;
      expected[static_cast<std::size_t>(d)] = 0;
    }
  }
  Tensor<double> t(shape);
  t.assign(values);
  return t;
}

void write_tensor_csv(const fs::path& file, const Tensor<double>& t) {
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if (!std::isfinite(t[i])) {
      fail(file, i + 2, 2,
           "value " + format_value(t[i]) + " is not finite; fixtures hold finite numbers only");
    }
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) fail(file, 0, 0, "cannot be opened for writing");
  out << "index,value\n";
  std::vector<std::int64_t> idx(static_cast<std::size_t>(t.rank()), 0);
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    out << format_index(idx) << ',' << format_value(t[i]) << '\n';
    for (int d = t.rank() - 1; d >= 0; --d) {
      if (++idx[static_cast<std::size_t>(d)] < t.dim(d) || d == 0) break;
      idx[static_cast<std::size_t>(d)] = 0;
    }
  }
  out.flush();
  if (!out) fail(file, 0, 0, "could not be written");
}

Shape parse_shape(std::string_view text) {
  const auto bad = [&](const std::string& why) -> std::invalid_argument {
    return std::invalid_argument("shape " + show(text) + " " + why +
                                 " (write the extents joined by x, e.g. 1x1x6x6)");
  };
  std::vector<std::int64_t> dims;
  std::int64_t numel = 1;
  std::string_view rest = text;
  while (true) {
    const std::size_t x = rest.find('x');
    const std::string_view part = rest.substr(0, x);
    std::int64_t d = 0;
    if (dims.size() == Shape::kMaxRank) throw bad("has more than 5 dimensions");
    if (!parse_count(part, d)) {
      throw bad("is malformed: extent " + std::to_string(dims.size() + 1) + " " + show(part) +
                " is not a non-negative integer");
    }
    if (d > 0 && numel > kMaxTensorElements / d) {
      throw bad("has more than the limit of " + std::to_string(kMaxTensorElements) + " elements");
    }
    numel *= d;
    dims.push_back(d);
    if (x == std::string_view::npos) break;
    rest.remove_prefix(x + 1);
  }
  if (numel > kMaxTensorElements) {
    throw bad("has more than the limit of " + std::to_string(kMaxTensorElements) + " elements");
  }
  return Shape(std::span<const std::int64_t>(dims));
}

std::string format_shape(const Shape& shape) {
  std::string s;
  for (int d = 0; d < shape.rank(); ++d) {
    if (d > 0) s += 'x';
    s += std::to_string(shape[d]);
  }
  return s;
}

std::string format_index(const std::vector<std::int64_t>& index) {
  std::string s;
  for (std::size_t d = 0; d < index.size(); ++d) {
    if (d > 0) s += ':';
    s += std::to_string(index[d]);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Manifests.

namespace {

struct Entry {
  std::string key, value;
  std::int64_t line;
};

struct Declared {
  Shape shape;
  std::int64_t line;
};

// A manifest turned into a Case without tensor values, plus the declared tensor shapes.
struct Manifest {
  Case c;
  std::map<std::string, Declared> inputs, outputs;
};

constexpr const char* kPlainKeys[] = {"format",
                                      "op",
                                      "direction",
                                      "description",
                                      "provenance",
                                      "tolerance.abs",
                                      "tolerance.policy",
                                      "tolerance.reason",
                                      "note"};

bool has_prefix(std::string_view s, std::string_view prefix) {
  return s.size() > prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool known_key(std::string_view key) {
  for (const char* k : kPlainKeys) {
    if (key == k) return true;
  }
  return has_prefix(key, "param.") || has_prefix(key, "input.") || has_prefix(key, "output.");
}

std::string key_list() {
  std::string s;
  for (const char* k : kPlainKeys) s += std::string(s.empty() ? "" : ", ") + k;
  return s + ", param.<name>, input.<name>, output.<name>";
}

std::string tensor_list(const std::vector<TensorSpec>& tensors) {
  std::string s;
  for (const TensorSpec& t : tensors) {
    s += (s.empty() ? "" : ", ") + t.name + (t.optional ? " (optional)" : "");
  }
  return s;
}

// doc:<seed file>#W<n>, derived:<how>, generated:<generator>@seed=<n>.
std::string provenance_problem(std::string_view p) {
  constexpr std::string_view forms =
      "; the forms are doc:<seed file name>#W<n>, derived:<from which case, how>, "
      "generated:<generator>@seed=<n>";
  if (has_prefix(p, "doc:")) {
    const std::string_view rest = p.substr(4);
    const std::size_t hash = rest.find("#W");
    if (hash == std::string_view::npos) return "doc provenance lacks #W<n>" + std::string(forms);
    const std::string_view file = rest.substr(0, hash), number = rest.substr(hash + 2);
    if (file.size() < 5 || file.substr(file.size() - 4) != ".txt" ||
        file.find_first_of("#/\\ \t") != std::string_view::npos) {
      return "doc provenance names " + show(file) +
             ", not a seed file name like 000_3ddde5b97f33cba7.txt" + std::string(forms);
    }
    std::int64_t n = 0;
    if (!parse_count(number, n) || n < 1 || number.front() == '0') {
      return "doc provenance example " + show(number) + " is not a number W1, W2, ..." +
             std::string(forms);
    }
    return "";
  }
  if (has_prefix(p, "derived:")) return "";
  if (has_prefix(p, "generated:")) {
    const std::string_view rest = p.substr(10);
    const std::size_t at = rest.rfind("@seed=");
    std::int64_t seed = 0;
    if (at == std::string_view::npos || at == 0) {
      return "generated provenance must be generated:<generator>@seed=<n>" + std::string(forms);
    }
    if (!parse_count(rest.substr(at + 6), seed)) {
      return "generated provenance seed " + show(rest.substr(at + 6)) +
             " is not a non-negative integer" + std::string(forms);
    }
    return "";
  }
  return "provenance " + show(p) + " is in none of the three forms" + std::string(forms);
}

Manifest parse_manifest(const std::vector<Entry>& entries, const fs::path& file) {
  std::map<std::string, const Entry*> by_key;
  for (const Entry& e : entries) {
    if (!known_key(e.key)) {
      fail(file, e.line, 1, "unknown key " + show(e.key) + "; the keys are " + key_list());
    }
    const auto [it, fresh] = by_key.emplace(e.key, &e);
    if (!fresh) {
      fail(file, e.line, 1,
           "duplicate key " + show(e.key) + " (first on line " + std::to_string(it->second->line) +
               ")");
    }
  }
  const auto find = [&](const std::string& key) -> const Entry* {
    const auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : it->second;
  };
  const auto need = [&](const std::string& key) -> const Entry& {
    const Entry* e = find(key);
    if (!e) fail(file, 0, 0, "missing key " + key);
    return *e;
  };
  const auto need_text = [&](const std::string& key) -> const std::string& {
    const Entry& e = need(key);
    if (e.value.empty()) fail(file, e.line, 2, key + " must not be empty");
    return e.value;
  };

  Manifest m;
  Case& c = m.c;
  const Entry& format = need("format");
  if (format.value != kCaseFormat) {
    fail(file, format.line, 2,
         "format " + show(format.value) + " is not " + std::string(kCaseFormat));
  }

  // Op and direction.
  const Entry& op = need("op");
  const Entry& dir = need("direction");
  Direction direction{};
  try {
    direction = parse_direction(dir.value);
  } catch (const std::invalid_argument& e) {
    fail(file, dir.line, 2, e.what());
  }
  bool op_known = false;
  for (const OpSpec& s : all_ops()) op_known = op_known || s.name == op.value;
  try {
    c.spec = &find_op(op.value, direction);
  } catch (const std::invalid_argument& e) {
    fail(file, op_known ? dir.line : op.line, 2, e.what());
  }
  const OpSpec& spec = *c.spec;

  // Parameters: every field, explicitly.
  c.params = spec.default_params;
  std::set<std::string> unset;
  std::string known;
  for (const auto& [name, value] : param_entries(c.params)) {
    unset.insert(name);
    known += (known.empty() ? "" : ", ") + name;
  }
  for (const Entry& e : entries) {
    if (!has_prefix(e.key, "param.")) continue;
    const std::string name = e.key.substr(6);
    if (!unset.contains(name)) {
      fail(file, e.line, 1,
           "unknown parameter " + show(name) + " for " + spec.name + "; " +
               (known.empty() ? spec.name + " has no parameters" : "its parameters are " + known));
    }
    try {
      set_param(spec.name, c.params, name, e.value);
    } catch (const std::invalid_argument& ex) {
      fail(file, e.line, 2, ex.what());
    }
    std::int64_t v = 0;
    const char* end = e.value.data() + e.value.size();
    const auto [ptr, ec] = std::from_chars(e.value.data(), end, v);
    if (ec == std::errc{} && ptr == end && (v > kMaxParamMagnitude || v < -kMaxParamMagnitude)) {
      fail(file, e.line, 2,
           spec.name + ": parameter " + name + " = " + e.value + " is beyond the limit of +-" +
               std::to_string(kMaxParamMagnitude) + " for fixture parameters");
    }
    unset.erase(name);
  }
  if (!unset.empty()) {
    std::string missing;
    for (const std::string& name : unset)
      missing += (missing.empty() ? "param." : ", param.") + name;
    fail(file, 0, 0,
         "missing parameters " + missing + " (every parameter of " + spec.name +
             " is written explicitly; no defaults are implied)");
  }

  // Tensor shapes.
  const auto declare = [&](const std::vector<TensorSpec>& specs, const char* prefix,
                           std::map<std::string, Declared>& out) {
    for (const Entry& e : entries) {
      if (!has_prefix(e.key, prefix)) continue;
      const std::string name = e.key.substr(std::strlen(prefix));
      const bool known_name = std::any_of(specs.begin(), specs.end(),
                                          [&](const TensorSpec& t) { return t.name == name; });
      if (!known_name) {
        fail(file, e.line, 1,
             spec.name + " " + std::string(to_string(direction)) + " has no " +
                 std::string(prefix).substr(0, std::strlen(prefix) - 1) + " " + show(name) +
                 "; they are " + tensor_list(specs));
      }
      try {
        out[name] = {parse_shape(e.value), e.line};
      } catch (const std::invalid_argument& ex) {
        fail(file, e.line, 2, ex.what());
      }
    }
  };
  declare(spec.inputs, "input.", m.inputs);
  declare(spec.outputs, "output.", m.outputs);
  for (const TensorSpec& t : spec.inputs) {
    if (!t.optional && !m.inputs.contains(t.name)) {
      fail(file, 0, 0, "missing key input." + t.name + " (" + t.meaning + ")");
    }
  }
  ShapeMap in_shapes, out_shapes;
  for (const auto& [name, d] : m.inputs) in_shapes[name] = d.shape;
  try {
    out_shapes = output_shapes(spec, c.params, in_shapes);
  } catch (const std::invalid_argument& e) {
    fail(file, 0, 0, std::string("the inputs and parameters are invalid: ") + e.what());
  }
  for (const auto& [name, d] : m.outputs) {
    const auto it = out_shapes.find(name);
    if (it == out_shapes.end()) {
      fail(file, d.line, 1,
           "output " + name +
               " is not produced with these inputs (an optional gradient exists "
               "only when its tensor is an input)");
    }
    if (!(it->second == d.shape)) {
      fail(file, d.line, 2,
           "output " + name + " is declared " + format_shape(d.shape) +
               ", but the shape module gives " + format_shape(it->second) +
               " for these inputs and parameters");
    }
  }
  for (const auto& [name, shape] : out_shapes) {
    if (!m.outputs.contains(name)) {
      fail(file, 0, 0,
           "missing key output." + name + " (expected shape " + format_shape(shape) + ")");
    }
  }

  // Tolerance.
  const Entry& abs = need("tolerance.abs");
  c.abs_tol = parse_number(abs.value, file, abs.line, 2, "tolerance.abs");
  if (c.abs_tol < 0) fail(file, abs.line, 2, "tolerance.abs must be >= 0, got " + abs.value);
  const Entry& policy = need("tolerance.policy");
  if (policy.value != "exact" && policy.value != "bound") {
    fail(file, policy.line, 2,
         "tolerance.policy " + show(policy.value) + " is not one of: exact, bound");
  }
  c.exact = policy.value == "exact";
  if (c.exact && c.abs_tol != 0) {
    fail(file, abs.line, 2,
         "tolerance.abs must be 0 when tolerance.policy is exact (exact means ==), got " +
             abs.value);
  }
  c.tolerance_reason = need_text("tolerance.reason");

  c.description = need_text("description");
  const Entry& prov = need("provenance");
  if (const std::string problem = provenance_problem(prov.value); !problem.empty()) {
    fail(file, prov.line, 2, problem);
  }
  c.provenance = prov.value;
  if (const Entry* note = find("note")) c.note = note->value;
  return m;
}

std::vector<Entry> read_manifest(const fs::path& file) {
  std::vector<Entry> entries;
  read_two_columns<ManifestQuoting>(
      file, "key", "value", "is missing: a case directory holds manifest.csv",
      [&](std::int64_t line, std::string_view key, std::string_view value) {
        entries.push_back({std::string(key), std::string(value), line});
      });
  return entries;
}

std::string case_name(const fs::path& dir, const OpSpec& spec) {
  fs::path d = dir.lexically_normal();
  if (d.filename().empty()) d = d.parent_path();
  return spec.name + "/" + d.filename().string();
}

}  // namespace

Case load_case(const fs::path& dir) {
  const fs::path manifest_file = dir / "manifest.csv";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(dir, 0, 0, "is not a directory");
  Manifest m = parse_manifest(read_manifest(manifest_file), manifest_file);
  Case& c = m.c;
  c.dir = dir;
  c.name = case_name(dir, *c.spec);

  // Every CSV file of the directory is one of the declared tensors.
  std::set<std::string> declared{"manifest.csv"};
  for (const auto& [name, d] : m.inputs) declared.insert(name + ".csv");
  for (const auto& [name, d] : m.outputs) declared.insert(name + ".csv");
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& f = it->path();
    if (f.extension() == ".csv" && !declared.contains(f.filename().string())) {
      fail(f, 0, 0,
           "is not a tensor of " + manifest_file.string() +
               " (declare it as input.<name> or output.<name>, or remove it)");
    }
  }
  if (ec) fail(dir, 0, 0, "cannot be listed: " + ec.message());
  const auto read = [&](const std::map<std::string, Declared>& shapes, const char* kind,
                        TensorMap<double>& out) {
    for (const auto& [name, d] : shapes) {
      const fs::path file = dir / (name + ".csv");
      if (!fs::exists(file, ec)) {
        fail(file, 0, 0,
             "is missing (declared as " + std::string(kind) + "." + name + " on line " +
                 std::to_string(d.line) + " of " + manifest_file.string() + ")");
      }
      out[name] = read_tensor_csv(file, d.shape);
    }
  };
  read(m.inputs, "input", c.inputs);
  read(m.outputs, "output", c.expected);
  return c;
}

namespace {

// fixtures/ also holds folders of other convlab formats with a manifest.csv (the architecture
// facts of fixtures/architecture/, format convlab-arch-1); they are not cases. This is a sniff,
// not a parse: a line reading exactly `format,convlab-<other>-...`. Anything else, including
// a manifest that quotes that line differently, counts as a case, so load_case reports it
// rather than a case being skipped in silence. (Reading every manifest with the CSV parser
// would cost a 48 MiB buffer each, which is slow under AddressSanitizer.)
bool other_convlab_format(const fs::path& manifest_file) {
  std::ifstream in(manifest_file, std::ios::binary);
  std::string line;
  for (int n = 0; n < 64 && std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.starts_with("format,")) {
      const std::string_view value = std::string_view(line).substr(7);
      return value.starts_with("convlab-") && !value.starts_with("convlab-case-");
    }
  }
  return false;
}

}  // namespace

std::vector<fs::path> find_cases(const std::vector<fs::path>& roots) {
  std::map<fs::path, fs::path> found;  // canonical -> as found
  const auto add = [&](const fs::path& dir) {
    if (other_convlab_format(dir / "manifest.csv")) return;
    std::error_code ec;
    fs::path key = fs::weakly_canonical(dir, ec);
    if (ec) key = dir.lexically_normal();
    found.emplace(key, dir.lexically_normal());
  };
  for (const fs::path& root : roots) {
    std::error_code ec;
    const fs::file_status st = fs::status(root, ec);
    if (!fs::exists(st)) fail(root, 0, 0, "does not exist");
    if (fs::is_regular_file(st) && root.filename() == "manifest.csv") {
      add(root.parent_path());
    } else if (fs::is_directory(st)) {
      if (fs::exists(root / "manifest.csv")) add(root);
      for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied),
           end;
           it != end; ++it) {
        if (it->path().filename() == "manifest.csv" && it->is_regular_file()) {
          add(it->path().parent_path());
        }
      }
    } else {
      fail(root, 0, 0, "is neither a case directory, a folder of cases nor a manifest.csv");
    }
  }
  std::vector<fs::path> dirs;
  for (const auto& [key, dir] : found) dirs.push_back(dir);
  std::sort(dirs.begin(), dirs.end());
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  return dirs;
}

namespace {

std::string csv_field(const std::string& v) {
  const bool needs_quotes = v.find_first_of(",\"") != std::string::npos ||
                            (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!needs_quotes) return v;
  std::string q = "\"";
  for (char ch : v) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

}  // namespace

void write_case(const Case& c, const fs::path& dir) {
  const fs::path manifest_file = dir / "manifest.csv";
  if (!c.spec) fail(manifest_file, 0, 0, "the case has no op");
  const OpSpec& spec = *c.spec;
  std::vector<Entry> entries;
  const auto add = [&](std::string key, std::string value) {
    entries.push_back({std::move(key), std::move(value), std::int64_t(entries.size()) + 2});
  };
  add("format", std::string(kCaseFormat));
  add("op", spec.name);
  add("direction", std::string(to_string(spec.direction)));
  add("description", c.description);
  add("provenance", c.provenance);
  for (const auto& [name, value] : param_entries(c.params)) add("param." + name, value);
  const auto add_tensors = [&](const char* prefix, const TensorMap<double>& tensors) {
    for (const auto& [name, t] : tensors) {
      if (!t.empty()) add(prefix + name, format_shape(t.shape()));
    }
  };
  add_tensors("input.", c.inputs);
  add_tensors("output.", c.expected);
  add("tolerance.abs", format_shortest(c.abs_tol));
  add("tolerance.policy", c.exact ? "exact" : "bound");
  add("tolerance.reason", c.tolerance_reason);
  if (!c.note.empty()) add("note", c.note);
  for (const Entry& e : entries) {
    if (e.value.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos) {
      fail(manifest_file, e.line, 2,
           e.key + " contains a line break or NUL, which a CSV line cannot hold");
    }
  }
  // The same validation as load_case (this also checks every declared shape against the
  // shape module, and tolerance.abs, which std::to_chars wrote as a finite number only if it
  // was one).
  parse_manifest(entries, manifest_file);
  if (!std::isfinite(c.abs_tol)) fail(manifest_file, 0, 0, "tolerance.abs is not finite");
  for (const auto* tensors : {&c.inputs, &c.expected}) {
    for (const auto& [name, t] : *tensors) {
      for (std::int64_t i = 0; i < t.numel(); ++i) {
        if (!std::isfinite(t[i])) {
          fail(dir / (name + ".csv"), i + 2, 2,
               "value " + format_value(t[i]) + " is not finite; fixtures hold finite numbers only");
        }
      }
    }
  }

  fs::create_directories(dir);
  {
    std::ofstream out(manifest_file, std::ios::binary | std::ios::trunc);
    if (!out) fail(manifest_file, 0, 0, "cannot be opened for writing");
    out << "key,value\n";
    for (const Entry& e : entries) out << e.key << ',' << csv_field(e.value) << '\n';
    out.flush();
    if (!out) fail(manifest_file, 0, 0, "could not be written");
  }
  for (const auto* tensors : {&c.inputs, &c.expected}) {
    for (const auto& [name, t] : *tensors) {
      if (!t.empty()) write_tensor_csv(dir / (name + ".csv"), t);
    }
  }
}

CompareResult compare(const Case& c, const TensorMap<double>& actual, double factor, double eps,
                      const TensorMap<double>* scale_override) {
  if (c.spec == nullptr) throw std::invalid_argument("compare: the case has no op");
  CompareResult r;
  const TensorMap<double> scale = c.exact ? TensorMap<double>{}
                                  : scale_override != nullptr
                                      ? *scale_override
                                      : error_scale(*c.spec, c.params, c.inputs);
  const double inf = std::numeric_limits<double>::infinity();
  const auto unflatten = [](const Shape& s, std::int64_t flat) {
    std::vector<std::int64_t> idx(static_cast<std::size_t>(s.rank()));
    for (int d = s.rank() - 1; d >= 0; --d) {
      idx[static_cast<std::size_t>(d)] = flat % s[d];
      flat /= s[d];
    }
    return idx;
  };
  const auto fail_first = [&](const std::string& message) {
    if (r.passed) r.message = message;
    r.passed = false;
  };
  for (const auto& [name, expected] : c.expected) {
    const auto it = actual.find(name);
    if (it == actual.end() || !(it->second.shape() == expected.shape())) {
      fail_first(it == actual.end()
                     ? "output " + name + " is missing"
                     : "output " + name + " has shape " + format_shape(it->second.shape()) +
                           ", expected " + format_shape(expected.shape()));
      r.worst_ratio = inf;
      r.worst_tensor = name;
      r.worst_index.clear();
      continue;
    }
    const Tensor<double>& a = it->second;
    for (std::int64_t i = 0; i < expected.numel(); ++i) {
      const double e = expected[i], v = a[i];
      const double allowed = c.exact ? 0.0 : c.abs_tol + factor * eps * scale.at(name)[i];
      const double diff = std::fabs(v - e);  // NaN when v is NaN
      const bool ok = c.exact ? v == e : diff <= allowed;
      const double ratio = diff == 0                                    ? 0.0
                           : (ok || (allowed > 0 && !std::isnan(diff))) ? diff / allowed
                                                                        : inf;
      ++r.compared;
      if (!std::isnan(diff)) r.worst_abs_error = std::max(r.worst_abs_error, diff);
      if (ratio > r.worst_ratio) {
        r.worst_ratio = ratio;
        r.worst_tensor = name;
        r.worst_index = unflatten(expected.shape(), i);
      }
      if (!ok && r.passed) {
        r.bad_tensor = name;
        r.bad_index = unflatten(expected.shape(), i);
        r.expected = e;
        r.actual = v;
        r.allowed = allowed;
        std::ostringstream os;
        os.precision(17);
        os << name << " at " << format_index(r.bad_index) << ": expected " << e << ", got " << v
           << ", |difference| " << diff;
        if (c.exact) {
          os << " (the case is exact: values must be ==)";
        } else {
          os.precision(3);
          os << " > allowed " << allowed << " (" << ratio << " times the allowed error)";
        }
        fail_first(os.str());
      }
    }
  }
  if (r.passed) {
    std::ostringstream os;
    os << "passed: " << r.compared << " elements, worst error " << r.worst_ratio
       << " of the allowed";
    r.message = os.str();
  }
  return r;
}

fs::path bundled_corpus_dir() {
  return fs::path(CONVLAB_FIXTURES_DIR);
}

}  // namespace convlab
