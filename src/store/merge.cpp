// Merging shards: by unit id, refusing conflicts and mismatched fingerprints.
#include <map>
#include <set>

#include <fmt/core.h>

#include "common/files.h"
#include "store/run_store.h"

namespace bakeoff::store {

namespace fs = std::filesystem;

namespace {

// The fingerprint fields that must agree, per arm, across everything merged.
constexpr const char* kFingerprintFields[] = {"model_digest", "template_sha256", "server_version",
                                              "think"};

struct Seen {
  Json trace;
  fs::path from;
};

std::string field_text(const Json& fp, const char* field) {
  if (!fp.is_object() || !fp.contains(field)) return "(absent)";
  const Json& v = fp[field];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

Result<std::vector<Seen>> read_units(const fs::path& dir) {
  std::vector<Seen> out;
  const fs::path units = dir / "units";
  std::error_code ec;
  if (!fs::is_directory(units, ec)) {
    return Error{"not_a_run", fmt::format("{}: not a run directory (no units/)", dir.string())};
  }
  std::vector<fs::path> files;
  for (const auto& file : fs::directory_iterator(units)) {
    if (file.path().extension() == ".json") files.push_back(file.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto trace = read_trace(file);
    if (!trace) return trace.error();
    out.push_back({std::move(trace).value(), dir});
  }
  return out;
}

}  // namespace

Result<MergeReport> merge_runs(const std::vector<fs::path>& inputs, const fs::path& out,
                               const MergeOptions& options) {
  if (inputs.empty()) return Error{"usage", "merge needs at least one run directory"};
  MergeReport report;
  std::map<std::string, Seen> units;                        // unit id -> first trace seen
  std::map<std::string, std::pair<Json, fs::path>> arm_fp;  // arm -> first fingerprint seen

  std::vector<fs::path> sources;
  std::error_code ec;
  if (fs::is_directory(out / "units", ec)) sources.push_back(out);
  for (const auto& in : inputs) sources.push_back(in);

  for (const auto& dir : sources) {
    auto read = read_units(dir);
    if (!read) return read.error();
    for (auto& seen : *read) {
      const std::string id = seen.trace["unit_id"].get<std::string>();
      auto [it, inserted] = units.try_emplace(id, seen);
      if (!inserted) {
        if (it->second.trace != seen.trace) {
          return Error{"conflict",
                       fmt::format("unit {} differs between {} and {}; refusing to merge "
                                   "conflicting duplicates",
                                   id, it->second.from.string(), dir.string())};
        }
        ++report.duplicates;
        continue;
      }
      const std::string arm = seen.trace.value("arm", "");
      const Json fp = seen.trace.contains("fingerprint") ? seen.trace["fingerprint"] : Json();
      auto [fit, first] = arm_fp.try_emplace(arm, fp, dir);
      if (first) continue;
      for (const char* field : kFingerprintFields) {
        std::string a = field_text(fit->second.first, field);
        std::string b = field_text(fp, field);
        if (a == b) continue;
        std::string msg =
            fmt::format("arm {}: fingerprint {} differs: \"{}\" in {} vs \"{}\" in {}", arm, field,
                        a, fit->second.second.string(), b, dir.string());
        if (!options.allow_mismatch) {
          return Error{"fingerprint_mismatch", msg + " (pass --allow-mismatch to merge anyway)"};
        }
        if (std::find(report.warnings.begin(), report.warnings.end(), msg) ==
            report.warnings.end()) {
          report.warnings.push_back(msg);
        }
      }
    }
  }

  auto store = RunStore::open(out);
  if (!store) return store.error();
  for (const auto& dir : inputs) {
    const fs::path blobs = dir / "blobs";
    if (!fs::is_directory(blobs, ec)) continue;
    for (const auto& file : fs::recursive_directory_iterator(blobs)) {
      if (!file.is_regular_file()) continue;
      const fs::path rel = fs::relative(file.path(), blobs);
      // Skip temporaries of a killed writer: a blob's name is its 64-hex sha256.
      if (rel.filename().string().size() != 64) continue;
      const fs::path target = (*store)->dir() / "blobs" / rel;
      if (fs::exists(target, ec)) continue;
      write_file_atomic(target, read_file(file.path()));
      ++report.blobs_copied;
    }
  }
  for (const auto& [id, seen] : units) (*store)->write_unit(seen.trace);
  Json merge_info = Json::object();
  Json from = Json::array();
  for (const auto& in : inputs) from.push_back(in.string());
  merge_info["inputs"] = from;
  merge_info["warnings"] = report.warnings;
  (*store)->set_run_info({{"merge", merge_info}});
  report.units = units.size();
  return report;
}

}  // namespace bakeoff::store
