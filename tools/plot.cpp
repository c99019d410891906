#include "tools/plot.hpp"

#include <csv.h>  // fast-cpp-csv-parser; see convlab_fccp in cmake/Dependencies.cmake

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "kernels/gemm/gemm.hpp"
#include "kernels/registry.hpp"
#include "tools/figure.hpp"

namespace convlab::plot {

namespace fs = std::filesystem;

namespace {

std::string locate(const fs::path& file, long line, const std::string& what) {
  std::string s = file.string();
  if (line > 0) s += ", line " + std::to_string(line);
  return s + ": " + what;
}

// At most 60 characters of a field, quoted, so a garbage line stays readable.
std::string show(std::string_view s) {
  std::string q = "\"" + std::string(s.substr(0, 60));
  if (s.size() > 60) q += "...";
  return q + "\"";
}

std::string read_whole_file(const fs::path& file, const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    throw PlotError(file, 0, "the " + what + " file does not exist (or is not a regular file)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw PlotError(file, 0, "the " + what + " file cannot be opened for reading");
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.find('\0') != std::string::npos) {
    throw PlotError(file, 1 + std::count(s.begin(), s.begin() + long(s.find('\0')), '\n'),
                    "contains a NUL byte; expected a text CSV file");
  }
  return s;
}

// The lines of a text, without their line ends (lines[0] is line 1).
std::vector<std::string_view> split_lines(const std::string& text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// A number of a CSV cell: "" is absent; anything else must be a whole number text.
double parse_cell(std::string_view text, const fs::path& file, long line,
                  const std::string& column) {
  if (text.empty()) return kAbsent;
  double v = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  if (r.ec != std::errc() || r.ptr != end) {
    throw PlotError(file, line, "column '" + column + "': " + show(text) + " is not a number");
  }
  // Google Benchmark writes -nan or inf for counters it cannot compute (the cv of a zero mean).
  return std::isfinite(v) ? v : kAbsent;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(sep, start);
    parts.emplace_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

double seconds_per_unit(std::string_view unit, const fs::path& file, long line) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s") return 1;
  throw PlotError(file, line, "column 'time_unit': " + show(unit) + " is not ns, us, ms or s");
}

using GbQuoting = io::double_quote_escape<',', '"'>;
template <unsigned N>
using GbReader = io::CSVReader<N, io::trim_chars<' ', '\t'>, GbQuoting, io::throw_on_overflow>;

// Google Benchmark writes the row of a benchmark that reported an error with its ten standard
// columns only (no user counters): `"name",,,,,,,,true,"message"`.
bool is_error_row(std::string_view raw, std::string& name, std::string& message) {
  try {
    GbReader<10> r("row", raw.data(), raw.data() + raw.size());
    r.set_header("name", "iterations", "real_time", "cpu_time", "time_unit", "bytes_per_second",
                 "items_per_second", "label", "error_occurred", "error_message");
    std::string c[10];
    if (!r.read_row(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9])) return false;
    name = c[0];
    message = c[9];
    return c[8] == "true";
  } catch (const io::error::base&) {
    return false;
  }
}

// One row of the speed CSV as read, before the aggregates are put together.
struct RawRow {
  std::string name;
  std::string aggregate;  // "median", "mean", "stddev", "cv" or "" for a single run
  double gflops = kAbsent;
  bool gflops_from_column = false;  // GFLOPS (maybe in FLOP/s) rather than bench_gemm's FLOPS
  double real_seconds = kAbsent, cpu_seconds = kAbsent, bytes_per_second = kAbsent, ai = kAbsent;
  double threads_counter = kAbsent;
  long line = 0;
  std::size_t section = 0;  // which run of a concatenated file
};

// Google Benchmark appends these to a name for the options a benchmark was registered with.
bool is_gbench_suffix(std::string_view c) {
  return starts_with(c, "threads:") || c == "real_time" || c == "manual_time" ||
         c == "process_time" || starts_with(c, "min_time:") || starts_with(c, "repeats:") ||
         starts_with(c, "iterations:") || starts_with(c, "min_warmup_time:");
}

bool is_machine_step(std::string_view name) {
  return name == "fma_peak_avx2" || name == "fma_peak_avx512";
}

std::string fmt(double v, int digits = 4) {
  if (!present(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return kAbsent;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double stddev_of(const std::vector<double>& v) {
  if (v.size() < 2) return kAbsent;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= double(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / double(v.size() - 1));
}

// Reads the rows of one run's CSV: its header at lines[header], rows up to `stop`.
void read_speed_section(const fs::path& file, const std::vector<std::string_view>& lines,
                        std::size_t section, std::size_t header, const char* stop,
                        std::vector<RawRow>& raw, std::vector<std::string>& notes,
                        std::set<std::string>& skipped_names) {
  const long header_line = long(header) + 1;
  try {
    GbReader<11> reader(file.string(), lines[header].data(), stop);
    reader.set_file_line(unsigned(header));
    reader.read_header(io::ignore_extra_column | io::ignore_missing_column, "name", "real_time",
                       "cpu_time", "time_unit", "bytes_per_second", "error_occurred",
                       "error_message", "GFLOPS", "AI", "threads", "FLOPS");
    for (const char* required : {"name", "real_time", "cpu_time", "time_unit"}) {
      if (!reader.has_column(required)) {
        throw PlotError(file, header_line,
                        std::string("missing column '") + required + "' in the header");
      }
    }
    const bool has_gflops = reader.has_column("GFLOPS");
    if (!has_gflops && !reader.has_column("FLOPS")) {
      throw PlotError(file, header_line,
                      "missing column 'GFLOPS' (the counter of bench_variants) in the header");
    }
    std::string c[11];
    while (true) {
      for (std::string& s : c) s.clear();
      try {
        if (!reader.read_row(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10])) {
          break;
        }
      } catch (const io::error::too_few_columns&) {
        const long line = long(reader.get_file_line());
        std::string name, message;
        if (line >= 1 && std::size_t(line) <= lines.size() &&
            is_error_row(lines[std::size_t(line) - 1], name, message)) {
          if (skipped_names.insert(name).second) {
            notes.push_back("skipped " + name + " (line " + std::to_string(line) +
                            "): the benchmark reported: " + message);
          }
          continue;
        }
        throw PlotError(file, line,
                        "too few columns (a truncated file?); the header at line " +
                            std::to_string(header_line) + " has more");
      }
      const long line = long(reader.get_file_line());
      if (c[5] == "true") {
        if (skipped_names.insert(c[0]).second) {
          notes.push_back("skipped " + c[0] + " (line " + std::to_string(line) +
                          "): the benchmark reported: " + c[6]);
        }
        continue;
      }
      RawRow r;
      r.line = line;
      r.name = c[0];
      for (const char* agg : {"_median", "_mean", "_stddev", "_cv"}) {
        const std::string_view a(agg);
        if (r.name.size() > a.size() &&
            r.name.compare(r.name.size() - a.size(), a.size(), a) == 0) {
          r.aggregate = std::string(a.substr(1));
          r.name.resize(r.name.size() - a.size());
          break;
        }
      }
      const double unit = seconds_per_unit(c[3], file, line);
      const double real = parse_cell(c[1], file, line, "real_time");
      const double cpu = parse_cell(c[2], file, line, "cpu_time");
      r.bytes_per_second = parse_cell(c[4], file, line, "bytes_per_second");
      const double gflops = parse_cell(c[7], file, line, "GFLOPS");
      r.ai = parse_cell(c[8], file, line, "AI");
      r.threads_counter = parse_cell(c[9], file, line, "threads");
      const double flops = parse_cell(c[10], file, line, "FLOPS");
      if (present(gflops)) {
        r.gflops = gflops;
        r.gflops_from_column = true;
      } else if (present(flops)) {
        r.gflops = flops * 1e-9;
      }
      r.real_seconds = real * unit;
      r.cpu_seconds = cpu * unit;
      r.section = section;
      raw.push_back(std::move(r));
    }
  } catch (const io::error::escaped_string_not_closed& e) {
    throw PlotError(file, e.file_line, "a quoted field is not closed (a truncated file?)");
  } catch (const io::error::too_many_columns& e) {
    throw PlotError(file, e.file_line,
                    "more columns than the header at line " + std::to_string(header_line));
  } catch (const io::error::base& e) {
    throw PlotError(file, 0, e.what());
  }
}

}  // namespace

PlotError::PlotError(const fs::path& file, long line, const std::string& what)
    : std::runtime_error(locate(file, line, what)) {}

double MachineLimits::peak_gflops() const {
  return present(peak_avx512_gflops) ? peak_avx512_gflops : peak_avx2_gflops;
}

std::string MachineLimits::peak_name() const {
  return present(peak_avx512_gflops) ? "AVX-512 FMA" : "AVX2 FMA";
}

bool is_peer(std::string_view variant) {
  return starts_with(variant, "onednn") || starts_with(variant, "openblas");
}

std::string parent_of(std::string_view variant) {
  // "<variant>+prepared" (bench_variants: weights prepared once) improves on <variant>.
  if (variant.ends_with("+prepared")) return std::string(variant.substr(0, variant.size() - 9));
  if (const Variant* v = find_variant(variant)) return v->parent;
  for (const GemmStep& s : gemm_steps()) {
    if (s.name == variant) return std::string(s.parent);
  }
  return "";
}

double trailing_number(std::string_view layer) {
  // Only a trailing number counts: "ih64" and "n:256", not "conv3_relu".
  std::size_t begin = layer.size();
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(layer[begin - 1]))) --begin;
  if (begin == layer.size()) return kAbsent;
  double v = 0;
  std::from_chars(layer.data() + begin, layer.data() + layer.size(), v);
  return v;
}

const std::vector<std::string>& network_sets() {
  static const std::vector<std::string> sets = {
      "lenet",        "lenet_d2l",    "alexnet", "vgg16",      "resnet50",
      "mobilenet_v1", "googlenet_3a", "pooling", "transposed", "fc"};
  return sets;
}

// ---------------------------------------------------------------------------------------------
// Reading.

SpeedData read_speed_csv(const fs::path& file) {
  const std::string text = read_whole_file(file, "speed");
  const std::vector<std::string_view> lines = split_lines(text);
  // Google Benchmark writes its context (date, CPU, caches) above the header. Files of several
  // runs may be concatenated (scripts/figures does): each header starts a section, which ends
  // before the next run's context (the lines before the next header that are not rows: rows
  // start with the quoted name).
  std::vector<std::size_t> headers;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (starts_with(lines[i], "name,") || starts_with(lines[i], "\"name\",")) {
      headers.push_back(i);
    }
  }
  if (headers.empty()) {
    throw PlotError(file, 0,
                    "no header line starting with 'name,': expected Google Benchmark's CSV "
                    "output (--benchmark_out=FILE --benchmark_out_format=csv)");
  }

