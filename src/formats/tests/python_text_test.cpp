#include <gtest/gtest.h>

#include "formats/python_text.h"

namespace bakeoff::formats::detail {
namespace {

TEST(PythonLower, LowersTheCapitalsDictsortSees) {
  EXPECT_EQ(python_lower("Zone"), "zone");
  EXPECT_EQ(python_lower("ÀÉÎ Ωmega Жук"), "àéî ωmega жук");
  EXPECT_EQ(python_lower("名前 🙂"), "名前 🙂");
  EXPECT_EQ(python_lower(std::string("\xff\xfe", 2)), std::string("\xff\xfe", 2));
}

}  // namespace
}  // namespace bakeoff::formats::detail
