#include "gguf/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "common/files.h"

namespace bakeoff::gguf {
namespace {

using VT = ValueType;

KeyValues every_type() {
  KeyValues kv;
  kv.emplace_back("general.architecture", Value::of_string("gemma4"));
  kv.emplace_back("general.name", Value::of_string("Gemma 4 31B It"));
  kv.emplace_back("general.size_label", Value::of_string("31B"));
  kv.emplace_back("gemma4.block_count", Value::of_uint(VT::uint32, 60));
  kv.emplace_back("general.parameter_count", Value::of_uint(VT::uint64, 30700000000ULL));
  kv.emplace_back("u8", Value::of_uint(VT::uint8, 255));
  kv.emplace_back("i8", Value::of_int(VT::int8, -128));
  kv.emplace_back("u16", Value::of_uint(VT::uint16, 65535));
  kv.emplace_back("i16", Value::of_int(VT::int16, -32768));
  kv.emplace_back("i32", Value::of_int(VT::int32, -2147483647));
  kv.emplace_back("i64", Value::of_int(VT::int64, -9000000000000LL));
  kv.emplace_back("f32", Value::of_float(VT::float32, 0.5));
  kv.emplace_back("f64", Value::of_float(VT::float64, -1.25e300));
  kv.emplace_back("yes", Value::of_bool(true));
  kv.emplace_back("no", Value::of_bool(false));
  kv.emplace_back("empty", Value::of_string(""));
  kv.emplace_back(
      "tokens", Value::of_array(VT::string, {Value::of_string("<bos>"), Value::of_string("<|\"|>"),
                                             Value::of_string("é")}));
  kv.emplace_back("scores", Value::of_array(VT::float32, {Value::of_float(VT::float32, 1.5),
                                                          Value::of_float(VT::float32, -2)}));
  kv.emplace_back(
      "nested",
      Value::of_array(
          VT::array,
          {Value::of_array(VT::int32, {Value::of_int(VT::int32, 1), Value::of_int(VT::int32, 2)}),
           Value::of_array(VT::string, {Value::of_string("x")}), Value::of_array(VT::uint8, {})}));
  kv.emplace_back("tokenizer.chat_template",
                  Value::of_string("{{ bos_token }}{% for m in messages %}"));
  return kv;
}

TEST(GgufTest, RoundTripsEveryTypeInV2AndV3) {
  for (uint32_t version : {2u, 3u}) {
    std::string bytes = encode_metadata(every_type(), version);
    auto md = parse_metadata(bytes);
    ASSERT_TRUE(md.ok()) << md.error().message;
    EXPECT_EQ(md->version, version);
    EXPECT_EQ(md->tensor_count, 0u);
    EXPECT_EQ(md->kv_count, every_type().size());
    EXPECT_EQ(md->end_offset, bytes.size());
    EXPECT_EQ(md->architecture(), "gemma4");
    EXPECT_EQ(md->name(), "Gemma 4 31B It");
    EXPECT_EQ(md->size_label(), "31B");
    EXPECT_EQ(md->block_count(), 60);
    EXPECT_EQ(md->parameter_count(), 30700000000LL);
    EXPECT_EQ(md->chat_template(), "{{ bos_token }}{% for m in messages %}");
    EXPECT_EQ(md->get_int("u8"), 255);
    EXPECT_EQ(md->get_int("i8"), -128);
    EXPECT_EQ(md->get_int("u16"), 65535);
    EXPECT_EQ(md->get_int("i16"), -32768);
    EXPECT_EQ(md->get_int("i32"), -2147483647);
    EXPECT_EQ(md->get_int("i64"), -9000000000000LL);
    EXPECT_EQ(md->find("f32")->f, 0.5);
    EXPECT_EQ(md->find("f64")->f, -1.25e300);
    EXPECT_TRUE(md->find("yes")->b);
    EXPECT_FALSE(md->find("no")->b);
    EXPECT_EQ(md->get_string("empty"), "");
    EXPECT_EQ(md->find("tokens")->to_json(), Json::parse(R"(["<bos>","<|\"|>","é"])"));
    EXPECT_EQ(md->find("scores")->to_json(), Json::parse("[1.5,-2.0]"));
    EXPECT_EQ(md->find("nested")->to_json(), Json::parse(R"([[1,2],["x"],[]])"));
    EXPECT_EQ(md->find("nested")->items[0].elem_type, VT::int32);
    EXPECT_EQ(md->get_string("u8"), std::nullopt);  // wrong type is absent, not coerced
    EXPECT_EQ(md->find("missing"), nullptr);
  }
}

TEST(GgufTest, ReadsFromFileAndStopsBeforeTensorInfos) {
  auto dir = std::filesystem::temp_directory_path() / "bakeoff_gguf_test";
  auto path = dir / "model.gguf";
  auto written = write_gguf_metadata(path, every_type());
  ASSERT_TRUE(written.ok()) << written.error().message;
  // Trailing bytes (tensor infos, data) are never read as metadata.
  std::string bytes = read_file(path) + std::string(100, '\xff');
  write_file_atomic(path, bytes);
  auto md = read_metadata(path);
  ASSERT_TRUE(md.ok()) << md.error().message;
  EXPECT_EQ(md->end_offset, *written);
  EXPECT_EQ(md->name(), "Gemma 4 31B It");
  std::filesystem::remove_all(dir);

  auto missing = read_metadata(dir / "nope.gguf");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, "io");
  EXPECT_NE(missing.error().message.find("nope.gguf"), std::string::npos);
}

TEST(GgufTest, EveryTruncationPointIsACleanError) {
  std::string bytes = encode_metadata(every_type());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto md = parse_metadata(std::string_view(bytes.data(), n));
    ASSERT_FALSE(md.ok()) << "prefix of " << n << " bytes parsed";
    // Cut inside a length-checked count reads as "corrupt" (the count cannot fit), elsewhere as
    // "truncated"; either way the message says where.
    if (n >= 8) {
      EXPECT_TRUE(md.error().kind == "truncated" || md.error().kind == "corrupt")
          << md.error().kind;
      EXPECT_NE(md.error().message.find("byte"), std::string::npos) << md.error().message;
    }
    EXPECT_FALSE(md.error().message.empty());
  }
  auto md = parse_metadata(std::string_view(bytes.data(), bytes.size() - 5));
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.error().kind, "truncated");
  EXPECT_NE(md.error().message.find("key #19 'tokenizer.chat_template'"), std::string::npos)
      << md.error().message;
  EXPECT_NE(md.error().message.find("byte offset"), std::string::npos) << md.error().message;
}

