// The Gemma 4 completion parser: an explicit state machine fed chunk by chunk.
//
// It only ever decides on bytes it has: a possible control token split across chunks (`<|tool_`)
// or a possible bare `call:` header waits for more input (or for finish()), so every decision is
// the one a whole-text parse makes, and feed()+finish() equals parse() for every chunking.
//
// States: Content → (`<|channel>`) ChannelHeader → Thinking → (`<channel|>`) Content;
// Content/Thinking → (`<|tool_call>`, or a bare `call:NAME{` at the start of a line) Call →
// AfterCall → Content; Content → (`<turn|>`, `<|tool_response>`, `<eos>`) Ended.
//
// How each known malformed form is handled (reference §9, FAULTS.md "Emission quirks"):
//  - missing final `}` before `<tool_call|>` (§9.18): call kept, repair.
//  - extra `<tool_call|>` after a call (§9.23): swallowed silently; elsewhere swallowed + repair.
//  - `<eos>` / `<|tool_response>` / `<turn|>` after a call (§9.23, nano models): end of the turn;
//    any text after it (a model running past its stop) is ignored with a repair naming its size.
//  - single-quoted values, `key=value`, keys with spaces, JSON "…" strings (§9.15, 16, 27):
//    parsed (see gemma4_args.cpp), a repair for each non-canonical form.
//  - strings holding `"`, `{`, `}`, newlines: exact (the <|"|> delimiter needs no escaping).
//  - parallel calls (§9.25), content after a call (§9.24): kept, in order; content verbatim.
//  - an empty thought channel before a call: thinking "" and the call.
//  - a call opened inside thinking before `<channel|>` (§9.19, Ollama PR #18307): a call; the
//    channel is taken as closed there (repair).
//  - `<channel|>call:f{…}` without `<|tool_call>` (§9.20): a call (repair) when other control
//    tokens are present; with none at all the server stripped them (§3.3): markers_stripped and
//    an error, the calls still recovered from the bare text.
//  - `call:f(k=v)` and `<|tool_call>:f{…}` (§9.21): parsed, repair.
//  - `call:f:` + BEGIN_ARG (§9.22), or any other header with no `{`: error at the offset.
//  - a call missing `<tool_call|>`: kept when its arguments close (repair); at the end of the
//    completion with its arguments still open: error (truncated output).
//  - text before a first, unopened `<channel|>` with nothing else before it: thinking (the prompt
//    ended in `<|channel>thought\n`, §1.5 / §9.8).
#include <array>
#include <string>

#include <fmt/core.h>

#include "formats/gemma4.h"
#include "formats/gemma4_args.h"

namespace bakeoff::formats::gemma4 {
namespace {

enum class Marker {
  ToolCallOpen,
  ToolCallClose,
  ToolResponseOpen,
  ToolResponseClose,
  ChannelOpen,
  ChannelClose,
  TurnOpen,
  TurnClose,
  Eos,
  Quote,
  ToolOpen,
  ToolClose,
  Think,
  Bos,
};

struct MarkerText {
  Marker marker;
  std::string_view text;
};

constexpr std::array<MarkerText, 14> kMarkers = {{
    {Marker::ToolCallOpen, "<|tool_call>"},
    {Marker::ToolCallClose, "<tool_call|>"},
    {Marker::ToolResponseOpen, "<|tool_response>"},
    {Marker::ToolResponseClose, "<tool_response|>"},
    {Marker::ChannelOpen, "<|channel>"},
    {Marker::ChannelClose, "<channel|>"},
    {Marker::TurnOpen, "<|turn>"},
    {Marker::TurnClose, "<turn|>"},
    {Marker::Eos, "<eos>"},
    {Marker::Quote, "<|\"|>"},
    {Marker::ToolOpen, "<|tool>"},
    {Marker::ToolClose, "<tool|>"},
    {Marker::Think, "<|think|>"},
    {Marker::Bos, "<bos>"},
}};

enum class Match { No, Yes, NeedMore };

struct MarkerMatch {
  Match match = Match::No;
  Marker marker = Marker::Quote;
  size_t length = 0;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

std::string_view marker_text(Marker m) {
  for (const auto& entry : kMarkers)
    if (entry.marker == m) return entry.text;
  return {};
}

class Gemma4StreamParser final : public StreamParser {
 public:
  explicit Gemma4StreamParser(const ParseOptions& options) {
    if (options.starts_in_thinking) {
      state_ = State::Thinking;
      in_channel_ = true;
    }
  }

