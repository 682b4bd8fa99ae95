#include "tasks/acceptance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "tasks/schema.h"
#include "tasks/tools.h"

namespace bakeoff::tasks {
namespace {

// A short quote of the answer around `pos` for details.
std::string quote_around(const std::string& text, size_t pos, size_t len) {
  const size_t from = pos > 30 ? pos - 30 : 0;
  const size_t to = std::min(text.size(), pos + len + 30);
  return fmt::format("\"{}{}{}\"", from > 0 ? "…" : "", text.substr(from, to - from),
                     to < text.size() ? "…" : "");
}

std::string head(const std::string& text) {
  return text.size() <= 80 ? fmt::format("\"{}\"", text)
                           : fmt::format("\"{}…\"", text.substr(0, 80));
}

// Sentences end at . ! ? or … followed by whitespace or the end; "2026.4" and URLs do not end one.
std::vector<std::string> sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string s = normalise_text(cur);
    bool has_word = std::any_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
    });
    if (has_word) out.push_back(s);
    cur.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    cur.push_back(text[i]);
    size_t end = std::string::npos;
    if (text[i] == '.' || text[i] == '!' || text[i] == '?') end = i + 1;
    if (text.compare(i, 3, "\u2026") == 0) {
      cur += text.substr(i + 1, 2);
      i += 2;
      end = i + 1;
    }
    if (end == std::string::npos) continue;
    while (end < text.size() && (text[end] == '.' || text[end] == '!' || text[end] == '?' ||
                                 text[end] == '"' || text[end] == ')' || text[end] == '\'')) {
      cur.push_back(text[end]);
      i = end++;
    }
    if (end >= text.size() || std::isspace(static_cast<unsigned char>(text[end]))) flush();
  }
  flush();
  return out;
}

// True when call `args_norm` agrees with every expected argument (strings compared case-folded).
bool args_match(const Json& expected_norm, const Json& actual_norm) {
  for (const auto& [key, value] : expected_norm.items()) {
    if (!actual_norm.contains(key)) return false;
    const Json& got = actual_norm[key];
    if (value.is_string() && got.is_string()) {
      if (fold_case(value.get<std::string>()) != fold_case(got.get<std::string>())) return false;
    } else if (value != got) {
      return false;
    }
  }
  return true;
}

CheckResult evaluate(const Task& task, const Json& check, const std::string& answer,
                     const std::vector<CallRecord>& calls);

std::string default_name(const Json& check) {
  std::string kind = check["kind"].get<std::string>();
  if (check.contains("text")) return fmt::format("{}:{}", kind, check["text"].get<std::string>());
  if (check.contains("tool")) return fmt::format("{}:{}", kind, check["tool"].get<std::string>());
  if (check.contains("n")) return fmt::format("{}:{}", kind, check["n"].dump());
  return kind;
}

CheckResult text_check(const Json& check, const std::string& answer, bool want) {
  const std::string text = check["text"].get<std::string>();
  const bool exact = check.value("case_sensitive", false);
  const size_t pos = exact ? answer.find(text) : fold_case(answer).find(fold_case(text));
  const bool found = pos != std::string::npos;
  CheckResult r;
  r.passed = found == want;
  r.detail = found ? fmt::format("found \"{}\" in {}", text, quote_around(answer, pos, text.size()))
                   : fmt::format("\"{}\" not found{} in {}", text, exact ? " (case-sensitive)" : "",
                                 head(answer));
  return r;
}

CheckResult regex_check(const Json& check, const std::string& answer, bool want) {
  CheckResult r;
  std::smatch m;
  const std::regex re(check["regex"].get<std::string>(), std::regex::icase);
  const bool found = std::regex_search(answer, m, re);
  r.passed = found == want;
  r.detail =
      found ? fmt::format("/{}/ matched \"{}\"", check["regex"].get<std::string>(), m.str())
            : fmt::format("/{}/ did not match {}", check["regex"].get<std::string>(), head(answer));
  return r;
}

