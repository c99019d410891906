// The docs' own pictures (`convlab docs --figures`), drawn with draw_figure from the fixtures
// and the network calculator, so each picture shows the same numbers as the chapter beside it:
//   w18_edge_detector   heat maps of the 6x8 image X, the kernel K = [1, -1] and Y = corr2d(X, K)
//   w1_sliding_window   the 3x3 window of W1 on its 6x6 input and the output element it gives
//   receptive_field     receptive-field size after L stacked 3x3 convolutions, plain and dilated
//   w26_connectivity    which input pixel each output of W26 reads (nets/connectivity)
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "corpus/corpus.hpp"
#include "nets/connectivity.hpp"
#include "tools/docs.hpp"
#include "tools/figure.hpp"

namespace fs = std::filesystem;

namespace convlab::docs {
namespace {

// A 2-D tensor (or the last two axes of the first plane) as a gnuplot datablock.
void send_matrix(Gnuplot& gp, const std::string& name, const Tensor<double>& t) {
  const std::int64_t cols = t.dim(t.rank() - 1), rows = t.rank() >= 2 ? t.dim(t.rank() - 2) : 1;
  gp << "$" << name << " << EOD\n";
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) gp << (c ? " " : "") << t[r * cols + c];
    gp << "\n";
  }
  gp << "EOD\n";
}

// One heat-map panel with every value written in its cell.
void heat_panel(Gnuplot& gp, const std::string& name, const std::string& title,
                const Tensor<double>& t) {
  const std::int64_t cols = t.dim(t.rank() - 1), rows = t.rank() >= 2 ? t.dim(t.rank() - 2) : 1;
  gp << "set title " << gnuplot_quote(title) << "\n";
  gp << "set xrange [-0.5:" << cols - 0.5 << "]\nset yrange [" << rows - 0.5 << ":-0.5]\n";
  gp << "set size ratio " << double(rows) / double(cols) << "\n";
  // One filled box per cell ("with image" needs at least 2x2 cells; the kernel of W18 is 1x2).
  gp << "plot $" << name << " matrix using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 "
     << "lc palette notitle, $" << name
     << " matrix using 1:2:(sprintf('%g',$3)) with labels notitle\n";
}

void heat_setup(Gnuplot& gp) {
  gp << "unset key\nunset colorbox\nset grid noxtics noytics\n"
        "set palette defined (-1 '#2166ac', 0 '#f7f7f7', 1 '#b2182b')\n"
        "set xtics 1 out nomirror\nset ytics 1 out nomirror\n";
}

void w18_edge_detector(const Context& ctx, std::ostream& out) {
  const Case c = load_case(ctx.root / "fixtures/corr2d/w18_doc002_edge_detector");
  const fs::path stem = ctx.doc_dir() / "figures" / "w18_edge_detector";
  draw_figure(
      stem,
      [&](Gnuplot& gp) {
        send_matrix(gp, "X", c.inputs.at("x"));
        send_matrix(gp, "K", c.inputs.at("k"));
        send_matrix(gp, "Y", c.expected.at("y"));
        heat_setup(gp);
        gp << "set cbrange [-1:1]\n";
        gp << "set multiplot layout 1,3 title 'W18: Y = corr2d(X, K) marks the vertical edges'\n";
        heat_panel(gp, "X", "X (6x8): 1 white, 0 black", c.inputs.at("x"));
        heat_panel(gp, "K", "K (1x2)", c.inputs.at("k"));
        heat_panel(gp, "Y", "Y (6x7): +1 white->black, -1 black->white", c.expected.at("y"));
        gp << "unset multiplot\n";
      },
      {1200, 420});
  out << "drew " << stem.string() << ".svg/.png\n";
}

void w1_sliding_window(const Context& ctx, std::ostream& out) {
  const Case c = load_case(ctx.root / "fixtures/conv2d/w1_doc000_k3");
  const Tensor<double> x = c.inputs.at("x").reshape(Shape{6, 6});
  const Tensor<double> w = c.inputs.at("w").reshape(Shape{3, 3});
  const Tensor<double> y = c.expected.at("y").reshape(Shape{4, 4});
  const int oh = 1, ow = 2;  // the output element the picture follows
  const fs::path stem = ctx.doc_dir() / "figures" / "w1_sliding_window";
  draw_figure(
      stem,
      [&](Gnuplot& gp) {
        send_matrix(gp, "X", x);
        send_matrix(gp, "W", w);
        send_matrix(gp, "Y", y);
        heat_setup(gp);
        gp << "set palette defined (0 '#f7fbff', 1 '#6baed6')\n";
        gp << "set multiplot layout 1,3 title 'W1: the 3x3 window at rows 1-3, columns 2-4 gives "
              "y[1,2] (then + bias)'\n";
        gp << "set object 1 rect from " << ow - 0.5 << "," << oh - 0.5 << " to " << ow + 2.5 << ","
           << oh + 2.5 << " fs empty border lc rgb '#d62728' lw 3 front\n";
        heat_panel(gp, "X", "input x (6x6)", x);
        gp << "unset object 1\n";
        heat_panel(gp, "W", "weight w (3x3)", w);
        gp << "set object 2 rect from " << ow - 0.5 << "," << oh - 0.5 << " to " << ow + 0.5 << ","
           << oh + 0.5 << " fs empty border lc rgb '#d62728' lw 3 front\n";
        heat_panel(gp, "Y", "output y (4x4)", y);
        gp << "unset object 2\nunset multiplot\n";
      },
      {1300, 460});
  out << "drew " << stem.string() << ".svg/.png\n";
}

