#include "backends/ollama_client.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace bakeoff::backends {

namespace {

constexpr std::string_view kDefaultHost = "http://127.0.0.1:11434";
constexpr std::string_view kDefaultPort = "11434";

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The message of an Ollama error body ({"error":"…"}), else the body itself (shortened).
std::string error_message_of(const std::string& body) {
  try {
    Json j = Json::parse(body);
    if (j.is_object() && j.contains("error")) {
      const Json& e = j["error"];
      if (e.is_string()) return e.get<std::string>();
      if (e.is_object() && e.contains("message") && e["message"].is_string()) {
        return e["message"].get<std::string>();
      }
      return e.dump();
    }
  } catch (const Json::exception&) {
    // Not JSON: fall through to the raw text.
  }
  std::string text(trim(body));
  if (text.size() > 300) text = text.substr(0, 300) + "…";
  return text.empty() ? "(empty body)" : text;
}

// Reads an optional integer field; a present non-number is a malformed reply.
bool read_count(const Json& chunk, const char* key, int64_t& out, std::string& problem) {
  auto it = chunk.find(key);
  if (it == chunk.end() || it->is_null()) return true;
  if (!it->is_number()) {
    problem = fmt::format("\"{}\" is {}, not a number", key, it->type_name());
    return false;
  }
  out = it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
  return true;
}

// Where a reply line's field sits, for error messages; formatted only when one is needed
// (every line of a streamed reply passes through here).
struct Where {
  int line = 0;
  uint64_t offset = 0;
  std::string_view field_prefix;  // "" or "message."

  std::string str() const {
    return fmt::format("line {} of the reply (byte offset {}): {}", line, offset, field_prefix);
  }
};

bool append_text(const Json& obj, const char* key, std::string& out, std::string& problem,
                 const Where& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) {
    problem = fmt::format("{}\"{}\" is {}, not a string", where.str(), key, it->type_name());
    return false;
  }
  out += it->get_ref<const std::string&>();
  return true;
}

bool append_tool_calls(const Json& obj, Json& out, std::string& problem, const Where& where) {
  auto it = obj.find("tool_calls");
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_array()) {
    problem = fmt::format("{}\"tool_calls\" is {}, not an array", where.str(), it->type_name());
    return false;
  }
  for (const Json& call : *it) {
    if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) {
      problem = fmt::format("{}\"tool_calls\" holds an entry without a \"function\" object: {}",
                            where.str(), call.dump());
      return false;
    }
    out.push_back(call);
  }
  return true;
}

}  // namespace

std::string classify_error(int http_status, std::string_view message) {
  if (contains(message, "does not support tools")) return "tools_unsupported";
  if (contains(message, "not found") &&
      (http_status == 404 || contains(message, "model") || contains(message, "pulling"))) {
    return "model_not_found";
  }
  if (http_status == 404) return "model_not_found";
  if (http_status >= 400 && http_status < 500) return "http_4xx";
  return "http_5xx";
}

bool StreamAccumulator::feed(std::string_view bytes) {
  reply_.response_body.append(bytes);
  if (failed_) return false;
  pending_.append(bytes);
  size_t start = 0;
  for (size_t nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n', start)) {
    process_line(std::string_view(pending_).substr(start, nl - start));
    consumed_ += nl + 1 - start;
    start = nl + 1;
    if (failed_) break;
  }
  pending_.erase(0, start);
  return !failed_;
}

