#include "store/node_record_codec.h"

#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using protocol::Json;

TEST(NodeRecordCodecTest, RoundTripsEveryField) {
  for (NodeState state : {NodeState::kUp, NodeState::kDown, NodeState::kDrain}) {
    NodeRecord node = testing::SampleNode("gpu1", state);
    StatusOr<NodeRecord> decoded = DecodeNodeRecord(EncodeNodeRecord(node), "node");
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, node);
  }
}

TEST(NodeRecordCodecTest, KeepsTheCredentialHashAndReadsOlderRecordsWithoutIt) {
  NodeRecord node = testing::SampleNode("gpu1");
  node.credential_sha256 = std::string(64, 'e');
  Json json = EncodeNodeRecord(node);
  EXPECT_EQ(json["credential_sha256"], node.credential_sha256);
  StatusOr<NodeRecord> decoded = DecodeNodeRecord(json, "node");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, node);
  json.erase("credential_sha256");
  decoded = DecodeNodeRecord(json, "node");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->credential_sha256, "");
}

TEST(NodeRecordCodecTest, EncodesTheDocumentedShape) {
  Json json = EncodeNodeRecord(testing::SampleNode("gpu1", NodeState::kDrain));
  EXPECT_EQ(json["state"], "DRAIN");
  EXPECT_EQ(json["reason"], "missed 3 heartbeats");
  EXPECT_EQ(json["last_seen"], 1'796'018'699'000);
  EXPECT_EQ(json["inventory"]["name"], "gpu1");
  EXPECT_EQ(json.size(), 4u);
}

TEST(NodeRecordCodecTest, KeepsGpuIslandsAndReadsOlderRecordsWithoutThem) {
  NodeRecord node = testing::SampleNode("gpu1");
  node.inventory.topology.gpus[0].island = 0;
  Json json = EncodeNodeRecord(node);
  StatusOr<NodeRecord> decoded = DecodeNodeRecord(json, "node");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, node);
  // A row written before islands existed has no "island": the GPU's island is unknown.
  json["inventory"]["topology"]["gpus"][0].erase("island");
  decoded = DecodeNodeRecord(json, "node");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->inventory.topology.gpus[0].island, -1);
  json["inventory"]["topology"]["gpus"][0]["island"] = 256;
  Status status = DecodeNodeRecord(json, "node").status();
  EXPECT_NE(status.message().find("node.inventory.topology.gpus[0].island"), std::string::npos)
      << status.message();
}

TEST(NodeRecordCodecTest, RefusesUnknownStateNamingTheField) {
  Json json = EncodeNodeRecord(testing::SampleNode("gpu1"));
  json["state"] = "SLEEPING";
  Status status = DecodeNodeRecord(json, "node").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("node.state"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("SLEEPING"), std::string::npos) << status.message();
}

TEST(NodeRecordCodecTest, RefusesUnknownFieldsAndMissingOnes) {
  Json extra = EncodeNodeRecord(testing::SampleNode("gpu1"));
  extra["colour"] = "blue";
  EXPECT_FALSE(DecodeNodeRecord(extra, "node").ok());

  Json missing = EncodeNodeRecord(testing::SampleNode("gpu1"));
  missing.erase("last_seen");
  Status status = DecodeNodeRecord(missing, "node").status();
  EXPECT_NE(status.message().find("last_seen"), std::string::npos) << status.message();
}

TEST(NodeRecordCodecTest, RefusesAnInvalidInventory) {
  Json json = EncodeNodeRecord(testing::SampleNode("gpu1"));
  json["inventory"]["topology"]["pus"] = Json::array();
  Status status = DecodeNodeRecord(json, "node").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("node.inventory.topology.pus"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace sharc::store
