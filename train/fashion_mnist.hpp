// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 60,000 training and 10,000 test images of
// 28x28 grey levels in 10 classes, as Debian's dataset-fashion-mnist package installs them:
//   /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/tensor.hpp"

namespace convlab::train {

inline constexpr std::string_view kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr std::string_view kFashionMnistPackage = "dataset-fashion-mnist";

// The class names, in label order.
const std::array<std::string_view, 10>& fashion_mnist_classes();

struct LabelledImages {
  Tensor<float> images;     // (N, 1, 28, 28), grey levels / 255 in [0, 1] (d2l's ToTensor)
  std::vector<int> labels;  // N labels in 0..9
};

struct FashionMnist {
  LabelledImages train, test;
};

// Reads the four files from `dir`. A missing file is an error naming its path and the Debian
// package; a corrupt one an error from the IDX reader; images and labels that disagree in count
// or a label outside 0..9 are errors naming both. `limit` > 0 keeps only the first `limit`
// images of each set (for quick runs).
FashionMnist load_fashion_mnist(const std::filesystem::path& dir, std::int64_t limit = 0);

// One set (e.g. "train" or "t10k"): <dir>/<set>-images-idx3-ubyte.gz and the labels beside it.
LabelledImages load_idx_set(const std::filesystem::path& images_file,
                            const std::filesystem::path& labels_file, std::int64_t limit = 0);

}  // namespace convlab::train
