// Subcommands of `convlab` that live in their own files. Each add_*_command() adds its
// subcommand (options, --help text with an example) to the app and returns what to run when
// the user chose it; convlab.cpp lists them in one place.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace convlab {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  // the exit status; throws std::exception on errors
};

// `convlab docs [--check | --update | --figures]` (tools/docs.cpp).
Command add_docs_command(CLI::App& app);

// `convlab plot --speed FILE [--accuracy FILE] [--out DIR]` (tools/plot.cpp).
Command add_plot_command(CLI::App& app);

// `convlab learn-edge` and `convlab train lenet` (tools/train.cpp).
Command add_learn_edge_command(CLI::App& app);
Command add_train_command(CLI::App& app);

}  // namespace convlab
