// The flags `bakeoff run` and `bakeoff sweep` share (model, host, think, sampling, streaming),
// declared once so both commands read and validate them the same way.
#pragma once
#include <string>
#include <vector>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "arms/arm.h"
#include "cli/commands.h"

namespace bakeoff::cli {

inline const std::vector<std::string>& think_values() {
  static const std::vector<std::string> v = {"unset", "false", "true", "low", "medium", "high"};
  return v;
}
inline const std::vector<std::string>& profile_values() {
  static const std::vector<std::string> v = {"greedy", "production"};
  return v;
}

struct SettingsFlags {
  arms::RunSettings settings;
  double temperature = 0, top_p = 0;
  int top_k = 0;
  int64_t seed = 0;
  bool stream = true;
  bool no_capture_prompt = false;
  int step_budget = 20;
  CLI::Option* temperature_opt = nullptr;
  CLI::Option* top_p_opt = nullptr;
  CLI::Option* top_k_opt = nullptr;
  CLI::Option* seed_opt = nullptr;
};

inline void add_settings_flags(CLI::App* cmd, SettingsFlags& f) {
  auto& s = f.settings;
  cmd->add_option("--model", s.model, "Model name as the server knows it")->capture_default_str();
  cmd->add_option("--think", s.think,
                  "Thinking: unset (not sent) | false | true | low | medium | high; anything "
                  "but unset is always sent explicitly")
      ->capture_default_str()
      ->check(CLI::IsMember(think_values()));
  cmd->add_option("--num-ctx", s.num_ctx, "Context window (options.num_ctx)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--num-predict", s.num_predict, "Token limit per turn (options.num_predict)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 24));
  f.temperature_opt = cmd->add_option("--temperature", f.temperature,
                                      "Sampling temperature (overrides the profile)")
                          ->check(CLI::Range(0.0, 100.0));
  f.top_k_opt = cmd->add_option("--top-k", f.top_k, "Top-k (overrides the profile)")
                    ->check(CLI::Range(0, 1 << 20));
  f.top_p_opt = cmd->add_option("--top-p", f.top_p, "Top-p (overrides the profile)")
                    ->check(CLI::Range(0.0, 1.0));
  f.seed_opt = cmd->add_option("--seed", f.seed, "Sampler seed (overrides the profile)");
  cmd->add_option("--profile", s.profile,
                  "greedy (T 0, top_k 1, fixed seed) | production (T 0.7, top_p 0.95, top_k 64, "
                  "as the seed's bot ran; needs repeats)")
      ->capture_default_str()
      ->check(CLI::IsMember(profile_values()));
  cmd->add_flag("--stream,!--no-stream", f.stream, "Stream responses (default) or not");
  cmd->add_option("--step-budget", f.step_budget, "Most model turns per unit")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--no-capture-prompt", f.no_capture_prompt,
                "ollama-json: do not replay each request with _debug_render_only to capture the "
                "prompt Ollama rendered");
  cmd->add_option("--template", s.template_file,
                  "Raw arms: chat template file to render instead of the resolved one")
      ->check(CLI::ExistingFile);
  cmd->add_option("--hf-snapshot", s.hf_snapshot,
                  "Raw arms: a local HF snapshot directory to take the chat template from "
                  "(chat_template.jinja or tokenizer_config.json) when the server names no GGUF")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--restore-markers", s.restore_markers,
                "ollama-native: work around servers that strip control-token text from raw "
                "output (templated generate with logprobs; gemma4-format §3.3)");
  cmd->add_option("--reference-model", s.reference_model,
                  "reference-hf: HF snapshot (weights, tokenizer, chat template) for the "
                  "transformers bridge")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--bridge-python", s.bridge_python,
                  "reference-hf: the Python that has torch and transformers")
      ->capture_default_str();
  cmd->add_option("--bridge-script", s.bridge_script,
                  "reference-hf: bridge script (default: $BAKEOFF_BRIDGE_DIR/hf_reference.py or "
                  "the source tree's bridges/hf_reference.py)");
}

// The settings the flags select (the profile's sampler values unless overridden).
inline arms::RunSettings resolve_settings(const SettingsFlags& f) {
  arms::RunSettings s = f.settings;
  if (s.profile == "production") {
    s.temperature = 0.7;
    s.top_p = 0.95;
    s.top_k = 64;
  }
  if (f.temperature_opt->count() > 0) s.temperature = f.temperature;
  if (f.top_k_opt->count() > 0) s.top_k = f.top_k;
  if (f.top_p_opt->count() > 0) s.top_p = f.top_p;
  if (f.seed_opt->count() > 0) s.seed = f.seed;
  s.stream = f.stream;
  s.capture_prompt = !f.no_capture_prompt;
  return s;
}

// The canonical settings of a unit (what its settings id hashes): RunSettings::to_json without
// where it ran, so shards run on different hosts name the same units the same way.
inline Json canonical_settings(const arms::RunSettings& s) {
  Json j = s.to_json();
  for (const char* where : {"host", "timeout_s", "hf_snapshot"}) {
    if (j.is_object() && j.contains(where)) j.erase(where);
  }
  return j;
}

// --arm / --arms values must be known arms.
inline void require_known_arm(const std::string& arm) {
  auto names = arms::arm_names();
  if (std::find(names.begin(), names.end(), arm) == names.end()) {
    throw UsageError(fmt::format("unknown arm \"{}\" (valid: {})", arm, fmt::join(names, ", ")));
  }
}

}  // namespace bakeoff::cli