void StreamAccumulator::process_line(std::string_view line) {
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (trim(line).empty()) return;
  auto fail = [&](std::string kind, std::string message) {
    failed_ = true;
    error_.kind = std::move(kind);
    error_.message = std::move(message);
  };
  Json chunk;
  try {
    chunk = Json::parse(line);
  } catch (const Json::parse_error& e) {
    fail("malformed_body",
         fmt::format("line {} of the reply (byte offset {}) is not JSON: {}", line_no_,
                     consumed_ + std::min<size_t>(e.byte, line.size()), e.what()));
    return;
  }
  if (!chunk.is_object()) {
    fail("malformed_body", fmt::format("line {} of the reply (byte offset {}) is a JSON {}, not an "
                                       "object",
                                       line_no_, consumed_, chunk.type_name()));
    return;
  }
  if (chunk.contains("error")) {
    std::string msg =
        chunk["error"].is_string() ? chunk["error"].get<std::string>() : chunk["error"].dump();
    fail(classify_error(reply_.http_status, msg),
         fmt::format("error object on line {} of the reply (byte offset {}): {}", line_no_,
                     consumed_, msg));
    return;
  }
  std::string problem;
  const Where where{line_no_, consumed_, ""};
  const Where in_message{line_no_, consumed_, "message."};
  bool ok = true;
  if (auto m = chunk.find("message"); m != chunk.end() && !m->is_null()) {
    if (!m->is_object()) {
      problem = where.str() + "\"message\" is not an object";
      ok = false;
    } else {
      ok = append_text(*m, "content", reply_.content, problem, in_message) &&
           append_text(*m, "thinking", reply_.thinking, problem, in_message) &&
           append_tool_calls(*m, reply_.tool_calls, problem, in_message);
    }
  }
  ok = ok && append_text(chunk, "response", reply_.content, problem, where) &&
       append_text(chunk, "thinking", reply_.thinking, problem, where) &&
       append_tool_calls(chunk, reply_.tool_calls, problem, where);
  std::string count_problem;
  ok = ok && read_count(chunk, "prompt_eval_count", reply_.prompt_eval_count, count_problem) &&
       read_count(chunk, "eval_count", reply_.eval_count, count_problem) &&
       read_count(chunk, "total_duration", reply_.total_duration, count_problem) &&
       read_count(chunk, "load_duration", reply_.load_duration, count_problem) &&
       read_count(chunk, "prompt_eval_duration", reply_.prompt_eval_duration, count_problem) &&
       read_count(chunk, "eval_duration", reply_.eval_duration, count_problem);
  if (!count_problem.empty()) problem = where.str() + count_problem;
  if (!ok) {
    fail("malformed_body", problem);
    return;
  }
  if (auto d = chunk.find("done"); d != chunk.end() && d->is_boolean() && d->get<bool>()) {
    reply_.done = true;
  }
  if (auto r = chunk.find("done_reason"); r != chunk.end() && r->is_string()) {
    reply_.done_reason = r->get<std::string>();
  }
  if (auto dbg = chunk.find("_debug_info"); dbg != chunk.end()) reply_.debug_info = *dbg;
  if (auto lp = chunk.find("logprobs"); lp != chunk.end() && lp->is_array()) {
    reply_.has_logprobs = true;
    for (const Json& entry : *lp) {
      if (entry.is_object() && entry.contains("token") && entry["token"].is_string()) {
        reply_.logprob_text += entry["token"].get<std::string>();
      }
    }
  }
  ++reply_.chunks;
}

ClientResult<Reply> StreamAccumulator::finish() {
  if (!failed_ && !trim(pending_).empty()) {
    process_line(pending_);
    consumed_ += pending_.size();
    pending_.clear();
  }
  if (!failed_ && reply_.chunks == 0) {
    failed_ = true;
    error_.kind = "malformed_body";
    error_.message =
        fmt::format("the reply holds no JSON object ({} bytes)", reply_.response_body.size());
  }
  if (!failed_ && !reply_.done && reply_.debug_info.is_null()) {
    failed_ = true;
    error_.kind = "malformed_body";
    error_.message = fmt::format(
        "the reply ended after {} objects ({} bytes) without a "
        "\"done\":true chunk",
        reply_.chunks, reply_.response_body.size());
  }
  if (failed_) {
    error_.http_status = reply_.http_status;
    error_.request_body = reply_.request_body;
    error_.response_body = reply_.response_body;
    return error_;
  }
  return reply_;
}

std::string normalize_host(std::string_view spec) {
  std::string_view s = trim(spec);
  if (s.empty()) return std::string(kDefaultHost);
  std::string scheme = "http";
  if (auto p = s.find("://"); p != std::string_view::npos) {
    scheme = std::string(s.substr(0, p));
    s.remove_prefix(p + 3);
  }
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  if (auto slash = s.find('/'); slash != std::string_view::npos) s = s.substr(0, slash);
  std::string host(s);
  std::string port;
  // "[::1]:11434", "host:port", ":port", "host".
  size_t colon = std::string::npos;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close != std::string::npos && close + 1 < host.size() && host[close + 1] == ':') {
      colon = close + 1;
    }
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    colon = host.find(':');
  }
  if (colon != std::string::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty()) host = "127.0.0.1";
  if (port.empty()) port = scheme == "https" ? "443" : std::string(kDefaultPort);
  return fmt::format("{}://{}:{}", scheme, host, port);
}

std::string resolve_host(std::string_view flag) {
  if (!trim(flag).empty()) return normalize_host(flag);
  if (const char* env = std::getenv("OLLAMA_HOST"); env != nullptr && *env != '\0') {
    return normalize_host(env);
  }
  return std::string(kDefaultHost);
}

