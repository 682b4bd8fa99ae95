// The HTML report: self-contained (no scripts, no external resources), escaped, every internal
// link resolves, and it loads in headless Chromium without console errors into a non-blank page.
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <set>

#include <fmt/core.h>

#include "common/files.h"
#include "png_probe.h"
#include "report/report.h"
#include "report_fixture.h"

namespace bakeoff::report {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

std::string render_html(const std::filesystem::path& run_dir) {
  auto html = render_report(run_dir, Format::html);
  EXPECT_TRUE(html.ok()) << (html.ok() ? "" : html.error().message);
  return html.ok() ? *html : std::string();
}

TEST(Html, IsSelfContainedAndEscaped) {
  analysis::testing::TempDir dir;
  testing::write_divergent_run(dir.path);
  std::string html = render_html(dir.path);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // The prompt held "</pre><script>alert(1)</script>": it must arrive as text, never as markup.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<|turn>"), std::string::npos);
  EXPECT_NE(html.find("&lt;|turn&gt;"), std::string::npos);
  // Nothing to fetch: no external URLs (the SVG namespace is a name, not a request).
  std::string scrubbed = std::regex_replace(html, std::regex("http://www\\.w3\\.org/2000/svg"), "");
  for (const char* bad : {"http://", "https://", "<link", "@import", "url(", "src=", "<iframe"}) {
    EXPECT_EQ(scrubbed.find(bad), std::string::npos) << bad;
  }
  EXPECT_NE(html.find("Verdict: translator_diverges"), std::string::npos);
  EXPECT_NE(html.find("First divergence at <a href=\"#u-ollama-json.memory.abcd1234.r1-s2\">step "
                      "2</a>, layer <b>prompt</b>"),
            std::string::npos);
  EXPECT_NE(html.find("<pre class=\"diff\">"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"del\">-&lt;|tool_call&gt;"), std::string::npos);
  EXPECT_NE(html.find("class=\"num tok-expl\""), std::string::npos);  // token-count cell marked
  size_t svgs = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++svgs;
  }
  EXPECT_EQ(svgs, 3u);  // steps, tool calls, latency
}

// Every href="#x" has exactly one id="x"; returns the ids and counts the links.
std::set<std::string> check_links(const std::string& html, size_t* links_out) {
  std::set<std::string> ids;
  std::regex id_re("id=\"([^\"]+)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), id_re), end; it != end; ++it) {
    EXPECT_TRUE(ids.insert((*it)[1]).second) << "duplicate id " << (*it)[1];
  }
  std::regex href_re("href=\"#([^\"]*)\"");
  size_t links = 0;
  for (std::sregex_iterator it(html.begin(), html.end(), href_re), end; it != end; ++it) {
    ++links;
    EXPECT_TRUE(ids.count((*it)[1])) << "dangling link #" << (*it)[1];
  }
  *links_out = links;
  return ids;
}

TEST(Html, HaltDivergencePastTheShorterUnitLinksToTheLongerOne) {
  std::vector<Json> traces;
  for (const char* arm : {"ollama-json", "ollama-native", "control"}) {
    traces.push_back(analysis::testing::memory_trace(arm, 1));
  }
  traces[0]["turns"].erase(1);
  traces[0]["final"]["halt_reason"] = "step_budget";
  traces[0]["final"]["steps_used"] = 1;
  analysis::testing::TempDir dir;
  analysis::testing::write_run(dir.path, traces);
  std::string html = render_html(dir.path);
  size_t links = 0;
  check_links(html, &links);
  EXPECT_NE(html.find("<a href=\"#u-ollama-native.memory.abcd1234.r1-s2\">step 2</a>, layer "
                      "<b>halt</b>"),
            std::string::npos);
}

