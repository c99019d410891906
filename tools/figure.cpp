#include "tools/figure.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace convlab {
namespace {

void require_gnuplot() {
  static const bool found = [] {
    FILE* p = popen("gnuplot --version 2>/dev/null", "r");
    if (p == nullptr) return false;
    char buffer[128];
    const bool printed = std::fgets(buffer, sizeof buffer, p) != nullptr;
    return pclose(p) == 0 && printed;
  }();
  if (!found) {
    throw std::runtime_error(
        "gnuplot was not found on PATH: install it (Debian: apt-get install gnuplot-nox)");
  }
}

}  // namespace

std::string gnuplot_quote(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

void draw_figure(const std::filesystem::path& stem, const std::function<void(Gnuplot&)>& plot,
                 FigureSize size) {
  require_gnuplot();
  if (!stem.parent_path().empty()) std::filesystem::create_directories(stem.parent_path());
  const std::string sz = std::to_string(size.width) + "," + std::to_string(size.height);
  const struct {
    const char* extension;
    std::string terminal;
  } formats[] = {
      {".svg", "svg size " + sz + " dynamic enhanced font 'DejaVu Sans,12' background '#ffffff'"},
      {".png", "pngcairo size " + sz + " enhanced font 'DejaVu Sans,10' background '#ffffff'"},
  };
  for (const auto& f : formats) {
    std::filesystem::path file = stem;
    file += f.extension;
    std::filesystem::remove(file);
    {
      Gnuplot gp("gnuplot");
      gp << "set terminal " << f.terminal << "\n";
      gp << "set output " << gnuplot_quote(file.string()) << "\n";
      gp << "set encoding utf8\nset grid back lc rgb '#dddddd'\nset key noenhanced\n";
      plot(gp);
      gp << "unset output\n";
    }  // closing the pipe waits for gnuplot to finish the file
    if (!std::filesystem::exists(file) || std::filesystem::file_size(file) == 0) {
      throw std::runtime_error("gnuplot did not write " + file.string() +
                               " (its error message is above)");
    }
  }
}

}  // namespace convlab