namespace {

struct Transport {
  httplib::Error error = httplib::Error::Success;
  int status = 0;
  double elapsed_s = 0;
};

// A keep-alive connection to `host` with the client's timeouts (a fresh socket is opened on
// first use, and again whenever the server has closed the previous one).
std::unique_ptr<httplib::Client> new_connection(const std::string& host, double timeout_s) {
  auto client = std::make_unique<httplib::Client>(host);
  auto sec = static_cast<time_t>(timeout_s);
  auto usec = static_cast<time_t>(std::llround((timeout_s - static_cast<double>(sec)) * 1e6));
  client->set_connection_timeout(sec, usec);
  client->set_read_timeout(sec, usec);
  client->set_write_timeout(sec, usec);
  client->set_keep_alive(true);
  // The request goes out as two writes (headers, body); with Nagle on, a reused connection
  // holds the body back until the server acknowledges the headers (a delayed ACK: up to 40 ms).
  client->set_tcp_nodelay(true);
  return client;
}

// One HTTP exchange on `client`; the body goes to `on_bytes` as it arrives.
Transport send_request(httplib::Client& client, const std::string& method, const std::string& path,
                       const std::string& body, const std::function<void(int status)>& on_status,
                       const std::function<void(const char*, size_t)>& on_bytes) {
  Transport t;
  httplib::Request req;
  req.method = method;
  req.path = path;
  if (method == "POST") {
    req.body = body;
    req.set_header("Content-Type", "application/json");
  }
  req.response_handler = [&](const httplib::Response& res) {
    t.status = res.status;
    on_status(res.status);
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    on_bytes(data, n);
    return true;
  };
  auto start = std::chrono::steady_clock::now();
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  client.send(req, res, err);
  t.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  t.error = err;
  if (t.status == 0 && res.status > 0) t.status = res.status;
  return t;
}

}  // namespace

struct OllamaClient::Connections {
  static constexpr size_t kMaxIdle = 4;  // more callers at once than this open extra connections

  std::mutex mu;
  std::vector<std::unique_ptr<httplib::Client>> idle;  // guarded by mu

  // One exchange on an idle connection (or a new one). A reused connection that the server
  // closed while it sat idle fails at once with nothing received; then, and only then, the
  // request is sent again on a fresh connection. A timeout is never retried.
  Transport exchange(const std::string& host, double timeout_s, const std::string& method,
                     const std::string& path, const std::string& body,
                     const std::function<void(int status)>& on_status,
                     const std::function<void(const char*, size_t)>& on_bytes) {
    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<httplib::Client> client;
      {
        std::lock_guard lock(mu);
        if (!idle.empty()) {
          client = std::move(idle.back());
          idle.pop_back();
        }
      }
      if (!client) client = new_connection(host, timeout_s);
      const bool reused = client->is_socket_open() != 0;
      bool received = false;
      Transport t = send_request(
          *client, method, path, body,
          [&](int status) {
            received = true;
            on_status(status);
          },
          [&](const char* data, size_t n) {
            received = true;
            on_bytes(data, n);
          });
      if (t.error == httplib::Error::Success) {
        std::lock_guard lock(mu);
        if (idle.size() < kMaxIdle) idle.push_back(std::move(client));
        return t;
      }
      const bool stale = attempt == 0 && reused && !received && t.status == 0 &&
                         (t.error == httplib::Error::Read || t.error == httplib::Error::Write) &&
                         t.elapsed_s < timeout_s * 0.9;
      if (!stale) return t;
    }
  }
};

OllamaClient::OllamaClient(const std::string& host, double timeout_s)
    : host_(normalize_host(host)),
      timeout_s_(timeout_s),
      connections_(std::make_unique<Connections>()) {}

OllamaClient::~OllamaClient() = default;
OllamaClient::OllamaClient(OllamaClient&&) noexcept = default;
OllamaClient& OllamaClient::operator=(OllamaClient&&) noexcept = default;

namespace {

// Maps a transport failure to a ClientError, or nullopt when the exchange completed.
std::optional<ClientError> transport_error(const Transport& t, const std::string& host,
                                           double timeout_s, const std::string& what) {
  if (t.error == httplib::Error::Success) return std::nullopt;
  ClientError e;
  e.http_status = t.status;
  bool timed_out = t.error == httplib::Error::ConnectionTimeout ||
                   ((t.error == httplib::Error::Read || t.error == httplib::Error::Write) &&
                    t.elapsed_s >= timeout_s * 0.9);
  if (timed_out) {
    e.kind = "timeout";
    e.message = fmt::format("{} to {} timed out after {:.1f} s (limit {} s)", what, host,
                            t.elapsed_s, timeout_s);
  } else if (t.error == httplib::Error::Connection && t.status == 0) {
    e.kind = "connection_refused";
    e.message = fmt::format("cannot connect to Ollama at {} ({}): is the server running?", host,
                            httplib::to_string(t.error));
  } else {
    e.kind = "malformed_body";
    e.message = fmt::format("{} to {} failed after {:.1f} s: {}", what, host, t.elapsed_s,
                            httplib::to_string(t.error));
  }
  return e;
}

ClientError status_error(int status, const std::string& what, const std::string& body) {
  ClientError e;
  e.http_status = status;
  std::string msg = error_message_of(body);
  e.kind = classify_error(status, msg);
  e.message = fmt::format("{}: HTTP {}: {}", what, status, msg);
  e.response_body = body;
  return e;
}

}  // namespace

