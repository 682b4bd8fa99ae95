// Hermes / Qwen parser: the same discipline as gemma4 (decide only on bytes in hand, so a stream
// equals the whole text), on a simpler syntax. States: Content, Thinking (`<think>`), Call
// (`<tool_call>` up to `</tool_call>`), Ended (`<|im_end|>`, `<|endoftext|>`).
// Accepted beyond the canonical form, each a repair: a missing `</tool_call>` (the call then ends
// at the next control token or the end), `arguments` as a JSON string, `parameters` instead of
// `arguments`. Errors: a body that is not JSON (offset of the JSON error), no "name".
#include "formats/hermes.h"

#include <array>
#include <cmath>
#include <string>

#include <fmt/core.h>

#include "common/python_text.h"

namespace bakeoff::formats::hermes {
namespace {

constexpr std::array<std::string_view, 6> kMarkers = {
    "<tool_call>", "</tool_call>", "<think>", "</think>", "<|im_end|>", "<|endoftext|>"};
enum MarkerIndex { kCallOpen, kCallClose, kThinkOpen, kThinkClose, kImEnd, kEndOfText };

// Builds the DOM like nlohmann's parser, but an integer too long for 64 bits (which nlohmann
// would silently turn into a double) becomes the string of its digits, and is reported.
class ExactSax {
 public:
  using DomParser = nlohmann::detail::json_sax_dom_parser<Json>;
  explicit ExactSax(Json& root) : dom_(root, false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const std::string& text) {
    if (text.find_first_of(".eE") == std::string::npos) {
      big_integers.push_back(text);
      std::string copy = text;
      return dom_.string(copy);
    }
    return dom_.number_float(v, text);
  }
  bool string(std::string& v) { return dom_.string(v); }
  bool binary(Json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(std::string& v) { return dom_.key(v); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string& /*token*/,
                   const nlohmann::detail::exception& e) {
    error_byte = position;
    error_message = e.what();
    return false;
  }

  std::vector<std::string> big_integers;
  size_t error_byte = 0;
  std::string error_message;

 private:
  DomParser dom_;
};

class HermesStreamParser final : public StreamParser {
 public:
  void feed(std::string_view chunk) override {
    if (finished_) return;
    text_.append(chunk);
    run();
  }
  ParsedCompletion finish() override {
    if (!finished_) {
      eof_ = true;
      run();
      if (state_ == State::Thinking)
        out_.repairs.push_back({text_.size(), "<think> never closed (end of completion)"});
      if (state_ == State::Ended &&
          text_.find_first_not_of(" \t\r\n", end_at_) != std::string::npos)
        out_.repairs.push_back({end_at_, fmt::format("{} bytes after the end of the turn ignored",
                                                     text_.size() - end_at_)});
      finished_ = true;
    }
    return out_;
  }

 private:
  enum class State { Content, Thinking, Call, Ended };
  enum class Match { No, Yes, NeedMore };

  Match match_at(size_t at, int& which) const {
    std::string_view rest = std::string_view(text_).substr(at);
    bool partial = false;
    for (size_t i = 0; i < kMarkers.size(); ++i) {
      std::string_view m = kMarkers[i];
      if (rest.size() >= m.size()) {
        if (rest.substr(0, m.size()) == m) {
          which = static_cast<int>(i);
          return Match::Yes;
        }
      } else if (m.substr(0, rest.size()) == rest) {
        partial = true;
      }
    }
    return partial && !eof_ ? Match::NeedMore : Match::No;
  }

  void run() {
    while (state_ != State::Ended) {
      if (state_ == State::Call) {
        if (!step_call()) return;
        continue;
      }
      if (pos_ >= text_.size()) return;
      char c = text_[pos_];
      if (c == '<') {
        int which = -1;
        Match m = match_at(pos_, which);
        if (m == Match::NeedMore) return;
        if (m == Match::Yes) {
          on_marker(which);
          continue;
        }
      }
      (state_ == State::Thinking ? out_.thinking : out_.content) += c;
      ++pos_;
    }
  }

  void on_marker(int which) {
    size_t at = pos_;
    pos_ += kMarkers[static_cast<size_t>(which)].size();
    switch (which) {
      case kCallOpen:
        if (state_ == State::Thinking)
          out_.repairs.push_back({at, "<tool_call> inside <think>: taken as a call"});
        state_ = State::Call;
        call_start_ = at;
        scan_ = pos_;
        break;
      case kThinkOpen:
        if (state_ == State::Content) state_ = State::Thinking;
        break;
      case kThinkClose:
        if (state_ == State::Content && out_.thinking.empty() && out_.tool_calls.empty()) {
          // Qwen 3 templates open <think> in the prompt: text before the first </think> is
          // thinking.
          out_.thinking = std::move(out_.content);
          out_.content.clear();
        }
        state_ = State::Content;
        break;
      case kCallClose:
        out_.repairs.push_back({at, "stray </tool_call> ignored"});
        break;
      default:
        state_ = State::Ended;  // text after it is judged in finish(): more may still arrive
        end_at_ = pos_;
        break;
    }
  }

