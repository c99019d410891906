// Shape sets: the problems the benchmarks run, read from bench/shapes/<set>.txt.
//
// One problem per line, `<op> <descriptor>`, `#` starts a comment (outside quotes). The
// descriptor is a run of `<key><value>` pairs in the style of oneDNN's benchdnn, where a key is
// a run of lower-case letters and a value is either a decimal integer or a quoted string:
//
//   conv2d mb1ic64ih56oc64kh3ph1n"resnet50:res2_3x3"
//
// `n"..."` (the key n with a quoted value) is the problem's name, `<set>:<layer>`, and must
// start with the file's stem. The integer keys of each op (bench/README.md has the full table):
//   conv1d            mb ic iw oc kw sw pw dw g
//   conv2d            mb ic ih iw oc kh kw sh sw ph pw dh dw g
//   conv3d            conv2d's keys plus id kd sd pd dd
//   conv_transpose2d  conv2d's keys plus oph opw (output padding)
//   max_pool2d        mb ic ih iw kh kw sh sw ph pw dh dw ceil
//   avg_pool2d        mb ic ih iw kh kw sh sw ph pw ceil cip (count_include_pad)
//   global_avg_pool2d, relu, sigmoid, tanh   mb ic ih iw
//   linear            mb ic oc (in and out features)
//   gemm              m n k (C (m x n) = A (m x k) B (k x n)); `n` followed by a digit is the
//                     dimension N, `n` followed by a quote is the name: never ambiguous.
// Defaults: mb = 1, iw = ih, kw = kh, sh = 1, sw = sh, ph = 0, pw = ph, dh = 1, dw = dh
// (dilation 1 is a dense kernel, as in PyTorch, not benchdnn's 0), g = 1, output padding 0,
// ceil 0, cip 1; conv3d's depth keys default to their height key. Padding is symmetric. Appending
// `_backward` to the op name
// (`conv2d_backward`) benchmarks the backward direction: inputs plus dy of the forward output.
// Every convolution and linear layer has a bias.
//
// Every error is a std::invalid_argument "<file>:<line>: <message>" naming the bad token.
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ops.hpp"

namespace convlab::bench {

struct Problem {
  std::string op;  // an OpSpec name (core/ops.hpp), e.g. "conv2d", "gemm"
  Direction direction = Direction::forward;
  std::string set;                           // the file stem, e.g. "resnet50"
  std::string layer;                         // the name after "<set>:", e.g. "res2_3x3"
  std::string descriptor;                    // the line's descriptor as written
  std::map<std::string, std::int64_t> keys;  // every integer key, defaults filled in
  OpParams params;                           // the op table's struct, filled in
  ShapeMap inputs;   // by the op table's names: gemm "a" (m x k), "b" (k x n)
  ShapeMap outputs;  // gemm: "c" (m x n)

  std::string name() const { return set + ":" + layer; }
  // "conv2d" or "conv2d_backward"
  std::string op_name() const;
};

// Parses one line (without its comment) of set `set`; `where` ("file:line") prefixes errors.
// Validates every shape through the shape module.
Problem parse_problem(std::string_view line, std::string_view set, std::string_view where);

// Every problem of a set file (comments and blank lines skipped). Layer names are unique
// within a set. `file` names the stream in errors; the set is its stem.
std::vector<Problem> parse_shape_set(std::istream& in, const std::string& file);
std::vector<Problem> load_shape_set(const std::filesystem::path& file);

// The directory of the bundled sets: $CONVLAB_BENCH_SHAPES when set, else bench/shapes of the
// source tree this was built from.
std::filesystem::path default_shapes_dir();
// The stems of every *.txt in `dir`, sorted.
std::vector<std::string> available_sets(const std::filesystem::path& dir);
// "a,b,c" -> {"a","b","c"}; "all" or "" gives every available set. Unknown names throw,
// listing the known ones.
std::vector<std::string> select_sets(std::string_view list, const std::filesystem::path& dir);

// The operations of the direct algorithm: 2 * N * C_out * H_out * W_out * C_in/groups * KH * KW
// for convolutions (their transposes count the convolution they are the adjoint of), 2 * M * N
// * K for gemm and linear, one per window element per output for pooling, one per element for
// global average pooling and the element-wise functions. Backward passes of weighted ops count
// twice the forward (dx and dw), the others once. Bias additions are not counted.
double direct_flops(const Problem& p);
// The least bytes any algorithm moves: every input and output tensor once, 4 bytes an element.
double minimal_bytes(const Problem& p);

}  // namespace convlab::bench
