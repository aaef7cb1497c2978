#include "sim/distributions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sharc::sim {
namespace {

TEST(SimPortableMathTest, AgreesWithLibmToAFewUlp) {
  for (double x : {1e-300, 1e-9, 0.001, 0.5, 0.7, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300}) {
    EXPECT_NEAR(PortableLog(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x)))) << x;
  }
  for (double x : {-700.0, -20.0, -1.0, -1e-9, 0.0, 0.3, 1.0, 5.5, 100.0, 700.0}) {
    EXPECT_NEAR(PortableExp(x), std::exp(x), 8e-16 * std::exp(x)) << x;
  }
  for (double turns : {-1.25, -0.5, -0.1, 0.0, 0.125, 0.25, 0.3, 0.75, 3.9}) {
    EXPECT_NEAR(PortableSinTurns(turns), std::sin(2 * M_PI * turns), 1e-15) << turns;
  }
  EXPECT_EQ(PortableLog(1.0), 0.0);
  EXPECT_EQ(PortableExp(0.0), 1.0);
}

// The streams are fixed by this code alone: these numbers must never change (on any
// platform), or seeds would stop reproducing workloads.
TEST(SimRandomTest, SplitMix64StreamIsFixed) {
  Random random(0);
  // SplitMix64 from state 0, as in Vigna's reference splitmix64.c.
  EXPECT_EQ(random.Next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(random.Next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(random.Next(), 0x06c45d188009454fULL);
}

TEST(SimRandomTest, DrawsAreInRangeAndHaveTheRightMeans) {
  Random random(42);
  constexpr int kDraws = 200000;
  double uniform = 0, exponential = 0, normal = 0, normal_sq = 0;
  std::vector<double> lognormal, pareto;
  for (int i = 0; i < kDraws; ++i) {
    double u = random.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniform += u;
    int64_t k = random.UniformInt(-3, 3);
    ASSERT_GE(k, -3);
    ASSERT_LE(k, 3);
    exponential += random.Exponential(2.0);
    double n = random.Normal();
    normal += n;
    normal_sq += n * n;
    lognormal.push_back(random.LogNormal(std::log(180.0), 1.5));
    double p = random.Pareto(10, 1.3);
    ASSERT_GE(p, 10.0);
    pareto.push_back(p);
  }
  EXPECT_NEAR(uniform / kDraws, 0.5, 0.005);
  EXPECT_NEAR(exponential / kDraws, 0.5, 0.005);
  EXPECT_NEAR(normal / kDraws, 0.0, 0.01);
  EXPECT_NEAR(normal_sq / kDraws, 1.0, 0.01);
  std::nth_element(lognormal.begin(), lognormal.begin() + kDraws / 2, lognormal.end());
  EXPECT_NEAR(lognormal[kDraws / 2], 180.0, 5.0);
  // P(X > 100) = (10/100)^1.3 = 0.0501.
  double above = std::count_if(pareto.begin(), pareto.end(), [](double x) { return x > 100; });
  EXPECT_NEAR(above / kDraws, 0.0501, 0.003);
}

TEST(SimDiscreteDistributionTest, SamplesByWeightAndNeverAZeroWeight) {
  DiscreteDistribution d({1, 0, 3});
  EXPECT_DOUBLE_EQ(d.Probability(0), 0.25);
  EXPECT_DOUBLE_EQ(d.Probability(1), 0.0);
  EXPECT_DOUBLE_EQ(d.Probability(2), 0.75);
  Random random(3);
  int counts[3] = {};
  for (int i = 0; i < 40000; ++i) ++counts[d.Sample(random)];
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[0] / 40000.0, 0.25, 0.01);
}

TEST(SimZipfWeightsTest, AreOneOverRank) {
  std::vector<double> w = ZipfWeights(4, 1.0);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_DOUBLE_EQ(w[0], 1.0);
  EXPECT_NEAR(w[1], 0.5, 1e-15);
  EXPECT_NEAR(w[3], 0.25, 1e-15);
}

}  // namespace
}  // namespace sharc::sim
