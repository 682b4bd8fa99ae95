// The research-question verdict: A = ollama-json (JSON tools path), B = ollama-native (raw
// generate with the canonical template), C = control or reference-* (the reference path).
#pragma once
#include <string>
#include <vector>

#include "analysis/run_data.h"
#include "common/json.h"

namespace bakeoff::analysis {

// "A", "B", "C" or "" (an arm outside the research question, e.g. openai-*).
std::string arm_role(const std::string& arm);

// Significance level of the floor test: a cross-arm divergence rate is called a divergence of
// the path only when Fisher's exact test (one-sided, greater) puts it above the pooled A-vs-A
// divergence rate of its two arms with p < this.
inline constexpr double kFloorAlpha = 0.05;

// From the units and the comparison entries (compare_units), returns
// {"verdict", "verdict_evidence":[…], "controls":[per arm floor], "paths":{"A-B","B-C","A-C"}}.
// verdict: faithful | translator_diverges | runtime_diverges | both_diverge | inconclusive.
Json decide_verdict(const std::vector<UnitRecord>& units, const Json& comparisons);

}  // namespace bakeoff::analysis
