// Reference values: Fisher's exact p from scipy's documented example ([[8, 2], [1, 5]] ->
// 0.0349650...); the others computed with /usr/bin/python3's standard library (math.comb,
// itertools enumeration of sign flips / relabellings, math.erfc), independently of this code.
#include <gtest/gtest.h>

#include "analysis/stats.h"

namespace bakeoff::analysis {
namespace {

TEST(Stats, MedianOddEvenEmpty) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({}), 0);
  Spread s = describe({7, 6, 8, 7});
  EXPECT_EQ(s.n, 4u);
  EXPECT_DOUBLE_EQ(s.median, 7);
  EXPECT_DOUBLE_EQ(s.min, 6);
  EXPECT_DOUBLE_EQ(s.max, 8);
  EXPECT_DOUBLE_EQ(s.mean, 7);
}

TEST(Stats, FisherExactMatchesReferenceValues) {
  EXPECT_NEAR(fisher_exact(8, 2, 1, 5), 0.03496503496503496, 1e-12);
  EXPECT_NEAR(fisher_exact(3, 1, 1, 3), 0.4857142857142857, 1e-12);
  EXPECT_NEAR(fisher_exact(10, 0, 0, 10), 1.082508822446903e-05, 1e-15);
  EXPECT_NEAR(fisher_exact(8, 2, 1, 5, Alternative::greater), 0.024475524475524476, 1e-12);
  EXPECT_NEAR(fisher_exact(8, 2, 1, 5, Alternative::less), 0.9991258741258741, 1e-12);
  EXPECT_DOUBLE_EQ(fisher_exact(0, 5, 0, 5), 1.0);
  EXPECT_DOUBLE_EQ(fisher_exact(0, 0, 0, 0), 1.0);
}

TEST(Stats, PairedPermutationTestIsExact) {
  EXPECT_NEAR(paired_permutation_test({7, 8, 9, 7, 6, 8}, {6, 6, 7, 7, 5, 6}), 0.0625, 1e-12);
  EXPECT_DOUBLE_EQ(paired_permutation_test({3, 4, 5}, {3, 4, 5}), 1.0);
  EXPECT_NEAR(paired_permutation_test({1, 2, 3, 4, 5, 6, 7, 8}, {0, 0, 0, 0, 0, 0, 0, 0}),
              0.0078125, 1e-12);
}

TEST(Stats, PairedPermutationMonteCarloIsDeterministicAboveTwentyPairs) {
  std::vector<double> x(30), y(30, 0);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i % 3 == 0) ? -1 : 1;
  double p1 = paired_permutation_test(x, y);
  double p2 = paired_permutation_test(x, y);
  EXPECT_DOUBLE_EQ(p1, p2);
  // Sum 10 of 30 ±1 flips: exact two-sided p = P(|S| >= 10) = 0.0987...; the Monte Carlo of
  // 100000 draws lands within a few standard errors.
  EXPECT_NEAR(p1, 0.0987, 0.005);
}

TEST(Stats, TwoSamplePermutationTestIsExact) {
  EXPECT_NEAR(permutation_test({7, 8, 9, 10}, {2, 3, 4, 5, 6}), 0.015873015873015872, 1e-12);
  EXPECT_DOUBLE_EQ(permutation_test({1, 2, 3}, {1, 2, 3}), 1.0);
  EXPECT_DOUBLE_EQ(permutation_test({}, {1}), 1.0);
}

TEST(Stats, BootstrapMedianCiIsDeterministicAndBracketsTheMedian) {
  std::vector<double> v{12, 15, 11, 14, 13, 40, 12, 13, 14, 12};
  Interval a = bootstrap_median_ci(v);
  Interval b = bootstrap_median_ci(v);
  EXPECT_DOUBLE_EQ(a.low, b.low);
  EXPECT_DOUBLE_EQ(a.high, b.high);
  EXPECT_LE(a.low, median(v));
  EXPECT_GE(a.high, median(v));
  EXPECT_GE(a.low, 11);
  EXPECT_LE(a.high, 40);
  EXPECT_LT(a.high - a.low, 5);  // the one outlier does not drag a median's CI
  Interval other_seed = bootstrap_median_ci(v, 0.95, 2000, 7);
  EXPECT_GE(other_seed.low, 11);
  Interval one = bootstrap_median_ci({5});
  EXPECT_DOUBLE_EQ(one.low, 5);
  EXPECT_DOUBLE_EQ(one.high, 5);
}

TEST(Stats, TostTwoProportions) {
  Equivalence close = tost_two_proportions(48, 50, 47, 50, 0.1);
  EXPECT_NEAR(close.difference, 0.02, 1e-12);
  EXPECT_NEAR(close.p_value, 0.03308569833156408, 1e-9);
  EXPECT_TRUE(close.equivalent);
  Equivalence far = tost_two_proportions(30, 50, 20, 50, 0.1);
  EXPECT_NEAR(far.p_value, 0.8462829170363022, 1e-9);
  EXPECT_FALSE(far.equivalent);
  Equivalence same = tost_two_proportions(10, 10, 10, 10, 0.1);
  EXPECT_TRUE(same.equivalent);
  Equivalence none = tost_two_proportions(0, 0, 1, 1, 0.1);
  EXPECT_FALSE(none.equivalent);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-12);
}

}  // namespace
}  // namespace bakeoff::analysis