TEST(GgufTest, EveryTruncationPointOfAFileIsACleanError) {
  auto dir = std::filesystem::temp_directory_path() / "bakeoff_gguf_trunc";
  std::string bytes = encode_metadata(every_type(), 2);
  for (size_t n = 0; n < bytes.size(); n += 7) {
    write_file_atomic(dir / "t.gguf", std::string_view(bytes.data(), n));
    auto md = read_metadata(dir / "t.gguf");
    ASSERT_FALSE(md.ok()) << n;
  }
  std::filesystem::remove_all(dir);
}

TEST(GgufTest, RejectsBadMagicAndVersion) {
  std::string bytes = encode_metadata(every_type());
  std::string bad = bytes;
  bad[0] = 'X';
  EXPECT_EQ(parse_metadata(bad).error().kind, "not_gguf");
  for (uint32_t v : {1u, 4u}) {
    bad = bytes;
    std::memcpy(bad.data() + 4, &v, 4);
    auto md = parse_metadata(bad);
    ASSERT_FALSE(md.ok());
    EXPECT_EQ(md.error().kind, "unsupported_version");
  }
}

std::string with_u64_at(std::string bytes, size_t offset, uint64_t v) {
  std::memcpy(bytes.data() + offset, &v, 8);
  return bytes;
}