  void feed(std::string_view chunk) override {
    if (finished_) return;
    text_.append(chunk);
    run();
  }

  ParsedCompletion finish() override {
    if (!finished_) {
      eof_ = true;
      run();
      finalize();
      finished_ = true;
    }
    return out_;
  }

 private:
  enum class State { Content, ChannelHeader, Thinking, Call, Ended };

  // ---- lookahead helpers: every answer is Yes/No, or NeedMore while more bytes may come ----

  MarkerMatch match_marker(size_t at) const {
    MarkerMatch result;
    if (at >= text_.size() || text_[at] != '<') return result;
    std::string_view rest = std::string_view(text_).substr(at);
    bool partial = false;
    for (const auto& entry : kMarkers) {
      if (rest.size() >= entry.text.size()) {
        if (rest.substr(0, entry.text.size()) == entry.text)
          return {Match::Yes, entry.marker, entry.text.size()};
      } else if (entry.text.substr(0, rest.size()) == rest) {
        partial = true;
      }
    }
    if (partial && !eof_) result.match = Match::NeedMore;
    return result;
  }

  // `call:NAME{` or `call:NAME(` at `at`: the header of a call written without `<|tool_call>`.
  Match match_bare_call(size_t at) const {
    constexpr std::string_view kCall = "call:";
    constexpr size_t kMaxName = 256;
    std::string_view rest = std::string_view(text_).substr(at);
    size_t n = std::min(rest.size(), kCall.size());
    if (rest.substr(0, n) != kCall.substr(0, n)) return Match::No;
    if (rest.size() < kCall.size()) return eof_ ? Match::No : Match::NeedMore;
    size_t i = kCall.size();
    while (i < rest.size() && is_name_char(rest[i]) && i - kCall.size() < kMaxName) ++i;
    if (i == rest.size()) return eof_ ? Match::No : Match::NeedMore;
    if (i == kCall.size()) return Match::No;
    return (rest[i] == '{' || rest[i] == '(') ? Match::Yes : Match::No;
  }

  // ---- the machine ----

  void run() {
    while (true) {
      bool progressed = false;
      switch (state_) {
        case State::Content:
          progressed = step_content();
          break;
        case State::ChannelHeader:
          progressed = step_channel_header();
          break;
        case State::Thinking:
          progressed = step_thinking();
          break;
        case State::Call:
          progressed = step_call();
          break;
        case State::Ended:
          progressed = false;
          break;
      }
      if (!progressed) return;
    }
  }

  bool step_content() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '<') {
        MarkerMatch m = match_marker(pos_);
        if (m.match == Match::NeedMore) return false;
        if (m.match == Match::Yes) {
          on_content_marker(m);
          return true;
        }
      } else if (line_start_ && c == 'c') {
        Match bare = match_bare_call(pos_);
        if (bare == Match::NeedMore) return false;
        if (bare == Match::Yes) {
          begin_call(/*opened=*/false, pos_);
          return true;
        }
      }
      out_.content += c;
      if (c == '\n') {
        line_start_ = true;
      } else if (!is_space(c)) {
        line_start_ = false;
      }
      just_after_call_ = just_after_call_ && is_space(c);
      ++pos_;
    }
    return false;
  }

