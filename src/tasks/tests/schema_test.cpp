// Argument normalisation (TASKS.md §1) and schema validation.
#include <gtest/gtest.h>

#include "tasks/schema.h"

namespace bakeoff::tasks {
namespace {

const Json kParams = Json::parse(R"({"type":"object","properties":{
  "name":{"type":"string","minLength":2},
  "count":{"type":"integer","minimum":1,"maximum":10,"default":3},
  "ratio":{"type":"number"},
  "flag":{"type":"boolean"},
  "tags":{"type":"array","items":{"type":"string"}},
  "code":{"type":"string","pattern":"^ab-[0-9]{2}$"}},
  "required":["name"]})");

TEST(Schema, StringsAreTrimmedAndWhitespaceCollapsedButKeepCase) {
  ArgCheck c = check_args(kParams, Json::parse(R"({"name":"  Home \t\n  Assistant  "})"));
  ASSERT_FALSE(c.error);
  EXPECT_EQ(c.args_norm["name"], "Home Assistant");
  EXPECT_EQ(normalise_text("\n a  b \r\n"), "a b");
  EXPECT_EQ(fold_case("Montréal ABC"), "montréal abc");
}

TEST(Schema, IntegersFromNumbersOrNumericStrings) {
  EXPECT_EQ(check_args(kParams, Json::parse(R"({"name":"ab","count":"7"})")).args_norm["count"], 7);
  EXPECT_EQ(
      check_args(kParams, Json::parse(R"({"name":"ab","count":7.0})")).args_norm["count"].dump(),
      "7");
  EXPECT_EQ(check_args(kParams, Json::parse(R"({"name":"ab","count":" 7 "})")).args_norm["count"],
            7);
  auto bad = check_args(kParams, Json::parse(R"({"name":"ab","count":"seven"})"));
  ASSERT_TRUE(bad.error);
  EXPECT_EQ((*bad.error)["error"], "invalid_argument");
  EXPECT_EQ((*bad.error)["arg"], "count");
  EXPECT_TRUE(check_args(kParams, Json::parse(R"({"name":"ab","count":7.5})")).error);
}

TEST(Schema, NumericStringsAreNotParsedForStringParameters) {
  ArgCheck c = check_args(kParams, Json::parse(R"({"name":"2016"})"));
  EXPECT_EQ(c.args_norm["name"], "2016");
}

TEST(Schema, NumbersAndBooleans) {
  auto c = check_args(kParams, Json::parse(R"({"name":"ab","ratio":"0.5","flag":"TRUE"})"));
  ASSERT_FALSE(c.error);
  EXPECT_EQ(c.args_norm["ratio"], 0.5);
  EXPECT_EQ(c.args_norm["flag"], true);
  EXPECT_EQ(check_args(kParams, Json::parse(R"({"name":"ab","ratio":"1e+16"})")).args_norm["ratio"],
            1e16);
  EXPECT_TRUE(check_args(kParams, Json::parse(R"({"name":"ab","flag":"yes"})")).error);
}

TEST(Schema, BigIntegersStayExact) {
  const Json p = Json::parse(R"({"type":"object","properties":{"n":{"type":"integer"}}})");
  EXPECT_EQ(check_args(p, Json::parse(R"({"n":9007199254740993})")).args_norm["n"].dump(),
            "9007199254740993");
  EXPECT_EQ(check_args(p, Json::parse(R"({"n":"9007199254740993"})")).args_norm["n"].dump(),
            "9007199254740993");
  EXPECT_EQ(check_args(p, Json::parse(R"({"n":"18446744073709551615"})")).args_norm["n"].dump(),
            "18446744073709551615");
}

TEST(Schema, DefaultsAreFilledAndKeysOrderedByDeclaration) {
  auto c = check_args(kParams, Json::parse(R"({"zeta":" z ","flag":false,"name":"ab"})"));
  ASSERT_FALSE(c.error);
  EXPECT_EQ(c.args_norm.dump(), R"({"name":"ab","count":3,"flag":false,"zeta":"z"})");
}

TEST(Schema, RequiredRangesPatternsAndArrays) {
  EXPECT_EQ(*check_args(kParams, Json::object()).error,
            Json::parse(R"({"error":"missing_required","arg":"name"})"));
  EXPECT_EQ(*check_args(kParams, Json::parse(R"({"name":null})")).error,
            Json::parse(R"({"error":"missing_required","arg":"name"})"));
  EXPECT_EQ(
      *check_args(kParams, Json::parse(R"({"name":"ab","count":11})")).error,
      Json::parse(
          R"x({"error":"invalid_argument","arg":"count","reason":"11 is out of range (1 to 10)"})x"));
  EXPECT_TRUE(check_args(kParams, Json::parse(R"({"name":"ab","code":"ab-123"})")).error);
  EXPECT_FALSE(check_args(kParams, Json::parse(R"({"name":"ab","code":"ab-12"})")).error);
  auto arr = check_args(kParams, Json::parse(R"({"name":"ab","tags":[" a  b ","c"]})"));
  EXPECT_EQ(arr.args_norm["tags"], Json::parse(R"(["a b","c"])"));
  auto bad_item = check_args(kParams, Json::parse(R"({"name":"ab","tags":["a",{"x":1}]})"));
  ASSERT_TRUE(bad_item.error);
  EXPECT_EQ((*bad_item.error)["arg"], "tags[1]");
  EXPECT_EQ((*check_args(kParams, Json::parse(R"({"name":"é"})")).error)["reason"],
            "shorter than 2 characters");
  EXPECT_FALSE(check_args(kParams, Json::parse(R"({"name":"éé"})")).error)
      << "minLength counts code points";
}

TEST(Schema, CompactJsonKeepsUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(compact_json(Json{{"a", "é \"q\""}}), "{\"a\":\"é \\\"q\\\"\"}");
  EXPECT_NO_THROW(compact_json(Json{{"a", std::string("\xff")}}));
}

}  // namespace
}  // namespace bakeoff::tasks
