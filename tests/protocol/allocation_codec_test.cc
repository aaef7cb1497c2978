#include "protocol/allocation_codec.h"

#include <gtest/gtest.h>

namespace sharc::protocol {
namespace {

TEST(AllocationCodecTest, RoundTripsAsAListOfParts) {
  Allocation allocation{{NodeAllocation{"gpu1", {0, 1, 2, 3, 8}, {1}, 1 << 30, true},
                         NodeAllocation{"gpu2", {4}, {}, 1 << 20, false}}};
  Json j = EncodeAllocation(allocation);
  EXPECT_EQ(j, Json::parse(R"([{"node":"gpu1","cpus":"0-3,8","gpus":[1],
      "mem_bytes":1073741824,"binding":"simulated"},
      {"node":"gpu2","cpus":"4","gpus":[],"mem_bytes":1048576,"binding":"real"}])"));
  StatusOr<Allocation> decoded = DecodeAllocation(j, "allocation");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, allocation);
}

TEST(AllocationCodecTest, RefusesWhatValidateAllocationRefusesNamingTheField) {
  auto error = [](const std::string& part) {
    return DecodeAllocation(Json::parse("[" + part + "]"), "allocation").status().message();
  };
  const std::string ok_rest = R"("mem_bytes":1,"binding":"real")";
  EXPECT_EQ(error(R"({"node":"","cpus":"0",)" + ok_rest + "}"),
            "allocation[0].node: must name the node");
  EXPECT_EQ(error(R"({"node":"n","cpus":"x",)" + ok_rest + "}"),
            "allocation[0].cpus: 'x' is not a CPU list; use e.g. 0-3,8,10-11");
  EXPECT_EQ(error(R"({"node":"n","cpus":"0","gpus":[-1],)" + ok_rest + "}"),
            "allocation[0].gpus: must be between 0 and 1024");
  EXPECT_EQ(error(R"({"node":"n","cpus":"0","mem_bytes":-1,"binding":"real"})"),
            "allocation[0].mem_bytes: must be at least 0");
  EXPECT_EQ(error(R"({"node":"n","cpus":"0","mem_bytes":1,"binding":"fake"})"),
            "allocation[0].binding: must be 'real' or 'simulated'");
  EXPECT_EQ(error(R"({"node":"n","cpus":"0","extra":1,)" + ok_rest + "}"),
            "allocation[0].extra: unknown field");
  EXPECT_EQ(DecodeAllocation(Json::object(), "allocation").status().message(),
            "allocation: must be a list of per-node parts");
  EXPECT_EQ(DecodeAllocation(Json::array(), "allocation").status().message(),
            "allocation: must have a part on at least one node");
  const std::string part = R"({"node":"n","cpus":"0",)" + ok_rest + "}";
  EXPECT_EQ(
      DecodeAllocation(Json::parse("[" + part + "," + part + "]"), "allocation").status().message(),
      "allocation[1].node: 'n' has an earlier part: one part per node");
  EXPECT_EQ(error(R"({"node":"n","cpus":"0","gpus":[0.5],)" + ok_rest + "}"),
            "allocation[0].gpus: must be a list of integers between -2147483648 and 2147483647");
}

}  // namespace
}  // namespace sharc::protocol
