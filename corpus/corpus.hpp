// The fixture corpus: reading, validating, writing and checking test cases on disk.
//
// A case is a directory `fixtures/<op>/<case>/` holding `manifest.csv` (key,value rows: op,
// direction, every parameter, the shape of every tensor, tolerance and provenance) and one
// `<tensor>.csv` per tensor (index,value rows in row-major order). fixtures/README.md is the
// specification of the format; this library is its C++ reader and writer (the CSV itself is
// split by fast-cpp-csv-parser).
//
// Everything that reads a file validates it, and every problem is a CaseError naming the file,
// the line and, where one applies, the column (1 = key/index, 2 = value). The reader never
// trusts a declared size: it refuses shapes above kMaxTensorElements before reading values and
// never allocates more than the file actually holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"

namespace convlab {

inline constexpr std::string_view kCaseFormat = "convlab-case-1";
// The largest tensor a case may declare: 2^27 elements (1 GiB of doubles).
inline constexpr std::int64_t kMaxTensorElements = std::int64_t{1} << 27;
// Integer parameters of a case lie within +-2^24: far beyond any real layer, and small enough
// that no shape arithmetic on a tensor of at most 2^27 elements can overflow int64.
inline constexpr std::int64_t kMaxParamMagnitude = std::int64_t{1} << 24;

// A malformed case. line is 0 when the problem concerns the whole file (a missing file, a
// missing key); column is 0 when no single column is at fault.
class CaseError : public std::runtime_error {
 public:
  CaseError(std::filesystem::path file, std::int64_t line, int column, const std::string& what);
  const std::filesystem::path& file() const { return file_; }
  std::int64_t line() const { return line_; }
  int column() const { return column_; }

 private:
  std::filesystem::path file_;
  std::int64_t line_;
  int column_;
};

struct Case {
  std::filesystem::path dir;
  std::string name;  // "<op>/<directory name>", e.g. "conv2d/w24_doc003_stride2"
  const OpSpec* spec = nullptr;
  OpParams params;
  TensorMap<double> inputs, expected;  // absent optional tensors are not in the map
  double abs_tol = 0;
  bool exact = false;  // tolerance.policy: true = exact (==), false = bound
  std::string tolerance_reason, provenance, description, note;
};

// Reads and validates the case in `dir`. Throws CaseError.
Case load_case(const std::filesystem::path& dir);

// Every case directory (one holding manifest.csv) at or below each root, sorted, without
// duplicates. A root may be a case directory, any folder above cases, or a manifest.csv file.
// Folders whose manifest declares another convlab format (fixtures/architecture/, format
// convlab-arch-1) are skipped. Throws CaseError for a root that does not exist.
std::vector<std::filesystem::path> find_cases(const std::vector<std::filesystem::path>& roots);

// Validates `c` exactly as load_case would (op, every parameter, shapes through the shape
// module, tolerance, provenance, finite values) and writes it to `dir` (created if needed):
// manifest.csv plus one CSV per tensor, values with 17 significant digits so they read back
// bit for bit. c.dir and c.name are ignored. Throws CaseError (naming the file that would have
// been written) or std::filesystem::filesystem_error.
void write_case(const Case& c, const std::filesystem::path& dir);

// The outcome of comparing computed outputs with a case's expected outputs.
struct CompareResult {
  bool passed = true;
  std::string message;  // one line: what failed first, or a summary when everything passed
  // The first failing element (empty tensor name when the failure is a missing tensor or a
  // shape mismatch, or when everything passed).
  std::string bad_tensor;
  std::vector<std::int64_t> bad_index;
  double expected = 0, actual = 0, allowed = 0;
  // The worst element over every tensor: |actual - expected| / allowed error (0 when all are
  // equal, infinity when a difference meets an allowed error of 0, a NaN, or a missing
  // tensor), where it is, and the largest absolute difference.
  double worst_ratio = 0;
  std::string worst_tensor;
  std::vector<std::int64_t> worst_index;
  double worst_abs_error = 0;
  std::int64_t compared = 0;  // elements compared
};

// Compares `actual` with c.expected, element by element:
//   policy exact: actual == expected;
//   policy bound: |actual - expected| <= c.abs_tol + factor * eps * K * M,
// with K * M from error_scale (reference/dispatch.hpp) on c.inputs. `factor` is the variant's
// declared factor (DESIGN.md: 1-4 for direct and GEMM variants); `eps` the machine epsilon of
// the precision the variant computed in (float by default; pass
// std::numeric_limits<double>::epsilon() for a double variant). Tensors of `actual` that the
// case does not expect are ignored; a missing or misshapen one fails. Throws
// std::invalid_argument when the reference cannot run the case.
// A variant with its own error model passes its K * M per output as `scale` (see
// Variant::error_scale in kernels/registry.hpp); nullptr means error_scale() of the reference.
CompareResult compare(const Case& c, const TensorMap<double>& actual, double factor,
                      double eps = std::numeric_limits<float>::epsilon(),
                      const TensorMap<double>* scale = nullptr);

// ---------------------------------------------------------------------------------------------
// The pieces, for tools that read or write single tensors (`convlab run`, `convlab check`).

// "1x1x6x6" <-> Shape. parse_shape throws std::invalid_argument for anything else: rank 1 to
// 5, each extent a non-negative decimal integer, at most kMaxTensorElements elements.
Shape parse_shape(std::string_view text);
std::string format_shape(const Shape& shape);
// "0:0:2:3"
std::string format_index(const std::vector<std::int64_t>& index);

// One tensor file (index,value). With a shape, the rows must be exactly that shape's indices
// in row-major order; without one, the shape is inferred from the last index (+1 per
// dimension) and the rows must still be every index of that shape in order. Throws CaseError.
Tensor<double> read_tensor_csv(const std::filesystem::path& file, const Shape& shape);
Tensor<double> read_tensor_csv(const std::filesystem::path& file);
// Writes index,value rows with 17 significant digits. Throws CaseError for a non-finite value.
void write_tensor_csv(const std::filesystem::path& file, const Tensor<double>& t);

// The fixtures/ folder of the source tree this library was built from.
std::filesystem::path bundled_corpus_dir();

}  // namespace convlab
