// bakeoff report RUN_DIR --format md|html [--out FILE]: Markdown ready to paste, or one
// self-contained HTML page; written atomically to FILE, or printed.
#include <memory>

#include <fmt/core.h>

#include "cli/commands.h"
#include "report/report.h"

namespace bakeoff::cli {
namespace {

struct ReportOptions {
  std::string run_dir;
  std::string format = "md";
  std::string out;
};

int run_report(const ReportOptions& opts) {
  auto format = report::parse_format(opts.format);
  if (!format) throw UsageError(format.error().message);
  std::error_code ec;
  if (!std::filesystem::is_directory(opts.run_dir, ec)) {
    throw UsageError(opts.run_dir + ": not a run directory");
  }
  if (opts.out.empty()) {
    auto text = report::render_report(opts.run_dir, *format);
    if (!text) throw UsageError(text.error().message);
    fmt::print("{}", *text);
    return 0;
  }
  auto written = report::write_report(opts.run_dir, *format, opts.out);
  if (!written) {
    if (written.error().kind == "io") throw std::runtime_error(written.error().message);
    throw UsageError(written.error().message);
  }
  fmt::print(stderr, "wrote {}\n", opts.out);
  return 0;
}

}  // namespace

CommandRunner add_report_command(CLI::App& root) {
  auto opts = std::make_shared<ReportOptions>();
  CLI::App* cmd = root.add_subcommand(
      "report",
      "A report of a run: Markdown tables ready to paste (results, divergences, statistics,\n"
      "token cross-check, verdict), or one self-contained HTML page (no network) with the arms\n"
      "side by side per step, prompt diffs and inline SVG charts.");
  cmd->add_option("run_dir", opts->run_dir, "the run directory")->required();
  cmd->add_option("--format", opts->format, "md or html (default md)");
  cmd->add_option("--out", opts->out, "write the report to FILE (atomically) instead of stdout");
  return [opts] { return run_report(*opts); };
}

}  // namespace bakeoff::cli