  bool step_call() {
    size_t span_end = std::string::npos;
    int which = -1;
    while (scan_ < text_.size()) {
      if (text_[scan_] == '<') {
        Match m = match_at(scan_, which);
        if (m == Match::NeedMore) return false;
        if (m == Match::Yes && which != kThinkOpen && which != kThinkClose) {
          span_end = scan_;
          break;
        }
      }
      ++scan_;
    }
    if (span_end == std::string::npos) {
      if (!eof_) return false;
      span_end = text_.size();
      which = -1;
    }
    parse_call(span_end, which);
    return true;
  }

  void parse_call(size_t span_end, int end_marker) {
    std::string_view body = std::string_view(text_).substr(pos_, span_end - pos_);
    size_t body_at = pos_;
    bool closed = end_marker == kCallClose;
    size_t resume = closed ? span_end + kMarkers[kCallClose].size() : span_end;
    Json root;
    ExactSax sax(root);
    bool ok = Json::sax_parse(body, &sax, nlohmann::detail::input_format_t::json, true);
    if (!ok) {
      size_t byte = sax.error_byte > 0 ? sax.error_byte - 1 : 0;
      out_.errors.push_back({body_at + std::min(byte, body.size()),
                             fmt::format("tool call at offset {}: body is not JSON ({})",
                                         call_start_, sax.error_message)});
    } else if (!root.is_object() || !root.contains("name") || !root["name"].is_string()) {
      out_.errors.push_back(
          {body_at,
           fmt::format("tool call at offset {}: no \"name\" string in the body", call_start_)});
    } else {
      for (const auto& digits : sax.big_integers)
        out_.errors.push_back(
            {body_at + body.find(digits),
             fmt::format("integer {} is outside the 64-bit range; kept as the string of its digits",
                         digits)});
      ToolCall call;
      call.name = root["name"].get<std::string>();
      call.offset = call_start_;
      Json args = Json::object();
      if (root.contains("arguments")) {
        args = root["arguments"];
      } else if (root.contains("parameters")) {
        out_.repairs.push_back({body_at, "\"parameters\" instead of \"arguments\""});
        args = root["parameters"];
      }
      if (args.is_string()) {
        Json inner = Json::parse(args.get<std::string>(), nullptr, false);
        if (inner.is_object()) {
          out_.repairs.push_back({body_at, "\"arguments\" given as a JSON string"});
          args = std::move(inner);
        }
      }
      if (!args.is_object()) {
        out_.errors.push_back(
            {body_at, fmt::format("tool call '{}' at offset {}: \"arguments\" is not an object",
                                  call.name, call_start_)});
      } else {
        call.arguments = std::move(args);
        if (root.contains("id") && root["id"].is_string()) call.id = root["id"].get<std::string>();
        call.raw = text_.substr(call_start_, resume - call_start_);
        if (!closed) out_.repairs.push_back({span_end, "tool call has no </tool_call>"});
        out_.tool_calls.push_back(std::move(call));
      }
    }
    pos_ = resume;
    state_ = State::Content;
  }

  std::string text_;
  size_t pos_ = 0;
  size_t scan_ = 0;
  size_t call_start_ = 0;
  size_t end_at_ = 0;
  bool eof_ = false;
  bool finished_ = false;
  State state_ = State::Content;
  ParsedCompletion out_;
};

void append_python_json(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      return;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case Json::value_t::string:
      append_json_string(out, v.get_ref<const std::string&>(), /*ensure_ascii=*/false);
      return;
    case Json::value_t::number_integer:
      out += std::to_string(v.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return;
    case Json::value_t::number_float: {
      double d = v.get<double>();
      // json.dumps writes float.__repr__, except for the non-finite values it spells its own way.
      if (std::isnan(d))
        out += "NaN";
      else if (std::isinf(d))
        out += d < 0 ? "-Infinity" : "Infinity";
      else
        append_python_float_repr(out, d);
      return;
    }
    case Json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        append_python_json(out, v[i]);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        append_json_string(out, it.key(), /*ensure_ascii=*/false);
        out += ": ";
        append_python_json(out, it.value());
      }
      out += '}';
      return;
    }
    default:
      out += v.dump();
      return;
  }
}

class HermesFormat final : public Format {
 public:
  std::string_view name() const override { return "hermes"; }
  std::unique_ptr<StreamParser> stream_parser() const override { return make_stream_parser(); }
  std::vector<std::string> stop_strings() const override { return hermes::stop_strings(); }
  std::string serialize_call(const ToolCall& call) const override {
    return hermes::serialize_call(call.name, call.arguments);
  }
};

}  // namespace

const Format& format() {
  static const HermesFormat instance;
  return instance;
}

std::unique_ptr<StreamParser> make_stream_parser() {
  return std::make_unique<HermesStreamParser>();
}

ParsedCompletion parse(std::string_view completion) {
  auto parser = make_stream_parser();
  parser->feed(completion);
  return parser->finish();
}

std::string python_json_dumps(const Json& value) {
  std::string out;
  append_python_json(out, value);
  return out;
}

std::string serialize_call(std::string_view name, const Json& arguments) {
  return "<tool_call>\n{\"name\": \"" + std::string(name) +
         "\", \"arguments\": " + python_json_dumps(arguments) + "}\n</tool_call>";
}

std::vector<std::string> stop_strings() {
  return {"<|im_end|>", "<|endoftext|>"};
}

}  // namespace bakeoff::formats::hermes
