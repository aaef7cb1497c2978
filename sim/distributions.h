// Random numbers that are the same for a seed on every platform, for the workload generator.
//
// std::*_distribution and libm's log/exp/sin may differ between standard libraries, so this
// file uses neither: the generator is SplitMix64 (Steele, Lea and Flood, 2014; fully defined
// here, cheap to seed, so every job can have a stream of its own) and the elementary functions
// are computed here from IEEE-754 +, -, *, /, sqrt and the exact frexp/ldexp/floor.
// The sim library is compiled with -ffp-contract=off so no compiler fuses a*b+c differently.
// (Assumes IEEE-754 binary64 doubles evaluated in double precision, i.e. not x87.)
#ifndef SHARC_SIM_DISTRIBUTIONS_H_
#define SHARC_SIM_DISTRIBUTIONS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sharc::sim {

// Natural logarithm, exponential and sin(2*pi*turns), accurate to a few ulp and bit-for-bit
// reproducible. Log requires x > 0; Exp returns +inf / 0 beyond about +-708.
double PortableLog(double x);
double PortableExp(double x);
double PortableSinTurns(double turns);

// SplitMix64's finaliser: a well-mixed 64-bit hash, used to derive independent seeds and
// per-window coin flips from one seed.
uint64_t Mix64(uint64_t x);

// A seeded random stream. Not thread-safe; one per consumer.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}

  uint64_t Next();                             // 64 random bits
  double Uniform();                            // [0, 1), 53 random bits
  double Uniform(double lo, double hi);        // [lo, hi)
  int64_t UniformInt(int64_t lo, int64_t hi);  // [lo, hi], unbiased; requires lo <= hi
  bool Bernoulli(double p);                    // true with probability p
  double Exponential(double rate);             // mean 1/rate; rate > 0
  double Normal();                             // standard normal (Marsaglia's polar method)
  double LogNormal(double mu, double sigma);   // exp(mu + sigma * Normal()); median e^mu
  // Pareto type I: x_min * U^(-1/alpha), U uniform on (0, 1]; P(X > x) = (x_min / x)^alpha.
  double Pareto(double x_min, double alpha);

 private:
  uint64_t state_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

// A finite distribution over indices 0..n-1 with the given non-negative weights (at least one
// positive), sampled by inverse CDF: binary search of a uniform draw in the cumulative table.
class DiscreteDistribution {
 public:
  explicit DiscreteDistribution(const std::vector<double>& weights);
  size_t Sample(Random& random) const;
  // The probability of index i (its weight over the total).
  double Probability(size_t i) const;
  size_t size() const { return cumulative_.size(); }

 private:
  std::vector<double> cumulative_;
};

// Zipf weights 1/k^s for ranks k = 1..n (index 0 is rank 1, the largest).
std::vector<double> ZipfWeights(int n, double s);

}  // namespace sharc::sim

#endif  // SHARC_SIM_DISTRIBUTIONS_H_
