#include "core/units.h"

#include <gtest/gtest.h>

namespace sharc {
namespace {

TEST(ParseSizeTest, AcceptsBinaryUnitsInEveryCommonSpelling) {
  EXPECT_EQ(*ParseSize("512M"), 512LL << 20);
  EXPECT_EQ(*ParseSize("8G"), 8LL << 30);
  EXPECT_EQ(*ParseSize("8GiB"), 8LL << 30);
  EXPECT_EQ(*ParseSize("8gb"), 8LL << 30);
  EXPECT_EQ(*ParseSize("1.5G"), 3LL << 29);
  EXPECT_EQ(*ParseSize("100B"), 100);
  EXPECT_EQ(*ParseSize("1T"), 1LL << 40);
}

TEST(ParseSizeTest, RefusesBareNumbersUnknownUnitsAndOverflow) {
  EXPECT_NE(ParseSize("512").status().message().find("no unit"), std::string::npos);
  EXPECT_NE(ParseSize("5X").status().message().find("unknown unit"), std::string::npos);
  EXPECT_FALSE(ParseSize("-1G").ok());
  EXPECT_FALSE(ParseSize("").ok());
  EXPECT_FALSE(ParseSize("1.2345G").ok());
  EXPECT_FALSE(ParseSize("99999999999P").ok());
  EXPECT_FALSE(ParseSize("G").ok());
}

TEST(ParseSizeTest, ReadsBackEveryByteCountItCanProduce) {
  // Found by fuzz/tenant_body_fuzzer.cc: "1000000001089.9mB" read as 1048576001142842982 bytes,
  // which a quota stores as "1048576001142842982B" and could not read back (the whole number
  // was read in thousandths, overflowing past 9.2e15).
  StatusOr<int64_t> large = ParseSize("1000000001089.9mB");
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(*large, 1048576001142842982);
  EXPECT_EQ(*ParseSize("1048576001142842982B"), 1048576001142842982);
  EXPECT_EQ(*ParseSize("9223372036854775807B"), INT64_MAX);
  EXPECT_FALSE(ParseSize("9223372036854775808B").ok());
  EXPECT_FALSE(ParseSize("8388608T").ok());  // 2^63 bytes
}

TEST(FormatEnergyTest, UsesSiPrefixesAndNeverRoundsUp) {
  EXPECT_EQ(FormatEnergy(0), "0 J");
  EXPECT_EQ(FormatEnergy(999'999), "0 J");
  EXPECT_EQ(FormatEnergy(850'000'000), "850 J");
  EXPECT_EQ(FormatEnergy(12'399'000'000), "12.3 kJ");
  EXPECT_EQ(FormatEnergy(4'500'000'000'000), "4.5 MJ");
  EXPECT_EQ(FormatEnergy(1'000'000'000'000'000), "1 GJ");
  EXPECT_EQ(FormatEnergy(-5), "0 J");
}

TEST(FormatSizeTest, UsesTheLargestUnitWithOneDecimal) {
  EXPECT_EQ(FormatSize(100), "100 B");
  EXPECT_EQ(FormatSize(8LL << 30), "8 GiB");
  EXPECT_EQ(FormatSize(3LL << 29), "1.5 GiB");
  EXPECT_EQ(FormatSize(512LL << 20), "512 MiB");
}

TEST(ParseDurationTest, AcceptsUnitsAndSlurmForms) {
  using std::chrono::seconds;
  EXPECT_EQ(*ParseDuration("90s"), seconds(90));
  EXPECT_EQ(*ParseDuration("30m"), seconds(1800));
  EXPECT_EQ(*ParseDuration("2h"), seconds(7200));
  EXPECT_EQ(*ParseDuration("1h30m"), seconds(5400));
  EXPECT_EQ(*ParseDuration("3d"), seconds(3 * 86400));
  EXPECT_EQ(*ParseDuration("1-12:00:00"), seconds(86400 + 12 * 3600));
  EXPECT_EQ(*ParseDuration("12:00:00"), seconds(12 * 3600));
  EXPECT_EQ(*ParseDuration("30:00"), seconds(1800));
  EXPECT_EQ(*ParseDuration("2-06"), seconds(2 * 86400 + 6 * 3600));
}

TEST(ParseDurationTest, RefusesAmbiguousOrInvalidInput) {
  EXPECT_FALSE(ParseDuration("60").ok());  // minutes or seconds? refuse
  EXPECT_FALSE(ParseDuration("0s").ok());
  EXPECT_FALSE(ParseDuration("1:61").ok());
  EXPECT_FALSE(ParseDuration("5y").ok());
  EXPECT_FALSE(ParseDuration("").ok());
  EXPECT_FALSE(ParseDuration("-5m").ok());
  EXPECT_FALSE(ParseDuration("99999999999999999999d").ok());
  // At most 100 years: twice that, or that added to a time stamp, never overflows. (Found by
  // fuzz/scheduler_config_fuzzer.cc: a heartbeat_interval of 2e12 hours overflowed the
  // config's "node_timeout >= 2 x heartbeat_interval" check.)
  EXPECT_EQ(ParseDuration("36500d")->count(), int64_t{36500} * 86400);
  EXPECT_EQ(ParseDuration("36501d").status().message(),
            "'36501d': longer than any sharc setting takes (at most 36500d)");
  EXPECT_FALSE(ParseDurationMillis("9000-0000000000002000000000000").ok());
}

TEST(FormatDurationTest, UsesSlurmForm) {
  EXPECT_EQ(FormatDuration(std::chrono::seconds(5)), "0:00:05");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(3723)), "1:02:03");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(2 * 86400)), "2-00:00:00");
}

TEST(CpuListTest, RoundTrips) {
  EXPECT_EQ(*ParseCpuList("0-3,8,10-11"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(FormatCpuList({11, 10, 8, 3, 2, 1, 0}), "0-3,8,10,11");
  EXPECT_EQ(FormatCpuList({4, 5, 6}), "4-6");
  EXPECT_EQ(*ParseCpuList(""), std::vector<int>{});
  EXPECT_FALSE(ParseCpuList("3-1").ok());
  EXPECT_FALSE(ParseCpuList("a").ok());
  EXPECT_FALSE(ParseCpuList("1,,2").ok());
}

TEST(CpuListTest, RefusesIndicesAboveTheLimitAndSaysWhich) {
  EXPECT_EQ(ParseCpuList("65535")->back(), 65535);
  EXPECT_EQ(ParseCpuList("0-3,65536").status().message(),
            "'0-3,65536': CPU 65536 is above the highest index sharc reads, 65535");
}

// Found by fuzzing: repeated ranges used to be expanded one copy each before deduplication
// (16 KiB of "0-65535," asked for gigabytes).
TEST(CpuListTest, RepeatedRangesCostNoMemory) {
  std::string text = "0-65535";
  for (int i = 0; i < 4000; ++i) text += ",0-65535";
  StatusOr<std::vector<int>> cpus = ParseCpuList(text);
  ASSERT_TRUE(cpus.ok());
  EXPECT_EQ(cpus->size(), 65536u);
  EXPECT_EQ(cpus->back(), 65535);
}

}  // namespace
}  // namespace sharc

namespace sharc {
namespace {

TEST(ParseDurationMillisTest, AcceptsMilliseconds) {
  using std::chrono::milliseconds;
  EXPECT_EQ(*ParseDurationMillis("200ms"), milliseconds(200));
  EXPECT_EQ(*ParseDurationMillis("1s500ms"), milliseconds(1500));
  EXPECT_EQ(*ParseDurationMillis("2m"), milliseconds(120000));
  EXPECT_EQ(*ParseDurationMillis("0:30"), milliseconds(30000));
  EXPECT_FALSE(ParseDurationMillis("5x").ok());
  EXPECT_NE(ParseDuration("1500ms").status().message().find("whole seconds"), std::string::npos);
  EXPECT_EQ(*ParseDuration("2000ms"), std::chrono::seconds(2));
}

}  // namespace
}  // namespace sharc
