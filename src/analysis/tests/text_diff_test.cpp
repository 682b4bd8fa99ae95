#include <gtest/gtest.h>

#include "analysis/text_diff.h"

namespace bakeoff::analysis {
namespace {

TEST(TextDiff, FirstDifference) {
  EXPECT_EQ(first_difference("abc", "abc"), std::nullopt);
  EXPECT_EQ(first_difference("abc", "abd"), 2u);
  EXPECT_EQ(first_difference("abc", "abcd"), 3u);
  EXPECT_EQ(first_difference("", "x"), 0u);
}

TEST(TextDiff, EscapeKeepsMarkersAndUtf8ButNotControlBytes) {
  EXPECT_EQ(escape_for_display("<|turn>user\nhi\t\\"), "<|turn>user\\nhi\\t\\\\");
  EXPECT_EQ(escape_for_display("a\x1c"
                               "b"),
            "a\\x1cb");
  EXPECT_EQ(escape_for_display("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(escape_for_display("bad\xff"), "bad\\xff");
  EXPECT_EQ(escape_for_display("\xc3"), "\\xc3");  // truncated sequence
}

TEST(TextDiff, ContextAroundMarksCutsAndEscapes) {
  std::string s = "0123456789\nabcdefghij";
  EXPECT_EQ(context_around(s, 11, 3), "…89\\nabc…");  // 3 bytes before, the byte, 2 after
  EXPECT_EQ(context_around(s, 0, 3), "012…");
  EXPECT_EQ(context_around("abc", 3, 5), "abc");
}

TEST(TextDiff, UnifiedDiffShowsChangedLinesWithContext) {
  std::string a = "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\n";
  std::string b = "l1\nl2\nl3\nl4 changed\nl5\nl6\nl7\nl8\n";
  std::string d = unified_diff(a, b, "A", "B", 2);
  EXPECT_EQ(
      d, "--- A\n+++ B\n@@ -2,5 +2,5 @@\n l2\\n\n l3\\n\n-l4\\n\n+l4 changed\\n\n l5\\n\n l6\\n\n");
  EXPECT_EQ(unified_diff(a, a, "A", "B"), "");
}

TEST(TextDiff, UnifiedDiffInsertionsDeletionsAndSeparateHunks) {
  std::string a = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
  std::string b = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
  std::string d = unified_diff(a, b, "x", "y", 1);
  EXPECT_NE(d.find("@@ -1,3 +1,3 @@\n a\\n\n-b\\n\n+B\\n\n c\\n\n"), std::string::npos) << d;
  EXPECT_NE(d.find("@@ -11,1 +11,2 @@\n k\\n\n+l\\n\n"), std::string::npos) << d;
  std::string only_removed = unified_diff("x\ny\n", "x\n", "p", "q", 3);
  EXPECT_NE(only_removed.find("-y\\n"), std::string::npos);
}

TEST(TextDiff, UnifiedDiffOfLargeUnrelatedTextsIsBounded) {
  std::string a, b;
  for (int i = 0; i < 3000; ++i) {
    a += "a" + std::to_string(i) + "\n";
    b += "b" + std::to_string(i) + "\n";
  }
  std::string d = unified_diff(a, b, "A", "B", 3, 50);
  EXPECT_NE(d.find("more lines"), std::string::npos);
  EXPECT_NE(d.find("-a0\\n"), std::string::npos);
}

TEST(TextDiff, ApproxTokens) {
  // "<|tool_call>" "call" ":" "f" "{" "q" ":" "<|\"|>" "x y"... markers are single tokens.
  std::string s = "<|tool_call>call:f{q:<|\"|>x y<|\"|>}<tool_call|>";
  auto starts = approx_token_starts(s);
  ASSERT_GE(starts.size(), 10u);
  EXPECT_EQ(starts[0], 0u);
  EXPECT_EQ(starts[1], 12u);  // "call"
  EXPECT_EQ(s.substr(starts[7], 5), "<|\"|>");
  EXPECT_EQ(approx_token_index(s, 13), 1u);
  EXPECT_EQ(approx_token_index(s, s.size()), starts.size());
  EXPECT_EQ(approx_token_starts("a  b").size(), 3u);
  EXPECT_EQ(approx_token_starts("x < y").size(), 5u);  // a lone '<' is not a marker
}

}  // namespace
}  // namespace bakeoff::analysis
