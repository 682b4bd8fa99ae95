#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "formats/python_text.h"

namespace bakeoff::formats::detail {
namespace {

TEST(PythonFloatRepr, MatchesPythonStr) {
  EXPECT_EQ(python_float_repr(2.0), "2.0");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_repr(1234567.5), "1234567.5");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(0.0), "0.0");
  EXPECT_EQ(python_float_repr(1.5e-07), "1.5e-07");
  EXPECT_EQ(python_float_repr(1.2345678901234568e+17), "1.2345678901234568e+17");
  EXPECT_EQ(python_float_repr(1e100), "1e+100");
  EXPECT_EQ(python_float_repr(5e-324), "5e-324");
  EXPECT_EQ(python_float_repr(123.456), "123.456");
  EXPECT_EQ(python_float_repr(-3.14), "-3.14");
  EXPECT_EQ(python_float_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_float_repr(std::nan("")), "nan");
}

TEST(PythonLower, LowersTheCapitalsDictsortSees) {
  EXPECT_EQ(python_lower("Zone"), "zone");
  EXPECT_EQ(python_lower("ÀÉÎ Ωmega Жук"), "àéî ωmega жук");
  EXPECT_EQ(python_lower("名前 🙂"), "名前 🙂");
  EXPECT_EQ(python_lower(std::string("\xff\xfe", 2)), std::string("\xff\xfe", 2));
}

}  // namespace
}  // namespace bakeoff::formats::detail
