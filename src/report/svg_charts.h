// Inline SVG charts for the HTML report (internal to src/report). Every mark links to its source.
#pragma once
#include <string>
#include <vector>

namespace bakeoff::report::detail {

struct Point {
  double value = 0;
  std::string href;   // "#u-…" anchor of the unit or step that produced it
  std::string label;  // tooltip
};

struct Series {
  std::string name;  // one row of the chart (an arm)
  std::vector<Point> points;
};

// One row per series, a dot per point on a shared x axis (integer-valued data such as steps or
// tool calls); equal values stack upwards so every unit stays visible.
std::string dot_plot_svg(const std::string& title, const std::string& x_label,
                         const std::vector<Series>& rows);

struct Bar {
  std::string name;  // "ollama-json prefill"
  double median = 0, low = 0, high = 0;
  std::string href;
};

// Horizontal bars of medians with 95% CI whiskers.
std::string ci_bars_svg(const std::string& title, const std::string& x_label,
                        const std::vector<Bar>& bars);

}  // namespace bakeoff::report::detail
