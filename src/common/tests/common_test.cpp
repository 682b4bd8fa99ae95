#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/json.h"
#include "common/python_text.h"
#include "common/sha256.h"

namespace bakeoff {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Files, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  auto dir = std::filesystem::temp_directory_path() / "bakeoff_common_test";
  std::filesystem::remove_all(dir);
  auto path = dir / "sub" / "f.json";
  write_file_atomic(path, "first");
  write_file_atomic(path, std::string("sec\0ond", 7));
  EXPECT_EQ(read_file(path), std::string("sec\0ond", 7));
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir / "sub")) ++entries;
  EXPECT_EQ(entries, 1);
  EXPECT_FALSE(read_file_if_exists(dir / "missing").has_value());
  EXPECT_THROW(read_file(dir / "missing"), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST(Json, KeepsInsertionOrder) {
  Json j;
  j["b"] = 1;
  j["a"] = 2;
  EXPECT_EQ(j.dump(), R"({"b":1,"a":2})");
}

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

TEST(PythonText, JsonStringEscapesAsJsonDumps) {
  std::string out;
  append_json_string(out, "a\"b\\c\n\t\x01\x7f é 😀", /*ensure_ascii=*/false);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f é 😀\"");
  out.clear();
  append_json_string(out, "\x7f é 😀", /*ensure_ascii=*/true);
  EXPECT_EQ(out, "\"\\u007f \\u00e9 \\ud83d\\ude00\"");
}

// The quoting fast paths scan whole strings sixteen bytes at a time (short ones in overlapping
// halves): an escape must be found at every position of every length.
TEST(PythonText, EscapesFoundAtEveryPositionAndLength) {
  struct Case {
    std::string_view raw;
    bool ensure_ascii;
    std::string_view escaped;
  };
  const Case json_cases[] = {{"\"", false, "\\\""},     {"\\", false, "\\\\"},
                             {"\n", false, "\\n"},      {"\x01", false, "\\u0001"},
                             {"\x7f", true, "\\u007f"}, {"\xc3\xa9", true, "\\u00e9"}};
  // a…a + mid + b…b, n bytes of filler with `mid` after the first k.
  auto text = [](size_t n, size_t k, std::string_view mid) {
    std::string s(k, 'a');
    s.append(mid);
    s.append(n - k, 'b');
    return s;
  };
  auto quoted = [](const std::string& s) {
    std::string q = "\"";
    q.append(s);
    q.push_back('"');
    return q;
  };
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t k = 0; k <= n; ++k) {
      for (const Case& c : json_cases) {
        std::string out;
        append_json_string(out, text(n, k, c.raw), c.ensure_ascii);
        EXPECT_EQ(out, quoted(text(n, k, c.escaped))) << n << " " << k;
      }
      // Copied unchanged: non-ASCII and DEL without ensure_ascii.
      std::string out;
      append_json_string(out, text(n, k, "\x7f\xc3\xa9"), false);
      EXPECT_EQ(out, quoted(text(n, k, "\x7f\xc3\xa9")));
      // repr: a quote picks the other quote; both quotes, a backslash, a control or DEL byte,
      // or anything outside ASCII leave the fast path.
      char quote = 0;
      EXPECT_TRUE(repr_copies_unchanged(text(n, k, ""), &quote));
      EXPECT_EQ(quote, '\'');
      EXPECT_TRUE(repr_copies_unchanged(text(n, k, "'"), &quote));
      EXPECT_EQ(quote, '"');
      EXPECT_TRUE(repr_copies_unchanged(text(n, k, "\""), &quote));
      EXPECT_EQ(quote, '\'');
      for (std::string_view bad : {"\\", "\n", "\x7f", "\xc3\xa9", "\x1f"}) {
        EXPECT_FALSE(repr_copies_unchanged(text(n, k, bad), &quote)) << n << " " << k;
      }
      EXPECT_FALSE(repr_copies_unchanged(text(n, k, "'\""), &quote)) << n << " " << k;
    }
  }
}

// The one-pass scan-and-copy writers: the same bytes as the quoting routines when the text
// needs no escape, 0 exactly when it does, at every position of every length.
TEST(PythonText, PlainCopiesMatchTheQuotingRoutines) {
  auto text = [](size_t n, size_t k, std::string_view mid) {
    std::string s(k, 'a');
    s.append(mid);
    s.append(n - k, 'b');
    return s;
  };
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t k = 0; k <= n; ++k) {
      for (std::string_view mid : {"", "'", "\"", "'\"", "\\", "\n", "\x01", "\x7f", "\xc3\xa9"}) {
        const std::string s = text(n, k, mid);
        std::vector<char> room(s.size() + kPlainCopyRoom, '#');
        for (bool ensure_ascii : {false, true}) {
          std::string json;
          append_json_string(json, s, ensure_ascii);
          const size_t written = copy_json_plain(room.data(), s, ensure_ascii);
          const bool plain = json.size() == s.size() + 2;
          ASSERT_EQ(written, plain ? json.size() : 0) << n << " " << k << " " << mid;
          if (plain) EXPECT_EQ(std::string(room.data(), written), json) << n << " " << k;
        }
        char quote = 0;
        const size_t written = copy_repr_plain(room.data(), s);
        if (repr_copies_unchanged(s, &quote)) {
          std::string repr;
          append_quoted(repr, s, quote);
          ASSERT_EQ(std::string(room.data(), written), repr) << n << " " << k << " " << mid;
        } else {
          EXPECT_EQ(written, 0U) << n << " " << k << " " << mid;
        }
      }
    }
  }
}

}  // namespace
}  // namespace bakeoff
