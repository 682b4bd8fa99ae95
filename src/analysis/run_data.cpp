#include "analysis/run_data.h"

#include <algorithm>
#include <tuple>

#include <fmt/core.h>

#include "common/files.h"

namespace bakeoff::analysis {
namespace {

Error bad(const std::string& where, const std::string& what) {
  return Error{"malformed", fmt::format("{}: {}", where, what)};
}

std::string string_or(const Json& obj, const char* key, std::string fallback = "") {
  if (obj.is_object() && obj.contains(key) && obj[key].is_string()) {
    return obj[key].get<std::string>();
  }
  return fallback;
}

bool is_hex_sha(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

BlobSource blob_dir_source(std::filesystem::path blobs_dir) {
  return [dir = std::move(blobs_dir)](const std::string& sha) -> std::optional<std::string> {
    if (!is_hex_sha(sha)) return std::nullopt;  // never build paths from untrusted text
    try {
      return read_file_if_exists(dir / sha.substr(0, 2) / sha);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
}

Result<bool> validate_trace(const Json& trace, const std::string& where) {
  if (!trace.is_object()) return bad(where, "a unit trace must be a JSON object");
  for (const char* key : {"arm", "task"}) {
    if (!trace.contains(key) || !trace[key].is_string()) {
      return bad(where, fmt::format("missing string field \"{}\"", key));
    }
  }
  if (!trace.contains("turns") || !trace["turns"].is_array()) {
    return bad(where, "missing array field \"turns\"");
  }
  if (!trace.contains("final") || !trace["final"].is_object()) {
    return bad(where, "missing object field \"final\"");
  }
  int index = 0;
  for (const Json& step : trace["turns"]) {
    ++index;
    std::string at = fmt::format("turns[{}]", index - 1);
    if (!step.is_object()) return bad(where, at + " is not an object");
    if (!step.contains("step") || !step["step"].is_number_integer()) {
      return bad(where, at + ": missing integer \"step\"");
    }
    if (step["step"].get<long>() != index) {
      return bad(where,
                 fmt::format("{}: \"step\" is {}, expected {}", at, step["step"].dump(), index));
    }
    if (step.contains("tool_calls") && !step["tool_calls"].is_null()) {
      if (!step["tool_calls"].is_array())
        return bad(where, at + ": \"tool_calls\" is not an array");
      for (const Json& call : step["tool_calls"]) {
        if (!call.is_object() || !call.contains("name") || !call["name"].is_string()) {
          return bad(where, at + ": a tool call without a string \"name\"");
        }
      }
    }
    for (const char* key : {"rendered_prompt_sha256", "completion_raw", "content", "thinking"}) {
      if (step.contains(key) && !step[key].is_null() && !step[key].is_string()) {
        return bad(where, fmt::format("{}: \"{}\" must be a string or null", at, key));
      }
    }
    for (const char* key : {"prompt_eval_count", "eval_count"}) {
      if (step.contains(key) && !step[key].is_null() && !step[key].is_number()) {
        return bad(where, fmt::format("{}: \"{}\" must be a number or null", at, key));
      }
    }
  }
  return true;
}

UnitRecord unit_from_trace(const Json& trace) {
  UnitRecord u;
  u.arm = string_or(trace, "arm");
  u.task = string_or(trace, "task");
  u.settings_id = string_or(trace, "settings_id");
  u.repeat = trace.contains("repeat") && trace["repeat"].is_number_integer()
                 ? trace["repeat"].get<int>()
                 : 1;
  u.unit_id = string_or(trace, "unit_id",
                        fmt::format("{}.{}.{}.r{}", u.arm, u.task, u.settings_id, u.repeat));
  u.status = "done";
  u.halt_reason = string_or(trace["final"], "halt_reason");
  u.duplicate_of = string_or(trace, "duplicate_of");
  u.control = string_or(trace, "control");
  u.trace = trace;
  return u;
}

Result<RunData> load_run(const std::filesystem::path& run_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(run_dir, ec)) {
    return Error{"not_found",
                 fmt::format("{}: not a run directory (does not exist)", run_dir.string())};
  }
  RunData run;
  run.dir = run_dir;
  run.blobs = blob_dir_source(run_dir / "blobs");
  std::filesystem::path manifest_path = run_dir / "manifest.json";
  try {
    auto text = read_file_if_exists(manifest_path);
    if (!text)
      return Error{"not_found", manifest_path.string() + ": missing (not a run directory)"};
    run.manifest = Json::parse(*text);
  } catch (const Json::parse_error& e) {
    return bad(manifest_path.string(), fmt::format("not valid JSON ({})", e.what()));
  } catch (const std::exception& e) {
    return Error{"io", e.what()};
  }
  if (!run.manifest.is_object() || !run.manifest.contains("units") ||
      !run.manifest["units"].is_object()) {
    return bad(manifest_path.string(), "missing object field \"units\"");
  }
  for (const auto& [unit_id, entry] : run.manifest["units"].items()) {
    std::string where = fmt::format("{} (unit {})", manifest_path.string(), unit_id);
    if (!entry.is_object()) return bad(where, "unit entry is not an object");
    UnitRecord u;
    u.unit_id = unit_id;
    u.arm = string_or(entry, "arm");
    u.task = string_or(entry, "task");
    u.settings_id = string_or(entry, "settings_id");
    u.status = string_or(entry, "status", "done");
    u.halt_reason = string_or(entry, "halt_reason");
    u.control = string_or(entry, "control");
    u.duplicate_of = string_or(entry, "duplicate_of");
    if (entry.contains("repeat") && entry["repeat"].is_number_integer()) {
      u.repeat = entry["repeat"].get<int>();
    }
    if (u.arm.empty() || u.task.empty()) return bad(where, "missing \"arm\" or \"task\"");
    std::string rel = string_or(entry, "trace", "units/" + unit_id + ".json");
    std::filesystem::path trace_path = run_dir / rel;
    std::optional<std::string> text;
    try {
      text = read_file_if_exists(trace_path);
    } catch (const std::exception& e) {
      return Error{"io", e.what()};
    }
    if (!text) {
      if (u.status == "done") return bad(trace_path.string(), "trace missing for a done unit");
      run.units.push_back(std::move(u));
      continue;
    }
    Json trace;
    try {
      trace = Json::parse(*text);
    } catch (const Json::parse_error& e) {
      return bad(trace_path.string(), fmt::format("not valid JSON ({})", e.what()));
    }
    if (auto ok = validate_trace(trace, trace_path.string()); !ok) return ok.error();
    if (trace["final"].contains("halt_reason") && trace["final"]["halt_reason"].is_string()) {
      u.halt_reason = trace["final"]["halt_reason"].get<std::string>();
    }
    // The sweep records A-vs-A duplicates in the trace; the manifest may or may not repeat it.
    if (u.duplicate_of.empty()) u.duplicate_of = string_or(trace, "duplicate_of");
    if (u.control.empty()) u.control = string_or(trace, "control");
    u.trace = std::move(trace);
    run.units.push_back(std::move(u));
  }
  std::sort(run.units.begin(), run.units.end(), [](const UnitRecord& a, const UnitRecord& b) {
    return std::tie(a.task, a.settings_id, a.repeat, a.arm, a.unit_id) <
           std::tie(b.task, b.settings_id, b.repeat, b.arm, b.unit_id);
  });
  return run;
}

}  // namespace bakeoff::analysis