CheckResult call_check(const Task& task, const Json& check, const std::vector<CallRecord>& calls) {
  const std::string kind = check["kind"].get<std::string>();
  const std::string tool = check["tool"].get<std::string>();
  CheckResult r;
  if (kind == "called" || kind == "not_called") {
    const auto n = static_cast<uint64_t>(std::count_if(
        calls.begin(), calls.end(), [&](const CallRecord& c) { return c.name == tool; }));
    const uint64_t min = kind == "called" ? check.value("min", uint64_t{1}) : 0;
    const uint64_t max = kind == "called" ? check.value("max", UINT64_MAX) : 0;
    r.passed = n >= min && n <= max;
    r.detail = fmt::format("{} called {} time(s)", tool, n);
    return r;
  }
  const Json expected = normalise_args(task, tool, check["args"]);
  Json expected_subset = Json::object();
  for (const auto& [key, value] : check["args"].items())
    expected_subset[key] = expected.contains(key) ? expected[key] : value;
  const auto hit = std::find_if(calls.begin(), calls.end(), [&](const CallRecord& c) {
    return c.name == tool && args_match(expected_subset, c.args_norm);
  });
  const bool found = hit != calls.end();
  r.passed = kind == "called_with" ? found : !found;
  if (found) {
    r.detail = fmt::format("{} was called with {}", tool, compact_json(hit->args_norm));
  } else {
    std::string seen;
    for (const auto& c : calls)
      if (c.name == tool) seen += (seen.empty() ? "" : "; ") + compact_json(c.args_norm);
    r.detail = fmt::format(
        "no {} call with {}{}", tool, compact_json(expected_subset),
        seen.empty() ? fmt::format(" ({} never called)", tool) : " (calls: " + seen + ")");
  }
  return r;
}

CheckResult evaluate(const Task& task, const Json& check, const std::string& answer,
                     const std::vector<CallRecord>& calls) {
  const std::string kind = check["kind"].get<std::string>();
  CheckResult r;
  if (kind == "contains")
    r = text_check(check, answer, true);
  else if (kind == "not_contains")
    r = text_check(check, answer, false);
  else if (kind == "matches")
    r = regex_check(check, answer, true);
  else if (kind == "not_matches")
    r = regex_check(check, answer, false);
  else if (kind == "max_sentences") {
    const auto s = sentences(answer);
    const auto n = check["n"].get<size_t>();
    r.passed = s.size() <= n;
    r.detail = fmt::format("{} sentence(s), at most {} allowed{}", s.size(), n,
                           s.size() > n ? fmt::format("; sentence {}: \"{}\"", n + 1, s[n]) : "");
  } else if (kind == "any_of" || kind == "all_of") {
    const bool any = kind == "any_of";
    r.passed = !any;
    std::string parts;
    for (const auto& sub : check["checks"]) {
      CheckResult c = evaluate(task, sub, answer, calls);
      parts +=
          fmt::format("{}[{}] {}", parts.empty() ? "" : "; ", c.passed ? "pass" : "fail", c.detail);
      if (any && c.passed) r.passed = true;
      if (!any && !c.passed) r.passed = false;
    }
    r.detail = parts;
  } else {
    r = call_check(task, check, calls);
  }
  r.name = check.contains("name") ? check["name"].get<std::string>() : default_name(check);
  return r;
}

}  // namespace

std::vector<CheckResult> check_acceptance(const Task& task, const std::string& final_answer,
                                          const std::vector<CallRecord>& calls) {
  std::vector<CheckResult> results;
  for (const auto& check : task.acceptance) {
    try {
      results.push_back(evaluate(task, check, final_answer, calls));
    } catch (const std::exception& e) {
      // Validated at load; only a hand-built Task can get here. Report, never crash.
      results.push_back(
          CheckResult{check.value("name", std::string("invalid_check")), false,
                      fmt::format("cannot evaluate {}: {}", compact_json(check), e.what())});
    }
  }
  return results;
}

bool all_passed(const std::vector<CheckResult>& results) {
  return std::all_of(results.begin(), results.end(), [](const CheckResult& r) { return r.passed; });
}

}  // namespace bakeoff::tasks
