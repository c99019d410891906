// The checked machinery behind docs/: generated blocks in the Markdown chapters, kept equal to
// the code, the fixtures, the network calculator and the benchmark summary they come from.
//
// A block is an opening HTML comment, generated text, and a closing comment:
//
//   <!-- excerpt: reference/conv2d.cpp#conv2d-loops -->   the source text between the lines
//   ...                                                    `// [docs:conv2d-loops]` and the next
//   <!-- /excerpt -->                                      `// [docs:end]`, in a ```cpp block
//
//   <!-- fixture: conv2d/w1_doc000_k3 x w y [digits=N] -->  tensors of a corpus case as
//   <!-- /fixture -->                                       labelled matrices (2-D slices);
//                                                           an architecture fixture's table
//   <!-- describe: lenet-d2l -->                            the `convlab describe` table
//   <!-- shapes: conv2d/w23_doc003_pad1 ... -->             the output-shape formula of each
//                                                           case, evaluated by the shape module
//   <!-- count: depthwise_separable h=7 w=7 c_in=3 c_out=128 k=3 -->   multiplication counts
//   <!-- accuracy: CASE VARIANT... -->                      each variant run on a case: its
//                                                           largest error against the case
//   <!-- bench: SET -->                                     rows of docs/figures/summary.csv
//
// `convlab docs --update` rewrites every block from its source; `convlab docs --check` reports
// every block whose text differs (stale) or whose source is missing (broken), as
// "<doc file>:<line>: <marker>: <what>", and fails. Links to local files are checked too: a
// dead link fails; a missing figure under figures/ (drawn later by scripts/figures or the
// training run) is listed as pending and does not fail.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace convlab::docs {

// One generated block of a doc file.
struct Block {
  std::string kind;  // excerpt, fixture, describe, shapes, count, accuracy, bench
  std::string arg;   // the text after "kind:" in the opening comment, trimmed
  int line = 0;      // 1-based line of the opening comment
  std::size_t body_begin = 0, body_end = 0;  // byte range of the generated text in the file
  std::string marker() const { return kind + ": " + arg; }
};

// A problem found in a doc file, named by the file, the line and the marker.
struct Problem {
  std::filesystem::path file;
  int line = 0;
  std::string marker;  // "" when the problem is not about one block
  std::string what;
  std::string str() const;  // "<file>:<line>: <marker>: <what>"
};

// Where the sources are: the repository root (reference/, kernels/, fixtures/, docs/).
struct Context {
  std::filesystem::path root;
  std::filesystem::path doc_dir() const { return root / "docs"; }
  std::filesystem::path summary_csv() const {
    return root / "docs" / "figures" / "summary.csv";  // written by `convlab plot`
  }
};

// Finds every block of `text`. A block that is never closed, a closing comment without an
// opening one, an unknown kind or an empty argument is a Problem (the block is skipped).
std::vector<Block> parse_blocks(const std::string& text, const std::filesystem::path& file,
                                std::vector<Problem>& problems);

// The text between `// [docs:<name>]` and the next `// [docs:end]` of `source` (the lines in
// between, without their common indentation). Throws std::runtime_error naming `source_name`
// when the marker is missing, appears twice, or is never ended.
std::string extract_excerpt(const std::string& source, const std::string& name,
                            const std::string& source_name);

// The generated text of a block (with its leading and trailing newline), from the sources
// under ctx.root. `doc_file` is the doc being processed (relative links start from its folder).
// Throws std::exception when the source is missing or malformed.
std::string render_block(const Block& block, const Context& ctx,
                         const std::filesystem::path& doc_file);

// The rows of a summary CSV (header line first) whose column `set` equals `set` ("all" for
// every row), as a Markdown table with the CSV's own columns.
std::string render_bench(const std::string& csv_text, const std::string& set,
                         const std::string& source_name);

// Multiplication counts for `count:` blocks: "depthwise_separable", "spatial_separable",
// "grouped", "standard", with key=value arguments. Returns a Markdown table.
std::string render_count(const std::string& arg);

// Processes one doc: every block rendered and compared. Returns the text with every block
// rewritten; appends a Problem for every stale or broken block and every dead local link.
std::string process_doc(const std::filesystem::path& file, const std::string& text,
                        const Context& ctx, std::vector<Problem>& problems);

// Every docs/*.md (docs/README.md and the glossary included), sorted.
std::vector<std::filesystem::path> doc_files(const Context& ctx);

// --check: prints each problem and a summary line; returns 0 when there is none, else 1.
int check_docs(const Context& ctx, std::ostream& out);
// --update: rewrites stale blocks; broken blocks are reported and left as they are (exit 1).
int update_docs(const Context& ctx, std::ostream& out);
// --figures: draws the docs' own pictures into docs/figures/ (draw_figure).
void draw_doc_figures(const Context& ctx, std::ostream& out);

}  // namespace convlab::docs
