// A client for Ollama's native API: /api/chat, /api/generate (raw), /api/show, /api/version,
// /api/tags. Streaming replies are NDJSON; the client reads them incrementally (a line may be
// split across network reads), accumulates content, thinking and tool calls from every chunk
// (tool calls may arrive in any chunk, including the final one) and takes counts and durations
// from the final chunk, reading omitted (omitempty) fields as zero. Every reply and every error
// carries the exact request and response bytes, so a trace can prove what was said.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::backends {

// A failed exchange. kind is one of: model_not_found, tools_unsupported, http_4xx, http_5xx,
// connection_refused, timeout, malformed_body. An error object in the middle of a stream (after
// HTTP 200) is classified by its message like a status error (http_5xx when nothing more
// specific matches) and its message says it came mid-stream.
struct ClientError {
  std::string kind;
  std::string message;  // the server's own message where there is one, and where it happened
  int http_status = 0;  // 0 when no HTTP response arrived
  std::string request_body;
  std::string response_body;  // bytes received before the failure

  Error as_error() const { return Error{kind, message}; }
};

template <class T>
using ClientResult = Result<T, ClientError>;

// One /api/chat or /api/generate reply, streamed or not, accumulated.
struct Reply {
  std::string content;              // chat: message.content; generate: response
  std::string thinking;             // chat: message.thinking; generate: thinking
  Json tool_calls = Json::array();  // as Ollama sent them: [{id?, function:{index,name,arguments}}]
  bool done = false;
  std::string done_reason;
  int64_t prompt_eval_count = 0;
  int64_t eval_count = 0;
  int64_t total_duration = 0;  // all durations in ns
  int64_t load_duration = 0;
  int64_t prompt_eval_duration = 0;
  int64_t eval_duration = 0;
  Json debug_info;  // `_debug_info` (with _debug_render_only), null when absent
  // With "logprobs": true, the text of every generated token in order (special tokens included
  // where the server renders them): the raw completion when the reply itself is parsed.
  std::string logprob_text;
  bool has_logprobs = false;
  int chunks = 0;  // JSON objects received
  int http_status = 0;
  std::string request_body;
  std::string response_body;
};

// Incremental NDJSON reader for Ollama replies: feed raw network bytes in any split, then
// finish(). Public so the loopback server tests and other clients can reuse it.
class StreamAccumulator {
 public:
  // Returns false once an error has been seen (further bytes are ignored).
  bool feed(std::string_view bytes);
  // Processes a final unterminated line; returns the reply or the first error.
  ClientResult<Reply> finish();

 private:
  void process_line(std::string_view line);
  Reply reply_;
  std::string pending_;
  uint64_t consumed_ = 0;  // stream bytes before pending_
  int line_no_ = 0;
  bool failed_ = false;
  ClientError error_;
};

// Classifies an Ollama error message (from an HTTP error body or a mid-stream error object).
std::string classify_error(int http_status, std::string_view message);

// The Ollama base URL: `flag` if non-empty, else $OLLAMA_HOST, else http://127.0.0.1:11434.
// Accepts Ollama's forms: "host", "host:port", ":port", "http://host:port", "https://host".
std::string resolve_host(std::string_view flag);
// Normalises one host spec (the forms above) to "scheme://host:port".
std::string normalize_host(std::string_view spec);

// `object_json` (a JSON object as Json::dump writes it) with `fields` (an object whose keys it does
// not hold) appended: byte for byte what dumping the object after setting those fields gives. A
// caller sending one large request in several variants serializes it once. Throws
// std::invalid_argument when `object_json` is not an object.
std::string with_fields(std::string_view object_json, const Json& fields);

// Connections are kept alive between requests and reused (a pool of idle ones, so several threads
// may share one client without waiting on each other). A reused connection that turns out to have
// been closed by the server while idle — no response byte arrived and it failed quickly — is
// replaced and the request sent once more on a fresh connection; every other failure is reported
// as it happened. Requests go out without Nagle delay, and the server should reply likewise
// (Ollama, in Go, does): otherwise each reply on a kept-alive connection can wait up to 40 ms
// for a delayed ACK between its header and body writes.
class OllamaClient {
 public:
  // host as accepted by normalize_host; timeout bounds connecting and each wait for bytes.
  OllamaClient(const std::string& host, double timeout_s);
  ~OllamaClient();
  OllamaClient(OllamaClient&&) noexcept;
  OllamaClient& operator=(OllamaClient&&) noexcept;
  OllamaClient(const OllamaClient&) = delete;
  OllamaClient& operator=(const OllamaClient&) = delete;

  const std::string& host() const { return host_; }

  // POST /api/chat with `request` and "stream" set to `stream`.
  ClientResult<Reply> chat(const Json& request, bool stream) const;
  // POST /api/chat with a request already serialized (it says "stream" itself), sent as given.
  ClientResult<Reply> chat_serialized(std::string body) const;
  // POST /api/generate with `request` and "stream" set to `stream`.
  ClientResult<Reply> generate(const Json& request, bool stream) const;
  // POST /api/show {"model": model}: the parsed reply body.
  ClientResult<Json> show(const std::string& model) const;
  // GET /api/version: the version string.
  ClientResult<std::string> version() const;
  // GET /api/tags: the parsed reply body.
  ClientResult<Json> tags() const;

 private:
  ClientResult<Reply> post_reply(const std::string& path, std::string body_text) const;
  ClientResult<Json> exchange_json(const std::string& method, const std::string& path,
                                   const std::string& body) const;
  struct Connections;  // the idle keep-alive connections to host_
  std::string host_;
  double timeout_s_;
  std::unique_ptr<Connections> connections_;
};

}  // namespace bakeoff::backends
