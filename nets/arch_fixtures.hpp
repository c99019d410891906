// The architecture fixtures of fixtures/architecture/ (format convlab-arch-1, specified in
// fixtures/architecture/README.md): reading them, and checking them against the calculator.
//
// A fixture is a folder with manifest.csv (key,value) and one data file:
//   kind layer_table    layers.csv        layer,type,out_c,out_h,out_w,params,macs,rf,jump
//   kind connectivity   connectivity.csv  output,inputs
//   kind shape_formula  shapes.csv        n,k,p_total,s,expected_out[,source]
// An empty cell of layers.csv means "not asserted". Files are read with fast-cpp-csv-parser.
//
// Every problem with the files (missing file or column, ragged row, a value that is not a
// number, an unknown or repeated key, a bad provenance, ...) is a std::invalid_argument whose
// message starts with "<file>:<line>:" (or "<file>:" when it is about the whole file).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/params.hpp"

namespace convlab::nets {

inline constexpr std::string_view kArchFormat = "convlab-arch-1";

struct ArchManifest {
  std::filesystem::path file;  // .../manifest.csv
  std::string kind;            // layer_table, connectivity or shape_formula
  std::string description, provenance, note;
  std::map<std::string, std::string> values;  // every key, including those above
  std::map<std::string, unsigned> lines;      // the line each key is on
};

// ---- layer_table ----
struct LayerTableRow {
  unsigned line = 0;
  std::string layer;  // a layer name of the network, or "total"
  std::string type;   // "" = not asserted
  std::optional<std::int64_t> out_c, out_h, out_w, params, macs, rf, jump;
};
struct LayerTableFixture {
  std::string network;  // a name make_network() knows
  std::int64_t input_c = 0, input_h = 0, input_w = 0;
  std::vector<LayerTableRow> rows;
};

// ---- connectivity ----
// One layer of a connectivity fixture; its positions are named <name><index>.
struct WindowSpec {
  std::string name;
  std::string op;                           // conv1d, conv2d, max_pool2d, avg_pool2d
  std::int64_t kernel_h = 1, kernel_w = 1;  // conv1d: kernel_h = 1, kernel_w = kernel
  Conv1dParams conv1d{};
  Conv2dParams conv2d{};
  Pool2dParams pool{};
};
// A position: layer 0 is the input, layer i >= 1 the output of layers[i - 1]; index as written
// in the file (index_base not yet subtracted).
struct PositionName {
  int layer = 0;
  std::int64_t index = 0;
  std::string text;  // as written, e.g. "H11"
};
struct ConnectivityRow {
  unsigned line = 0;
  PositionName output;
  std::vector<PositionName> inputs;  // all of one earlier layer
};
struct ConnectivityFixture {
  int index_base = 1;                     // 0 or 1
  bool one_d = false;                     // conv1d layers over a sequence
  std::int64_t input_h = 1, input_w = 1;  // one_d: input_h = 1, input_w = input_length
  std::string input_name;                 // may be empty: positions named by number alone
  std::vector<WindowSpec> layers;
  std::vector<ConnectivityRow> rows;
};

// ---- shape_formula ----
struct ShapeFormulaRow {
  unsigned line = 0;
  std::int64_t n = 0, k = 0, p_total = 0, s = 0, expected_out = 0;
  std::string source;  // optional free text
};
struct ShapeFormulaFixture {
  std::string formula;
  std::vector<ShapeFormulaRow> rows;
};

struct ArchFixture {
  std::filesystem::path dir;
  std::filesystem::path data_file;
  ArchManifest manifest;
  std::variant<LayerTableFixture, ConnectivityFixture, ShapeFormulaFixture> data;
};

// Reads and validates one fixture folder.
ArchFixture load_arch_fixture(const std::filesystem::path& dir);
// Every folder under `root` (recursively) that holds a manifest.csv, sorted.
std::vector<std::filesystem::path> find_arch_fixtures(const std::filesystem::path& root);
// fixtures/architecture of the source tree this library was built from.
std::filesystem::path bundled_arch_fixtures();

// Compares every asserted value of the fixture with the calculator (describe() of the named
// network; the connectivity functions; the shape module). Returns one message per
// disagreement, "<file>:<line>: ..."; empty when everything agrees. Throws
// std::invalid_argument when the fixture cannot be checked (unknown network, a position name
// outside its layer, geometry the shape module rejects).
std::vector<std::string> check_arch_fixture(const ArchFixture& fixture);

}  // namespace convlab::nets
