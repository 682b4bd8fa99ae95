#include "report/html_sections.h"

#include <algorithm>
#include <sstream>

#include <fmt/core.h>

#include "report/escape.h"

namespace bakeoff::report::detail {
namespace {

const analysis::UnitRecord* find_unit(const analysis::RunData& run, const std::string& id) {
  for (const auto& u : run.units) {
    if (u.unit_id == id) return &u;
  }
  return nullptr;
}

std::string str(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "–";
  return v.dump();
}

std::string short_hash(const Json& v) {
  return v.is_string() ? v.get<std::string>().substr(0, 12) : std::string("–");
}

std::string truncate(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "…";
}

// The calls of one step: name(args) → result hash, each escaped.
std::string calls_html(const Json& step) {
  if (!step.contains("tool_calls") || !step["tool_calls"].is_array() ||
      step["tool_calls"].empty()) {
    return "<span class=\"dim\">no calls</span>";
  }
  std::string out;
  for (const Json& c : step["tool_calls"]) {
    out += fmt::format("<div><code>{}({})</code> → <code>{}</code></div>",
                       html_escape(str(c.value("name", Json()))),
                       html_escape(truncate(c.value("args_raw", Json::object()).dump(), 300)),
                       html_escape(short_hash(c.value("result_sha256", Json()))));
  }
  return out;
}

std::string arm_cells(const analysis::UnitRecord* u, size_t i, const std::string& token_class) {
  if (!u || u->trace.is_null() || i >= u->trace["turns"].size()) {
    return "<td colspan=\"4\" class=\"dim\">no step</td>";
  }
  const Json& s = u->trace["turns"][i];
  std::string href = "#" + step_anchor(u->unit_id, static_cast<long>(i + 1));
  return fmt::format(
      "<td><a href=\"{0}\"><code>{1}</code></a></td><td class=\"num {2}\"><a href=\"{0}\">{3}</a>"
      "</td><td class=\"num\"><a href=\"{0}\">{4}</a></td><td>{5}</td>",
      html_escape(href), html_escape(short_hash(s.value("rendered_prompt_sha256", Json()))),
      token_class, html_escape(str(s.value("prompt_eval_count", Json()))),
      html_escape(str(s.value("eval_count", Json()))), calls_html(s));
}

}  // namespace

std::string comparison_step_href(const analysis::RunData& run, const Json& c, long step) {
  for (const Json& id : c["units"]) {
    const analysis::UnitRecord* u = find_unit(run, id.get<std::string>());
    if (u && !u->trace.is_null() && step >= 1 &&
        static_cast<size_t>(step) <= u->trace["turns"].size()) {
      return "#" + step_anchor(u->unit_id, step);
    }
  }
  return "#" + unit_anchor(c["units"][0].get<std::string>());
}

std::string diff_html(const std::string& diff) {
  std::string out = "<pre class=\"diff\">";
  std::istringstream lines(diff);
  std::string line;
  while (std::getline(lines, line)) {
    const char* cls = "ctx";
    if (line.rfind("+++", 0) == 0 || line.rfind("---", 0) == 0)
      cls = "file";
    else if (!line.empty() && line[0] == '+')
      cls = "add";
    else if (!line.empty() && line[0] == '-')
      cls = "del";
    else if (line.rfind("@@", 0) == 0)
      cls = "hunk";
    out += fmt::format("<span class=\"{}\">{}</span>\n", cls, html_escape(line));
  }
  return out + "</pre>";
}

std::string comparison_section(const analysis::RunData& run, const Json& c, size_t index) {
  const std::string ux = c["units"][0].get<std::string>();
  const std::string uy = c["units"][1].get<std::string>();
  const analysis::UnitRecord* x = find_unit(run, ux);
  const analysis::UnitRecord* y = find_unit(run, uy);
  std::string repeat = c["repeat"].is_array()
                           ? fmt::format("r{}/r{}", c["repeat"][0].dump(), c["repeat"][1].dump())
                           : "r" + c["repeat"].dump();
  std::string html = fmt::format("<section class=\"cmp\" id=\"cmp-{}\"><h3>{} {} — {} vs {}{}</h3>",
                                 index, html_escape(c["task"].get<std::string>()),
                                 html_escape(repeat), html_escape(c["arms"][0].get<std::string>()),
                                 html_escape(c["arms"][1].get<std::string>()),
                                 c["kind"] == "control" ? " (A-vs-A control)" : "");
  const Json& d = c["first_divergence"];
  long div_step = d.is_null() ? 0 : d["step"].get<long>();
  if (d.is_null()) {
    html +=
        "<div class=\"banner ok\">No divergence: every step agrees on every checked layer.</div>";
  } else {
    std::string target = comparison_step_href(run, c, div_step);
    html += fmt::format(
        "<div class=\"banner bad\">First divergence at <a href=\"{}\">step {}</a>, layer "
        "<b>{}</b>: {}</div>",
        html_escape(target), div_step, html_escape(d["layer"].get<std::string>()),
        html_escape(d["detail"].get<std::string>()));
  }
  const Json& cross = c["token_crosscheck"];
  html += fmt::format(
      "<p>Token-count cross-check: <b>{}</b>{}</p>",
      html_escape(cross["status"].get<std::string>()),
      cross.contains("summary") ? " — " + html_escape(cross["summary"].get<std::string>()) : "");

  // Arms side by side per step.
  size_t nx = x && !x->trace.is_null() ? x->trace["turns"].size() : 0;
  size_t ny = y && !y->trace.is_null() ? y->trace["turns"].size() : 0;
  html += fmt::format(
      "<table class=\"side\"><thead><tr><th rowspan=\"2\">step</th><th colspan=\"4\">{}</th>"
      "<th colspan=\"4\">{}</th><th rowspan=\"2\">checked layers</th></tr><tr>"
      "<th>prompt</th><th>prompt tok</th><th>out tok</th><th>calls</th>"
      "<th>prompt</th><th>prompt tok</th><th>out tok</th><th>calls</th></tr></thead><tbody>",
      html_escape(ux), html_escape(uy));
  for (size_t i = 0; i < std::max(nx, ny); ++i) {
    std::string token_class;
    std::string explanation;
    for (const Json& s : cross["steps"]) {
      if (s["step"] == i + 1) {
        std::string st = s["status"].get<std::string>();
        token_class = st == "flagged" ? "tok-flag" : st == "explained" ? "tok-expl" : "";
        if (s.contains("explanation")) explanation = s["explanation"].get<std::string>();
      }
    }
    std::string checked;
    if (i < c["steps"].size()) {
      for (const Json& l : c["steps"][i]["checked_layers"]) {
        checked += (checked.empty() ? "" : ", ") + l.get<std::string>();
      }
      for (const Json& u : c["steps"][i]["unchecked"]) {
        checked += "<div class=\"dim\">" + html_escape(u.get<std::string>()) + "</div>";
      }
    } else {
      checked = "<span class=\"dim\">not compared (after the first divergence)</span>";
    }
    html += fmt::format("<tr class=\"{}\"{}><td class=\"num\">{}</td>{}{}<td>{}</td></tr>",
                        static_cast<long>(i + 1) == div_step ? "diverge" : "",
                        explanation.empty() ? "" : " title=\"" + html_escape(explanation) + "\"",
                        i + 1, arm_cells(x, i, token_class), arm_cells(y, i, token_class), checked);
  }
  html += "</tbody></table>";
  if (!d.is_null() && d.contains("diff") && d["diff"].is_string()) {
    html += "<h4>Prompt diff at step " + std::to_string(div_step) + "</h4>";
    html += diff_html(d["diff"].get<std::string>());
  }
  return html + "</section>";
}

std::string unit_section(const analysis::UnitRecord& u) {
  std::string html = fmt::format("<section class=\"unit\" id=\"{}\"><h3>{}</h3>",
                                 html_escape(unit_anchor(u.unit_id)), html_escape(u.unit_id));
  if (u.trace.is_null()) {
    return html + fmt::format("<p class=\"dim\">No trace: status {}, {}.</p></section>",
                              html_escape(u.status), html_escape(u.halt_reason));
  }
  const Json& fin = u.trace["final"];
  html += fmt::format("<p>halt <b>{}</b>, {} steps, {} tool calls, wall {} s, accepted {}</p>",
                      html_escape(str(fin.value("halt_reason", Json()))),
                      html_escape(str(fin.value("steps_used", Json()))),
                      html_escape(str(fin.value("tool_calls_total", Json()))),
                      html_escape(str(fin.value("wall_clock_s", Json()))),
                      html_escape(str(fin.value("accepted", Json()))));
  html +=
      "<table><thead><tr><th>step</th><th>prompt sha256</th><th>prompt tok</th><th>out tok</th>"
      "<th>content</th><th>calls → result</th><th>load / prefill / decode ms</th><th>halt</th>"
      "</tr></thead><tbody>";
  for (const Json& s : u.trace["turns"]) {
    long n = s["step"].get<long>();
    std::string durations = "–";
    if (s.contains("durations_ns") && s["durations_ns"].is_object()) {
      const Json& dn = s["durations_ns"];
      auto ms = [&](const char* k) {
        return dn.contains(k) && dn[k].is_number() ? fmt_number(dn[k].get<double>() / 1e6)
                                                   : std::string("–");
      };
      durations = ms("load") + " / " + ms("prompt_eval") + " / " + ms("eval");
    }
    html += fmt::format(
        "<tr id=\"{}\"><td class=\"num\">{}</td><td><code>{}</code></td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        html_escape(step_anchor(u.unit_id, n)), n,
        html_escape(short_hash(s.value("rendered_prompt_sha256", Json()))),
        html_escape(str(s.value("prompt_eval_count", Json()))),
        html_escape(str(s.value("eval_count", Json()))),
        html_escape(truncate(s.value("content", Json("")).is_string()
                                 ? s["content"].get<std::string>()
                                 : std::string(),
                             240)),
        calls_html(s), html_escape(durations), html_escape(str(s.value("halt", Json()))));
  }
  return html + "</tbody></table></section>";
}

}  // namespace bakeoff::report::detail