  void on_content_marker(const MarkerMatch& m) {
    size_t at = pos_;
    any_marker_ = true;
    pos_ += m.length;
    switch (m.marker) {
      case Marker::ToolCallOpen:
        begin_call(/*opened=*/true, at);
        return;
      case Marker::ToolCallClose:
        if (!just_after_call_) add_repair(at, "stray <tool_call|> ignored");
        break;
      case Marker::ChannelOpen:
        state_ = State::ChannelHeader;
        in_channel_ = true;
        break;
      case Marker::ChannelClose:
        if (!seen_structure_ && !out_.content.empty()) {
          // Nothing but text before it: the prompt opened the channel (`<|channel>thought\n`).
          out_.thinking += out_.content;
          out_.content.clear();
        } else if (!seen_structure_) {
          // `<channel|>` first thing: an empty thought the prompt opened; nothing to move.
        } else {
          add_repair(at, "stray <channel|> ignored");
        }
        break;
      case Marker::TurnClose:
      case Marker::Eos:
      case Marker::ToolResponseOpen:
        end_turn(m.marker);
        break;
      default:
        // Other control tokens mean nothing in a model turn: kept as content text.
        out_.content.append(marker_text(m.marker));
        break;
    }
    seen_structure_ = true;
    line_start_ = true;
    just_after_call_ = just_after_call_ && m.marker == Marker::ToolCallClose;
  }

  void end_turn(Marker m) {
    state_ = State::Ended;
    end_marker_ = m;
  }

