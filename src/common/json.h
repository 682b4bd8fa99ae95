// The one JSON type of the project. Ordered: Python dicts (and so chat templates, json.dumps and
// Ollama's wire format) keep insertion order, and so must we.
#pragma once
#include <nlohmann/json.hpp>

namespace bakeoff {
using Json = nlohmann::ordered_json;
}  // namespace bakeoff
