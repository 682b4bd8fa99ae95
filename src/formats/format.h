// Native tool-call formats: one codec per model family. A codec parses a completion (whole, or
// streamed chunk by chunk with identical results) into thinking, content and tool calls, and
// serialises calls in the family's native syntax. Adding a family touches nothing else.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"

namespace bakeoff::formats {

struct ToolCall {
  std::string id;  // empty when the native syntax carries none
  std::string name;
  Json arguments = Json::object();  // type-exact as emitted (2016 vs "2016")
  std::string raw;                  // the exact span of the completion this call came from
  size_t offset = 0;                // byte offset of that span in the completion
};

// A problem found while parsing; offset is a byte offset into the completion.
struct ParseIssue {
  size_t offset = 0;
  std::string message;
};

struct ParsedCompletion {
  std::string content;
  std::string thinking;
  std::vector<ToolCall> tool_calls;
  std::vector<ParseIssue> errors;  // non-empty: something looked like a call but did not parse
  bool markers_stripped = false;   // control-token text is missing (e.g. `call:f{…}` bare)
  // Deviations from the canonical syntax that the parser recovered from (a missing `}`,
  // `key=value`, an extra `<tool_call|>` …): the result is usable, but the completion was not
  // canonical.
  std::vector<ParseIssue> repairs;
};

// Incremental parser: feed chunks, then finish(). Same result as Format::parse on the whole text.
class StreamParser {
 public:
  virtual ~StreamParser() = default;
  virtual void feed(std::string_view chunk) = 0;
  virtual ParsedCompletion finish() = 0;
};

class Format {
 public:
  virtual ~Format() = default;
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<StreamParser> stream_parser() const = 0;
  ParsedCompletion parse(std::string_view completion) const;
  // Stop strings a raw path must send so the model halts where the template expects.
  virtual std::vector<std::string> stop_strings() const = 0;
  // A call in native syntax, as the family's canonical template renders it in history.
  virtual std::string serialize_call(const ToolCall& call) const = 0;
};

// The registered format called `name` ("gemma4", …), or nullptr.
const Format* find_format(std::string_view name);
std::vector<std::string_view> format_names();

}  // namespace bakeoff::formats