std::string with_fields(std::string_view object_json, const Json& fields) {
  if (object_json.size() < 2 || object_json.front() != '{' || object_json.back() != '}') {
    throw std::invalid_argument("with_fields: not a serialized JSON object");
  }
  std::string out;
  out.reserve(object_json.size() + 64);
  out.append(object_json.substr(0, object_json.size() - 1));
  bool first = object_json.size() == 2;  // "{}"
  for (const auto& [key, value] : fields.items()) {
    if (!first) out += ',';
    first = false;
    out += Json(key).dump();
    out += ':';
    out += value.dump();
  }
  out += '}';
  return out;
}

namespace {

// `request` with "stream" set, serialized; without copying it when it does not say "stream".
std::string body_with_stream(const Json& request, bool stream) {
  if (request.is_object() && !request.contains("stream")) {
    return with_fields(request.dump(), Json{{"stream", stream}});
  }
  Json body = request;
  body["stream"] = stream;
  return body.dump();
}

}  // namespace

ClientResult<Reply> OllamaClient::post_reply(const std::string& path, std::string body_text) const {
  std::string what = "POST " + path;
  StreamAccumulator acc;
  std::string raw;
  int status = 0;
  Transport t = connections_->exchange(
      host_, timeout_s_, "POST", path, body_text, [&](int s) { status = s; },
      [&](const char* data, size_t n) {
        if (status == 200) {
          acc.feed(std::string_view(data, n));
        } else {
          raw.append(data, n);
        }
      });
  if (auto err = transport_error(t, host_, timeout_s_, what)) {
    err->request_body = body_text;
    return *err;
  }
  if (t.status != 200) {
    ClientError e = status_error(t.status, what, raw);
    e.request_body = body_text;
    return e;
  }
  auto result = acc.finish();
  if (!result) {
    ClientError e = result.error();
    e.message = what + ": " + e.message;
    e.http_status = 200;
    e.request_body = body_text;
    return e;
  }
  Reply reply = std::move(result).value();
  reply.http_status = 200;
  reply.request_body = std::move(body_text);
  return reply;
}

ClientResult<Reply> OllamaClient::chat(const Json& request, bool stream) const {
  return post_reply("/api/chat", body_with_stream(request, stream));
}

ClientResult<Reply> OllamaClient::chat_serialized(std::string body) const {
  return post_reply("/api/chat", std::move(body));
}

ClientResult<Reply> OllamaClient::generate(const Json& request, bool stream) const {
  return post_reply("/api/generate", body_with_stream(request, stream));
}

ClientResult<Json> OllamaClient::exchange_json(const std::string& method, const std::string& path,
                                               const std::string& body) const {
  std::string raw;
  std::string what = method + " " + path;
  Transport t = connections_->exchange(
      host_, timeout_s_, method, path, body, [](int) {},
      [&](const char* data, size_t n) { raw.append(data, n); });
  if (auto err = transport_error(t, host_, timeout_s_, what)) {
    err->request_body = body;
    err->response_body = raw;
    return *err;
  }
  if (t.status != 200) {
    ClientError e = status_error(t.status, what, raw);
    e.request_body = body;
    return e;
  }
  try {
    return Json::parse(raw);
  } catch (const Json::parse_error& e) {
    return ClientError{
        "malformed_body",
        fmt::format("{}: reply is not JSON at byte offset {}: {}", what, e.byte, e.what()),
        t.status, body, raw};
  }
}

ClientResult<Json> OllamaClient::show(const std::string& model) const {
  Json req = {{"model", model}};
  return exchange_json("POST", "/api/show", req.dump());
}

ClientResult<std::string> OllamaClient::version() const {
  auto j = exchange_json("GET", "/api/version", "");
  if (!j) return j.error();
  if (!j->is_object() || !j->contains("version") || !(*j)["version"].is_string()) {
    return ClientError{"malformed_body", "GET /api/version: reply has no \"version\" string", 200,
                       "", j->dump()};
  }
  return (*j)["version"].get<std::string>();
}

ClientResult<Json> OllamaClient::tags() const {
  return exchange_json("GET", "/api/tags", "");
}

}  // namespace bakeoff::backends
