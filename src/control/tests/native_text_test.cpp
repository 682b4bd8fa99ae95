#include <gtest/gtest.h>

#include "control/native_text.h"

namespace bakeoff::control {
namespace {

TEST(PythonNumber, MatchesPythonStr) {
  EXPECT_EQ(python_number(Json(5)), "5");
  EXPECT_EQ(python_number(Json(-3)), "-3");
  EXPECT_EQ(python_number(Json(2.0)), "2.0");
  EXPECT_EQ(python_number(Json(0.1)), "0.1");
  EXPECT_EQ(python_number(Json(1e-05)), "1e-05");
  EXPECT_EQ(python_number(Json(1.5e-05)), "1.5e-05");
  EXPECT_EQ(python_number(Json(0.0001)), "0.0001");
  EXPECT_EQ(python_number(Json(1e16)), "1e+16");
  EXPECT_EQ(python_number(Json(1e15)), "1000000000000000.0");
  EXPECT_EQ(python_number(Json(1234567.5)), "1234567.5");
  EXPECT_EQ(python_number(Json(-0.0)), "-0.0");
  EXPECT_EQ(python_number(Json(1.7976931348623157e308)), "1.7976931348623157e+308");
  EXPECT_EQ(python_number(Json(uint64_t{18446744073709551615ULL})), "18446744073709551615");
}

TEST(PythonNumber, OllamaStylesAreTheFaults) {
  ValueStyle as_int;
  as_int.float_as_int = true;
  EXPECT_EQ(python_number(Json(2.0), as_int), "2");
  EXPECT_EQ(python_number(Json(-0.0), as_int), "0");
  EXPECT_EQ(python_number(Json(2.5), as_int), "2.5");
  EXPECT_EQ(python_number(Json(1e16), as_int), "1e+16");  // that one is render-exp-expanded's
  ValueStyle expanded;
  expanded.exp_expanded = true;
  EXPECT_EQ(python_number(Json(1e16), expanded), "10000000000000000");
  EXPECT_EQ(python_number(Json(1e18), expanded), "1000000000000000000");
  EXPECT_EQ(python_number(Json(2.0), expanded), "2.0");
  EXPECT_EQ(python_number(Json(1e-05), expanded), "1e-05");
}

TEST(SortedKeys, DictsortIsCaseInsensitiveAndStable) {
  Json o = Json::parse(R"({"Zone":1,"city":2,"days":3,"B":4,"a":5})");
  EXPECT_EQ(sorted_keys(o), (std::vector<std::string>{"a", "B", "city", "days", "Zone"}));
  EXPECT_EQ(sorted_keys(o, true), (std::vector<std::string>{"B", "Zone", "a", "city", "days"}));
}

TEST(NativeValue, RendersLikeFormatArgument) {
  Json v = Json::parse(
      R"({"B":1,"a":2.0,"n":null,"big":1e16,"small":1e-05,"nested":{"Y":[1,"t",true],"x":null}})");
  EXPECT_EQ(native_value(v, false),
            "{a:2.0,B:1,big:1e+16,n:null,nested:{x:null,Y:[1,<|\"|>t<|\"|>,true]},small:1e-05}");
  EXPECT_EQ(native_value(Json::parse(R"({"k":"v"})"), true), "{<|\"|>k<|\"|>:<|\"|>v<|\"|>}");
}

TEST(Trimming, PythonStripAndGoTrimSpaceDifferOnInformationSeparators) {
  EXPECT_EQ(python_strip(" \t x y \n"), "x y");
  EXPECT_EQ(python_strip("end\x1f"), "end");
  EXPECT_EQ(go_trim_space("end\x1f"), "end\x1f");
  EXPECT_EQ(python_strip("\xc2\xa0x\xe3\x80\x80"), "x");
  EXPECT_EQ(go_trim_space("\xc2\xa0x\xe3\x80\x80"), "x");
  EXPECT_EQ(python_strip("é"), "é");
  EXPECT_EQ(python_strip(""), "");
}

}  // namespace
}  // namespace bakeoff::control
