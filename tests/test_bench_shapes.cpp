// The shape-set parser of the benchmarks (bench/shapes.hpp): descriptors, defaults, shapes,
// FLOP counts computed by hand, every bundled set loading, and bad input naming file, line and
// token.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>

#include "bench/shapes.hpp"

namespace convlab::bench {
namespace {

// The message of the std::invalid_argument that parsing `text` as file `file` throws.
std::string error_of(const std::string& text, const std::string& file = "dir/set.txt") {
  std::istringstream in(text);
  try {
    parse_shape_set(in, file);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(BenchShapes, Conv2dDescriptorWithDefaults) {
  std::istringstream in(
      "# a comment line\n"
      "\n"
      "conv2d mb1ic64ih56oc64kh3ph1n\"resnet50:res2_3x3\"  # trailing comment\n");
  const auto problems = parse_shape_set(in, "somewhere/resnet50.txt");
  ASSERT_EQ(problems.size(), 1u);
  const Problem& p = problems[0];
  EXPECT_EQ(p.op, "conv2d");
  EXPECT_EQ(p.direction, Direction::forward);
  EXPECT_EQ(p.set, "resnet50");
  EXPECT_EQ(p.layer, "res2_3x3");
  EXPECT_EQ(p.name(), "resnet50:res2_3x3");
  EXPECT_EQ(p.inputs.at("x"), (Shape{1, 64, 56, 56}));  // iw defaults to ih
  EXPECT_EQ(p.inputs.at("w"), (Shape{64, 64, 3, 3}));   // kw defaults to kh
  EXPECT_EQ(p.inputs.at("b"), (Shape{64}));
  EXPECT_EQ(p.outputs.at("y"), (Shape{1, 64, 56, 56}));  // (56 + 2 - 3) / 1 + 1
  const auto& cp = std::get<Conv2dParams>(p.params);
  EXPECT_EQ(cp.stride_h, 1);
  EXPECT_EQ(cp.stride_w, 1);
  EXPECT_EQ(cp.pad_left, 1);  // pw defaults to ph
  EXPECT_EQ(cp.pad_bottom, 1);
  EXPECT_EQ(cp.dilation_w, 1);
  EXPECT_EQ(cp.groups, 1);
  // 2 * N * OC * OH * OW * IC * KH * KW = 2 * 64 * 56 * 56 * 64 * 9 = 231,211,008.
  EXPECT_EQ(direct_flops(p), 231211008.0);
  // (x 200704 + w 36864 + b 64 + y 200704) elements * 4 bytes = 1,753,344.
  EXPECT_EQ(minimal_bytes(p), 1753344.0);
}

TEST(BenchShapes, GroupedStridedRectangularConv) {
  std::istringstream in("conv2d mb2ic96ih27iw31oc256kh5kw3sh2sw1ph2pw1dh2g2n\"alexnet:c\"\n");
  const Problem p = parse_shape_set(in, "alexnet.txt").at(0);
  EXPECT_EQ(p.inputs.at("x"), (Shape{2, 96, 27, 31}));
  EXPECT_EQ(p.inputs.at("w"), (Shape{256, 48, 5, 3}));
  // H: (27 + 4 - 2*(5-1) - 1) / 2 + 1 = 22 / 2 + 1 = 12; W (dw defaults to dh = 2):
  // (31 + 2 - 2*(3-1) - 1) / 1 + 1 = 29.
  EXPECT_EQ(p.outputs.at("y"), (Shape{2, 256, 12, 29}));
  // 2 * (2*256*12*29) * (48*5*3) = 2 * 178176 * 720 = 256,573,440.
  EXPECT_EQ(direct_flops(p), 256573440.0);
}

TEST(BenchShapes, OtherOps) {
  std::istringstream in(
      "max_pool2d mb1ic64ih112kh3sh2ph1n\"s:pool\"\n"
      "avg_pool2d mb1ic6ih28kh2sh2cip0ceil1n\"s:avg\"\n"
      "linear mb64ic9216oc4096n\"s:fc6\"\n"
      "relu mb1ic64ih56n\"s:relu\"\n"
      "gemm m512n256k128n\"s:g\"\n"
      "conv_transpose2d mb1ic64ih56oc32kh3sh2ph1oph1n\"s:up\"\n"
      "conv3d mb1ic4ih8oc8kh3kd1n\"s:c3\"\n"
      "conv1d mb1ic4iw10oc8kw3n\"s:c1\"\n"
      "conv2d_backward mb1ic3ih8oc4kh3n\"s:back\"\n");
  const auto ps = parse_shape_set(in, "s.txt");
  ASSERT_EQ(ps.size(), 9u);
  // Pool: (112 + 2 - 3) / 2 + 1 = 56; 64*56*56 outputs x 9 window elements = 1,806,336.
  EXPECT_EQ(ps[0].outputs.at("y"), (Shape{1, 64, 56, 56}));
  EXPECT_EQ(ps[0].outputs.at("indices"), (Shape{1, 64, 56, 56}));
  EXPECT_EQ(direct_flops(ps[0]), 1806336.0);
  const auto& avg = std::get<Pool2dParams>(ps[1].params);
  EXPECT_FALSE(avg.count_include_pad);
  EXPECT_TRUE(avg.ceil_mode);
  EXPECT_EQ(ps[1].outputs.at("y"), (Shape{1, 6, 14, 14}));
  // Linear: 2 * 64 * 9216 * 4096 = 4,831,838,208.
  EXPECT_EQ(ps[2].outputs.at("y"), (Shape{64, 4096}));
  EXPECT_EQ(direct_flops(ps[2]), 4831838208.0);
  EXPECT_EQ(direct_flops(ps[3]), 64.0 * 56 * 56);
  // gemm: n512 is the dimension N, n"..." the name. 2 * 512 * 256 * 128 = 33,554,432.
  EXPECT_EQ(ps[4].inputs.at("a"), (Shape{512, 128}));
  EXPECT_EQ(ps[4].inputs.at("b"), (Shape{128, 256}));
  EXPECT_EQ(ps[4].outputs.at("c"), (Shape{512, 256}));
  EXPECT_EQ(direct_flops(ps[4]), 33554432.0);
  EXPECT_EQ(ps[4].layer, "g");
  // Transposed: (56 - 1) * 2 - 2 + 3 + 1 = 112; weight (C_in, C_out, KH, KW).
  EXPECT_EQ(ps[5].inputs.at("w"), (Shape{64, 32, 3, 3}));
  EXPECT_EQ(ps[5].outputs.at("y"), (Shape{1, 32, 112, 112}));
  // 2 * (64*56*56 inputs) * (32*3*3) = 2 * 200704 * 288 = 115,605,504.
  EXPECT_EQ(direct_flops(ps[5]), 115605504.0);
  // conv3d: id defaults to ih = 8, kd1 given, kw to kh = 3: output (8, 6, 6).
  EXPECT_EQ(ps[6].inputs.at("x"), (Shape{1, 4, 8, 8, 8}));
  EXPECT_EQ(ps[6].outputs.at("y"), (Shape{1, 8, 8, 6, 6}));
  EXPECT_EQ(ps[7].outputs.at("y"), (Shape{1, 8, 8}));
  // Backward: dy has the forward output's shape; twice the forward operations.
  EXPECT_EQ(ps[8].direction, Direction::backward);
  EXPECT_EQ(ps[8].op_name(), "conv2d_backward");
  EXPECT_EQ(ps[8].inputs.at("dy"), (Shape{1, 4, 6, 6}));
  EXPECT_EQ(ps[8].outputs.at("dw"), (Shape{4, 3, 3, 3}));
  // forward 2 * (4*6*6) * (3*3*3) = 7776; backward twice that.
  EXPECT_EQ(direct_flops(ps[8]), 15552.0);
}

TEST(BenchShapes, EveryBundledSetLoads) {
  const auto dir = default_shapes_dir();
  const auto sets = available_sets(dir);
  for (const char* required : {"lenet", "lenet_d2l", "alexnet", "vgg16", "resnet50", "mobilenet_v1",
                               "googlenet_3a", "pooling", "transposed", "fc", "gemm",
                               "scaling_input", "scaling_kernel", "scaling_channels"}) {
    SCOPED_TRACE(required);
    ASSERT_NE(std::find(sets.begin(), sets.end(), required), sets.end());
    EXPECT_FALSE(load_shape_set(dir / (std::string(required) + ".txt")).empty());
  }
  // Hand-checked layers of the real networks.
  const auto alexnet = load_shape_set(dir / "alexnet.txt");
  EXPECT_EQ(alexnet.at(0).outputs.at("y"), (Shape{1, 96, 55, 55}));   // (227 - 11) / 4 + 1
  EXPECT_EQ(std::get<Conv2dParams>(alexnet.at(3).params).groups, 2);  // conv2, two towers
  EXPECT_EQ(alexnet.at(3).outputs.at("y"), (Shape{1, 256, 27, 27}));
  EXPECT_EQ(select_sets("resnet50,lenet", dir), (std::vector<std::string>{"resnet50", "lenet"}));
  EXPECT_EQ(select_sets("all", dir), sets);
  EXPECT_THROW(select_sets("resnet50,resnet51", dir), std::invalid_argument);
}

TEST(BenchShapes, BadInputNamesFileLineAndToken) {
  struct Bad {
    std::string text, must_contain;
  };
  const Bad cases[] = {
      {"conv2d mb1ic64ih56oc64kh3n\"set:a\"\nconv9d mb1n\"set:b\"\n",
       "dir/set.txt:2: bad token 'conv9d'"},
      {"conv2d mb1ic64ih56oc64kh3qq5n\"set:a\"\n", "bad token 'qq5': op conv2d has no key 'qq'"},
      {"conv2d mb1ic64ihxoc64kh3n\"set:a\"\n", "bad token 'ihxoc64': op conv2d has no key"},
      {"conv2d mb1ic64ih56oc64kh3n\"set:a\n", "unterminated quote"},
      {"conv2d mb1ic64ih56oc64n\"set:a\"\n", "needs key 'kh'"},
      {"conv2d mb1ic64ih56ic32oc64kh3n\"set:a\"\n", "bad token 'ic32': key 'ic' given twice"},
      {"conv2d mb1ic64ih56oc64kh3\n", "no name"},
      {"conv2d mb1ic64ih56oc64kh3n\"other:a\"\n", "must be \"set:<layer>\""},
      {"conv2d mb1ic64ih56oc64kh3n\"set:a\"\nrelu mb1ic3ih4n\"set:a\"\n",
       "dir/set.txt:2: bad token 'n\"set:a\"': layer name used twice"},
      {"conv2d mb1ic64ih56oc64kh3g3n\"set:a\"\n", "bad token 'g3': groups must divide ic 64"},
      {"conv2d mb1ic64ih2oc64kh3n\"set:a\"\n", "dir/set.txt:1: bad token"},  // kernel > input
      {"conv2d\n", "an op needs a descriptor"},
      {"conv2d mb1ic4ih8oc4kh3n\"set:a\" extra\n", "bad token 'extra'"},
      {"gemm_backward m4n4k4n\"set:a\"\n", "bad token 'gemm_backward': unknown op"},
      {"max_pool2d mb1ic4ih8kh2ceil2n\"set:a\"\n", "bad token 'ceil2'"},
      {"linear mb1ic99999999999999999999oc4n\"set:a\"\n", "out of range"},
      {"relu mb1ic4ih8n\"set:a/b\"\n", "a layer name has no '/'"},
      {"relu mb1ic4ih8-3n\"set:a\"\n", "bad token '-3n\"set:a\"'"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string message = error_of(c.text);
    EXPECT_NE(message.find(c.must_contain), std::string::npos) << message;
    EXPECT_EQ(message.rfind("dir/set.txt:", 0), 0u) << message;
  }
  EXPECT_THROW(load_shape_set("/nonexistent/set.txt"), std::invalid_argument);
}

}  // namespace
}  // namespace convlab::bench
