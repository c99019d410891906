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

}  // namespace convlab