  std::vector<RawRow> raw;
  SpeedData data;
  data.file = file.string();
  std::set<std::string> skipped_names;
  for (std::size_t section = 0; section < headers.size(); ++section) {
    const std::size_t header = headers[section];
    std::size_t end = section + 1 < headers.size() ? headers[section + 1] : lines.size();
    if (section + 1 < headers.size()) {
      while (end > header + 1 && !starts_with(lines[end - 1], "\"")) --end;
    }
    const char* stop = end < lines.size() ? lines[end].data() : text.data() + text.size();
    read_speed_section(file, lines, section, header, stop, raw, data.notes, skipped_names);
  }

  // A GFLOPS column in FLOP/s: no one-thread result on this machine reaches 100 TFLOP/s.
  double largest = 0;
  for (const RawRow& r : raw) {
    if (r.gflops_from_column && r.aggregate != "cv" && present(r.gflops)) {
      largest = std::max(largest, r.gflops);
    }
  }
  if (largest > 1e5) {
    for (RawRow& r : raw) {
      if (r.gflops_from_column && r.aggregate != "cv") r.gflops *= 1e-9;
    }
    data.notes.push_back("the GFLOPS column holds FLOP/s (largest " + fmt(largest) +
                         "); divided by 1e9");
  }

  // Put the aggregates of each benchmark together, in the order of the file.
  // A benchmark is its name within one run: its stddev row has the counters' standard deviation
  // (threads 0), so only the median (or single) rows say how many threads it ran.
  struct Acc {
    SpeedResult result;
    int name_threads = 0;
    double threads_counter = kAbsent;
    Stat real, cpu;
    std::vector<double> gflops, real_runs, cpu_runs, ai;  // single runs, without aggregates
    bool has_median = false;
  };
  std::vector<Acc> accs;
  std::map<std::pair<std::size_t, std::string>, std::size_t> index;
  std::map<std::string, std::vector<double>> machine_single;
  std::map<std::string, double> machine_median;
  for (const RawRow& r : raw) {
    std::vector<std::string> parts = split(r.name, '/');
    int name_threads = 0;
    while (parts.size() > 1 && is_gbench_suffix(parts.back())) {
      if (starts_with(parts.back(), "threads:")) name_threads = std::atoi(parts.back().c_str() + 8);
      parts.pop_back();
    }
    // The machine's limits.
    std::string machine_key;
    if (parts.size() == 3 && parts[0] == "machine") machine_key = parts[1] + "/" + parts[2];
    if (parts.size() == 1 && is_machine_step(parts[0])) {
      machine_key = parts[0] == "fma_peak_avx2" ? "fma_peak/avx2" : "fma_peak/avx512";
    }
    if (!machine_key.empty()) {
      const double v = machine_key == "bandwidth/triad" ? r.bytes_per_second * 1e-9 : r.gflops;
      if (r.aggregate == "median") machine_median[machine_key] = v;
      if (r.aggregate.empty()) machine_single[machine_key].push_back(v);
      continue;
    }
    SpeedResult s;
    if (parts.size() == 3) {
      s.op = parts[0];
      s.variant = parts[1];
      const std::size_t colon = parts[2].find(':');
      s.set = parts[2].substr(0, colon);
      s.layer = colon == std::string::npos ? "" : parts[2].substr(colon + 1);
    } else if (parts.size() == 2 && starts_with(parts[1], "n:")) {
      // bench/bench_gemm's own names: <step>/n:<size>.
      s.op = "gemm";
      s.variant = parts[0];
      s.set = "gemm";
      s.layer = "n" + parts[1].substr(2);
    } else {
      if (skipped_names.insert(r.name).second) {
        data.notes.push_back("skipped " + r.name + " (line " + std::to_string(r.line) +
                             "): not named <op>/<variant>/<set>:<layer>");
      }
      continue;
    }
    const auto key = std::make_pair(r.section, r.name);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, accs.size()).first;
      Acc fresh;
      fresh.result = s;
      fresh.name_threads = name_threads;
      accs.push_back(std::move(fresh));
    }
    Acc& a = accs[it->second];
    if (r.aggregate == "median") {
      a.has_median = true;
      a.result.gflops.median = r.gflops;
      a.real.median = r.real_seconds;
      a.cpu.median = r.cpu_seconds;
      a.result.ai = r.ai;
      a.result.line = r.line;
      a.threads_counter = r.threads_counter;
    } else if (r.aggregate == "stddev") {
      a.result.gflops.stddev = r.gflops;
      a.real.stddev = r.real_seconds;
      a.cpu.stddev = r.cpu_seconds;
    } else if (r.aggregate.empty()) {
      a.gflops.push_back(r.gflops);
      a.real_runs.push_back(r.real_seconds);
      a.cpu_runs.push_back(r.cpu_seconds);
      a.ai.push_back(r.ai);
      if (a.result.line == 0) a.result.line = r.line;
      a.threads_counter = r.threads_counter;
    }
  }
  std::map<std::tuple<std::string, std::string, std::string, std::string, int>, std::size_t> seen;
  for (Acc& a : accs) {
    if (!a.has_median) {
      if (a.gflops.empty()) continue;  // only a mean or cv: nothing to plot
      a.result.gflops = {median_of(a.gflops), stddev_of(a.gflops)};
      a.real = {median_of(a.real_runs), stddev_of(a.real_runs)};
      a.cpu = {median_of(a.cpu_runs), stddev_of(a.cpu_runs)};
      a.result.ai = median_of(a.ai);
    }
    SpeedResult& res = a.result;
    res.threads = present(a.threads_counter) && a.threads_counter >= 1
                      ? int(a.threads_counter)
                      : (a.name_threads > 0 ? a.name_threads : 1);
    // Wall time when several threads work (their CPU times add up), else CPU time.
    res.seconds = res.threads > 1 ? a.real : a.cpu;
    const auto key = std::make_tuple(res.op, res.variant, res.set, res.layer, res.threads);
    const auto dup = seen.find(key);
    if (dup != seen.end()) {
      data.notes.push_back(res.op + "/" + res.variant + "/" + res.set + ":" + res.layer +
                           " measured twice (lines " +
                           std::to_string(data.results[dup->second].line) + " and " +
                           std::to_string(res.line) + "): the later one counts");
      data.results[dup->second] = res;
      continue;
    }
    seen[key] = data.results.size();
    data.results.push_back(res);
  }
  const auto limit = [&](const std::string& key) {
    const auto m = machine_median.find(key);
    if (m != machine_median.end()) return m->second;
    const auto s = machine_single.find(key);
    return s == machine_single.end() ? kAbsent : median_of(s->second);
  };
  data.machine.peak_avx2_gflops = limit("fma_peak/avx2");
  data.machine.peak_avx512_gflops = limit("fma_peak/avx512");
  data.machine.bandwidth_gbs = limit("bandwidth/triad");
  return data;
}

