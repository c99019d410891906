// The networks `convlab describe` knows, built from the layer builders of network.hpp.
//
//   lenet5       LeNet-5 with the original shapes (W28): 32x32x1, C1 6@5x5, S2 pool/2, C3 16@5x5,
//                S4 pool/2, C5 120@5x5, F6 84, output 10. Counted as the usual table counts it
//                (61,706 parameters): S2/S4 as parameter-free 2x2 average pooling, C3 fully
//                connected to S2 (LeCun's sparse C3 table had 1,516), the output as a linear
//                layer with bias (LeCun's RBF output had 840 weights and no bias).
//   lenet-d2l    The LeNet of W21 (doc 002, d2l): 28x28x1, Conv(1->6,k5,p2), Sigmoid,
//                AvgPool(2,2), Conv(6->16,k5), Sigmoid, AvgPool(2,2), Flatten, Linear(400->120),
//                Sigmoid, Linear(120->84), Sigmoid, Linear(84->10), one row per module.
//   alexnet      Single-tower AlexNet, 227x227x3 input (W29): the two GPU halves of the
//                original merged, so conv2/4/5 see all channels; LRN after conv1 and conv2;
//                62,378,344 parameters. Dropout omitted (no parameters, identity at inference).
//   vgg16        VGG-16 (configuration D), 224x224x3, 138,357,544 parameters.
//   resnet18     ResNet-18 as in torchvision, 224x224x3: convolutions without bias, batch norm
//                counted as 2 parameters per channel (gamma, beta), 11,689,512 parameters.
//   googlenet    GoogLeNet (Szegedy et al. 2014, table 1), 224x224x3: the full network without
//                the two auxiliary classifiers; convolutions with bias and ReLU, LRN after the
//                first pool and after conv2, 3x3 stride-2 max pools in ceil mode (torchvision's
//                choice, which gives the table's 56/28/14/7), the 5x5 branches as in the paper,
//                a 7x7 average pool and a 1024->1000 linear layer. Dropout omitted.
//   doc003-conv  The single layer of W22 (doc 003): Conv2d(5, 10, kernel_size=3) with its
//                default bias on a 1x5x100x100 input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nets/network.hpp"

namespace convlab::nets {

Network lenet5();
Network lenet_d2l();
Network alexnet();
Network vgg16();
Network resnet18();
Network googlenet();
Network doc003_conv();

// The names above, in that order.
const std::vector<std::string>& network_names();
// Throws std::invalid_argument listing the known names when `name` is not one.
Network make_network(std::string_view name);

}  // namespace convlab::nets
