// Chapter 11, LeNet, AlexNet and GoogLeNet as layer tables
// (docs/11-lenet-alexnet-googlenet.md): LeNet-5 (W28).
//
// A network is a list of layers, and its shapes, parameter counts and multiply-accumulates
// follow from the layer parameters alone. The program builds LeNet-5 with the network
// calculator (nets/), prints the table `convlab describe lenet5` prints, spells out each
// layer's parameters (weights + biases), and checks the table against the W28 fixture.
//
// Run from the repository root: build/release/examples/11_lenet_alexnet_googlenet fixtures
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "examples/example.hpp"
#include "nets/arch_fixtures.hpp"
#include "nets/network.hpp"
#include "nets/zoo.hpp"

using namespace convlab;

int main(int argc, char** argv) {
  const auto fixtures = examples::fixtures_dir(argc, argv);
  const nets::LayerTable table = nets::describe(nets::lenet5());
  std::cout << nets::render_text(table) << "\n";

  // Where the parameters are: every conv2d and linear layer has a weight and one bias per
  // output channel (or feature); pooling, flatten and activations have none.
  for (const nets::LayerRow& row : table.rows) {
    if (row.params == 0) continue;
    const std::int64_t weights = row.weight.numel();
    std::cout << row.name << ": weight " << format_shape(row.weight) << " = " << weights << " + "
              << row.params - weights << " biases = " << row.params << "\n";
  }
  std::cout << "LeNet-5 has " << table.total_params() << " parameters and needs "
            << table.total_macs() << " multiply-accumulates per image\n\n";

  const std::string name = "architecture/w28_lenet5";
  nets::ArchFixture w28;
  try {
    w28 = nets::load_arch_fixture(fixtures / name);
  } catch (const std::invalid_argument& e) {
    std::cerr << "cannot load the worked example " << name << ": " << e.what() << "\n";
    return 2;
  }
  std::cout << "== " << name << " (" << w28.manifest.provenance << ")\n"
            << w28.manifest.description << "\n";
  const std::vector<std::string> disagreements = nets::check_arch_fixture(w28);
  for (const std::string& d : disagreements) std::cout << "  " << d << "\n";

  examples::Checks checks;
  checks.expect(disagreements.empty(), "the LeNet-5 table agrees with every value of " + name);
  return checks.exit_code();
}