TEST(GgufTest, RejectsAbsurdLengthsWithoutAllocating) {
  KeyValues kv;
  kv.emplace_back("k", Value::of_string("abc"));
  std::string bytes = encode_metadata(kv);
  // kv_count
  auto md = parse_metadata(with_u64_at(bytes, 16, ~0ULL));
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.error().kind, "corrupt");
  // key length (offset 24)
  md = parse_metadata(with_u64_at(bytes, 24, 1ULL << 62));
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.error().kind, "truncated");
  EXPECT_NE(md.error().message.find("key #0"), std::string::npos);
  // string value length: 24 + 8 + 1 (key) + 4 (type) = 37
  md = parse_metadata(with_u64_at(bytes, 37, ~0ULL));
  ASSERT_FALSE(md.ok());
  EXPECT_NE(md.error().message.find("key #0 'k'"), std::string::npos) << md.error().message;

  KeyValues arr;
  arr.emplace_back("a", Value::of_array(VT::uint64, {Value::of_uint(VT::uint64, 1)}));
  bytes = encode_metadata(arr);
  // array count: 24 + 8 + 1 + 4 + 4 (elem type) = 41
  md = parse_metadata(with_u64_at(bytes, 41, 1ULL << 60));
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.error().kind, "corrupt");
  EXPECT_NE(md.error().message.find("cannot fit"), std::string::npos) << md.error().message;
}

TEST(GgufTest, RejectsUnknownTypesAndBadBoolsAndDeepNesting) {
  KeyValues kv;
  kv.emplace_back("b", Value::of_bool(true));
  std::string bytes = encode_metadata(kv);
  std::string bad = bytes;
  bad[24 + 8 + 1] = 13;  // value type
  auto md = parse_metadata(bad);
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.error().kind, "corrupt");
  EXPECT_NE(md.error().message.find("unknown value type 13"), std::string::npos);
  bad = bytes;
  bad.back() = 2;
  md = parse_metadata(bad);
  ASSERT_FALSE(md.ok());
  EXPECT_NE(md.error().message.find("bool"), std::string::npos);

  Value deep = Value::of_array(VT::uint8, {});
  for (int i = 0; i < 12; ++i) deep = Value::of_array(VT::array, {deep});
  KeyValues d;
  d.emplace_back("deep", deep);
  md = parse_metadata(encode_metadata(d));
  ASSERT_FALSE(md.ok());
  EXPECT_NE(md.error().message.find("nested"), std::string::npos);
}

TEST(GgufTest, LargeArraysAreValidatedButNotKept) {
  std::vector<Value> tokens;
  for (int i = 0; i < 100; ++i) tokens.push_back(Value::of_string("t" + std::to_string(i)));
  std::vector<Value> scores(100, Value::of_float(VT::float32, 1));
  KeyValues kv;
  kv.emplace_back("tokenizer.ggml.tokens", Value::of_array(VT::string, tokens));
  kv.emplace_back("tokenizer.ggml.scores", Value::of_array(VT::float32, scores));
  kv.emplace_back("general.name", Value::of_string("after"));
  std::string bytes = encode_metadata(kv);
  auto md = parse_metadata(bytes, ReadOptions{.max_array_items = 10});
  ASSERT_TRUE(md.ok()) << md.error().message;
  EXPECT_EQ(md->find("tokenizer.ggml.tokens")->count, 100u);
  EXPECT_TRUE(md->find("tokenizer.ggml.tokens")->items.empty());
  EXPECT_TRUE(md->find("tokenizer.ggml.scores")->items.empty());
  EXPECT_EQ(md->name(), "after");
  // A skipped array is still bounds-checked.
  auto cut = parse_metadata(std::string_view(bytes.data(), bytes.size() - 20),
                            ReadOptions{.max_array_items = 10});
  EXPECT_FALSE(cut.ok());
}

}  // namespace
}  // namespace bakeoff::gguf
