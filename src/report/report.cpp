#include "report/report.h"

#include <fmt/core.h>

#include "analysis/compare.h"
#include "common/files.h"

namespace bakeoff::report {

Result<Format> parse_format(const std::string& name) {
  if (name == "md" || name == "markdown") return Format::markdown;
  if (name == "html") return Format::html;
  return Error{"usage", fmt::format("unknown report format '{}' (use md or html)", name)};
}

Result<std::string> render_report(const std::filesystem::path& run_dir, Format format) {
  auto run = analysis::load_run(run_dir);
  if (!run) return run.error();
  try {
    Json doc = analysis::compare_loaded(*run);
    return format == Format::html ? html_report(*run, doc) : markdown_report(*run, doc);
  } catch (const std::exception& e) {
    return Error{"internal", fmt::format("report {}: {}", run_dir.string(), e.what())};
  }
}

Result<bool> write_report(const std::filesystem::path& run_dir, Format format,
                          const std::filesystem::path& out) {
  auto text = render_report(run_dir, format);
  if (!text) return text.error();
  try {
    write_file_atomic(out, *text);
  } catch (const std::exception& e) {
    return Error{"io", e.what()};
  }
  return true;
}

}  // namespace bakeoff::report