  bool step_channel_header() {
    // `<|channel>thought\n`: the channel name and its newline are not thinking text.
    constexpr std::string_view kThought = "thought";
    std::string_view rest = std::string_view(text_).substr(pos_);
    size_t n = std::min(rest.size(), kThought.size());
    if (rest.substr(0, n) == kThought.substr(0, n)) {
      if (rest.size() <= kThought.size() && !eof_) return false;  // need the byte after "thought"
      if (rest.size() >= kThought.size()) {
        pos_ += kThought.size();
        if (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == ' ')) ++pos_;
      }
    }
    state_ = State::Thinking;
    return true;
  }

  bool step_thinking() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '<') {
        MarkerMatch m = match_marker(pos_);
        if (m.match == Match::NeedMore) return false;
        if (m.match == Match::Yes) {
          on_thinking_marker(m);
          return true;
        }
      }
      out_.thinking += c;
      ++pos_;
    }
    return false;
  }

  void on_thinking_marker(const MarkerMatch& m) {
    size_t at = pos_;
    any_marker_ = true;
    seen_structure_ = true;
    pos_ += m.length;
    switch (m.marker) {
      case Marker::ChannelClose:
        state_ = State::Content;
        in_channel_ = false;
        line_start_ = true;
        break;
      case Marker::ToolCallOpen:
        add_repair(at,
                   "tool call opened inside the thinking channel (no <channel|> before it); "
                   "taken as a call, the channel as closed");
        in_channel_ = false;
        begin_call(/*opened=*/true, at);
        break;
      case Marker::ChannelOpen:
        state_ = State::ChannelHeader;  // a repeated opener (llama.cpp #21760): skip it
        break;
      case Marker::ToolCallClose:
        add_repair(at, "stray <tool_call|> in thinking ignored");
        break;
      case Marker::TurnClose:
      case Marker::Eos:
      case Marker::ToolResponseOpen:
        add_repair(at,
                   fmt::format("thinking channel never closed before {}", marker_text(m.marker)));
        in_channel_ = false;
        end_turn(m.marker);
        break;
      default:
        out_.thinking.append(marker_text(m.marker));
        break;
    }
  }

  void begin_call(bool opened, size_t at) {
    state_ = State::Call;
    call_opened_ = opened;
    call_start_ = at;
    scan_ = pos_;
    seen_structure_ = true;
  }

  // A call's span ends at the next control token other than <|"|> (a string cannot hold one) or
  // at the end of the completion; only then is the call parsed, so chunking cannot change it.
  bool step_call() {
    size_t span_end = std::string::npos;
    MarkerMatch end_marker;
    while (scan_ < text_.size()) {
      if (text_[scan_] == '<') {
        MarkerMatch m = match_marker(scan_);
        if (m.match == Match::NeedMore) return false;
        if (m.match == Match::Yes && m.marker != Marker::Quote) {
          span_end = scan_;
          end_marker = m;
          break;
        }
        if (m.match == Match::Yes) {
          scan_ += m.length;
          continue;
        }
      }
      ++scan_;
    }
    if (span_end == std::string::npos) {
      if (!eof_) return false;
      span_end = text_.size();
    }
    parse_call(span_end, end_marker);
    return true;
  }

  void parse_call(size_t span_end, const MarkerMatch& end_marker) {
    std::string_view text(text_);
    bool at_marker = end_marker.match == Match::Yes;
    size_t p = pos_;
    auto rest_starts = [&](std::string_view s) {
      return span_end - p >= s.size() && text.substr(p, s.size()) == s;
    };
    while (p < span_end && is_space(text[p])) ++p;
    if (rest_starts("call:")) {
      p += 5;
    } else if (rest_starts(":")) {
      add_repair(p, "call header without 'call' (`<|tool_call>:NAME{`)");
      p += 1;
    } else {
      add_repair(p, "call header without 'call:'");
    }
    while (p < span_end && (text[p] == ' ' || text[p] == '\t')) ++p;
    size_t name_at = p;
    while (p < span_end && text[p] != '{' && text[p] != '(' && !is_space(text[p])) ++p;
    std::string name(text.substr(name_at, p - name_at));
    std::optional<Json> arguments;
    size_t args_end = span_end;
    if (name.empty()) {
      out_.errors.push_back(
          {name_at, fmt::format("tool call at offset {} has no name", call_start_)});
    } else if (p >= span_end || (text[p] != '{' && text[p] != '(')) {
      size_t colon = name.find(':');
      std::string shown = colon == std::string::npos ? name : name.substr(0, colon);
      size_t found_at = colon == std::string::npos ? p : name_at + colon;
      std::string found = found_at >= span_end ? std::string("the end of the call")
                                               : fmt::format("'{}'", text[found_at]);
      out_.errors.push_back(
          {found_at,
           fmt::format("tool call '{}' at offset {}: expected '{{' after the name, found {}", shown,
                       call_start_, found)});
    } else {
      if (text[p] == '(')
        add_repair(p, fmt::format("arguments of '{}' in (…) instead of {{…}}", name));
      size_t errors_before = out_.errors.size();
      auto result =
          detail::parse_arguments(text, p, span_end, at_marker, out_.errors, out_.repairs);
      for (size_t i = errors_before; i < out_.errors.size(); ++i)
        out_.errors[i].message = fmt::format("tool call '{}' at offset {}: {}", name, call_start_,
                                             out_.errors[i].message);
      arguments = std::move(result.arguments);
      args_end = result.end;
    }
    if (!call_opened_) bare_calls_.push_back(call_start_);

    bool closed_by_tag = at_marker && end_marker.marker == Marker::ToolCallClose;
    size_t resume = span_end;  // where content parsing picks up again
    size_t raw_end = args_end;
    bool resume_in_text = false;
    if (!arguments && !call_opened_) {
      // A bare `call:` that does not parse stays text (the error names it).
      resume = call_start_;
      resume_in_text = true;
    } else if (!arguments) {
      // The failed call's text is not content: skip it, and its `<tool_call|>`.
      if (closed_by_tag) resume = span_end + end_marker.length;
    } else if (closed_by_tag) {
      std::string_view between = text.substr(args_end, span_end - args_end);
      size_t junk = between.find_first_not_of(" \t\r\n");
      if (junk != std::string_view::npos)
        add_repair(args_end + junk,
                   fmt::format("text between the arguments of '{}' and <tool_call|> "
                               "ignored",
                               name));
      resume = span_end + end_marker.length;
      raw_end = resume;
    } else {
      if (call_opened_)
        add_repair(args_end, fmt::format("tool call '{}' has no <tool_call|>", name));
      resume = args_end;  // what follows the arguments is content
    }
    if (arguments) {
      ToolCall call;
      call.name = name;
      call.arguments = std::move(*arguments);
      call.offset = call_start_;
      call.raw = std::string(text.substr(call_start_, raw_end - call_start_));
      out_.tool_calls.push_back(std::move(call));
    }
    pos_ = resume;
    state_ = State::Content;
    line_start_ = !resume_in_text;  // false: do not take the same bare `call:` again
    just_after_call_ = !resume_in_text;
  }

  void add_repair(size_t offset, std::string message) {
    out_.repairs.push_back({offset, std::move(message)});
  }

  void finalize() {
    if (state_ == State::Thinking && in_channel_)
      add_repair(text_.size(), "thinking channel never closed (end of completion)");
    if (state_ == State::Ended) {
      std::string_view after = std::string_view(text_).substr(pos_);
      if (after.find_first_not_of(" \t\r\n") != std::string_view::npos)
        add_repair(pos_, fmt::format("{} bytes after {} ignored (the model ran past its stop)",
                                     after.size(), marker_text(end_marker_)));
    }
    bool thought_prefix = std::string_view(text_).substr(0, 8) == "thought\n";
    if (!any_marker_ && (!bare_calls_.empty() || thought_prefix)) {
      out_.markers_stripped = true;
      size_t at = bare_calls_.empty() ? 0 : bare_calls_.front();
      out_.errors.push_back(
          {at, bare_calls_.empty()
                   ? std::string("completion starts with 'thought\\n' and holds no control token: "
                                 "the server stripped special tokens (reference §3.3)")
                   : fmt::format("bare call:… with no <|tool_call> and no control token anywhere: "
                                 "the server stripped special tokens (reference §3.3); {} call(s) "
                                 "recovered from the bare text",
                                 bare_calls_.size())});
    } else {
      for (size_t at : bare_calls_)
        out_.repairs.push_back({at, "tool call without <|tool_call> before it"});
    }
    auto by_offset = [](const ParseIssue& a, const ParseIssue& b) { return a.offset < b.offset; };
    std::stable_sort(out_.errors.begin(), out_.errors.end(), by_offset);
    std::stable_sort(out_.repairs.begin(), out_.repairs.end(), by_offset);
  }

  std::string text_;
  size_t pos_ = 0;
  size_t scan_ = 0;
  bool eof_ = false;
  bool finished_ = false;
  State state_ = State::Content;
  ParsedCompletion out_;

  bool line_start_ = true;        // only spaces since the last newline, control token or call
  bool just_after_call_ = false;  // only whitespace since the last call (an extra `<tool_call|>`)
  bool seen_structure_ = false;   // a control token or a call came before
  bool any_marker_ = false;       // any control-token text at all (else: stripped by the server)
  bool in_channel_ = false;
  bool call_opened_ = false;
  size_t call_start_ = 0;
  Marker end_marker_ = Marker::TurnClose;
  std::vector<size_t> bare_calls_;
};

class Gemma4Format final : public Format {
 public:
  std::string_view name() const override { return "gemma4"; }
  std::unique_ptr<StreamParser> stream_parser() const override { return make_stream_parser(); }
  std::vector<std::string> stop_strings() const override { return gemma4::stop_strings(); }
  std::string serialize_call(const ToolCall& call) const override {
    return gemma4::serialize_call(call.name, call.arguments);
  }
};

}  // namespace

const Format& format() {
  static const Gemma4Format instance;
  return instance;
}

std::unique_ptr<StreamParser> make_stream_parser(const ParseOptions& options) {
  return std::make_unique<Gemma4StreamParser>(options);
}

ParsedCompletion parse(std::string_view completion, const ParseOptions& options) {
  auto parser = make_stream_parser(options);
  parser->feed(completion);
  return parser->finish();
}

std::vector<std::string> stop_strings() {
  return {"<turn|>", "<|tool_response>"};
}

}  // namespace bakeoff::formats::gemma4
