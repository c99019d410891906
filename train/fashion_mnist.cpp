#include "train/fashion_mnist.hpp"

#include <stdexcept>
#include <string>

#include "train/idx.hpp"

namespace convlab::train {

const std::array<std::string_view, 10>& fashion_mnist_classes() {
  static const std::array<std::string_view, 10> names = {
      "t-shirt", "trouser", "pullover", "dress", "coat",
      "sandal",  "shirt",   "sneaker",  "bag",   "ankle boot"};
  return names;
}

LabelledImages load_idx_set(const std::filesystem::path& images_file,
                            const std::filesystem::path& labels_file, std::int64_t limit) {
  const IdxImages images = read_idx_images(images_file);
  const IdxLabels labels = read_idx_labels(labels_file);
  const auto n_labels = static_cast<std::int64_t>(labels.labels.size());
  if (images.count != n_labels) {
    throw std::invalid_argument("IDX files " + images_file.string() + " and " +
                                labels_file.string() +
                                " disagree: " + std::to_string(images.count) + " images but " +
                                std::to_string(n_labels) + " labels");
  }
  const std::int64_t n = limit > 0 ? std::min(limit, images.count) : images.count;
  LabelledImages set;
  set.images = Tensor<float>(Shape{n, 1, images.rows, images.cols});
  const std::int64_t pixels = n * images.rows * images.cols;
  for (std::int64_t i = 0; i < pixels; ++i) set.images[i] = float(images.pixels[i]) / 255.0f;
  set.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const int label = labels.labels[static_cast<std::size_t>(i)];
    if (label > 9) {
      throw std::invalid_argument("IDX file " + labels_file.string() + ": label " +
                                  std::to_string(i) + " is " + std::to_string(label) +
                                  ", not a class in 0..9");
    }
    set.labels[static_cast<std::size_t>(i)] = label;
  }
  return set;
}

FashionMnist load_fashion_mnist(const std::filesystem::path& dir, std::int64_t limit) {
  const auto file = [&](const char* name) {
    const std::filesystem::path path = dir / name;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      throw std::invalid_argument(
          "Fashion-MNIST file " + path.string() + " is missing: install the Debian package " +
          std::string(kFashionMnistPackage) + " (scripts/setup --with-peers does) or pass " +
          "--data with the folder holding the four *-ubyte.gz files");
    }
    return path;
  };
  FashionMnist data;
  // Checked in this order (function arguments would be evaluated in any order).
  const std::filesystem::path train_images = file("train-images-idx3-ubyte.gz");
  const std::filesystem::path train_labels = file("train-labels-idx1-ubyte.gz");
  const std::filesystem::path test_images = file("t10k-images-idx3-ubyte.gz");
  const std::filesystem::path test_labels = file("t10k-labels-idx1-ubyte.gz");
  data.train = load_idx_set(train_images, train_labels, limit);
  data.test = load_idx_set(test_images, test_labels, limit);
  return data;
}

}  // namespace convlab::train
