// bakeoff compare RUN_DIR | TRACE TRACE [--json]: the first divergence of every pair of arms,
// the token-count cross-check and the verdict. Exit status like diff(1): 0 all agree, 1 any pair
// diverges, 2 bad input.
#include <memory>

#include <fmt/core.h>

#include "analysis/compare.h"
#include "cli/commands.h"
#include "common/files.h"

namespace bakeoff::cli {
namespace {

struct CompareOptions {
  std::vector<std::string> paths;
  bool json = false;
};

Json read_trace_file(const std::filesystem::path& path) {
  std::optional<std::string> text;
  try {
    text = read_file_if_exists(path);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  if (!text) throw UsageError(path.string() + ": no such file");
  try {
    return Json::parse(*text);
  } catch (const Json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON ({})", path.string(), e.what()));
  }
}

// Prompt blobs for two bare traces: a run directory's blobs/ next to or above each file.
analysis::BlobSource blobs_near(const std::vector<std::filesystem::path>& files) {
  std::vector<analysis::BlobSource> sources;
  for (const auto& f : files) {
    auto dir = std::filesystem::absolute(f).parent_path();
    sources.push_back(analysis::blob_dir_source(dir / "blobs"));
    sources.push_back(analysis::blob_dir_source(dir.parent_path() / "blobs"));
  }
  return [sources](const std::string& sha) -> std::optional<std::string> {
    for (const auto& s : sources) {
      if (auto bytes = s(sha)) return bytes;
    }
    return std::nullopt;
  };
}

int run_compare(const CompareOptions& opts) {
  Json doc;
  std::string text;
  if (opts.paths.size() == 1) {
    std::filesystem::path dir = opts.paths[0];
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      throw UsageError(dir.string() + ": not a run directory (give RUN_DIR or TRACE TRACE)");
    }
    auto result = analysis::compare_run(dir);
    if (!result) throw UsageError(result.error().message);
    doc = std::move(*result);
    if (!opts.json) {
      auto summary = analysis::summary_text(dir, doc);
      if (!summary) throw UsageError(summary.error().message);
      text = *summary;
    }
  } else {
    std::vector<std::filesystem::path> files{opts.paths[0], opts.paths[1]};
    Json a = read_trace_file(files[0]);
    Json b = read_trace_file(files[1]);
    for (size_t i = 0; i < 2; ++i) {
      auto ok = analysis::validate_trace(i == 0 ? a : b, files[i].string());
      if (!ok) throw UsageError(ok.error().message);
    }
    auto result = analysis::compare_traces(a, b, blobs_near(files));
    if (!result) throw UsageError(result.error().message);
    doc = std::move(*result);
    if (!opts.json) text = analysis::compare_text(doc);
  }
  if (opts.json) {
    fmt::print("{}\n", doc.dump(2));
  } else {
    fmt::print("{}", text);
  }
  return analysis::any_divergence(doc) ? 1 : 0;
}

}  // namespace

CommandRunner add_compare_command(CLI::App& root) {
  auto opts = std::make_shared<CompareOptions>();
  CLI::App* cmd = root.add_subcommand(
      "compare",
      "First divergence (step and layer: prompt, completion, parse, arguments, tool_result,\n"
      "halt) of every pair of arms on the same task and repeat, the token-count cross-check,\n"
      "the A-vs-A floors and the verdict. Exit 0: all agree; 1: a pair diverges; 2: bad input.");
  cmd->add_option("paths", opts->paths, "RUN_DIR, or two unit trace files (TRACE TRACE)")
      ->required()
      ->expected(1, 2);
  cmd->add_flag("--json", opts->json,
                "print the compare document (verdict, comparisons, token cross-check, controls, "
                "statistics) as JSON");
  return [opts] { return run_compare(*opts); };
}

}  // namespace bakeoff::cli
