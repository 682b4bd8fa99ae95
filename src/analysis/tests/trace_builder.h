// Hand-built unit traces and run directories for the analysis tests (the schema of
// docs/ARCHITECTURE.md, only the fields compare reads plus the seed's final fields).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "common/json.h"

namespace bakeoff::analysis::testing {

// A step with one prompt (by its bytes), a raw completion (or null) and the given calls.
Json make_step(int step, const std::string& prompt, const Json& completion, Json calls,
               long prompt_eval_count = 100, long eval_count = 10);

// A tool call {name, args_raw, args_norm, result_sha256 = sha256(result)}.
Json make_call(const std::string& name, Json args_raw, Json args_norm, const std::string& result);

// A trace of `steps` for arm/task/repeat, halting with `halt_reason`.
Json make_trace(const std::string& arm, const std::string& task, int repeat, Json steps,
                const std::string& halt_reason = "no_tool_calls", bool accepted = true);

// The standard two-step "memory" trace: step 1 calls memory_recall, step 2 answers.
Json memory_trace(const std::string& arm, int repeat = 1);

// A fresh, empty temporary directory (removed by the caller's TempDir).
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Writes a run directory: manifest.json, units/<id>.json, and a prompt blob for every step's
// prompt (the prompts are recorded in prompt_bytes(), by sha256).
void write_run(const std::filesystem::path& dir, const std::vector<Json>& traces);

// The prompt bytes of every make_step call so far, by sha256 (what write_run puts in blobs/).
std::string prompt_for(const std::string& sha256);

}  // namespace bakeoff::analysis::testing
