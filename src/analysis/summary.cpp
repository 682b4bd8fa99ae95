#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/core.h>

#include "analysis/compare.h"
#include "analysis/stats.h"

namespace bakeoff::analysis {
namespace {

std::string number(double v) {
  if (v == static_cast<double>(static_cast<long long>(v))) {
    return fmt::format("{}", static_cast<long long>(v));
  }
  return fmt::format("{:.2f}", v);
}

// "7" for one value or equal values, else "7 (6–8)": median and range.
std::string median_range(const std::vector<double>& v) {
  if (v.empty()) return "-";
  Spread s = describe(v);
  if (s.min == s.max) return number(s.median);
  return fmt::format("{} ({}–{})", number(s.median), number(s.min), number(s.max));
}

std::string pad(const std::string& s, size_t width) {
  // Width in code points, so "–" and "×" do not break the columns.
  size_t cps = 0;
  for (unsigned char c : s) cps += (c & 0xC0) != 0x80;
  return cps >= width ? s : s + std::string(width - cps, ' ');
}

std::string arms_label(const Json& c) {
  return fmt::format("{} vs {}", c["arms"][0].get<std::string>(), c["arms"][1].get<std::string>());
}

std::string repeat_label(const Json& c) {
  if (c["repeat"].is_array()) {
    return fmt::format("r{}/r{}", c["repeat"][0].dump(), c["repeat"][1].dump());
  }
  return "r" + c["repeat"].dump();
}

}  // namespace

std::string units_table(const std::vector<UnitRecord>& units) {
  struct Cell {
    std::vector<double> steps, tools, wall;
    std::map<std::string, int> halts;
    int errored = 0;
  };
  std::map<std::pair<std::string, std::string>, Cell> cells;  // task, arm
  for (const UnitRecord& u : units) {
    Cell& c = cells[{u.task, u.arm}];
    std::string halt = u.halt_reason.empty() ? u.status : u.halt_reason;
    ++c.halts[halt];
    if (u.trace.is_null()) {
      ++c.errored;
      continue;
    }
    const Json& fin = u.trace["final"];
    c.steps.push_back(fin.value("steps_used", static_cast<double>(u.trace["turns"].size())));
    c.tools.push_back(fin.value("tool_calls_total", 0.0));
    c.wall.push_back(fin.value("wall_clock_s", 0.0));
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"arm", "task", "n", "steps", "tools", "halt", "wall_s"});
  for (const auto& [key, c] : cells) {
    std::string halts;
    for (const auto& [h, n] : c.halts) {
      if (!halts.empty()) halts += ", ";
      halts += c.halts.size() == 1 && n == 1 ? h : fmt::format("{}×{}", h, n);
    }
    std::vector<double> wall = c.wall;
    std::string wall_text = "-";
    if (!wall.empty()) {
      Spread s = describe(wall);
      wall_text = s.min == s.max ? fmt::format("{:.2f}", s.median)
                                 : fmt::format("{:.2f} ({:.2f}–{:.2f})", s.median, s.min, s.max);
    }
    rows.push_back({key.second, key.first, std::to_string(c.steps.size() + c.errored),
                    median_range(c.steps), median_range(c.tools), halts, wall_text});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      size_t cps = 0;
      for (unsigned char ch : r[i]) cps += (ch & 0xC0) != 0x80;
      widths[i] = std::max(widths[i], cps);
    }
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) line += pad(r[i], widths[i] + 2);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string compare_text(const Json& doc) {
  std::string out;
  size_t diverging = 0, total = 0;
  for (const Json& c : doc["comparisons"]) {
    if (c.value("kind", "") == "control") continue;
    ++total;
    const Json& d = c["first_divergence"];
    if (d.is_null()) continue;
    ++diverging;
    out +=
        fmt::format("{} {} {}: first divergence at step {}, layer {}, {}\n",
                    c["task"].get<std::string>(), repeat_label(c), arms_label(c), d["step"].dump(),
                    d["layer"].get<std::string>(), d["detail"].get<std::string>());
    if (d.contains("diff") && d["diff"].is_string()) {
      std::istringstream lines(d["diff"].get<std::string>());
      std::string line;
      int shown = 0;
      while (std::getline(lines, line) && shown < 14) {
        out += "    " + line + "\n";
        ++shown;
      }
    }
  }
  if (total > 0 && diverging == 0)
    out += fmt::format("No divergence in {} cross-arm pairs.\n", total);

  for (const Json& t : doc["token_crosscheck"]) {
    bool control = t["repeat"].is_array();
    std::string head =
        fmt::format("{} {} {}", t["task"].get<std::string>(),
                    control ? fmt::format("r{}/r{}", t["repeat"][0].dump(), t["repeat"][1].dump())
                            : "r" + t["repeat"].dump(),
                    arms_label(t));
    if (t.contains("summary")) {
      out += fmt::format("token cross-check {}: {}\n", head, t["summary"].get<std::string>());
      continue;
    }
    for (const Json& s : t["steps"]) {
      out += fmt::format(
          "token cross-check {} step {}: {} — {} vs {}{}\n", head, s["step"].dump(),
          s["status"].get<std::string>(), s["prompt_eval_count"][0].dump(),
          s["prompt_eval_count"][1].dump(),
          s.contains("explanation") ? " (" + s["explanation"].get<std::string>() + ")" : "");
    }
  }
  for (const Json& f : doc["controls"]) {
    out += fmt::format("A-vs-A floor {}: {}/{} repeat pairs diverge\n", f["arm"].get<std::string>(),
                       f["diverging"].dump(), f["pairs"].dump());
  }
  out += fmt::format("Verdict: {}\n", doc["verdict"].get<std::string>());
  for (const Json& e : doc["verdict_evidence"]) {
    out += "  - " + e["text"].get<std::string>() + "\n";
  }
  return out;
}

Result<std::string> summary_text(const std::filesystem::path& run_dir, const Json& compare_doc) {
  auto run = load_run(run_dir);
  if (!run) return run.error();
  try {
    return units_table(run->units) + "\n" + compare_text(compare_doc);
  } catch (const std::exception& e) {
    return Error{"malformed", std::string("compare document: ") + e.what()};
  }
}

}  // namespace bakeoff::analysis
