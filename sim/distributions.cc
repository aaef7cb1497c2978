#include "sim/distributions.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace sharc::sim {
namespace {

// ln 2 split in two (fdlibm's Cody-Waite constants): k * kLn2Hi is exact for |k| < 2^11.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kTwoPi = 6.283185307179586477;

}  // namespace

double PortableLog(double x) {
  assert(x > 0);
  if (std::isinf(x)) return x;
  int exponent = 0;
  double m = std::frexp(x, &exponent);  // x = m * 2^exponent, m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2;
    --exponent;
  }
  // log(m) = 2 atanh(t) = 2 (t + t^3/3 + t^5/5 + ...), t = (m-1)/(m+1), |t| <= 0.172.
  double t = (m - 1) / (m + 1);
  double t2 = t * t;
  double series = 0;
  for (int k = 27; k >= 1; k -= 2) series = series * t2 + 1.0 / k;
  return (exponent * kLn2Hi + 2 * t * series) + exponent * kLn2Lo;
}

double PortableExp(double x) {
  if (x > 709.7) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0;
  // x = k ln2 + r with |r| <= ln2/2; exp(x) = 2^k exp(r), exp(r) by its Taylor series.
  double k = std::floor(x / (kLn2Hi + kLn2Lo) + 0.5);
  double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double sum = 1;
  for (int n = 20; n >= 1; --n) sum = 1 + sum * r / n;
  return std::ldexp(sum, static_cast<int>(k));
}

double PortableSinTurns(double turns) {
  double r = turns - std::floor(turns + 0.5);  // [-0.5, 0.5)
  double x = r * kTwoPi;                       // [-pi, pi)
  double x2 = x * x;
  // sin x = x - x^3/3! + x^5/5! - ..., to x^31 (error below 1e-18 on [-pi, pi]).
  double sum = 1;
  for (int n = 31; n >= 3; n -= 2) sum = 1 - sum * x2 / (n * (n - 1));
  return x * sum;
}

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Random::Next() {
  uint64_t out = Mix64(state_);
  state_ += 0x9e3779b97f4a7c15ULL;
  return out;
}

double Random::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Random::Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

int64_t Random::UniformInt(int64_t lo, int64_t hi) {
  assert(lo <= hi);
  uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  if (range == 0) return static_cast<int64_t>(Next());  // the whole int64 range
  uint64_t threshold = (0 - range) % range;             // 2^64 mod range
  uint64_t x = Next();
  while (x < threshold) x = Next();
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + x % range);
}

bool Random::Bernoulli(double p) { return Uniform() < p; }

double Random::Exponential(double rate) {
  assert(rate > 0);
  return -PortableLog(1 - Uniform()) / rate;
}

double Random::Normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u, v, s;
  do {
    u = Uniform(-1, 1);
    v = Uniform(-1, 1);
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  double factor = std::sqrt(-2 * PortableLog(s) / s);
  spare_normal_ = v * factor;
  has_spare_normal_ = true;
  return u * factor;
}

double Random::LogNormal(double mu, double sigma) { return PortableExp(mu + sigma * Normal()); }

double Random::Pareto(double x_min, double alpha) {
  assert(x_min > 0 && alpha > 0);
  double u = 1 - Uniform();  // (0, 1]
  return x_min * PortableExp(-PortableLog(u) / alpha);
}

DiscreteDistribution::DiscreteDistribution(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) {
    assert(w >= 0);
    total += w;
    cumulative_.push_back(total);
  }
  assert(total > 0);
}

size_t DiscreteDistribution::Sample(Random& random) const {
  double u = random.Uniform() * cumulative_.back();
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  // u < total, so `it` is an element; skip zero-weight entries (equal cumulative values).
  return std::min<size_t>(it - cumulative_.begin(), cumulative_.size() - 1);
}

double DiscreteDistribution::Probability(size_t i) const {
  double below = i == 0 ? 0 : cumulative_[i - 1];
  return (cumulative_[i] - below) / cumulative_.back();
}

std::vector<double> ZipfWeights(int n, double s) {
  std::vector<double> weights;
  for (int k = 1; k <= n; ++k) weights.push_back(PortableExp(-s * PortableLog(k)));
  return weights;
}

}  // namespace sharc::sim
