// Compare: for every pair of units of the same task, settings and repeat, the first divergence
// (step and layer, with evidence), the token-count cross-check, and the research verdict.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/run_data.h"
#include "common/json.h"
#include "common/result.h"

namespace bakeoff::analysis {

// The compare document of `bakeoff compare --json` (also RUN_DIR/compare.json):
// {"verdict": "faithful"|"translator_diverges"|"runtime_diverges"|"both_diverge"|"inconclusive",
//  "verdict_evidence": [{"pair":"A-B"|…|null,"status","text"}],
//  "comparisons": [{"task","repeat","settings_id","arms":[X,Y],"units":[idX,idY],
//                   "kind":"cross_arm"|"control", "control"?: manifest label,
//                   "first_divergence": null | {"step","layer","detail", …evidence},
//                   "steps":[{"step","checked_layers":[…],"unchecked":[why…]}],
//                   "token_crosscheck":{"status","mismatch","summary"?,"steps":[…]},
//                   "diverges": bool}],
//  "token_crosscheck": [non-equal per pair], "controls": [per-arm A-vs-A floor],
//  "statistics": {…} (run_statistics.h), "paths": {"A-B","B-C","A-C"} (verdict.h),
//  "format": "bakeoff-compare/1", "run_dir" | "mode":"traces"}
// Layers: prompt | completion | parse | arguments | tool_result | halt (docs/ARCHITECTURE.md).
// Cross-arm pairs: same task, settings_id and repeat, different arms. A-vs-A controls: the same
// arm's consecutive repeats, plus every manifest unit with "duplicate_of": "<unit_id>" (an
// optional manifest field; its optional "control" label, e.g. "concurrent", is carried along).
Result<Json> compare_run(const std::filesystem::path& run_dir);

// Two unit traces (bakeoff compare TRACE TRACE): the same document with one comparison.
Result<Json> compare_traces(const Json& trace_a, const Json& trace_b);

// The same, with prompt bytes for the prompt diff (e.g. blob_dir_source(dir / "blobs")).
Result<Json> compare_traces(const Json& trace_a, const Json& trace_b, const BlobSource& blobs);

// compare_run on an already loaded run (the report reads the run once).
Json compare_loaded(const RunData& run);

// True when any cross-arm comparison diverges: a first divergence, or a token-count mismatch
// the prompt bytes do not explain (exit status 1). A-vs-A controls count only in "traces" mode.
bool any_divergence(const Json& compare_doc);

// The seed-style table of the units: arm, task, n, steps, tools, halt, wall (median and range
// over repeats).
std::string units_table(const std::vector<UnitRecord>& units);

// The divergences (with diff excerpts), token cross-check flags, A-vs-A floors and the verdict
// with its evidence, as people read them (bakeoff compare without --json).
std::string compare_text(const Json& compare_doc);

// The seed-style table (arm, task, steps, tools, halt, wall) over the run's units, then the
// divergences and the verdict, as printed at the end of `bakeoff sweep`.
Result<std::string> summary_text(const std::filesystem::path& run_dir, const Json& compare_doc);

}  // namespace bakeoff::analysis
