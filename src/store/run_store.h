// The run directory (docs/ARCHITECTURE.md "The run directory"): content-addressed blobs, one
// trace per unit, the manifest and the steps index, all written atomically under an exclusive
// lock, plus the merge of several run directories (shards) into one.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::store {

// Halt reasons that mark a unit as failed by its environment rather than finished by the
// model: `error:*` and `env_missing`. `--retry-errors` reruns exactly these.
bool is_error_halt(std::string_view halt_reason);

// "done" or "error" (is_error_halt) for a trace's final.halt_reason.
std::string unit_status(const Json& trace);

// The manifest entry of one unit trace: arm, task, repeat, settings_id, status, halt_reason,
// fingerprint, trace path.
Json manifest_entry(const Json& trace);

// An open, locked run directory. Every method is safe to call from several threads.
class RunStore {
 public:
  // Creates `dir` if needed, takes flock(2) on dir/.lock (a second writer gets an error naming
  // the directory), and loads the unit traces already in dir/units (the source of truth; the
  // manifest is rebuilt from them so a kill between two writes heals on the next open).
  static Result<std::unique_ptr<RunStore>> open(const std::filesystem::path& dir);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  // Stores bytes at blobs/<aa>/<sha256> (idempotent) and returns the sha256.
  std::string put_blob(std::string_view bytes);
  // The bytes of a blob, or nullopt.
  std::optional<std::string> get_blob(std::string_view sha256) const;

  // Writes units/<unit_id>.json, then rewrites manifest.json and steps.jsonl.
  void write_unit(const Json& trace);

  // Run-level facts merged into the manifest's top level (e.g. "harness", "command", "merge").
  void set_run_info(const Json& info);

  // Manifest entries by unit id (manifest_entry of each trace).
  std::map<std::string, Json> unit_entries() const;
  // A unit's full trace, or nullopt when it has not been written.
  std::optional<Json> load_unit(const std::string& unit_id) const;

  // Warnings from open() (unit files that did not parse, and were ignored).
  const std::vector<std::string>& load_warnings() const { return load_warnings_; }

 private:
  struct IndexFiles {
    std::string manifest;
    std::string steps;
  };
  RunStore(std::filesystem::path dir, int lock_fd);
  // manifest.json and steps.jsonl as the recorded state says (under mutex_).
  IndexFiles render_indexes_locked() const;
  // Flushes units/ (the renames of unit files written so far), then writes both indexes durably.
  void write_indexes(const IndexFiles& files) const;
  // Returns once manifest.json and steps.jsonl hold, durably, every change recorded before the
  // call, and the unit files they list are durable too. One caller writes them (outside the
  // lock) for all who arrive meanwhile: units that finish together share the flushes instead of
  // queueing their own (group commit).
  void commit_indexes(std::unique_lock<std::mutex>& lock);

  std::filesystem::path dir_;
  int lock_fd_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable committed_cv_;
  uint64_t changes_ = 0;     // changes to the indexes recorded so far (guarded by mutex_)
  uint64_t committed_ = 0;   // changes_ as of the last durable rewrite (guarded by mutex_)
  bool committing_ = false;  // a rewrite is being written (guarded by mutex_)
  Json run_info_ = Json::object();
  std::string created_at_;
  std::map<std::string, Json> entries_;            // unit id -> manifest entry
  std::map<std::string, std::string> step_lines_;  // unit id -> its steps.jsonl lines
  std::vector<std::string> load_warnings_;
};

// Reads and parses a unit trace file; errors name the file.
Result<Json> read_trace(const std::filesystem::path& path);

struct MergeOptions {
  bool allow_mismatch = false;  // fingerprints may differ (recorded as warnings)
};

struct MergeReport {
  size_t units = 0;       // units in the output
  size_t duplicates = 0;  // identical units seen more than once
  size_t blobs_copied = 0;
  std::vector<std::string> warnings;
};

// Joins run directories by unit id into `out` (which may already hold units). Identical
// duplicate units are fine; a unit id with two different traces is refused; per arm, the
// fingerprint fields model_digest, template_sha256, server_version and think must agree across
// inputs unless allow_mismatch. Blobs are copied. Nothing is written when the merge is refused.
Result<MergeReport> merge_runs(const std::vector<std::filesystem::path>& inputs,
                               const std::filesystem::path& out, const MergeOptions& options);

// The current UTC time as ISO-8601 ("2026-11-28T01:02:03Z").
std::string utc_now_iso();

}  // namespace bakeoff::store