// The receptive field of the middle output after `layers` stacked 1-D convolutions with
// kernel 3, each layer's dilation from `dilation(l)`, composed by nets::compose.
template <class F>
std::vector<std::int64_t> receptive_fields(int layers, F dilation) {
  std::vector<std::int64_t> rf;
  for (int depth = 1; depth <= layers; ++depth) {
    std::int64_t span = 0;
    for (int l = 0; l < depth; ++l) span += 2 * dilation(l);
    const std::int64_t length = span + 1;  // exactly one output at the top
    nets::Connectivity acc;
    std::int64_t len = length;
    for (int l = 0; l < depth; ++l) {
      Conv1dParams p;
      p.dilation = dilation(l);
      const nets::Connectivity layer = nets::conv1d_connectivity(len, 3, p);
      acc = l == 0 ? layer : nets::compose(acc, layer);
      len = layer.out_w;
    }
    const auto& reads = acc.reads.front();
    rf.push_back(reads.back() - reads.front() + 1);
  }
  return rf;
}

void receptive_field(const Context& ctx, std::ostream& out) {
  const int layers = 6;
  const auto plain = receptive_fields(layers, [](int) { return std::int64_t{1}; });
  const auto dilated = receptive_fields(layers, [](int l) { return std::int64_t{1} << l; });
  const fs::path stem = ctx.doc_dir() / "figures" / "receptive_field";
  draw_figure(stem, [&](Gnuplot& gp) {
    gp << "set title 'Receptive field of one output after L stacked 1-D convolutions, kernel 3'\n";
    gp << "set xlabel 'layers L'\nset ylabel 'input positions seen'\nset key top left\n";
    gp << "set xtics 1\nset logscale y 2\n";
    gp << "plot '-' with linespoints lw 2 pt 7 title 'kernel 3, dilation 1 (grows by 2 per "
          "layer)', "
          "'-' with linespoints lw 2 pt 5 title 'kernel 3, dilation 1,2,4,... (doubles)', "
          "'-' using 1:2:(sprintf('%d',$2)) with labels offset 0,1 notitle, "
          "'-' using 1:2:(sprintf('%d',$2)) with labels offset 0,1 notitle\n";
    for (int pass = 0; pass < 4; ++pass) {
      const auto& v = pass % 2 == 0 ? plain : dilated;
      for (int l = 0; l < layers; ++l) gp << l + 1 << " " << v[static_cast<std::size_t>(l)] << "\n";
      gp << "e\n";
    }
  });
  out << "drew " << stem.string() << ".svg/.png\n";
}

void w26_connectivity(const Context& ctx, std::ostream& out) {
  Conv2dParams p;
  p.stride_h = p.stride_w = 2;
  const nets::Connectivity c = nets::conv2d_connectivity(4, 4, 2, 2, p);
  const std::int64_t outputs = c.out_h * c.out_w, inputs = c.in_h * c.in_w;
  const fs::path stem = ctx.doc_dir() / "figures" / "w26_connectivity";
  draw_figure(
      stem,
      [&](Gnuplot& gp) {
        gp << "$M << EOD\n";
        for (std::int64_t o = 0; o < outputs; ++o) {
          std::vector<int> row(static_cast<std::size_t>(inputs), 0);
          for (std::int64_t i : c.reads[static_cast<std::size_t>(o)]) {
            row[static_cast<std::size_t>(i)] = 1;
          }
          for (std::size_t i = 0; i < row.size(); ++i) gp << (i ? " " : "") << row[i];
          gp << "\n";
        }
        gp << "EOD\n";
        gp << "unset key\nunset colorbox\nset grid noxtics noytics\n"
              "set palette defined (0 '#f7f7f7', 1 '#08519c')\n";
        gp << "set title 'W26: 2x2 filter, stride 2 on a 4x4 image: each output reads 4 of the "
              "16 pixels'\n";
        gp << "set xlabel 'input pixel (numbered 1..16 row by row)'\nset ylabel 'output'\n";
        gp << "set xrange [-0.5:" << inputs - 0.5 << "]\nset yrange [" << outputs - 0.5
           << ":-0.5]\n";
        gp << "set xtics (";
        for (std::int64_t i = 0; i < inputs; ++i) gp << (i ? "," : "") << "'" << i + 1 << "' " << i;
        gp << ")\nset ytics (";
        for (std::int64_t o = 0; o < outputs; ++o) {
          gp << (o ? "," : "") << "'H1" << o + 1 << "' " << o;
        }
        gp << ")\nset size ratio " << double(outputs) / double(inputs) << "\n";
        gp << "plot $M matrix with image\n";
      },
      {1000, 380});
  out << "drew " << stem.string() << ".svg/.png\n";
}

}  // namespace

void draw_doc_figures(const Context& ctx, std::ostream& out) {
  w18_edge_detector(ctx, out);
  w1_sliding_window(ctx, out);
  receptive_field(ctx, out);
  w26_connectivity(ctx, out);
}

}  // namespace convlab::docs
