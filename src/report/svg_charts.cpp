#include "report/svg_charts.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/core.h>

#include "report/escape.h"

namespace bakeoff::report::detail {
namespace {

constexpr int kLeft = 170;  // room for row names
constexpr int kRight = 30;
constexpr int kWidth = 760;
constexpr int kPlot = kWidth - kLeft - kRight;

// A "nice" upper bound and tick step for an axis from 0 to max.
std::pair<double, double> axis(double max) {
  if (max <= 0) return {1, 1};
  double raw = max / 5;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  return {std::ceil(max / step) * step, step};
}

std::string x_axis(double top, double step, int y, const std::string& label) {
  std::string out = fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888"/>)", kLeft,
                                y, kLeft + kPlot, y);
  for (double t = 0; t <= top + step / 2; t += step) {
    double x = kLeft + kPlot * t / top;
    out += fmt::format(R"(<line x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}" stroke="#888"/>)", x, y,
                       y + 4);
    out += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="11" text-anchor="middle">{}</text>)",
                       x, y + 16, fmt_number(t));
  }
  out += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>)",
                     kLeft + kPlot / 2, y + 32, html_escape(label));
  return out;
}

}  // namespace

std::string dot_plot_svg(const std::string& title, const std::string& x_label,
                         const std::vector<Series>& rows) {
  double max = 0;
  size_t tallest = 1;
  for (const Series& s : rows) {
    std::map<double, size_t> stack;
    for (const Point& p : s.points) {
      max = std::max(max, p.value);
      tallest = std::max(tallest, ++stack[p.value]);
    }
  }
  auto [top, step] = axis(max);
  if (step < 1) {  // counts: whole-number ticks
    step = 1;
    top = std::max(1.0, std::ceil(max));
  }
  const int r = 5;
  const int row_h = static_cast<int>(std::min<size_t>(tallest, 8)) * (2 * r + 2) + 14;
  const int height = 30 + row_h * static_cast<int>(rows.size()) + 40;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">)",
      kWidth, height, html_escape(title));
  svg += fmt::format(R"(<text x="10" y="18" font-size="14" font-weight="bold">{}</text>)",
                     html_escape(title));
  int y0 = 30;
  for (size_t i = 0; i < rows.size(); ++i) {
    int base = y0 + row_h * static_cast<int>(i + 1) - 8;
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>)",
                       kLeft - 8, base - 2, html_escape(rows[i].name));
    svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>)", kLeft, base,
                       kLeft + kPlot, base);
    std::map<double, size_t> stack;
    for (const Point& p : rows[i].points) {
      size_t level = std::min<size_t>(stack[p.value]++, 7);
      double cx = kLeft + kPlot * p.value / top;
      int cy = base - r - 1 - static_cast<int>(level) * (2 * r + 2);
      svg += fmt::format(
          R"(<a href="{}"><circle cx="{:.1f}" cy="{}" r="{}" fill="#3465a4" fill-opacity="0.8"><title>{}</title></circle></a>)",
          html_escape(p.href), cx, cy, r, html_escape(p.label));
    }
  }
  svg += x_axis(top, step, y0 + row_h * static_cast<int>(rows.size()), x_label);
  svg += "</svg>";
  return svg;
}

std::string ci_bars_svg(const std::string& title, const std::string& x_label,
                        const std::vector<Bar>& bars) {
  double max = 0;
  for (const Bar& b : bars) max = std::max({max, b.median, b.high});
  auto [top, step] = axis(max);
  const int bar_h = 16, gap = 8;
  const int height = 30 + static_cast<int>(bars.size()) * (bar_h + gap) + 44;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="{2}">)",
      kWidth, height, html_escape(title));
  svg += fmt::format(R"(<text x="10" y="18" font-size="14" font-weight="bold">{}</text>)",
                     html_escape(title));
  auto x_of = [&](double v) { return kLeft + kPlot * std::max(0.0, v) / top; };
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    int y = 30 + static_cast<int>(i) * (bar_h + gap);
    svg += fmt::format(R"(<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>)",
                       kLeft - 8, y + bar_h - 4, html_escape(b.name));
    svg += fmt::format(
        R"(<a href="{}"><rect x="{}" y="{}" width="{:.1f}" height="{}" fill="#73a9d8"><title>{}: median {} (95% CI {}–{})</title></rect></a>)",
        html_escape(b.href), kLeft, y, x_of(b.median) - kLeft, bar_h, html_escape(b.name),
        fmt_number(b.median), fmt_number(b.low), fmt_number(b.high));
    int mid = y + bar_h / 2;
    svg += fmt::format(
        R"(<line x1="{0:.1f}" y1="{2}" x2="{1:.1f}" y2="{2}" stroke="#222"/><line x1="{0:.1f}" y1="{3}" x2="{0:.1f}" y2="{4}" stroke="#222"/><line x1="{1:.1f}" y1="{3}" x2="{1:.1f}" y2="{4}" stroke="#222"/>)",
        x_of(b.low), x_of(b.high), mid, mid - 5, mid + 5);
  }
  svg += x_axis(top, step, 30 + static_cast<int>(bars.size()) * (bar_h + gap), x_label);
  svg += "</svg>";
  return svg;
}

}  // namespace bakeoff::report::detail
