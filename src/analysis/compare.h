// Compare: for every pair of units of the same task, settings and repeat, the first divergence
// (step and layer, with evidence), the token-count cross-check, and the research verdict.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::analysis {

// The compare document of `bakeoff compare --json` (also RUN_DIR/compare.json):
// {"verdict": "faithful"|"translator_diverges"|"runtime_diverges"|"both_diverge"|"inconclusive",
//  "verdict_evidence": […],
//  "comparisons": [{"task","repeat","settings_id","arms":[X,Y],"units":[idX,idY],
//                   "first_divergence": null | {"step","layer","detail", …evidence}}],
//  "token_crosscheck": […], "controls": […], "statistics": {…}}
// Layers: prompt | completion | parse | arguments | tool_result | halt (docs/ARCHITECTURE.md).
Result<Json> compare_run(const std::filesystem::path& run_dir);

// Two unit traces (bakeoff compare TRACE TRACE): the same document with one comparison.
Result<Json> compare_traces(const Json& trace_a, const Json& trace_b);

// True when any comparison in the document has a first divergence (exit status 1).
bool any_divergence(const Json& compare_doc);

// The seed-style table (arm, task, steps, tools, halt, wall) over the run's units, then the
// divergences and the verdict, as printed at the end of `bakeoff sweep`.
Result<std::string> summary_text(const std::filesystem::path& run_dir, const Json& compare_doc);

}  // namespace bakeoff::analysis
