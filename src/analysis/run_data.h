// A run directory as analysis reads it (docs/ARCHITECTURE.md "The run directory"): the manifest's
// units with their traces, and the content-addressed blobs.
#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::analysis {

// Looks up blob bytes by sha256; nullopt when the bytes are not available.
using BlobSource = std::function<std::optional<std::string>(const std::string& sha256)>;

// Blobs under `blobs_dir/<aa>/<sha256>` (the run directory's layout).
BlobSource blob_dir_source(std::filesystem::path blobs_dir);

// One unit of the manifest. `trace` is null when the unit has no readable trace (errored).
struct UnitRecord {
  std::string unit_id;
  std::string arm;
  std::string task;
  std::string settings_id;
  int repeat = 1;
  std::string status;       // "done" | "error" | …
  std::string halt_reason;  // from the trace's final, else the manifest
  // Optional, from the manifest entry or else the trace (the sweep writes them there):
  std::string control;       // label of an A-vs-A duplicate ("concurrent", …)
  std::string duplicate_of;  // this unit re-runs that unit (a control, never cross-arm)
  Json trace;
};

struct RunData {
  std::filesystem::path dir;
  Json manifest;
  std::vector<UnitRecord> units;  // sorted by task, settings, repeat, arm
  BlobSource blobs;
};

// Checks the parts of a unit trace that compare relies on; the error names `where` (a file).
Result<bool> validate_trace(const Json& trace, const std::string& where);

// Reads RUN_DIR/manifest.json and every unit trace it names. Errors: missing directory or
// manifest, malformed JSON, a trace that is missing for a "done" unit or fails validate_trace.
Result<RunData> load_run(const std::filesystem::path& run_dir);

// A unit built from a bare trace (bakeoff compare TRACE TRACE).
UnitRecord unit_from_trace(const Json& trace);

}  // namespace bakeoff::analysis
