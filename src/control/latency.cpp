#include "control/latency.h"

#include <fmt/format.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace bakeoff::control {
namespace {

bool parse_positive(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end != nullptr && *end == '\0' && out >= 0;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t b = 0;
  while (true) {
    size_t e = s.find(sep, b);
    parts.emplace_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  return parts;
}

}  // namespace

Result<LatencyModel> parse_latency(std::string_view spec) {
  LatencyModel m;
  auto bad = [&](const std::string& why) {
    return Error{"bad_latency", fmt::format("--latency '{}': {} (none | fixed:MS | "
                                            "rate:PREFILL_TPS,DECODE_TPS[,load=MS][,report-only])",
                                            spec, why)};
  };
  std::string_view body = spec;
  constexpr std::string_view kReportOnly = ",report-only";
  if (body.size() >= kReportOnly.size() &&
      body.substr(body.size() - kReportOnly.size()) == kReportOnly) {
    m.report_only = true;
    body.remove_suffix(kReportOnly.size());
  }
  if (body == "none") return m;
  if (body.substr(0, 6) == "fixed:") {
    m.kind = LatencyModel::Kind::kFixed;
    if (!parse_positive(std::string(body.substr(6)), m.fixed_ms))
      return bad("MS must be a number >= 0");
    return m;
  }
  if (body.substr(0, 5) == "rate:") {
    m.kind = LatencyModel::Kind::kRate;
    auto parts = split(body.substr(5), ',');
    if (parts.size() < 2 || parts.size() > 3) return bad("expected two rates and an optional load");
    if (!parse_positive(parts[0], m.prefill_tps) || m.prefill_tps <= 0)
      return bad("PREFILL_TPS must be > 0");
    if (!parse_positive(parts[1], m.decode_tps) || m.decode_tps <= 0)
      return bad("DECODE_TPS must be > 0");
    if (parts.size() == 3) {
      if (parts[2].substr(0, 5) != "load=" || !parse_positive(parts[2].substr(5), m.load_ms))
        return bad("the third part must be load=MS");
    }
    return m;
  }
  return bad("unknown model");
}

ModelDurations model_durations(const LatencyModel& model, int64_t prompt_tokens,
                               int64_t eval_tokens, bool first_use, int64_t measured_ns) {
  ModelDurations d;
  switch (model.kind) {
    case LatencyModel::Kind::kNone:
      d.prompt_eval_ns = measured_ns / 2 + 1;
      d.eval_ns = measured_ns - measured_ns / 2 + 1;
      break;
    case LatencyModel::Kind::kFixed: {
      auto total = static_cast<int64_t>(model.fixed_ms * 1e6);
      d.prompt_eval_ns = total / 4;
      d.eval_ns = total - total / 4;
      break;
    }
    case LatencyModel::Kind::kRate:
      d.prompt_eval_ns =
          static_cast<int64_t>(static_cast<double>(prompt_tokens) / model.prefill_tps * 1e9);
      d.eval_ns = static_cast<int64_t>(static_cast<double>(eval_tokens) / model.decode_tps * 1e9);
      if (first_use) d.load_ns = static_cast<int64_t>(model.load_ms * 1e6);
      break;
  }
  return d;
}

}  // namespace bakeoff::control
