#include <gtest/gtest.h>

#include "analysis/compare.h"
#include "common/files.h"
#include "report/escape.h"
#include "report/report.h"
#include "report_fixture.h"

namespace bakeoff::report {
namespace {

TEST(Escape, HtmlAndMarkdownAndAnchors) {
  EXPECT_EQ(detail::html_escape("<|turn>\"a\" & 'b'"),
            "&lt;|turn&gt;&quot;a&quot; &amp; &#39;b&#39;");
  EXPECT_EQ(detail::md_escape("<|turn>a|b *c*\nd"), "\\<\\|turn\\>a\\|b \\*c\\* d");
  EXPECT_EQ(detail::anchor_id("ollama-json.memory.ab\"12.r1"), "ollama-json.memory.ab_12.r1");
  EXPECT_EQ(detail::step_anchor("a.b", 3), "u-a.b-s3");
  EXPECT_EQ(detail::fmt_number(7), "7");
  EXPECT_EQ(detail::fmt_number(0.125), "0.125");
}

TEST(Markdown, HoldsTheTableDivergencesControlsStatisticsAndVerdict) {
  analysis::testing::TempDir dir;
  testing::write_divergent_run(dir.path);
  auto md = render_report(dir.path, Format::markdown);
  ASSERT_TRUE(md.ok()) << md.error().message;
  const std::string& text = *md;
  EXPECT_NE(text.find("**Verdict: translator\\_diverges**"), std::string::npos) << text;
  EXPECT_NE(text.find("| arm | task | n | steps | tools | halt | wall s | accepted |"),
            std::string::npos);
  EXPECT_NE(text.find("| ollama-native | memory | 3 | 2 | 1 | no\\_tool\\_calls ×3 | 1.5 | 3/3 |"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("- **memory r1** ollama-json vs ollama-native: first divergence at step 2, "
                      "layer `prompt`: byte "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("```diff"), std::string::npos);
  // Markers outside code blocks are escaped so renderers do not take them for HTML.
  EXPECT_NE(text.find("\\<\\|tool\\_response\\>"), std::string::npos) << text;
  EXPECT_NE(text.find("## A-vs-A controls"), std::string::npos);
  EXPECT_NE(text.find("| ollama-json | 2 | 0 | 0.00 |"), std::string::npos) << text;
  EXPECT_NE(text.find("exact paired permutation"), std::string::npos);
  EXPECT_NE(text.find("| memory | ollama-json vs ollama-native | 3 |"), std::string::npos) << text;
  EXPECT_NE(text.find("| ollama-json | prefill |"), std::string::npos) << text;
  EXPECT_NE(text.find("## Token-count cross-check"), std::string::npos);
  EXPECT_NE(text.find("+1 token on ollama-json: the rendered prompts differ"), std::string::npos)
      << text;
}

TEST(Report, WritesAtomicallyAndRejectsBadInput) {
  analysis::testing::TempDir dir;
  testing::write_divergent_run(dir.path / "run");
  auto ok = write_report(dir.path / "run", Format::html, dir.path / "out" / "report.html");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(read_file(dir.path / "out" / "report.html").rfind("<!DOCTYPE html>", 0), 0u);
  auto missing = render_report(dir.path / "missing", Format::markdown);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("missing"), std::string::npos);
  EXPECT_TRUE(parse_format("md").ok());
  EXPECT_TRUE(parse_format("html").ok());
  ASSERT_FALSE(parse_format("pdf").ok());
  EXPECT_EQ(parse_format("pdf").error().message, "unknown report format 'pdf' (use md or html)");
}

}  // namespace
}  // namespace bakeoff::report
