// RunSettings serialisation and the arm registry.
#include <fmt/format.h>

#include "arms/arm.h"
#include "arms/arms_internal.h"

namespace bakeoff::arms {

Json RunSettings::options_json() const {
  Json o = Json::object();
  o["num_ctx"] = num_ctx;
  o["num_predict"] = num_predict;
  // Profile defaults first; explicit flags override them.
  std::optional<double> t;
  std::optional<int> k;
  std::optional<double> p;
  std::optional<int64_t> s = seed;
  if (profile == "production") {
    t = 0.7;
    p = 0.95;
    k = 64;
  } else {  // greedy: temperature 0, top_k 1 and a fixed seed, so repeats are comparable
    t = 0.0;
    k = 1;
    if (!s) s = 42;
  }
  if (temperature) t = temperature;
  if (top_k) k = top_k;
  if (top_p) p = top_p;
  if (t) o["temperature"] = *t;
  if (k) o["top_k"] = *k;
  if (p) o["top_p"] = *p;
  if (s) o["seed"] = *s;
  return o;
}

Json RunSettings::to_json() const {
  Json faults = Json::array();
  if (!client_fault.empty()) faults.push_back(client_fault);
  for (const auto& f : server_faults) faults.push_back(f);
  return Json{
      {"model", model},     {"think", think},   {"options", options_json()},
      {"profile", profile}, {"stream", stream}, {"fault", faults.empty() ? Json(nullptr) : faults}};
}

std::vector<std::string> arm_names() {
  return {"ollama-json", "ollama-native", "control", "reference-hf"};
}

Result<std::unique_ptr<Arm>> make_arm(std::string_view name, const RunSettings& settings) {
  static const char* const kThink[] = {"unset", "false", "true", "low", "medium", "high"};
  bool think_ok = false;
  for (const char* t : kThink) think_ok = think_ok || settings.think == t;
  if (!think_ok) {
    return Error{
        "bad_settings",
        fmt::format("think '{}' is not one of unset|false|true|low|medium|high", settings.think)};
  }
  if (name == "ollama-json") return make_ollama_json_arm(settings);
  if (name == "ollama-native") return make_native_arm(settings, /*in_process=*/false);
  if (name == "control") return make_native_arm(settings, /*in_process=*/true);
  if (name == "reference-hf") return make_reference_hf_arm(settings);
  std::string known;
  for (const auto& n : arm_names()) known += (known.empty() ? "" : ", ") + n;
  return Error{"unknown_arm", fmt::format("unknown arm '{}' (known: {})", name, known)};
}

}  // namespace bakeoff::arms
