#include "nets/zoo.hpp"

#include <stdexcept>
#include <utility>

namespace convlab::nets {

namespace {
const Conv2dParams kValid = conv_params(1, 0);  // stride 1, no padding
}  // namespace

Network lenet5() {
  Network n;
  n.name = "lenet5";
  n.description =
      "LeNet-5, original shapes (doc 004, W28); S2/S4 as parameter-free 2x2 average pooling, "
      "C3 fully connected, output layer as linear with bias";
  n.input = Shape{1, 1, 32, 32};
  n.layers = {
      conv2d("C1", 6, 5, kValid, "tanh"),
      avg_pool2d("S2", pool_params(2, 2)),
      conv2d("C3", 16, 5, kValid, "tanh"),
      avg_pool2d("S4", pool_params(2, 2)),
      conv2d("C5", 120, 5, kValid, "tanh"),
      flatten("flatten"),
      linear("F6", 84, "tanh"),
      linear("OUTPUT", 10),
  };
  return n;
}

Network lenet_d2l() {
  Network n;
  n.name = "lenet-d2l";
  n.description = "LeNet with sigmoid and average pooling (doc 002, W21), one row per module";
  n.input = Shape{1, 1, 28, 28};
  n.layers = {
      conv2d("conv1", 6, 5, conv_params(1, 2)),
      activation("sigmoid1", "sigmoid"),
      avg_pool2d("pool1", pool_params(2, 2)),
      conv2d("conv2", 16, 5, kValid),
      activation("sigmoid2", "sigmoid"),
      avg_pool2d("pool2", pool_params(2, 2)),
      flatten("flatten"),
      linear("fc1", 120),
      activation("sigmoid3", "sigmoid"),
      linear("fc2", 84),
      activation("sigmoid4", "sigmoid"),
      linear("fc3", 10),
  };
  return n;
}

Network alexnet() {
  Network n;
  n.name = "alexnet";
  n.description =
      "AlexNet, single tower (the two GPU halves merged), 227x227 input (doc 004, W29); dropout "
      "omitted";
  n.input = Shape{1, 3, 227, 227};
  n.layers = {
      conv2d("conv1", 96, 11, conv_params(4, 0), "relu"),
      local_response_norm("lrn1"),
      max_pool2d("pool1", pool_params(3, 2)),
      conv2d("conv2", 256, 5, conv_params(1, 2), "relu"),
      local_response_norm("lrn2"),
      max_pool2d("pool2", pool_params(3, 2)),
      conv2d("conv3", 384, 3, conv_params(1, 1), "relu"),
      conv2d("conv4", 384, 3, conv_params(1, 1), "relu"),
      conv2d("conv5", 256, 3, conv_params(1, 1), "relu"),
      max_pool2d("pool5", pool_params(3, 2)),
      flatten("flatten"),
      linear("fc6", 4096, "relu"),
      linear("fc7", 4096, "relu"),
      linear("fc8", 1000),
  };
  return n;
}

Network vgg16() {
  Network n;
  n.name = "vgg16";
  n.description = "VGG-16 (configuration D), 3x3 convolutions with padding 1; dropout omitted";
  n.input = Shape{1, 3, 224, 224};
  // Stage s has `convs` 3x3 convolutions of `channels` filters, then a 2x2 max pool.
  const struct {
    int convs;
    std::int64_t channels;
  } stages[] = {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}};
  int s = 1;
  for (const auto& stage : stages) {
    for (int c = 1; c <= stage.convs; ++c) {
      n.layers.push_back(conv2d("conv" + std::to_string(s) + "_" + std::to_string(c),
                                stage.channels, 3, conv_params(1, 1), "relu"));
    }
    n.layers.push_back(max_pool2d("pool" + std::to_string(s), pool_params(2, 2)));
    ++s;
  }
  n.layers.push_back(flatten("flatten"));
  n.layers.push_back(linear("fc6", 4096, "relu"));
  n.layers.push_back(linear("fc7", 4096, "relu"));
  n.layers.push_back(linear("fc8", 1000));
  return n;
}

namespace {

// torchvision's BasicBlock: conv3x3(stride) - bn - relu - conv3x3 - bn, plus the shortcut
// (identity, or a 1x1 stride-s convolution with batch norm when the shape changes), then relu.
Layer basic_block(const std::string& name, std::int64_t channels, std::int64_t stride,
                  bool downsample) {
  std::vector<Layer> main = {
      conv2d("conv1", channels, 3, conv_params(stride, 1), "", /*bias=*/false),
      batch_norm2d("bn1", "relu"),
      conv2d("conv2", channels, 3, conv_params(1, 1), "", /*bias=*/false),
      batch_norm2d("bn2"),
  };
  std::vector<Layer> shortcut;
  if (downsample) {
    shortcut = {conv2d("downsample.0", channels, 1, conv_params(stride, 0), "", /*bias=*/false),
                batch_norm2d("downsample.1")};
  }
  return add(name, std::move(main), std::move(shortcut), "relu");
}

}  // namespace