std::vector<AccuracyRow> read_accuracy_csv(const fs::path& file) {
  const std::string text = read_whole_file(file, "accuracy");
  std::vector<AccuracyRow> rows;
  try {
    GbReader<8> reader(file.string(), text.data(), text.data() + text.size());
    reader.read_header(io::ignore_extra_column, "op", "variant", "set", "layer", "max_abs_error",
                       "max_rel_error", "error_over_bound", "tolerance_factor");
    std::string c[8];
    while (reader.read_row(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])) {
      AccuracyRow r;
      r.line = long(reader.get_file_line());
      r.op = c[0];
      r.variant = c[1];
      r.set = c[2];
      r.layer = c[3];
      const char* names[] = {"max_abs_error", "max_rel_error", "error_over_bound",
                             "tolerance_factor"};
      double* fields[] = {&r.max_abs_error, &r.max_rel_error, &r.error_over_bound,
                          &r.tolerance_factor};
      for (int i = 0; i < 4; ++i) {
        *fields[i] = parse_cell(c[4 + i], file, r.line, names[i]);
        if (!present(*fields[i])) {
          throw PlotError(file, r.line, std::string("column '") + names[i] + "' is empty");
        }
      }
      rows.push_back(std::move(r));
    }
  } catch (const io::error::missing_column_in_header& e) {
    throw PlotError(file, 1, std::string("missing column '") + e.column_name + "' in the header");
  } catch (const io::error::too_few_columns& e) {
    throw PlotError(file, e.file_line, "too few columns (a truncated file?)");
  } catch (const io::error::too_many_columns& e) {
    throw PlotError(file, e.file_line, "too many columns");
  } catch (const io::error::base& e) {
    throw PlotError(file, 0, e.what());
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The summary.

namespace {

bool is_scaling_set(std::string_view set) {
  return starts_with(set, "scaling_");
}

std::vector<const SpeedResult*> at_threads(const SpeedData& d, int threads) {
  std::vector<const SpeedResult*> out;
  for (const SpeedResult& r : d.results) {
    if (r.threads == threads && present(r.gflops.median)) out.push_back(&r);
  }
  return out;
}

// The variant every other variant of an op is compared with.
std::string reference_of(const std::string& op, const std::vector<const SpeedResult*>& rs) {
  const std::string ref = op + "_reference";
  for (const SpeedResult* r : rs) {
    if (r->variant == ref) return ref;
  }
  if (op == "gemm") return "gemm_naive";  // bench_gemm's first step
  return ref;
}

// Speed-ups of one variant over its op's reference on the layers both ran (network sets;
// every set when the variant ran on none of them).
struct Speedup {
  double geomean = kAbsent;
  int layers = 0;
  const SpeedResult* best_layer = nullptr;
  double best = kAbsent;
  const SpeedResult* best_reference = nullptr;
};

Speedup speedup_over_reference(const std::string& op, const std::string& variant,
                               const std::vector<const SpeedResult*>& rs) {
  const std::string ref = reference_of(op, rs);
  std::map<std::pair<std::string, std::string>, const SpeedResult*> reference;
  for (const SpeedResult* r : rs) {
    if (r->op == op && r->variant == ref) reference[{r->set, r->layer}] = r;
  }
  Speedup s;
  for (bool include_scaling : {false, true}) {
    double log_sum = 0;
    s = Speedup{};
    for (const SpeedResult* r : rs) {
      if (r->op != op || r->variant != variant) continue;
      if (!include_scaling && is_scaling_set(r->set)) continue;
      const auto it = reference.find({r->set, r->layer});
      if (it == reference.end() || !(it->second->gflops.median > 0)) continue;
      const double ratio = r->gflops.median / it->second->gflops.median;
      if (!(ratio > 0)) continue;
      log_sum += std::log(ratio);
      ++s.layers;
      if (!present(s.best) || ratio > s.best) {
        s.best = ratio;
        s.best_layer = r;
        s.best_reference = it->second;
      }
    }
    if (s.layers > 0) {
      s.geomean = std::exp(log_sum / s.layers);
      break;
    }
  }
  return s;
}

template <class T>
std::vector<T> unique_in_order(const std::vector<T>& v) {
  std::vector<T> out;
  for (const T& x : v) {
    if (std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
  }
  return out;
}

}  // namespace

namespace {

SummaryRow summary_row(std::string kind, std::string op, std::string set, std::string layer,
                       std::string variant, double value, double value_stddev, std::string unit) {
  SummaryRow r;
  r.kind = std::move(kind);
  r.op = std::move(op);
  r.set = std::move(set);
  r.layer = std::move(layer);
  r.variant = std::move(variant);
  r.value = value;
  r.value_stddev = value_stddev;
  r.unit = std::move(unit);
  return r;
}

}  // namespace

std::vector<SummaryRow> summarize(const SpeedData& speed, int threads) {
  std::vector<SummaryRow> rows;
  const MachineLimits& m = speed.machine;
  if (present(m.peak_avx2_gflops)) {
    rows.push_back(
        summary_row("machine_peak", "", "", "", "avx2", m.peak_avx2_gflops, kAbsent, "GFLOP/s"));
  }
  if (present(m.peak_avx512_gflops)) {
    rows.push_back(summary_row("machine_peak", "", "", "", "avx512", m.peak_avx512_gflops, kAbsent,
                               "GFLOP/s"));
  }
  if (present(m.bandwidth_gbs)) {
    rows.push_back(
        summary_row("machine_bandwidth", "", "", "", "triad", m.bandwidth_gbs, kAbsent, "GB/s"));
  }
  const std::vector<const SpeedResult*> rs = at_threads(speed, threads);

  // Per network layer: the fastest convlab variant against oneDNN.
  std::vector<std::tuple<std::string, std::string, std::string>> layers;
  for (const SpeedResult* r : rs) {
    if (r->op == "gemm" || is_scaling_set(r->set)) continue;
    layers.emplace_back(r->set, r->op, r->layer);
  }
  for (const auto& [set, op, layer] : unique_in_order(layers)) {
    const SpeedResult* best = nullptr;
    const SpeedResult* onednn = nullptr;
    for (const SpeedResult* r : rs) {
      if (r->set != set || r->op != op || r->layer != layer) continue;
      if (r->variant == "onednn") onednn = r;
      if (!is_peer(r->variant) && (!best || r->gflops.median > best->gflops.median)) best = r;
    }
    if (!best) continue;
    SummaryRow row = summary_row("layer_best", op, set, layer, best->variant, best->gflops.median,
                                 best->gflops.stddev, "GFLOP/s");
    if (onednn) {
      row.versus = "onednn";
      row.versus_value = onednn->gflops.median;
      row.ratio = best->gflops.median / onednn->gflops.median;
    }
    rows.push_back(row);
  }

  // Per op: the best speed-up over the reference.
  std::vector<std::string> ops;
  for (const SpeedResult* r : rs) ops.push_back(r->op);
  for (const std::string& op : unique_in_order(ops)) {
    const std::string ref = reference_of(op, rs);
    std::vector<std::string> variants;
    for (const SpeedResult* r : rs) {
      if (r->op == op && r->variant != ref && !is_peer(r->variant)) variants.push_back(r->variant);
    }
    Speedup best_mean, best_single;
    std::string best_mean_variant;
    for (const std::string& v : unique_in_order(variants)) {
      const Speedup s = speedup_over_reference(op, v, rs);
      if (s.layers == 0) continue;
      if (!present(best_mean.geomean) || s.geomean > best_mean.geomean) {
        best_mean = s;
        best_mean_variant = v;
      }
      if (!present(best_single.best) || s.best > best_single.best) best_single = s;
    }
    if (best_mean_variant.empty()) continue;
    SummaryRow mean = summary_row("op_speedup", op, "",
                                  "geomean of " + std::to_string(best_mean.layers) + " layers",
                                  best_mean_variant, kAbsent, kAbsent, "x");
    mean.versus = ref;
    mean.ratio = best_mean.geomean;
    rows.push_back(mean);
    const SpeedResult* b = best_single.best_layer;
    SummaryRow single = summary_row("op_max_speedup", op, b->set, b->layer, b->variant,
                                    b->gflops.median, b->gflops.stddev, "GFLOP/s");
    single.versus = ref;
    single.versus_value = best_single.best_reference->gflops.median;
    single.ratio = best_single.best;
    rows.push_back(single);
  }

  // The GEMM core against the measured peak.
  const double peak = m.peak_gflops();
  std::vector<std::string> sizes;
  for (const SpeedResult* r : rs) {
    if (r->op == "gemm") sizes.push_back(r->set + ":" + r->layer);
  }
  SummaryRow gemm_best;
  for (const std::string& size : unique_in_order(sizes)) {
    const SpeedResult* best = nullptr;
    for (const SpeedResult* r : rs) {
      if (r->op == "gemm" && !is_peer(r->variant) && r->set + ":" + r->layer == size &&
          (!best || r->gflops.median > best->gflops.median)) {
        best = r;
      }
    }
    if (!best) continue;
    SummaryRow row =
        summary_row("gemm_peak_fraction", "gemm", best->set, best->layer, best->variant,
                    best->gflops.median, best->gflops.stddev, "GFLOP/s");
    if (present(peak)) {
      row.versus = present(m.peak_avx512_gflops) ? "fma_peak_avx512" : "fma_peak_avx2";
      row.versus_value = peak;
      row.ratio = best->gflops.median / peak;
    }
    rows.push_back(row);
    if (gemm_best.kind.empty() || row.value > gemm_best.value) gemm_best = row;
  }
  if (!gemm_best.kind.empty()) {
    gemm_best.kind = "gemm_best";
    rows.push_back(gemm_best);
  }
  return rows;
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

void write_summary_csv(const fs::path& file, const std::vector<SummaryRow>& rows) {
  if (!file.parent_path().empty()) fs::create_directories(file.parent_path());
  std::ofstream out(file);
  if (!out) throw PlotError(file, 0, "cannot be written");
  out << "kind,op,set,layer,variant,value,value_stddev,unit,versus,versus_value,ratio\n";
  for (const SummaryRow& r : rows) {
    out << csv_field(r.kind) << ',' << csv_field(r.op) << ',' << csv_field(r.set) << ','
        << csv_field(r.layer) << ',' << csv_field(r.variant) << ',' << fmt(r.value) << ','
        << fmt(r.value_stddev) << ',' << csv_field(r.unit) << ',' << csv_field(r.versus) << ','
        << fmt(r.versus_value) << ',' << fmt(r.ratio) << '\n';
  }
  if (!out) throw PlotError(file, 0, "cannot be written");
}

void print_summary(std::ostream& os, const std::vector<SummaryRow>& rows) {
  os << std::left << std::setw(19) << "kind" << std::setw(18) << "op" << std::setw(14) << "set"
     << std::setw(28) << "layer" << std::setw(30) << "variant" << std::setw(20) << "value"
     << std::setw(22) << "versus" << std::setw(10) << "versus"
     << "ratio\n";
  for (const SummaryRow& r : rows) {
    std::string value = fmt(r.value);
    if (present(r.value) && present(r.value_stddev)) value += " ±" + fmt(r.value_stddev, 2);
    if (present(r.value)) value += " " + r.unit;
    os << std::setw(19) << r.kind << std::setw(18) << r.op << std::setw(14) << r.set
       << std::setw(28) << r.layer << std::setw(30) << r.variant << std::setw(20) << value
       << std::setw(22) << r.versus << std::setw(10) << fmt(r.versus_value) << fmt(r.ratio, 3)
       << (present(r.ratio) && !starts_with(r.kind, "gemm_") ? "x" : "") << "\n";
  }
}

// ---------------------------------------------------------------------------------------------
// The figures.

namespace {

// A gnuplot string literal; a line break becomes gnuplot's \n escape.
std::string quote(const std::string& text) {
  std::string q;
  for (char c : gnuplot_quote(text)) {
    if (c == '\n') {
      q += "\\n";
    } else {
      q += c;
    }
  }
  return q;
}

struct Style {
  std::string color;
  int point = 7;
  double size = 1.0;
};

// Fixed looks for the reference and the peers; the palette for everything else.
Style style_of(const std::string& variant, std::size_t index) {
  if (variant == "onednn") return {"#000000", 13, 1.7};
  if (variant == "onednn_with_reorders") return {"#000000", 12, 1.7};
  if (starts_with(variant, "openblas")) return {"#555555", 11, 1.4};
  if (starts_with(variant, "onednn_")) return {"#444444", 3, 1.4};  // one of its algorithms
  if (variant.ends_with("_reference")) return {"#999999", 6, 1.2};
  static const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#bcbd22", "#17becf"};
  static const int points[] = {7, 5, 9, 15, 4, 8};
  const std::size_t n = std::size(palette);
  return {palette[index % n], points[(index / n) % std::size(points)], 1.1};
}

std::string style_spec(const Style& s) {
  return "pt " + std::to_string(s.point) + " ps " + fmt(s.size, 3) + " lc rgb '" + s.color + "'";
}

// An inline data block `$name`, one row per line.
void datablock(Gnuplot& gp, const std::string& name, const std::vector<std::string>& rows) {
  gp << "$" << name << " << EOD\n";
  for (const std::string& r : rows) gp << r << "\n";
  gp << "EOD\n";
}

// A number for gnuplot's data: absent values would break the columns, so callers filter them.
std::string num(double v) {
  return fmt(v, 7);
}

// Error bar ends of a positive median on a log axis: +-1 stddev, the lower end kept above 0.
std::pair<double, double> bar(double median, double stddev) {
  if (!present(stddev)) return {median, median};
  return {std::max(median - stddev, median * 0.02), median + stddev};
}

std::string strip_op(const std::string& variant, const std::string& op) {
  if (starts_with(variant, op + "_")) return variant.substr(op.size() + 1);
  return variant;
}

std::vector<std::string> variants_in(const std::vector<const SpeedResult*>& rs) {
  std::vector<std::string> v;
  for (const SpeedResult* r : rs) v.push_back(r->variant);
  return unique_in_order(v);
}

std::string peak_label(const MachineLimits& m) {
  return m.peak_name() + " peak, measured: " + fmt(m.peak_gflops(), 3) + " GFLOP/s";
}

const char* kSpreadNote = "median of the repetitions, bars: +-1 standard deviation";

void speed_figure(const fs::path& stem, const std::string& set,
                  const std::vector<const SpeedResult*>& rs, const MachineLimits& m, int threads) {
  // One category per (op, layer); each variant a series, shifted within its category.
  std::vector<std::pair<std::string, std::string>> cats;
  std::vector<std::string> ops;
  for (const SpeedResult* r : rs) {
    cats.emplace_back(r->op, r->layer);
    ops.push_back(r->op);
  }
  cats = unique_in_order(cats);
  ops = unique_in_order(ops);
  const std::vector<std::string> variants = variants_in(rs);
  std::map<std::string, std::vector<std::string>> op_variants;
  for (const SpeedResult* r : rs) op_variants[r->op].push_back(r->variant);
  for (auto& [op, vs] : op_variants) vs = unique_in_order(vs);

  std::string xtics;
  for (std::size_t i = 0; i < cats.size(); ++i) {
    const std::string label =
        ops.size() > 1 ? cats[i].first + " " + cats[i].second : cats[i].second;
    xtics += (i ? ", " : "") + quote(label) + " " + std::to_string(i);
  }
  const int width = std::max(1000, 160 + 70 * int(cats.size()));
  draw_figure(
      stem,
      [&](Gnuplot& gp) {
        std::string plot;
        std::size_t index = 0;
        for (const std::string& v : variants) {
          std::vector<std::string> rows;
          std::string op;
          for (const SpeedResult* r : rs) {
            if (r->variant != v) continue;
            op = r->op;
            const auto& vs = op_variants[r->op];
            const double slot = double(std::find(vs.begin(), vs.end(), v) - vs.begin());
            const double n = double(vs.size());
            const double cat =
                double(std::find(cats.begin(), cats.end(), std::make_pair(r->op, r->layer)) -
                       cats.begin());
            const double x = cat + (slot - (n - 1) / 2) * std::min(0.8 / n, 0.12);
            const auto [lo, hi] = bar(r->gflops.median, r->gflops.stddev);
            rows.push_back(num(x) + " " + num(r->gflops.median) + " " + num(lo) + " " + num(hi));
          }
          const std::string block = "s" + std::to_string(index);
          datablock(gp, block, rows);
          const std::string title = ops.size() > 1 ? v : strip_op(v, op);
          plot += std::string(plot.empty() ? "" : ", ") + "$" + block +
                  " using 1:2:3:4 with yerrorbars " + style_spec(style_of(v, index)) + " title " +
                  quote(title);
          ++index;
        }
        if (present(m.peak_gflops())) {
          plot += ", " + num(m.peak_gflops()) + " with lines dt 2 lw 2 lc rgb '#000000' title " +
                  quote(peak_label(m));
        }
        gp << "set title "
           << quote(set + ": speed of every variant per layer (" + std::to_string(threads) +
                    " thread" + (threads > 1 ? "s" : "") + ")\n" + kSpreadNote +
                    "; oneDNN as black diamonds")
           << " noenhanced\n";
        gp << "set ylabel 'GFLOP/s (direct-algorithm FLOPs per second, log scale)'\n";
        gp << "set xlabel 'layer'\n";
        gp << "set logscale y\nset format y '%g'\nset bars small\n";
        gp << "set xrange [-0.6:" << num(double(cats.size()) - 0.4) << "]\n";
        gp << "set xtics noenhanced rotate by 30 right (" << xtics << ")\n";
        gp << "set key outside right top vertical Left reverse noenhanced font ',9'\n";
        gp << "plot " << plot << "\n";
      },
      {width, 620});
}

// x = the largest (normwise) relative error over every measured layer; y = speed-up over the
// reference.
bool speed_vs_accuracy_figure(const fs::path& stem, const std::vector<const SpeedResult*>& rs,
                              const std::vector<AccuracyRow>& accuracy, std::ostream& log) {
  struct Point {
    std::string op, variant;
    double error = 0, speedup = 0;
  };
  std::vector<Point> points;
  std::map<std::pair<std::string, std::string>, double> worst;
  std::vector<std::pair<std::string, std::string>> order;
  for (const AccuracyRow& a : accuracy) {
    const auto key = std::make_pair(a.op, a.variant);
    if (!worst.count(key)) order.push_back(key);
    worst[key] = std::max(worst[key], a.max_rel_error);
  }
  for (const auto& [op, variant] : order) {
    const Speedup s =
        variant == reference_of(op, rs) ? Speedup{1.0, 1} : speedup_over_reference(op, variant, rs);
    if (s.layers == 0) {
      log << "speed_vs_accuracy: " << variant << " has no speed result beside its reference, "
          << "left out\n";
      continue;
    }
    points.push_back({op, variant, worst[{op, variant}], s.geomean});
  }
  if (points.empty()) {
    log << "speed_vs_accuracy: no variant has both accuracy and speed results, skipped\n";
    return false;
  }
  double smallest = 1;
  for (const Point& p : points) {
    if (p.error > 0) smallest = std::min(smallest, p.error);
  }
  const double floor = smallest / 10;  // where exact (zero-error) variants are drawn
  std::vector<std::string> ops;
  for (const Point& p : points) ops.push_back(p.op);
  ops = unique_in_order(ops);
  draw_figure(
      stem,
      [&](Gnuplot& gp) {
        std::string plot;
        std::vector<std::string> labels;
        for (std::size_t i = 0; i < ops.size(); ++i) {
          std::vector<std::string> rows;
          for (const Point& p : points) {
            if (p.op != ops[i]) continue;
            const double x = p.error > 0 ? p.error : floor;
            rows.push_back(num(x) + " " + num(p.speedup));
            labels.push_back(num(x) + " " + num(p.speedup) + " " +
                             quote(strip_op(p.variant, p.op) + (p.error > 0 ? "" : " (0)")));
          }
          datablock(gp, "p" + std::to_string(i), rows);
          Style st = style_of("", i);
          st.size = 1.5;
          plot += std::string(plot.empty() ? "" : ", ") + "$p" + std::to_string(i) +
                  " using 1:2 with points " + style_spec(st) + " title " + quote(ops[i]);
        }
        datablock(gp, "labels", labels);
        plot +=
            ", $labels using 1:2:3 with labels left offset char 0.8,0.4 font ',8' "
            "noenhanced notitle";
        plot += ", 1 with lines dt 2 lc rgb '#888888' title 'the reference (speed-up 1)'";
        gp << "set title "
           << quote(
                  "Speed against accuracy: one point per variant\n"
                  "speed-up = geometric mean over the network layers it shares with its op's "
                  "reference; (0) = no error, drawn at " +
                  fmt(floor, 2))
           << " noenhanced\n";
        gp << "set xlabel 'largest relative error against the double reference (log scale)'\n";
        gp << "set ylabel 'speed-up over the reference (x, log scale)'\n";
        gp << "set logscale xy\nset format x '10^{%L}'\nset format y '%g'\n";
        gp << "set offsets graph 0.02, graph 0.25, graph 0.08, graph 0.05\n";
        gp << "set key bottom right box opaque noenhanced\n";
        gp << "plot " << plot << "\n";
      },
      {1000, 700});
  return true;
}

void scaling_figure(const fs::path& stem, const std::string& set,
                    const std::vector<const SpeedResult*>& rs, int threads, std::ostream& log) {
  static const std::map<std::string, std::string> xlabels = {
      {"scaling_input", "input height = width (pixels, layer name ih<N>)"},
      {"scaling_kernel", "kernel size k (k x k, layer name kh<N>)"},
      {"scaling_channels", "channels C, C -> C (layer name c<N>)"},
  };
  const std::vector<std::string> variants = variants_in(rs);
  std::set<std::string> ops;
  for (const SpeedResult* r : rs) ops.insert(r->op);
  draw_figure(stem,
              [&](Gnuplot& gp) {
                std::string plot;
                for (std::size_t i = 0; i < variants.size(); ++i) {
                  std::vector<std::pair<double, std::string>> rows;
                  for (const SpeedResult* r : rs) {
                    if (r->variant != variants[i]) continue;
                    const double x = trailing_number(r->layer);
                    if (!present(x) || !present(r->seconds.median)) {
                      log << stem.filename().string() << ": layer '" << r->layer
                          << "' has no trailing number, left out\n";
                      continue;
                    }
                    const double ms = r->seconds.median * 1e3;
                    const auto [lo, hi] =
                        bar(ms, present(r->seconds.stddev) ? r->seconds.stddev * 1e3 : kAbsent);
                    rows.emplace_back(x, num(x) + " " + num(ms) + " " + num(lo) + " " + num(hi));
                  }
                  std::sort(rows.begin(), rows.end(),
                            [](const auto& a, const auto& b) { return a.first < b.first; });
                  std::vector<std::string> lines;
                  for (const auto& [x, line] : rows) lines.push_back(line);
                  datablock(gp, "s" + std::to_string(i), lines);
                  const std::string title =
                      ops.size() > 1 ? variants[i] : strip_op(variants[i], *ops.begin());
                  plot += std::string(plot.empty() ? "" : ", ") + "$s" + std::to_string(i) +
                          " using 1:2:3:4 with yerrorlines " +
                          style_spec(style_of(variants[i], i)) + " title " + quote(title);
                }
                const auto xl = xlabels.find(set);
                gp << "set title "
                   << quote(set + ": time per call against " +
                            (xl == xlabels.end() ? std::string("size") : xl->second) + ", " +
                            std::to_string(threads) + " thread" + (threads > 1 ? "s" : "") +
                            "\nwhere lines cross, the faster algorithm changes; " + kSpreadNote)
                   << " noenhanced\n";
                gp << "set xlabel " << quote(xl == xlabels.end() ? "size" : xl->second)
                   << " noenhanced\n";
                gp << "set ylabel 'time per call (ms, log scale)'\n";
                gp << "set logscale xy\nset format x '%g'\nset format y '%g'\nset bars small\n";
                gp << "set key outside right top vertical Left reverse noenhanced font ',9'\n";
                gp << "plot " << plot << "\n";
              },
              {1100, 650});
}

void roofline_figure(const fs::path& stem, const std::vector<const SpeedResult*>& rs,
                     const MachineLimits& m, int threads) {
  const std::vector<std::string> variants = variants_in(rs);
  double lo = 1e300, hi = 0;
  for (const SpeedResult* r : rs) {
    lo = std::min(lo, r->ai);
    hi = std::max(hi, r->ai);
  }
  const double peak = m.peak_gflops(), bw = m.bandwidth_gbs;
  if (present(peak) && present(bw)) lo = std::min(lo, peak / bw);
  draw_figure(stem,
              [&](Gnuplot& gp) {
                std::string plot;
                for (std::size_t i = 0; i < variants.size(); ++i) {
                  std::vector<std::string> rows;
                  for (const SpeedResult* r : rs) {
                    if (r->variant == variants[i])
                      rows.push_back(num(r->ai) + " " + num(r->gflops.median));
                  }
                  datablock(gp, "s" + std::to_string(i), rows);
                  plot += std::string(plot.empty() ? "" : ", ") + "$s" + std::to_string(i) +
                          " using 1:2 with points " + style_spec(style_of(variants[i], i)) +
                          " title " + quote(variants[i]);
                }
                if (present(peak) && present(bw)) {
                  gp << "roof(x) = x * " << num(bw) << " < " << num(peak) << " ? x * " << num(bw)
                     << " : " << num(peak) << "\n";
                  plot += ", roof(x) with lines lw 2 lc rgb '#000000' title " +
                          quote("roof: min(" + peak_label(m) + ", AI x " + fmt(bw, 3) +
                                " GB/s triad bandwidth)");
                } else if (present(peak)) {
                  plot += ", " + num(peak) + " with lines lw 2 lc rgb '#000000' title " +
                          quote(peak_label(m) + " (bandwidth not measured)");
                }
                gp << "set title "
                   << quote("Roofline: every (variant, layer) under the measured limits, " +
                            std::to_string(threads) + " thread" + (threads > 1 ? "s" : "") +
                            "\nAI = direct-algorithm FLOPs per byte of the minimal traffic "
                            "(inputs, weights, outputs once);\nlayers whose data stay in "
                            "cache between iterations can pass the memory roof")
                   << " noenhanced\n";
                gp << "set xlabel 'arithmetic intensity (FLOP/byte, log scale)'\n";
                gp << "set ylabel 'GFLOP/s (log scale)'\n";
                gp << "set logscale xy\nset format x '%g'\nset format y '%g'\n";
                gp << "set xrange [" << num(lo / 2) << ":" << num(hi * 2) << "]\n";
                gp << "set samples 400\n";
                gp << "set key outside right top vertical Left reverse noenhanced font ',8'\n";
                gp << "plot " << plot << "\n";
              },
              {1300, 800});
}

// The GEMM steps and the variants built on them, each against its parent at the same size.
void gemm_figure(const fs::path& stem, const std::vector<const SpeedResult*>& rs,
                 const MachineLimits& m, int threads) {
  std::vector<std::string> variants = variants_in(rs);
  const auto rank = [](const std::string& v) {
    const auto& steps = gemm_steps();
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].name == v) return i;
    }
    return steps.size();
  };
  std::stable_sort(variants.begin(), variants.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  std::map<std::pair<std::string, std::string>, const SpeedResult*> by;
  for (const SpeedResult* r : rs) by[{r->variant, r->set + ":" + r->layer}] = r;
  draw_figure(stem,
              [&](Gnuplot& gp) {
                std::string top, bottom;
                for (std::size_t i = 0; i < variants.size(); ++i) {
                  std::vector<std::pair<double, std::string>> speed, ratio;
                  const std::string parent = parent_of(variants[i]);
                  for (const SpeedResult* r : rs) {
                    if (r->variant != variants[i]) continue;
                    const double x = trailing_number(r->layer);
                    if (!present(x)) continue;
                    const auto [lo, hi] = bar(r->gflops.median, r->gflops.stddev);
                    speed.emplace_back(
                        x, num(x) + " " + num(r->gflops.median) + " " + num(lo) + " " + num(hi));
                    const auto p = by.find({parent, r->set + ":" + r->layer});
                    if (p != by.end() && p->second->gflops.median > 0) {
                      ratio.emplace_back(
                          x, num(x) + " " + num(r->gflops.median / p->second->gflops.median));
                    }
                  }
                  for (auto* rows : {&speed, &ratio}) {
                    std::sort(rows->begin(), rows->end(),
                              [](const auto& a, const auto& b) { return a.first < b.first; });
                  }
                  std::vector<std::string> s_lines, r_lines;
                  for (const auto& [x, line] : speed) s_lines.push_back(line);
                  for (const auto& [x, line] : ratio) r_lines.push_back(line);
                  const std::string st = style_spec(style_of(variants[i], i));
                  datablock(gp, "g" + std::to_string(i), s_lines);
                  top += std::string(top.empty() ? "" : ", ") + "$g" + std::to_string(i) +
                         " using 1:2:3:4 with yerrorlines " + st + " title " + quote(variants[i]);
                  if (!r_lines.empty()) {
                    datablock(gp, "r" + std::to_string(i), r_lines);
                    bottom +=
                        std::string(bottom.empty() ? "" : ", ") + "$r" + std::to_string(i) +
                        " using 1:2 with linespoints " + st + " title " +
                        quote(strip_op(variants[i], "gemm") + " / " + strip_op(parent, "gemm"));
                  }
                }
                if (present(m.peak_gflops())) {
                  top += ", " + num(m.peak_gflops()) +
                         " with lines dt 2 lw 2 lc rgb '#000000' title " + quote(peak_label(m));
                }
                gp << "set multiplot layout 2,1 title "
                   << quote(
                          "The GEMM steps, each against its parent: C = A B with n x n "
                          "matrices, " +
                          std::to_string(threads) + " thread" + (threads > 1 ? "s" : "") + "; " +
                          kSpreadNote)
                   << " noenhanced\n";
                gp << "set logscale x 2\nset logscale y\nset format y '%g'\nset bars small\n";
                gp << "set xlabel 'matrix size n'\n";
                // Both panels share their margins so their x axes line up; the keys go to the
                // right.
                gp << "set lmargin at screen 0.08\nset rmargin at screen 0.66\n";
                gp << "set key outside right top vertical Left reverse noenhanced font ',9'\n";
                gp << "set ylabel 'GFLOP/s (2 n^3 / time, log scale)' noenhanced\n";
                gp << "plot " << top << "\n";
                gp << "set ylabel 'speed-up over the parent step (x, log scale)'\n";
                gp << "set key font ',8'\n";
                if (bottom.empty()) {
                  gp << "set label 1 'no step has its parent measured' at graph 0.5, 0.5 center\n";
                  bottom = "1 with lines lc rgb '#888888' notitle";
                } else {
                  bottom += ", 1 with lines dt 2 lc rgb '#888888' title 'as fast as the parent'";
                }
                gp << "plot " << bottom << "\n";
                gp << "unset multiplot\n";
              },
              {1100, 900});
}

bool in_gemm_family(const SpeedResult& r) {
  if (r.op == "gemm") return true;
  std::string v = r.variant;
  for (int depth = 0; depth < 32 && !v.empty(); ++depth) {
    if (v == "gemm_reference" || v == "gemm_naive") return true;
    v = parent_of(v);
  }
  return false;
}

}  // namespace

std::vector<fs::path> draw_figures(const SpeedData& speed, const std::vector<AccuracyRow>& accuracy,
                                   const fs::path& out, int threads, std::ostream& log) {
  std::vector<fs::path> written;
  const std::vector<const SpeedResult*> rs = at_threads(speed, threads);
  const auto of_set = [&](const std::string& set) {
    std::vector<const SpeedResult*> v;
    for (const SpeedResult* r : rs) {
      if (r->set == set) v.push_back(r);
    }
    return v;
  };
  // 1. One figure per network set: the expected ones, then any other set of the file.
  std::vector<std::string> sets = network_sets();
  for (const SpeedResult* r : rs) {
    if (!is_scaling_set(r->set) && r->op != "gemm") sets.push_back(r->set);
  }
  for (const std::string& set : unique_in_order(sets)) {
    const auto v = of_set(set);
    const fs::path stem = out / ("speed_" + set);
    if (v.empty()) {
      log << "speed_" << set << ": no results for set '" << set << "' at " << threads
          << " thread(s), skipped\n";
      continue;
    }
    speed_figure(stem, set, v, speed.machine, threads);
    written.push_back(stem);
  }
  // 2. Speed against accuracy.
  if (accuracy.empty()) {
    log << "speed_vs_accuracy: no accuracy results (--accuracy), skipped\n";
  } else {
    const fs::path stem = out / "speed_vs_accuracy";
    if (speed_vs_accuracy_figure(stem, rs, accuracy, log)) written.push_back(stem);
  }
  // 3. Scaling sweeps.
  for (const char* set : {"scaling_input", "scaling_kernel", "scaling_channels"}) {
    const auto v = of_set(set);
    const fs::path stem = out / set;
    if (v.empty()) {
      log << stem.filename().string() << ": no results for set '" << set << "', skipped\n";
      continue;
    }
    scaling_figure(stem, set, v, threads, log);
    written.push_back(stem);
  }
  // 4. Roofline.
  std::vector<const SpeedResult*> with_ai;
  for (const SpeedResult* r : rs) {
    if (present(r->ai) && r->ai > 0 && r->gflops.median > 0) with_ai.push_back(r);
  }
  if (with_ai.empty()) {
    log << "roofline: no result has the AI counter, skipped\n";
  } else {
    roofline_figure(out / "roofline", with_ai, speed.machine, threads);
    written.push_back(out / "roofline");
  }
  // 5. GEMM steps.
  std::vector<const SpeedResult*> gemm;
  for (const SpeedResult* r : rs) {
    if (in_gemm_family(*r)) gemm.push_back(r);
  }
  if (gemm.empty()) {
    log << "gemm_steps: no GEMM results, skipped\n";
  } else {
    gemm_figure(out / "gemm_steps", gemm, speed.machine, threads);
    written.push_back(out / "gemm_steps");
  }
  return written;
}

}  // namespace convlab::plot

