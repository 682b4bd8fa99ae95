#include "control/chat_parser.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "control/native_parse.h"
#include "control/native_text.h"

namespace bakeoff::control {
namespace {

constexpr std::string_view kCallOpen = "<|tool_call>";
constexpr std::string_view kCallClose = "<tool_call|>";
constexpr std::string_view kChannelOpen = "<|channel>";
constexpr std::string_view kChannelClose = "<channel|>";
constexpr std::string_view kResponseOpen = "<|tool_response>";

// vLLM's engine parser: every bare scalar comes back as the string of its text.
void scalars_to_strings(Json& v) {
  if (v.is_object() || v.is_array()) {
    for (auto& x : v) scalars_to_strings(x);
  } else if (v.is_number()) {
    v = python_number(v);
  } else if (v.is_boolean()) {
    v = v.get<bool>() ? "true" : "false";
  } else if (v.is_null()) {
    v = "null";
  }
}

// Go's json.Unmarshal into interface{}: every number is a float64, so integers beyond 2^53
// lose their low bits.
void ints_through_double(Json& v) {
  if (v.is_object() || v.is_array()) {
    for (auto& x : v) ints_through_double(x);
  } else if (v.is_number_unsigned()) {
    auto d = static_cast<double>(v.get<uint64_t>());
    v = d >= 18446744073709551616.0 ? Json(d) : Json(static_cast<uint64_t>(d));
  } else if (v.is_number_integer()) {
    auto d = static_cast<double>(v.get<int64_t>());
    v = std::fabs(d) >= 9223372036854775808.0 ? Json(d) : Json(static_cast<int64_t>(d));
  }
}

// Parses `call:NAME{…}`; false (with a reason) when the call is lost.
bool parse_call(std::string_view span, const ParseFaults& f, ParsedToolCall& call,
                std::string& why) {
  call.raw = std::string(span);
  if (span.substr(0, 5) != "call:") {
    why = "tool call does not start with 'call:'";
    return false;
  }
  size_t brace = span.find('{');
  if (brace == std::string_view::npos) {
    why = "tool call without '{'";
    return false;
  }
  call.name = python_strip(span.substr(5, brace - 5));
  NativeRead r = read_native_value(span, brace, /*object_to_end=*/true);
  if (!r.ok || !r.value.is_object()) {
    why = "arguments: " + (r.ok ? std::string("not an object") : r.error);
    return false;
  }
  std::string_view rest = span.substr(r.end);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
  if (!rest.empty()) {
    why = "text after the arguments: '" + std::string(rest.substr(0, 20)) + "'";
    return false;
  }
  if (f.drop_spaced_keys && r.notes.spaced_keys) {
    why = "invalid character ' ' in object key (bare-key scanner)";
    return false;
  }
  if (f.drop_missing_brace && r.notes.missing_final_brace) {
    why = "unexpected end of JSON input (missing final '}')";
    return false;
  }
  if (f.placeholder_collision && r.notes.string_array_after_45_strings) {
    why = "string placeholder 44 collides with ',' inside a string array";
    return false;
  }
  call.arguments = std::move(r.value);
  if (f.numbers_as_strings) scalars_to_strings(call.arguments);
  if (f.big_int_float) ints_through_double(call.arguments);
  return true;
}

}  // namespace

ChatParse parse_chat_completion(std::string_view text, bool start_in_thinking,
                                const ParseFaults& f) {
  ChatParse out;
  bool thinking = start_in_thinking;
  bool seen_call = false;
  size_t p = 0;
  while (p < text.size()) {
    if (thinking) {
      size_t close = text.find(kChannelClose, p);
      size_t call = f.call_inside_thinking ? std::string_view::npos : text.find(kCallOpen, p);
      if (call != std::string_view::npos && (close == std::string_view::npos || call < close)) {
        // A call opened inside the thought channel closes the channel (the reference reading).
        out.thinking += text.substr(p, call - p);
        thinking = false;
        p = call;
        continue;
      }
      if (close == std::string_view::npos) {
        out.thinking += text.substr(p);
        break;
      }
      out.thinking += text.substr(p, close - p);
      thinking = false;
      p = close + kChannelClose.size();
      continue;
    }
    size_t chan = text.find(kChannelOpen, p);
    size_t call = text.find(kCallOpen, p);
    size_t next = std::min(chan, call);
    std::string_view before =
        text.substr(p, next == std::string_view::npos ? std::string_view::npos : next - p);
    if (!(f.drop_trailing_content && seen_call)) out.content += before;
    if (next == std::string_view::npos) break;
    if (next == chan) {
      thinking = true;
      p = chan + kChannelOpen.size();
      if (text.substr(p, 8) == "thought\n") p += 8;
      continue;
    }
    size_t b = call + kCallOpen.size();
    size_t e = text.find(kCallClose, b);
    std::string_view span =
        text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    ParsedToolCall parsed;
    std::string why;
    if (parse_call(span, f, parsed, why)) {
      out.calls.push_back(std::move(parsed));
    } else {
      out.dropped.push_back("gemma4 tool call parsing failed: " + why);
    }
    seen_call = true;
    p = e == std::string_view::npos ? text.size() : e + kCallClose.size();
    // Noise after a call: extra close tags and the response opener are swallowed.
    while (true) {
      if (text.substr(p, kCallClose.size()) == kCallClose) {
        p += kCallClose.size();
      } else if (text.substr(p, kResponseOpen.size()) == kResponseOpen) {
        p += kResponseOpen.size();
      } else {
        break;
      }
    }
  }
  return out;
}

}  // namespace bakeoff::control