Network resnet18() {
  Network n;
  n.name = "resnet18";
  n.description =
      "ResNet-18 (torchvision): convolutions without bias, batch norm counted as 2 parameters "
      "per channel (gamma, beta; running statistics are buffers)";
  n.input = Shape{1, 3, 224, 224};
  n.layers = {
      conv2d("conv1", 64, 7, conv_params(2, 3), "", /*bias=*/false),
      batch_norm2d("bn1", "relu"),
      max_pool2d("maxpool", pool_params(3, 2, 1)),
  };
  const std::int64_t channels[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    const std::string prefix = "layer" + std::to_string(stage + 1) + ".";
    const std::int64_t stride = stage == 0 ? 1 : 2;
    n.layers.push_back(basic_block(prefix + "0", channels[stage], stride, stage != 0));
    n.layers.push_back(basic_block(prefix + "1", channels[stage], 1, false));
  }
  n.layers.push_back(global_avg_pool2d("avgpool"));
  n.layers.push_back(flatten("flatten"));
  n.layers.push_back(linear("fc", 1000));
  return n;
}

namespace {

// An inception block (Szegedy et al. 2014, figure 2b) with table 1's columns: #1x1,
// #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj. Output channels: c1 + c3 + c5 + proj.
Layer inception(const std::string& name, std::int64_t c1, std::int64_t c3r, std::int64_t c3,
                std::int64_t c5r, std::int64_t c5, std::int64_t proj) {
  return concat(name, {
                          {conv2d("b1_1x1", c1, 1, kValid, "relu")},
                          {conv2d("b2_3x3_reduce", c3r, 1, kValid, "relu"),
                           conv2d("b2_3x3", c3, 3, conv_params(1, 1), "relu")},
                          {conv2d("b3_5x5_reduce", c5r, 1, kValid, "relu"),
                           conv2d("b3_5x5", c5, 5, conv_params(1, 2), "relu")},
                          {max_pool2d("b4_pool", pool_params(3, 1, 1)),
                           conv2d("b4_pool_proj", proj, 1, kValid, "relu")},
                      });
}

}  // namespace

Network googlenet() {
  Network n;
  n.name = "googlenet";
  n.description =
      "GoogLeNet (Szegedy et al. 2014, table 1) without the auxiliary classifiers: convolutions "
      "with bias, LRN in the stem, 3x3/2 max pools in ceil mode, 5x5 branches; dropout omitted";
  n.input = Shape{1, 3, 224, 224};
  const Pool2dParams down = pool_params(3, 2, 0, /*ceil_mode=*/true);
  n.layers = {
      conv2d("conv1", 64, 7, conv_params(2, 3), "relu"),
      max_pool2d("pool1", down),
      local_response_norm("lrn1"),
      conv2d("conv2_reduce", 64, 1, kValid, "relu"),
      conv2d("conv2", 192, 3, conv_params(1, 1), "relu"),
      local_response_norm("lrn2"),
      max_pool2d("pool2", down),
      inception("inception3a", 64, 96, 128, 16, 32, 32),
      inception("inception3b", 128, 128, 192, 32, 96, 64),
      max_pool2d("pool3", down),
      inception("inception4a", 192, 96, 208, 16, 48, 64),
      inception("inception4b", 160, 112, 224, 24, 64, 64),
      inception("inception4c", 128, 128, 256, 24, 64, 64),
      inception("inception4d", 112, 144, 288, 32, 64, 64),
      inception("inception4e", 256, 160, 320, 32, 128, 128),
      max_pool2d("pool4", down),
      inception("inception5a", 256, 160, 320, 32, 128, 128),
      inception("inception5b", 384, 192, 384, 48, 128, 128),
      avg_pool2d("avgpool", pool_params(7, 1)),
      flatten("flatten"),
      linear("fc", 1000),
  };
  return n;
}

Network doc003_conv() {
  Network n;
  n.name = "doc003-conv";
  n.description = "the Conv2d(5, 10, kernel_size=3) of doc 003 (W22), default bias";
  n.input = Shape{1, 5, 100, 100};
  n.layers = {conv2d("conv", 10, 3, kValid)};
  return n;
}

const std::vector<std::string>& network_names() {
  static const std::vector<std::string> names = {"lenet5",   "lenet-d2l", "alexnet",    "vgg16",
                                                 "resnet18", "googlenet", "doc003-conv"};
  return names;
}

Network make_network(std::string_view name) {
  if (name == "lenet5") return lenet5();
  if (name == "lenet-d2l") return lenet_d2l();
  if (name == "alexnet") return alexnet();
  if (name == "vgg16") return vgg16();
  if (name == "resnet18") return resnet18();
  if (name == "googlenet") return googlenet();
  if (name == "doc003-conv") return doc003_conv();
  std::string known;
  for (const std::string& n : network_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown network '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace convlab::nets
