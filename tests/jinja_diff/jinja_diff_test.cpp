// Differential suite: every real chat template × every fixture × add_generation_prompt off/on,
// rendered by our engine (through the chat layer) and by Python jinja2 configured as transformers
// configures it. Byte-identical output where Python renders; an error from us where Python raises.
// Pairs listed in known_differences.txt may differ, but a listed pair that now matches fails too.
//
// Debugging one template: BAKEOFF_JINJA_DIFF_FILTER=<substring of the template name>.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>

#include <fmt/core.h>

#include "common/files.h"
#include "diff_support.h"

namespace bakeoff::jinja_diff {
namespace {

// 2026-01-02 03:04:05 UTC: both sides format strftime_now from this instant.
constexpr int64_t kNowEpochS = 1767323045;

const std::filesystem::path kSuiteDir = BAKEOFF_JINJA_DIFF_DIR;
const std::filesystem::path kTemplatesDir = std::filesystem::path(BAKEOFF_SHARED_DIR) / "templates";

TEST(FirstDifference, FindsTheFirstDifferingByteOrALengthDifference) {
  EXPECT_EQ(first_difference("abc", "abc"), std::nullopt);
  EXPECT_EQ(first_difference("abc", "abd"), 2u);
  EXPECT_EQ(first_difference("ab", "abc"), 2u);
  EXPECT_EQ(first_difference("", "x"), 0u);
}

TEST(ContextAround, EscapesControlBytesAndMarksTheOffset) {
  EXPECT_EQ(context_around("ab\ncd", 3, 2), "b\\n\u00bbcd");
  EXPECT_EQ(context_around("ab", 2, 5), "ab\u00bb<end>");
  EXPECT_EQ(context_around("a\x1c", 0, 5), "\u00bba\\x1c");
}

TEST(KnownDifferences, ParsesEntriesAndRejectsEntriesWithoutReason) {
  auto entries = parse_known_differences(
      "# comment\n\ncorpus/a.jinja plain_chat:gen needs X\ngemma4/b.jinja2 quotes  why   \n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].template_name, "corpus/a.jinja");
  EXPECT_EQ(entries[0].fixture, "plain_chat");
  EXPECT_EQ(entries[0].gen, true);
  EXPECT_EQ(entries[0].reason, "needs X");
  EXPECT_EQ(entries[0].line, 3);
  EXPECT_EQ(entries[1].gen, std::nullopt);
  EXPECT_EQ(entries[1].reason, "why");
  EXPECT_THROW(parse_known_differences("corpus/a.jinja plain_chat\n"), std::runtime_error);
  EXPECT_THROW(parse_known_differences("corpus/a.jinja plain_chat:maybe why\n"),
               std::runtime_error);
}

TEST(Oracle, RendersWithTransformersEnvironment) {
  // The oracle itself must be configured as transformers is: trim/lstrip blocks, json.dumps
  // tojson (not HTML-escaped), the generation block, loop controls and the pinned clock.
  auto dir = std::filesystem::temp_directory_path() / fmt::format("bakeoff_oracle_{}", getpid());
  std::filesystem::create_directories(dir / "gemma4");
  std::filesystem::create_directories(dir / "corpus");
  write_file_atomic(dir / "gemma4" / "probe.jinja",
                    "{% for m in messages %}\n  {% generation %}{{ m | tojson }}{% endgeneration %}"
                    "{% break %}\n{% endfor %}{{ strftime_now('%d %b %Y %H:%M') }}"
                    "{{ tools is defined }}\n");
  write_file_atomic(dir / "corpus" / "raises.jinja", "{{ raise_exception('no ' ~ bos_token) }}");
  Fixture fixture{"probe", Json::parse(R"({"messages":[{"role":"user","content":"<é>"},{}],
                                            "bos_token":"<s>"})")};
  auto templates = list_templates(dir);
  ASSERT_EQ(templates.size(), 2u);
  auto outcomes =
      run_oracle(BAKEOFF_PYTHON, kSuiteDir / "oracle.py", templates, {fixture}, kNowEpochS);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(outcomes.size(), 4u);
  ASSERT_TRUE(outcomes[0].ok) << outcomes[0].error;
  // `tools is defined` is True: transformers passes tools=None when none are given.
  EXPECT_EQ(outcomes[0].output, "{\"role\": \"user\", \"content\": \"<é>\"}02 Jan 2026 03:04True");
  ASSERT_FALSE(outcomes[2].ok);
  EXPECT_EQ(outcomes[2].error, "TemplateError: no <s>");
}

struct Tally {
  size_t pairs = 0;
  size_t identical = 0;
  size_t both_error = 0;
  size_t known = 0;
  std::vector<std::string> failures;
  std::map<std::string, size_t> failures_per_template;
};

// Any error of ours matches a jinja2 error, except a template's own raise_exception (exactly
// jinja2's TemplateError class), which must surface with the template's message.
bool same_error(const Outcome& ours, const Outcome& python) {
  if (python.error_kind != "TemplateError") return true;
  return ours.error_kind == "raise_exception" && ours.error_message == python.error_message;
}

std::string describe_mismatch(const Outcome& ours, const Outcome& python) {
  if (python.ok && !ours.ok) return "we fail where Python renders: " + ours.error;
  if (!python.ok && !ours.ok) {
    return "Python's raise_exception (" + python.error + ") is not ours: " + ours.error;
  }
  if (!python.ok && ours.ok) return "we render where Python raises " + python.error;
  auto offset = first_difference(ours.output, python.output).value_or(0);
  return fmt::format(
      "output differs at byte {} (ours {} bytes, Python {})\n      ours:   {}\n"
      "      python: {}",
      offset, ours.output.size(), python.output.size(), context_around(ours.output, offset),
      context_around(python.output, offset));
}

TEST(JinjaDifferential, EveryTemplateAndFixtureMatchesPythonJinja2) {
  const char* filter_env = std::getenv("BAKEOFF_JINJA_DIFF_FILTER");
  std::string filter = filter_env != nullptr ? filter_env : "";
  auto templates = list_templates(kTemplatesDir);
  std::erase_if(templates, [&](const TemplateFile& t) {
    return !filter.empty() && t.name.find(filter) == std::string::npos;
  });
  auto fixtures = load_fixtures(kSuiteDir / "fixtures");
  ASSERT_FALSE(templates.empty());
  ASSERT_FALSE(fixtures.empty());
  auto known = parse_known_differences(read_file(kSuiteDir / "known_differences.txt"));
  std::vector<size_t> known_hits(known.size(), 0);

  auto python =
      run_oracle(BAKEOFF_PYTHON, kSuiteDir / "oracle.py", templates, fixtures, kNowEpochS);

  jinja::Options options;
  options.fixed_now_epoch_s = kNowEpochS;
  options.limits.max_wall_time = std::chrono::milliseconds(5000);
  Tally tally;
  for (size_t t = 0; t < templates.size(); ++t) {
    auto compiled = chat::ChatTemplate::compile(read_file(templates[t].path), options);
    for (size_t f = 0; f < fixtures.size(); ++f) {
      for (bool gen : {false, true}) {
        Outcome ours;
        if (!compiled) {
          ours.error = "compile: " + compiled.error().to_string();
        } else if (auto rendered = compiled->render(to_request(fixtures[f], gen))) {
          ours.ok = true;
          ours.output = std::move(rendered).value();
        } else {
          ours.error = rendered.error().to_string();
          ours.error_kind = rendered.error().kind;
          ours.error_message = rendered.error().message;
        }
        const Outcome& theirs = python[pair_index(t, f, gen, fixtures.size())];
        bool same = ours.ok == theirs.ok &&
                    (ours.ok ? ours.output == theirs.output : same_error(ours, theirs));
        ++tally.pairs;
        if (same) ++tally.identical;
        if (same && !ours.ok) ++tally.both_error;

        std::optional<size_t> listed;
        for (size_t k = 0; k < known.size(); ++k) {
          if (known[k].template_name == templates[t].name && known[k].fixture == fixtures[f].name &&
              (!known[k].gen || *known[k].gen == gen)) {
            listed = k;
            ++known_hits[k];
          }
        }
        std::string where = fmt::format("{} × {} (add_generation_prompt={})", templates[t].name,
                                        fixtures[f].name, gen);
        if (!same && listed) {
          ++tally.known;
        } else if (!same) {
          tally.failures.push_back(where + ": " + describe_mismatch(ours, theirs));
          ++tally.failures_per_template[templates[t].name];
        } else if (listed) {
          tally.failures.push_back(fmt::format(
              "{}: listed in known_differences.txt line {} but now matches; remove the entry",
              where, known[*listed].line));
        }
      }
    }
  }
  if (filter.empty()) {
    for (size_t k = 0; k < known.size(); ++k) {
      if (known_hits[k] == 0) {
        tally.failures.push_back(
            fmt::format("known_differences.txt line {} names no pair of the suite ({} × {})",
                        known[k].line, known[k].template_name, known[k].fixture));
      }
    }
  }

  for (const auto& failure : tally.failures) fmt::print("FAIL {}\n", failure);
  if (!tally.failures_per_template.empty()) {
    fmt::print("failing pairs per template:\n");
    for (const auto& [name, count] : tally.failures_per_template) {
      fmt::print("  {:4} {}\n", count, name);
    }
  }
  fmt::print(
      "jinja differential: {}/{} pairs identical ({} both-error), {} known differences, "
      "{} failures; {} templates × {} fixtures × add_generation_prompt off/on\n",
      tally.identical, tally.pairs, tally.both_error, tally.known, tally.failures.size(),
      templates.size(), fixtures.size());
  EXPECT_TRUE(tally.failures.empty()) << tally.failures.size() << " differential failures (above)";
}

}  // namespace
}  // namespace bakeoff::jinja_diff
