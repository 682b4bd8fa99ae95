// The pieces of the differential suite against Python jinja2: which templates and fixtures take
// part, the Python oracle's answers, the comparison of one pair and the checked-in list of known
// differences.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/chat_template.h"
#include "common/json.h"

namespace bakeoff::jinja_diff {

struct TemplateFile {
  std::string name;  // relative to the templates folder, e.g. "corpus/Qwen3.5-4B__llama.cpp.jinja"
  std::filesystem::path path;
};

// Every *.jinja / *.jinja2 under <templates_dir>/gemma4 and <templates_dir>/corpus, sorted.
std::vector<TemplateFile> list_templates(const std::filesystem::path& templates_dir);

struct Fixture {
  std::string name;  // file stem
  Json request;      // the fixture file: messages, tools?, bos_token, eos_token, extra?
};

// Every *.json in `dir`, sorted by name. Throws std::runtime_error naming a malformed file.
std::vector<Fixture> load_fixtures(const std::filesystem::path& dir);

// The fixture as the chat layer's request (add_generation_prompt set by the caller).
chat::ChatRequest to_request(const Fixture& fixture, bool add_generation_prompt);

// One side's result for a pair: the output, or an error (type + message).
struct Outcome {
  bool ok = false;
  std::string output;
  std::string error;          // "TypeError: ..." for Python, the engine's message for ours
  std::string error_kind;     // Python's exception type, or our TemplateError::kind
  std::string error_message;  // the exception's / TemplateError's message alone
};

// Index of a pair in the flat order the oracle emits: template-major, then fixture, then
// add_generation_prompt off before on.
inline size_t pair_index(size_t t, size_t f, bool gen, size_t fixture_count) {
  return (t * fixture_count + f) * 2 + (gen ? 1 : 0);
}

// Runs the Python oracle (one process for all pairs). Throws std::runtime_error when Python
// cannot be run or answers something unexpected.
std::vector<Outcome> run_oracle(const std::string& python, const std::filesystem::path& script,
                                const std::vector<TemplateFile>& templates,
                                const std::vector<Fixture>& fixtures, int64_t now_epoch_s);

// First byte offset where a and b differ, or nullopt when they are equal.
std::optional<size_t> first_difference(std::string_view a, std::string_view b);

// Up to `radius` bytes either side of `offset`, with control and non-ASCII bytes escaped so a
// failure report stays on one line.
std::string context_around(std::string_view text, size_t offset, size_t radius = 40);

struct KnownDifference {
  std::string template_name;
  std::string fixture;      // fixture name
  std::optional<bool> gen;  // nullopt: both add_generation_prompt values
  std::string reason;
  int line = 0;
};

// Parses known_differences.txt: "# comment" and blank lines are skipped; every other line is
// "<template> <fixture>[:gen|:nogen] <reason…>". Throws std::runtime_error naming the line of a
// malformed entry (a missing reason is malformed: every entry says why).
std::vector<KnownDifference> parse_known_differences(std::string_view text);

}  // namespace bakeoff::jinja_diff
