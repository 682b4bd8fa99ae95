#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include <fmt/core.h>

#include "report/escape.h"
#include "report/html_sections.h"
#include "report/report.h"
#include "report/svg_charts.h"

namespace bakeoff::report {
namespace {

using namespace detail;

// Inline, so the page needs nothing but itself.
constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1d1d;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:18px 0 6px}h4{font-size:13px;margin:10px 0 4px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #d0d0d0;padding:3px 7px;vertical-align:top;text-align:left}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
a{color:#1a5fb4;text-decoration:none}a:hover{text-decoration:underline}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
.banner{padding:8px 12px;border-radius:4px;margin:6px 0}.ok{background:#e6f4ea;border:1px solid #8cc79b}
.bad{background:#fdecea;border:1px solid #e5a29b}.warn{background:#fff6dd;border:1px solid #e3c76b}
.verdict{font-size:18px;font-weight:bold}tr.diverge td{background:#fdecea}
td.tok-flag{background:#f7c6c0;font-weight:bold}td.tok-expl{background:#fff1c2}
.dim{color:#777}pre.diff{background:#fafafa;border:1px solid #ddd;padding:6px;overflow-x:auto;white-space:pre}
pre.diff .add{color:#0b6e2f;background:#e6f4ea}pre.diff .del{color:#a31515;background:#fdecea}
pre.diff .hunk{color:#6a3d9a}pre.diff .file{color:#555;font-weight:bold}
nav a{margin-right:14px}
)";

std::string verdict_class(const std::string& verdict) {
  if (verdict == "faithful") return "ok";
  if (verdict == "inconclusive") return "warn";
  return "bad";
}

std::string spread_link(const Json& s, const std::string& href) {
  double med = s["median"].get<double>(), lo = s["min"].get<double>(), hi = s["max"].get<double>();
  std::string text =
      lo == hi ? fmt_number(med)
               : fmt::format("{} ({}–{})", fmt_number(med), fmt_number(lo), fmt_number(hi));
  return fmt::format("<a href=\"{}\">{}</a>", html_escape(href), html_escape(text));
}

// The last step's anchor of a unit (where its step count and halt were decided).
std::string last_step_href(const analysis::UnitRecord& u) {
  size_t n = u.trace.is_null() ? 0 : u.trace["turns"].size();
  return "#" + (n ? step_anchor(u.unit_id, static_cast<long>(n)) : unit_anchor(u.unit_id));
}

std::string results_section(const analysis::RunData& run, const Json& stats) {
  std::string html =
      "<h2 id=\"results\">Results</h2><p>Median (range) over repeats; every number links to its "
      "units and steps.</p><table><thead><tr><th>arm</th><th>task</th><th>n</th><th>steps</th>"
      "<th>tools</th><th>halt</th><th>wall s</th><th>accepted</th></tr></thead><tbody>";
  for (const Json& c : stats["cells"]) {
    std::string cell =
        "#" + anchor_id("cell-" + c["arm"].get<std::string>() + "-" + c["task"].get<std::string>());
    std::string halts;
    for (const auto& [reason, count] : c["halt_reasons"].items()) {
      halts += (halts.empty() ? "" : ", ") + html_escape(reason) +
               (count.get<long>() > 1 ? " ×" + count.dump() : "");
    }
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\"><a href=\"{}\">{}</a></td><td class=\"num\">"
        "{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">"
        "<a href=\"{}\">{}/{}</a></td></tr>",
        html_escape(c["arm"].get<std::string>()), html_escape(c["task"].get<std::string>()),
        html_escape(cell), c["n"].dump(), spread_link(c["steps"], cell),
        spread_link(c["tool_calls"], cell), halts, spread_link(c["wall_s"], cell),
        html_escape(cell), c["accepted"]["passed"].dump(), c["accepted"]["n"].dump());
  }
  html += "</tbody></table>";

  // Per unit: each number links to the step that produced it.
  html +=
      "<table><thead><tr><th>unit</th><th>steps</th><th>tools</th><th>halt</th><th>wall s</th>"
      "<th>accepted</th></tr></thead><tbody>";
  std::vector<const analysis::UnitRecord*> rows;
  for (const auto& u : run.units) rows.push_back(&u);
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return std::tie(a->arm, a->task) < std::tie(b->arm, b->task);
  });
  std::set<std::string> cells_anchored;
  for (const analysis::UnitRecord* unit : rows) {
    const analysis::UnitRecord& u = *unit;
    // The first unit row of each arm × task cell carries the cell's anchor.
    std::string cell = anchor_id("cell-" + u.arm + "-" + u.task);
    std::string id_attr =
        cells_anchored.insert(cell).second ? " id=\"" + html_escape(cell) + "\"" : "";
    if (u.trace.is_null()) {
      html +=
          fmt::format("<tr{}><td><a href=\"#{}\">{}</a></td><td colspan=\"5\">{} ({})</td></tr>",
                      id_attr, html_escape(unit_anchor(u.unit_id)), html_escape(u.unit_id),
                      html_escape(u.status), html_escape(u.halt_reason));
      continue;
    }
    const Json& fin = u.trace["final"];
    std::string last = last_step_href(u);
    html += fmt::format(
        "<tr{}><td><a href=\"#{}\">{}</a></td><td class=\"num\"><a href=\"{}\">{}</a></td>"
        "<td class=\"num\"><a href=\"#{}\">{}</a></td><td><a href=\"{}\">{}</a></td>"
        "<td class=\"num\"><a href=\"{}\">{}</a></td><td>{}</td></tr>",
        id_attr, html_escape(unit_anchor(u.unit_id)), html_escape(u.unit_id), html_escape(last),
        u.trace["turns"].size(), html_escape(unit_anchor(u.unit_id)),
        html_escape(fin.value("tool_calls_total", Json(0)).dump()), html_escape(last),
        html_escape(u.halt_reason), html_escape(last),
        html_escape(fin.value("wall_clock_s", Json(0)).dump()),
        html_escape(fin.value("accepted", Json(nullptr)).dump()));
  }
  return html + "</tbody></table>";
}

std::string charts_section(const analysis::RunData& run, const Json& stats) {
  std::map<std::string, Series> steps, tools;
  for (const auto& u : run.units) {
    if (u.trace.is_null()) continue;
    const Json& fin = u.trace["final"];
    std::string href = last_step_href(u);
    double n_steps = static_cast<double>(u.trace["turns"].size());
    double n_tools = fin.value("tool_calls_total", 0.0);
    steps[u.arm].name = u.arm;
    steps[u.arm].points.push_back(
        {n_steps, href, u.unit_id + ": " + fmt_number(n_steps) + " steps"});
    tools[u.arm].name = u.arm;
    tools[u.arm].points.push_back({n_tools, "#" + unit_anchor(u.unit_id),
                                   u.unit_id + ": " + fmt_number(n_tools) + " tool calls"});
  }
  std::vector<Series> steps_rows, tools_rows;
  for (auto& [arm, s] : steps) steps_rows.push_back(s);
  for (auto& [arm, s] : tools) tools_rows.push_back(s);
  std::string html = "<h2 id=\"charts\">Distributions and latency</h2>";
  html += "<div>" + dot_plot_svg("Steps per unit, by arm", "steps", steps_rows) + "</div>";
  html +=
      "<div>" + dot_plot_svg("Tool calls per unit, by arm", "tool calls", tools_rows) + "</div>";
  std::vector<Bar> bars;
  for (const Json& l : stats["latency"]) {
    std::string href;
    if (!l["steps"].empty()) {
      href = "#" + step_anchor(l["steps"][0][0].get<std::string>(), l["steps"][0][1].get<long>());
    }
    bars.push_back({l["arm"].get<std::string>() + " " + l["component"].get<std::string>(),
                    l["median_ms"].get<double>(), l["ci95_ms"][0].get<double>(),
                    l["ci95_ms"][1].get<double>(), href});
  }
  if (!bars.empty()) {
    html += "<div>" +
            ci_bars_svg("Latency per step: median with bootstrap 95% CI", "milliseconds", bars) +
            "</div>";
  }
  return html;
}

std::string statistics_section(const Json& doc) {
  const Json& stats = doc["statistics"];
  std::string html = "<h2 id=\"statistics\">Statistics</h2>";
  if (!stats["tests"].empty()) {
    html +=
        "<p>Paired by task, settings and repeat. Steps and tool calls: exact paired permutation "
        "test; acceptance: Fisher's exact test and TOST equivalence within ε.</p><table><thead><tr>"
        "<th>task</th><th>arms</th><th>pairs</th><th>steps p</th><th>tools p</th><th>accepted</th>"
        "<th>Fisher p</th><th>same within ε</th></tr></thead><tbody>";
    for (const Json& t : stats["tests"]) {
      const Json& eq = t["acceptance_equivalence"];
      std::string cell = "#" + anchor_id("cell-" + t["arms"][0].get<std::string>() + "-" +
                                         t["task"].get<std::string>());
      html += fmt::format(
          "<tr><td>{}</td><td>{} vs {}</td><td class=\"num\"><a href=\"{}\">{}</a></td>"
          "<td class=\"num\">{:.3g}</td><td class=\"num\">{:.3g}</td><td>{}/{} vs {}/{}</td>"
          "<td class=\"num\">{:.3g}</td><td>{} (ε {}, p {:.3g})</td></tr>",
          html_escape(t["task"].get<std::string>()), html_escape(t["arms"][0].get<std::string>()),
          html_escape(t["arms"][1].get<std::string>()), html_escape(cell), t["paired_n"].dump(),
          t["steps_p"].get<double>(), t["tool_calls_p"].get<double>(), t["accepted"][0][0].dump(),
          t["accepted"][0][1].dump(), t["accepted"][1][0].dump(), t["accepted"][1][1].dump(),
          t["accepted_fisher_p"].get<double>(), eq["equivalent"].get<bool>() ? "yes" : "not shown",
          fmt_number(eq["epsilon"].get<double>()), eq["p"].get<double>());
    }
    html += "</tbody></table>";
  }
  html += "<h3 id=\"controls\">A-vs-A controls</h3>";
  if (doc["controls"].empty()) {
    html += "<p class=\"dim\">No repeats or duplicate runs: no non-determinism floor measured.</p>";
  } else {
    html +=
        "<table><thead><tr><th>arm</th><th>repeat pairs</th><th>diverging</th><th>floor</th>"
        "</tr></thead><tbody>";
    for (const Json& f : doc["controls"]) {
      html += fmt::format(
          "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">"
          "{:.2f}</td></tr>",
          html_escape(f["arm"].get<std::string>()), f["pairs"].dump(), f["diverging"].dump(),
          f["floor"].get<double>());
    }
    html += "</tbody></table>";
  }
  return html;
}

}  // namespace

std::string html_report(const analysis::RunData& run, const Json& doc) {
  std::string verdict = doc["verdict"].get<std::string>();
  std::string title = "Bakeoff report: " + run.dir.filename().string();
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{}</title><style>{}</style></head><body>",
      html_escape(title), kStyle);
  html += fmt::format("<h1>{}</h1>", html_escape(title));
  html +=
      "<nav><a href=\"#results\">Results</a><a href=\"#comparisons\">Comparisons</a>"
      "<a href=\"#charts\">Charts</a><a href=\"#statistics\">Statistics</a>"
      "<a href=\"#units\">Units</a></nav>";
  html += fmt::format("<div class=\"banner verdict {}\" id=\"verdict\">Verdict: {}</div><ul>",
                      verdict_class(verdict), html_escape(verdict));
  for (const Json& e : doc["verdict_evidence"]) {
    html += "<li>" + html_escape(e["text"].get<std::string>()) + "</li>";
  }
  html += "</ul>";
  // First-divergence banners up front, each linking to its comparison and step.
  size_t index = 0;
  for (const Json& c : doc["comparisons"]) {
    const Json& d = c["first_divergence"];
    if (c["kind"] != "control" && !d.is_null()) {
      html += fmt::format(
          "<div class=\"banner bad\"><a href=\"#cmp-{}\">{} r{} {} vs {}</a>: first divergence "
          "at <a href=\"{}\">step {}</a>, layer <b>{}</b></div>",
          index, html_escape(c["task"].get<std::string>()), html_escape(c["repeat"].dump()),
          html_escape(c["arms"][0].get<std::string>()),
          html_escape(c["arms"][1].get<std::string>()),
          html_escape(comparison_step_href(run, c, d["step"].get<long>())), d["step"].dump(),
          html_escape(d["layer"].get<std::string>()));
    }
    ++index;
  }
  html += results_section(run, doc["statistics"]);
  html += "<h2 id=\"comparisons\">Comparisons</h2>";
  index = 0;
  for (const Json& c : doc["comparisons"]) {
    // Agreeing A-vs-A controls add rows, not evidence: they are summarised under Statistics.
    if (c["kind"] != "control" || !c["first_divergence"].is_null()) {
      html += comparison_section(run, c, index);
    }
    ++index;
  }
  html += charts_section(run, doc["statistics"]);
  html += statistics_section(doc);
  html += "<h2 id=\"units\">Units</h2>";
  for (const auto& u : run.units) html += unit_section(u);
  html += "</body></html>\n";
  return html;
}

}  // namespace bakeoff::report
