// What the concrete arms share inside the library (registry.cpp dispatches to them).
#pragma once
#include <memory>
#include <string>

#include "arms/arm.h"
#include "backends/ollama_client.h"

namespace bakeoff::arms {

std::unique_ptr<Arm> make_ollama_json_arm(const RunSettings& settings);
// ollama-native (in_process false: /api/generate raw) or control (in_process true).
std::unique_ptr<Arm> make_native_arm(const RunSettings& settings, bool in_process);

// reference-hf: HF transformers behind the JSON-lines bridge (bridges/hf_reference.py).
std::unique_ptr<Arm> make_reference_hf_arm(const RunSettings& settings);

// Appends one exchange's bytes to a step's newline-separated record.
void append_body(std::string& to, const std::string& body);

// server_version (/api/version), model_digest (/api/tags), capabilities and details
// (/api/show), host; the /api/show reply goes to `show_out`. An unreachable server is
// "env_missing"; a server error is "error:<kind>".
Result<Json> ollama_fingerprint(const backends::OllamaClient& client, const std::string& model,
                                Json& show_out);

}  // namespace bakeoff::arms
