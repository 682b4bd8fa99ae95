#include "analysis/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace bakeoff::analysis {
namespace {

double log_choose(long n, long k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

// Deterministic xorshift64* generator: the statistics must not depend on the platform's RNG.
struct XorShift {
  uint64_t state;
  explicit XorShift(uint64_t seed) : state(seed ? seed : 0x9E3779B97F4A7C15ULL) {}
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

bool at_least(double value, double observed) {
  return value >= observed - 1e-9 * std::max(1.0, std::fabs(observed));
}

}  // namespace

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

Spread describe(const std::vector<double>& values) {
  Spread s;
  s.n = values.size();
  if (values.empty()) return s;
  s.median = median(values);
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(s.n);
  return s;
}

double fisher_exact(long a, long b, long c, long d, Alternative alt) {
  if (a < 0 || b < 0 || c < 0 || d < 0) return 1.0;
  const long row1 = a + b;
  const long col1 = a + c;
  const long n = a + b + c + d;
  if (n == 0) return 1.0;
  const long lo = std::max(0L, col1 - (n - row1));
  const long hi = std::min(row1, col1);
  // Hypergeometric P[X = x] for the top-left cell with fixed margins.
  auto pmf = [&](long x) {
    return std::exp(log_choose(row1, x) + log_choose(n - row1, col1 - x) - log_choose(n, col1));
  };
  double p = 0;
  if (alt == Alternative::greater) {
    for (long x = a; x <= hi; ++x) p += pmf(x);
  } else if (alt == Alternative::less) {
    for (long x = lo; x <= a; ++x) p += pmf(x);
  } else {
    const double observed = pmf(a);
    for (long x = lo; x <= hi; ++x) {
      double px = pmf(x);
      if (px <= observed * (1 + 1e-7)) p += px;
    }
  }
  return std::min(1.0, p);
}

double paired_permutation_test(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> diffs;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (x[i] != y[i]) diffs.push_back(x[i] - y[i]);
  }
  if (diffs.empty()) return 1.0;
  const double observed = std::fabs(std::accumulate(diffs.begin(), diffs.end(), 0.0));
  const size_t n = diffs.size();
  if (n <= 20) {
    // Zero differences flip to themselves, so enumerating the non-zero ones is exact.
    const uint64_t total = 1ULL << n;
    uint64_t hits = 0;
    for (uint64_t mask = 0; mask < total; ++mask) {
      double sum = 0;
      for (size_t i = 0; i < n; ++i) sum += (mask >> i & 1) ? -diffs[i] : diffs[i];
      if (at_least(std::fabs(sum), observed)) ++hits;
    }
    return static_cast<double>(hits) / static_cast<double>(total);
  }
  XorShift rng(0xB0A7ULL);
  const int draws = 100000;
  int hits = 0;
  for (int r = 0; r < draws; ++r) {
    double sum = 0;
    for (double dv : diffs) sum += (rng.next() >> 63) ? -dv : dv;
    if (at_least(std::fabs(sum), observed)) ++hits;
  }
  return (hits + 1.0) / (draws + 1.0);
}

double permutation_test(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.empty() || y.empty()) return 1.0;
  std::vector<double> pooled(x);
  pooled.insert(pooled.end(), y.begin(), y.end());
  const size_t n = pooled.size();
  const size_t k = x.size();
  const double total = std::accumulate(pooled.begin(), pooled.end(), 0.0);
  auto stat = [&](double sum_x) {
    return std::fabs(sum_x / static_cast<double>(k) - (total - sum_x) / static_cast<double>(n - k));
  };
  const double observed = stat(std::accumulate(x.begin(), x.end(), 0.0));
  const double combos = std::exp(log_choose(static_cast<long>(n), static_cast<long>(k)));
  if (combos <= 200000) {
    // Enumerate k-subsets in lexicographic order.
    std::vector<size_t> idx(k);
    std::iota(idx.begin(), idx.end(), 0);
    uint64_t hits = 0, count = 0;
    while (true) {
      double sum = 0;
      for (size_t i : idx) sum += pooled[i];
      ++count;
      if (at_least(stat(sum), observed)) ++hits;
      long i = static_cast<long>(k) - 1;
      while (i >= 0 && idx[static_cast<size_t>(i)] == n - k + static_cast<size_t>(i)) --i;
      if (i < 0) break;
      ++idx[static_cast<size_t>(i)];
      for (size_t j = static_cast<size_t>(i) + 1; j < k; ++j) idx[j] = idx[j - 1] + 1;
    }
    return static_cast<double>(hits) / static_cast<double>(count);
  }
  XorShift rng(0xC0FFEEULL);
  const int draws = 100000;
  int hits = 0;
  std::vector<double> shuffled(pooled);
  for (int r = 0; r < draws; ++r) {
    for (size_t i = n - 1; i > 0; --i) std::swap(shuffled[i], shuffled[rng.below(i + 1)]);
    double sum = std::accumulate(shuffled.begin(), shuffled.begin() + static_cast<long>(k), 0.0);
    if (at_least(stat(sum), observed)) ++hits;
  }
  return (hits + 1.0) / (draws + 1.0);
}

Interval bootstrap_median_ci(const std::vector<double>& values, double level, int resamples,
                             uint64_t seed) {
  if (values.empty()) return {};
  if (values.size() == 1) return {values[0], values[0]};
  XorShift rng(seed);
  std::vector<double> medians;
  medians.reserve(static_cast<size_t>(resamples));
  std::vector<double> sample(values.size());
  for (int r = 0; r < resamples; ++r) {
    for (double& v : sample) v = values[rng.below(values.size())];
    medians.push_back(median(sample));
  }
  std::sort(medians.begin(), medians.end());
  const double alpha = (1 - level) / 2;
  auto at = [&](double q) {
    // Linear interpolation between order statistics (numpy's default percentile rule).
    double pos = q * static_cast<double>(medians.size() - 1);
    auto lo = static_cast<size_t>(std::floor(pos));
    size_t hi = std::min(lo + 1, medians.size() - 1);
    return medians[lo] + (medians[hi] - medians[lo]) * (pos - static_cast<double>(lo));
  };
  return {at(alpha), at(1 - alpha)};
}

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

Equivalence tost_two_proportions(long x1, long n1, long x2, long n2, double epsilon, double alpha) {
  Equivalence e;
  e.epsilon = epsilon;
  if (n1 <= 0 || n2 <= 0) return e;
  const double p1 = static_cast<double>(x1) / static_cast<double>(n1);
  const double p2 = static_cast<double>(x2) / static_cast<double>(n2);
  e.difference = p1 - p2;
  const double se =
      std::sqrt(p1 * (1 - p1) / static_cast<double>(n1) + p2 * (1 - p2) / static_cast<double>(n2));
  if (se == 0) {
    e.equivalent = std::fabs(e.difference) < epsilon;
    e.p_value = e.equivalent ? 0.0 : 1.0;
    return e;
  }
  // H0a: diff <= -eps (reject when z_low large); H0b: diff >= eps (reject when z_high small).
  const double z_low = (e.difference + epsilon) / se;
  const double z_high = (e.difference - epsilon) / se;
  const double p_low = 1 - normal_cdf(z_low);
  const double p_high = normal_cdf(z_high);
  e.p_value = std::max(p_low, p_high);
  e.equivalent = e.p_value < alpha;
  return e;
}

}  // namespace bakeoff::analysis
