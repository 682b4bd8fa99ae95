// Statistics for repeats: pure functions, deterministic (fixed seeds), checked against reference
// values computed independently (see tests/stats_test.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace bakeoff::analysis {

// Median (mean of the middle two for an even count); 0 for an empty sample.
double median(std::vector<double> values);

struct Spread {
  size_t n = 0;
  double median = 0, min = 0, max = 0, mean = 0;
};
Spread describe(const std::vector<double>& values);

enum class Alternative { two_sided, greater, less };

// Fisher's exact test on the 2×2 table [[a, b], [c, d]]. two_sided sums the probabilities of all
// tables (same margins) no more likely than the observed one (scipy's rule, relative tolerance
// 1e-7); greater tests whether a/(a+b) is larger than c/(c+d) (P[X >= a]); less, smaller.
double fisher_exact(long a, long b, long c, long d, Alternative alt = Alternative::two_sided);

// Exact paired permutation test (sign flips of the differences x[i] - y[i]), two-sided p-value
// of the mean difference. Exact (all 2^n flips) up to n = 20 non-zero differences; above that a
// fixed-seed Monte Carlo of 100000 flips (p = (hits + 1) / (draws + 1)).
double paired_permutation_test(const std::vector<double>& x, const std::vector<double>& y);

// Exact two-sample permutation test of the difference in means (unpaired), two-sided. Exact
// enumeration of all relabellings when C(n, k) <= 200000, else fixed-seed Monte Carlo.
double permutation_test(const std::vector<double>& x, const std::vector<double>& y);

struct Interval {
  double low = 0, high = 0;
};

// Percentile bootstrap confidence interval of the median (`resamples` draws, xorshift RNG with a
// fixed seed, so the same input always gives the same interval).
Interval bootstrap_median_ci(const std::vector<double>& values, double level = 0.95,
                             int resamples = 2000, uint64_t seed = 0x5eed5eedULL);

// TOST equivalence of two proportions x1/n1 and x2/n2 within ±epsilon (Wald z, unpooled
// variance): p = max of the two one-sided p-values; equivalent when p < alpha. With zero
// variance (both rates 0 or 1) the two rates are equivalent exactly when |diff| < epsilon.
struct Equivalence {
  double difference = 0;  // x1/n1 - x2/n2
  double p_value = 1;
  bool equivalent = false;
  double epsilon = 0;
};
Equivalence tost_two_proportions(long x1, long n1, long x2, long n2, double epsilon,
                                 double alpha = 0.05);

// Standard normal CDF.
double normal_cdf(double z);

}  // namespace bakeoff::analysis