TEST(Html, EveryInternalLinkHasItsAnchorAndEveryStepIsAnchored) {
  analysis::testing::TempDir dir;
  testing::write_divergent_run(dir.path);
  std::string html = render_html(dir.path);
  size_t links = 0;
  std::set<std::string> ids = check_links(html, &links);
  EXPECT_GT(links, 50u);
  for (int r = 1; r <= 3; ++r) {
    for (const char* arm : {"ollama-json", "ollama-native", "control"}) {
      for (int s = 1; s <= 2; ++s) {
        EXPECT_TRUE(ids.count(fmt::format("u-{}.memory.abcd1234.r{}-s{}", arm, r, s)));
      }
    }
  }
}

struct ChromiumRun {
  int status = -1;
  std::string stdout_text;
  std::string stderr_text;
};

ChromiumRun run_chromium(const std::filesystem::path& work, const std::string& mode,
                         const std::filesystem::path& page) {
  std::filesystem::path profile = work / ("profile-" + std::to_string(std::rand()));
  std::string cmd = fmt::format(
      "{} --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir='{}' {} --window-size=1280,2000 --enable-logging=stderr --v=0 'file://{}' "
      ">'{}' 2>'{}'",
      kChromium, profile.string(), mode, page.string(), (work / "out.txt").string(),
      (work / "err.txt").string());
  ChromiumRun run;
  run.status = std::system(cmd.c_str());
  run.stdout_text = read_file_if_exists(work / "out.txt").value_or("");
  run.stderr_text = read_file_if_exists(work / "err.txt").value_or("");
  return run;
}

// Console messages (including uncaught errors) are logged as "...:CONSOLE(...)".
bool has_console_output(const std::string& log) {
  return log.find(":CONSOLE") != std::string::npos;
}

TEST(HtmlInChromium, LoadsWithoutConsoleErrorsAndRendersANonBlankPage) {
  if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  analysis::testing::TempDir dir;
  testing::write_divergent_run(dir.path / "run");
  auto written = write_report(dir.path / "run", Format::html, dir.path / "report.html");
  ASSERT_TRUE(written.ok()) << written.error().message;

  // The console check must be able to fail: a page that logs an error is caught.
  write_file_atomic(
      dir.path / "noisy.html",
      "<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>");
  ChromiumRun noisy = run_chromium(dir.path, "--dump-dom", dir.path / "noisy.html");
  ASSERT_EQ(noisy.status, 0) << noisy.stderr_text;
  EXPECT_TRUE(has_console_output(noisy.stderr_text)) << noisy.stderr_text;

  ChromiumRun dom = run_chromium(dir.path, "--dump-dom", dir.path / "report.html");
  ASSERT_EQ(dom.status, 0) << dom.stderr_text;
  EXPECT_FALSE(has_console_output(dom.stderr_text)) << dom.stderr_text;
  EXPECT_NE(dom.stdout_text.find("Verdict: translator_diverges"), std::string::npos);
  EXPECT_NE(dom.stdout_text.find("<svg"), std::string::npos);
  EXPECT_NE(dom.stdout_text.find("id=\"u-control.memory.abcd1234.r3-s2\""), std::string::npos);
  // The parser saw escaped text, not an injected element.
  EXPECT_EQ(dom.stdout_text.find("<script"), std::string::npos);

  std::filesystem::path png = dir.path / "shot.png";
  ChromiumRun shot =
      run_chromium(dir.path, "--screenshot='" + png.string() + "'", dir.path / "report.html");
  ASSERT_EQ(shot.status, 0) << shot.stderr_text;
  EXPECT_FALSE(has_console_output(shot.stderr_text));
  testing::PngProbe probe = testing::probe_png(read_file(png));
  ASSERT_TRUE(probe.ok) << probe.error;
  EXPECT_EQ(probe.width, 1280u);
  EXPECT_EQ(probe.height, 2000u);
  // A blank page has no non-white pixels; text, tables, banners and charts give tens of
  // thousands, spread over many different rows.
  EXPECT_GT(probe.non_white, 20000u);
  EXPECT_GT(probe.distinct_rows, 300u);
}

}  // namespace
}  // namespace bakeoff::report
