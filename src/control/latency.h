// The control server's latency model: what durations it reports, and whether it really waits.
// Spec: none | fixed:MS | rate:PREFILL_TPS,DECODE_TPS[,load=MS], optionally followed by
// ",report-only" (report the durations without sleeping).
#pragma once
#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace bakeoff::control {

struct LatencyModel {
  enum class Kind { kNone, kFixed, kRate };
  Kind kind = Kind::kNone;
  double fixed_ms = 0;
  double prefill_tps = 0;
  double decode_tps = 0;
  double load_ms = 0;
  bool report_only = false;
};

struct ModelDurations {
  int64_t load_ns = 0;
  int64_t prompt_eval_ns = 0;
  int64_t eval_ns = 0;
  int64_t total_ns() const { return load_ns + prompt_eval_ns + eval_ns; }
};

Result<LatencyModel> parse_latency(std::string_view spec);

// Durations of one request. `first_use`: the model's first request (load time applies).
// `measured_ns`: the real compute time, reported when the model is `none`.
ModelDurations model_durations(const LatencyModel& model, int64_t prompt_tokens,
                               int64_t eval_tokens, bool first_use, int64_t measured_ns);

}  // namespace bakeoff::control
