// The "statistics" section of the compare document: per arm × task distributions, exact tests
// between arms paired by task, settings and repeat (the seed), equivalence of acceptance rates,
// and the latency split (load, prefill, decode) with bootstrap CIs.
#pragma once
#include <vector>

#include "analysis/run_data.h"
#include "common/json.h"

namespace bakeoff::analysis {

// Acceptance rates within this margin are called "the same within ε" (TOST, alpha 0.05).
inline constexpr double kAcceptanceEpsilon = 0.10;

// {"cells":[{arm,task,n,steps,tool_calls,wall_s,halt_reasons,accepted,units}],
//  "tests":[{task,arms,paired_n,steps_p,tool_calls_p,accepted_fisher_p,acceptance_equivalence}],
//  "latency":[{arm,component,n,median_ms,ci95_ms:[lo,hi],steps:[[unit_id,step],…]}]}
Json run_statistics(const std::vector<UnitRecord>& units);

}  // namespace bakeoff::analysis
