// Figures drawn by gnuplot, through gnuplot-iostream: the one place that sets terminals, sizes
// and fonts, so every figure of the project (benchmark plots, the docs' heat maps, training
// curves) looks alike and is written the same way, as SVG and PNG side by side.
#pragma once

#include <filesystem>
#include <functional>

#include <gnuplot-iostream.h>

namespace convlab {

struct FigureSize {
  int width = 900;  // pixels
  int height = 560;
};

// Draws one figure twice, into <stem>.svg and <stem>.png (creating the folder). `plot` sends
// the gnuplot commands and data (set title/xlabel/..., plot '-' ..., send1d) after the
// terminal and output are set; it is called once per format, so it must not keep state.
// Throws std::runtime_error when gnuplot is not installed (naming the package) or when a file
// was not written (gnuplot's own message is on stderr).
void draw_figure(const std::filesystem::path& stem, const std::function<void(Gnuplot&)>& plot,
                 FigureSize size = {});

// Quotes text for a gnuplot string literal ("..."), escaping backslashes and quotes.
std::string gnuplot_quote(const std::string& text);

}  // namespace convlab