namespace convlab {

Command add_plot_command(CLI::App& app) {
  namespace fs = std::filesystem;
  struct Options {
    fs::path speed, accuracy, out = CONVLAB_DOCS_FIGURES_DIR;
    int threads = 1;
    bool no_figures = false;
  };
  auto opt = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "plot", "Figures and a summary of the headline ratios from the benchmark results");
  cmd->add_option("--speed", opt->speed,
                  "Google Benchmark CSV of bench/bench_variants (--benchmark_out_format=csv, "
                  "with --benchmark_repetitions: medians and standard deviations)")
      ->required();
  cmd->add_option("--accuracy", opt->accuracy,
                  "accuracy CSV of bench/bench_accuracy (op,variant,set,layer,max_abs_error,"
                  "max_rel_error,error_over_bound,tolerance_factor)");
  cmd->add_option("--out", opt->out, "folder for the figures (SVG and PNG) and summary.csv")
      ->capture_default_str();
  cmd->add_option("--threads", opt->threads, "plot the results measured at this thread count")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-figures", opt->no_figures,
                "write and print summary.csv only (no gnuplot needed)");
  cmd->footer(
      "Example:\n  convlab plot --speed build/bench-results/speed.csv "
      "--accuracy build/bench-results/accuracy.csv --out docs/figures\n"
      "Figures: speed_<set>, speed_vs_accuracy, scaling_input|kernel|channels, roofline, "
      "gemm_steps (.svg and .png). scripts/figures runs the benchmarks and this command.");
  return {cmd, [opt] {
            using namespace convlab::plot;
            const SpeedData speed = read_speed_csv(opt->speed);
            const std::vector<AccuracyRow> accuracy = opt->accuracy.empty()
                                                          ? std::vector<AccuracyRow>{}
                                                          : read_accuracy_csv(opt->accuracy);
            std::cout << "read " << speed.results.size() << " results from " << speed.file;
            if (!opt->accuracy.empty()) {
              std::cout << " and " << accuracy.size() << " accuracy rows from "
                        << opt->accuracy.string();
            }
            std::cout << "\n";
            for (const std::string& note : speed.notes) std::cout << "note: " << note << "\n";
            const std::vector<SummaryRow> rows = summarize(speed, opt->threads);
            const fs::path summary = opt->out / "summary.csv";
            write_summary_csv(summary, rows);
            print_summary(std::cout, rows);
            std::cout << "wrote " << summary.string() << "\n";
            if (!opt->no_figures) {
              for (const fs::path& stem :
                   draw_figures(speed, accuracy, opt->out, opt->threads, std::cout)) {
                std::cout << "wrote " << stem.string() << ".svg and .png\n";
              }
            }
            return 0;
          }};
}

}  // namespace convlab
