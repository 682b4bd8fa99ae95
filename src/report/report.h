// Reports people read: Markdown ready to paste into a writeup, and one self-contained static HTML
// page (inline CSS and SVG, no scripts, no network) in which every number links to its step.
#pragma once
#include <filesystem>
#include <string>

#include "analysis/run_data.h"
#include "common/json.h"
#include "common/result.h"

namespace bakeoff::report {

enum class Format { markdown, html };

// "md" / "markdown" / "html"; an error naming the bad value otherwise.
Result<Format> parse_format(const std::string& name);

// The seed's table, divergences with diff excerpts, A-vs-A floors, statistics, the token
// cross-check and the verdict with its evidence.
std::string markdown_report(const analysis::RunData& run, const Json& compare_doc);

// The same facts as one HTML page: verdict and first-divergence banners, arms side by side per
// step, prompt diffs, token-count cells, per-unit step tables (anchors "u-<unit>-s<step>"), and
// inline SVG charts of steps/tool-call distributions and latency medians with 95% CI whiskers.
std::string html_report(const analysis::RunData& run, const Json& compare_doc);

// Loads RUN_DIR, compares it and renders the report.
Result<std::string> render_report(const std::filesystem::path& run_dir, Format format);

// render_report, written atomically to `out`.
Result<bool> write_report(const std::filesystem::path& run_dir, Format format,
                          const std::filesystem::path& out);

}  // namespace bakeoff::report
