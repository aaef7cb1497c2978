#include "net/connection_slots.h"

#include <gtest/gtest.h>

#include <vector>

namespace sharc::net {
namespace {

TEST(ConnectionSlotsTest, LimitsEachPeerAndTheTotalAndFreesASlotWithItsLastHolder) {
  ConnectionSlots slots(/*max_total=*/3, /*max_per_peer=*/2);
  std::string refusal;
  ConnectionSlots::Slot a1 = slots.TryTake("10.0.0.1", &refusal);
  ConnectionSlots::Slot a2 = slots.TryTake("10.0.0.1", &refusal);
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(slots.TryTake("10.0.0.1", &refusal));
  EXPECT_EQ(refusal, "too_many_from_peer");
  ConnectionSlots::Slot b1 = slots.TryTake("10.0.0.2", &refusal);
  ASSERT_TRUE(b1);
  EXPECT_FALSE(slots.TryTake("10.0.0.2", &refusal));
  EXPECT_EQ(refusal, "too_many_connections");
  EXPECT_EQ(slots.total(), 3u);
  EXPECT_EQ(slots.from("10.0.0.1"), 2u);

  ConnectionSlots::Slot copy = a1;  // e.g. a WebSocket channel upgraded from the connection
  a1.reset();
  EXPECT_EQ(slots.from("10.0.0.1"), 2u);
  copy.reset();
  EXPECT_EQ(slots.from("10.0.0.1"), 1u);
  EXPECT_TRUE(slots.TryTake("10.0.0.2", &refusal));  // taken and released at once
  EXPECT_EQ(slots.total(), 2u);
  EXPECT_EQ(slots.from("10.0.0.3"), 0u);
}

TEST(ConnectionSlotsTest, ZeroMeansNoLimitAndSlotsMayOutliveTheCounter) {
  ConnectionSlots::Slot kept;
  {
    ConnectionSlots slots(0, 0);
    std::string refusal;
    std::vector<ConnectionSlots::Slot> many;
    for (int i = 0; i < 1000; ++i) many.push_back(slots.TryTake("10.0.0.1", &refusal));
    EXPECT_EQ(slots.total(), 1000u);
    kept = many.front();
  }
  kept.reset();  // releases into counts the slots share
}

}  // namespace
}  // namespace sharc::net
