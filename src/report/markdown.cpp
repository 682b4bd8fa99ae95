#include <algorithm>
#include <sstream>

#include <fmt/core.h>

#include "report/escape.h"
#include "report/report.h"

namespace bakeoff::report {
namespace {

using detail::fmt_number;
using detail::md_escape;

std::string spread(const Json& s) {
  double med = s["median"].get<double>(), lo = s["min"].get<double>(), hi = s["max"].get<double>();
  if (lo == hi) return fmt_number(med);
  return fmt::format("{} ({}–{})", fmt_number(med), fmt_number(lo), fmt_number(hi));
}

std::string halts(const Json& h) {
  std::string out;
  for (const auto& [reason, count] : h.items()) {
    if (!out.empty()) out += ", ";
    out += count.get<long>() == 1 ? reason : fmt::format("{} ×{}", reason, count.get<long>());
  }
  return out;
}

std::string repeat_label(const Json& c) {
  if (c["repeat"].is_array()) {
    return fmt::format("r{}/r{}", c["repeat"][0].dump(), c["repeat"][1].dump());
  }
  return "r" + c["repeat"].dump();
}

std::string p_value(const Json& p) {
  return p.is_number() ? fmt::format("{:.3g}", p.get<double>()) : "-";
}

}  // namespace

std::string markdown_report(const analysis::RunData& run, const Json& doc) {
  std::string md;
  md += fmt::format("# Bakeoff report: {}\n\n", md_escape(run.dir.filename().string()));
  md += fmt::format("**Verdict: {}**\n\n", md_escape(doc["verdict"].get<std::string>()));
  for (const Json& e : doc["verdict_evidence"]) {
    md += "- " + md_escape(e["text"].get<std::string>()) + "\n";
  }

  const Json& stats = doc["statistics"];
  md += "\n## Results\n\n";
  md += "Median and range over repeats.\n\n";
  md += "| arm | task | n | steps | tools | halt | wall s | accepted |\n";
  md += "|---|---|---:|---:|---:|---|---:|---:|\n";
  for (const Json& c : stats["cells"]) {
    md += fmt::format(
        "| {} | {} | {} | {} | {} | {} | {} | {}/{} |\n", md_escape(c["arm"].get<std::string>()),
        md_escape(c["task"].get<std::string>()), c["n"].dump(), spread(c["steps"]),
        spread(c["tool_calls"]), md_escape(halts(c["halt_reasons"])), spread(c["wall_s"]),
        c["accepted"]["passed"].dump(), c["accepted"]["n"].dump());
  }
  for (const analysis::UnitRecord& u : run.units) {
    if (u.trace.is_null()) {
      md += fmt::format("\nUnit `{}` has no trace (status {}, {}).\n", u.unit_id, u.status,
                        md_escape(u.halt_reason));
    }
  }

  md += "\n## Divergences\n\n";
  size_t shown = 0;
  for (const Json& c : doc["comparisons"]) {
    if (c["kind"] == "control" || c["first_divergence"].is_null()) continue;
    ++shown;
    const Json& d = c["first_divergence"];
    md += fmt::format("- **{} {}** {} vs {}: first divergence at step {}, layer `{}`: {}\n",
                      md_escape(c["task"].get<std::string>()), repeat_label(c),
                      md_escape(c["arms"][0].get<std::string>()),
                      md_escape(c["arms"][1].get<std::string>()), d["step"].dump(),
                      d["layer"].get<std::string>(), md_escape(d["detail"].get<std::string>()));
    if (d.contains("diff") && d["diff"].is_string()) {
      // A fence longer than any backtick run in the diff, so prompt text cannot close it.
      std::string diff = d["diff"].get<std::string>();
      size_t run = 0, longest = 0;
      for (char ch : diff) {
        run = ch == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
      }
      std::string fence(std::max<size_t>(3, longest + 1), '`');
      md += "\n  " + fence + "diff\n";
      std::istringstream lines(diff);
      std::string line;
      int n = 0;
      while (std::getline(lines, line) && n++ < 24) md += "  " + line + "\n";
      md += "  " + fence + "\n";
    }
  }
  if (shown == 0) md += "No cross-arm pair diverges.\n";

  md += "\n## Token-count cross-check\n\n";
  if (doc["token_crosscheck"].empty()) md += "Every compared step has equal prompt_eval_count.\n";
  for (const Json& t : doc["token_crosscheck"]) {
    std::string head = fmt::format("{} {} {} vs {}", md_escape(t["task"].get<std::string>()),
                                   repeat_label(t), md_escape(t["arms"][0].get<std::string>()),
                                   md_escape(t["arms"][1].get<std::string>()));
    if (t.contains("summary")) {
      md += fmt::format("- {} ({}): {}\n", head, t["status"].get<std::string>(),
                        md_escape(t["summary"].get<std::string>()));
      continue;
    }
    for (const Json& s : t["steps"]) {
      md += fmt::format(
          "- {} step {}: {}, {} vs {}{}\n", head, s["step"].dump(), s["status"].get<std::string>(),
          s["prompt_eval_count"][0].dump(), s["prompt_eval_count"][1].dump(),
          s.contains("explanation") ? " (" + md_escape(s["explanation"].get<std::string>()) + ")"
                                    : "");
    }
  }

  md += "\n## A-vs-A controls\n\n";
  if (doc["controls"].empty()) {
    md += "No repeats or duplicate runs: no non-determinism floor was measured.\n";
  } else {
    md += "| arm | repeat pairs | diverging | floor |\n|---|---:|---:|---:|\n";
    for (const Json& f : doc["controls"]) {
      md += fmt::format("| {} | {} | {} | {:.2f} |\n", md_escape(f["arm"].get<std::string>()),
                        f["pairs"].dump(), f["diverging"].dump(), f["floor"].get<double>());
    }
  }

  md += "\n## Statistics\n\n";
  if (!stats["tests"].empty()) {
    md +=
        "Paired by task, settings and repeat. Steps and tool calls: exact paired permutation "
        "test. Acceptance: Fisher's exact test, and TOST equivalence within ε.\n\n";
    md += "| task | arms | pairs | steps p | tools p | accepted | Fisher p | same within ε |\n";
    md += "|---|---|---:|---:|---:|---|---:|---|\n";
    for (const Json& t : stats["tests"]) {
      const Json& eq = t["acceptance_equivalence"];
      md += fmt::format(
          "| {} | {} vs {} | {} | {} | {} | {}/{} vs {}/{} | {} | {} (ε {}, p {}) |\n",
          md_escape(t["task"].get<std::string>()), md_escape(t["arms"][0].get<std::string>()),
          md_escape(t["arms"][1].get<std::string>()), t["paired_n"].dump(), p_value(t["steps_p"]),
          p_value(t["tool_calls_p"]), t["accepted"][0][0].dump(), t["accepted"][0][1].dump(),
          t["accepted"][1][0].dump(), t["accepted"][1][1].dump(), p_value(t["accepted_fisher_p"]),
          eq["equivalent"].get<bool>() ? "yes" : "not shown",
          fmt_number(eq["epsilon"].get<double>()), p_value(eq["p"]));
    }
  }
  if (!stats["latency"].empty()) {
    md += "\nLatency per step (median, bootstrap 95% CI, ms):\n\n";
    md += "| arm | component | steps | median ms | 95% CI |\n|---|---|---:|---:|---|\n";
    for (const Json& l : stats["latency"]) {
      md += fmt::format("| {} | {} | {} | {:.3f} | {:.3f}–{:.3f} |\n",
                        md_escape(l["arm"].get<std::string>()), l["component"].get<std::string>(),
                        l["n"].dump(), l["median_ms"].get<double>(), l["ci95_ms"][0].get<double>(),
                        l["ci95_ms"][1].get<double>());
    }
  }
  return md;
}

}  // namespace bakeoff::report
