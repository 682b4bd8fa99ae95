// The control server's Ollama API handlers (reference/server-apis.md §1).
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "control/chat_parser.h"
#include "control/chat_renderer.h"
#include "control/control_model.h"
#include "control/native_text.h"
#include "control/server_state.h"
#include "control/templates.h"
#include "control/tokenizer.h"

namespace bakeoff::control {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";

struct HttpError {
  int status;
  std::string message;
};

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:09d}Z", buf, ns);
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(Json{{"error", message}}.dump(), kJson);
}

Json parse_body(const httplib::Request& req) {
  if (req.body.empty()) throw HttpError{400, "missing request body"};
  Json body = Json::parse(req.body, nullptr, false);
  if (body.is_discarded())
    throw HttpError{400, "invalid character in request body: not valid JSON"};
  if (!body.is_object())
    throw HttpError{400, "json: cannot unmarshal request body into a request object"};
  return body;
}

std::string full_name(std::string name) {
  if (name.find(':') == std::string::npos) name += ":latest";
  return name;
}

const ModelEntry& find_model(ServerState& state, const Json& body) {
  std::string name;
  if (body.contains("model") && body["model"].is_string())
    name = body["model"].get<std::string>();
  else if (body.contains("name") && body["name"].is_string())
    name = body["name"].get<std::string>();
  if (name.empty()) throw HttpError{400, "model is required"};
  std::string want = full_name(name);
  for (const auto& m : state.models)
    if (m.info.name == want) return m;
  throw HttpError{404, fmt::format("model \"{}\" not found, try pulling it first", name)};
}

bool first_use(ServerState& state, const ModelEntry& m) {
  std::lock_guard<std::mutex> lock(state.mu);
  return state.loaded.insert(m.info.name).second;
}

// `think`: bool or level string; omitted is false (the template's default) unless the
// render-think-default-on fault models Ollama's default.
bool read_think(const Json& body, const ServerState& state) {
  if (!body.contains("think") || body["think"].is_null()) return state.faults.think_default_on;
  const Json& t = body["think"];
  if (t.is_boolean()) return t.get<bool>();
  if (t.is_string()) {
    std::string s = t.get<std::string>();
    if (s == "low" || s == "medium" || s == "high" || s == "max") return true;
    throw HttpError{
        400,
        fmt::format(
            "invalid think value: \"{}\" (must be \"high\", \"medium\", \"low\", true, or false)",
            s)};
  }
  throw HttpError{400, "invalid think value: must be a boolean or a level string"};
}

SamplingOptions read_options(const Json& body) {
  SamplingOptions o;
  o.temperature = 0.8;  // Ollama's default when the request does not say
  if (!body.contains("options") || body["options"].is_null()) return o;
  const Json& opts = body["options"];
  if (!opts.is_object()) throw HttpError{400, "options must be an object"};
  auto number = [&](const char* key) -> const Json* {
    if (!opts.contains(key)) return nullptr;
    if (!opts[key].is_number())
      throw HttpError{500, fmt::format("option \"{}\" must be of type {}", key,
                                       std::string(key) == "temperature" ? "float" : "integer")};
    return &opts[key];
  };
  if (const Json* t = number("temperature")) o.temperature = t->get<double>();
  if (const Json* s = number("seed")) {
    auto seed = static_cast<int64_t>(s->get<double>());
    if (seed >= 0) o.seed = seed;
  }
  if (const Json* n = number("num_predict")) {
    auto v = static_cast<int64_t>(n->get<double>());
    o.num_predict = v < 0 ? 1 << 30 : static_cast<int>(std::min<int64_t>(v, 1 << 30));
  }
  number("num_ctx");
  number("top_k");
  if (opts.contains("stop")) {
    const Json& s = opts["stop"];
    if (s.is_string()) {
      o.stop.push_back(s.get<std::string>());
    } else if (s.is_array()) {
      for (const auto& x : s) {
        if (!x.is_string())
          throw HttpError{500, "option \"stop\" must be of type array of strings"};
        o.stop.push_back(x.get<std::string>());
      }
    } else {
      throw HttpError{500, "option \"stop\" must be of type array"};
    }
  }
  return o;
}

std::string call_id(std::string_view prompt, size_t index) {
  uint64_t h = fnv1a64(prompt, 0xcbf29ce484222325ULL + index);
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id = "call_";
  for (int i = 0; i < 8; ++i) {
    id.push_back(kAlphabet[h % 36]);
    h /= 36;
  }
  return id;
}

// Runs the model on `prompt` under the server's runtime, with latency.
struct Generation {
  Completion completion;
  ModelDurations durations;
  int64_t prompt_tokens = 0;
};

Generation generate(ServerState& state, const ModelEntry& model, const std::string& prompt,
                    const SamplingOptions& options, bool raw, bool extra_bos) {
  bool first = first_use(state, model);
  RuntimeFaults rt = state.faults.runtime;
  rt.strip_special_tokens = false;
  auto t0 = std::chrono::steady_clock::now();
  Generation g;
  g.completion = complete(prompt, options, rt);
  if (raw && state.faults.runtime.strip_special_tokens)
    g.completion.text = strip_special_tokens(g.completion.text);
  g.prompt_tokens = g.completion.prompt_tokens + (extra_bos ? 1 : 0);
  auto measured =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  g.durations = model_durations(state.latency, g.prompt_tokens, g.completion.completion_tokens,
                                first, measured);
  if (!state.latency.report_only && state.latency.kind != LatencyModel::Kind::kNone)
    std::this_thread::sleep_for(std::chrono::nanoseconds(g.durations.total_ns()));
  return g;
}

void add_metrics(Json& out, const Generation& g, int64_t total_ns) {
  out["done_reason"] = g.completion.done_reason;
  out["total_duration"] = total_ns;
  if (g.durations.load_ns > 0) out["load_duration"] = g.durations.load_ns;
  out["prompt_eval_count"] = g.prompt_tokens;
  out["prompt_eval_duration"] = g.durations.prompt_eval_ns;
  out["eval_count"] = g.completion.completion_tokens;
  out["eval_duration"] = g.durations.eval_ns;
}

Json base_chunk(const ModelEntry& model) {
  return Json{{"model", model.info.name}, {"created_at", now_rfc3339()}};
}

void send_lines(httplib::Response& res, std::vector<std::string> lines) {
  auto shared = std::make_shared<std::vector<std::string>>(std::move(lines));
  res.set_chunked_content_provider("application/x-ndjson",
                                   [shared](size_t, httplib::DataSink& sink) {
                                     for (const auto& line : *shared)
                                       if (!sink.write(line.data(), line.size())) return false;
                                     sink.done();
                                     return true;
                                   });
}

// body[key], or an empty array when the key is absent (as body.value(key, []) without the copy).
const Json& field_or_empty_array(const Json& body, const char* key) {
  static const Json kEmpty = Json::array();
  auto it = body.find(key);
  return it == body.end() ? kEmpty : *it;
}

bool stream_requested(const Json& body) {
  return !body.contains("stream") || body["stream"].is_null() || body["stream"].get<bool>();
}

std::vector<std::string> pieces_of(const std::string& text) {
  std::vector<std::string> out;
  for (auto piece : tokenize(text)) out.emplace_back(piece);
  return out;
}

void handle_chat(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  auto started = std::chrono::steady_clock::now();
  Json body = parse_body(req);
  const ModelEntry& model = find_model(state, body);
  bool think = read_think(body, state);
  SamplingOptions options = read_options(body);
  if (body.contains("stream") && !body["stream"].is_null() && !body["stream"].is_boolean())
    throw HttpError{400, "json: cannot unmarshal stream into a boolean"};
  // Read in place: the history and tools are the bulk of every request.
  const Json& messages = field_or_empty_array(body, "messages");
  if (!messages.is_array())
    throw HttpError{400, "json: cannot unmarshal messages into an array of messages"};
  for (size_t i = 0; i < messages.size(); ++i) {
    if (!messages[i].is_object())
      throw HttpError{400, fmt::format("messages[{}] is not an object", i)};
    if (messages[i].contains("tool_calls") && messages[i]["tool_calls"].is_array())
      for (const auto& c : messages[i]["tool_calls"])
        if (c.contains("function") && c["function"].contains("arguments") &&
            !c["function"]["arguments"].is_object() && !c["function"]["arguments"].is_null())
          throw HttpError{400,
                          "json: cannot unmarshal string into Go struct field "
                          "ToolCallFunction.arguments of type api.ToolCallFunctionArguments"};
  }
  const Json& tools = field_or_empty_array(body, "tools");
  if (messages.empty()) {
    Json out = base_chunk(model);
    out["message"] = Json{{"role", "assistant"}, {"content", ""}};
    out["done_reason"] = "load";
    out["done"] = true;
    res.set_content(out.dump(), kJson);
    return;
  }
  ChatRenderOptions ro;
  ro.large = model.info.large && !state.faults.small_template_on_large;
  ro.think = think;
  ro.faults = state.faults.render;
  auto prompt = render_chat_prompt(messages, tools, ro);
  if (!prompt) throw HttpError{400, prompt.error().message};
  if (body.value("_debug_render_only", false)) {
    Json out = base_chunk(model);
    out["message"] = Json{{"role", "assistant"}, {"content", ""}};
    out["done"] = true;
    out["_debug_info"] = Json{{"rendered_template", *prompt}, {"image_count", 0}};
    res.set_content(out.dump(), kJson);
    return;
  }
  Generation g = generate(state, model, *prompt, options, false, state.faults.double_bos);
  bool in_thought =
      prompt->size() >= 18 && prompt->substr(prompt->size() - 18) == "<|channel>thought\n";
  ChatParse parsed = parse_chat_completion(g.completion.text, in_thought, state.faults.parse);
  if (!think) parsed.thinking.clear();  // Ollama discards channel text when thinking is off
  Json calls = Json::array();
  for (size_t i = 0; i < parsed.calls.size(); ++i) {
    calls.push_back(Json{{"id", call_id(*prompt, i)},
                         {"function", Json{{"index", i},
                                           {"name", parsed.calls[i].name},
                                           {"arguments", parsed.calls[i].arguments}}}});
  }
  auto total_ns = [&] {
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
    return std::max<int64_t>(wall, g.durations.total_ns());
  };
  if (!stream_requested(body)) {
    Json out = base_chunk(model);
    Json msg{{"role", "assistant"}, {"content", parsed.content}};
    if (!parsed.thinking.empty()) msg["thinking"] = parsed.thinking;
    if (!calls.empty()) msg["tool_calls"] = calls;
    out["message"] = msg;
    out["done"] = true;
    add_metrics(out, g, total_ns());
    res.set_content(out.dump(), kJson);
    return;
  }
  std::vector<std::string> lines;
  auto chunk = [&](const Json& message) {
    Json c = base_chunk(model);
    c["message"] = message;
    c["done"] = false;
    lines.push_back(c.dump() + "\n");
  };
  for (const auto& piece : pieces_of(parsed.thinking))
    chunk(Json{{"role", "assistant"}, {"content", ""}, {"thinking", piece}});
  for (const auto& piece : pieces_of(parsed.content))
    chunk(Json{{"role", "assistant"}, {"content", piece}});
  if (!calls.empty()) chunk(Json{{"role", "assistant"}, {"content", ""}, {"tool_calls", calls}});
  Json last = base_chunk(model);
  last["message"] = Json{{"role", "assistant"}, {"content", ""}};
  last["done"] = true;
  add_metrics(last, g, total_ns());
  lines.push_back(last.dump() + "\n");
  send_lines(res, std::move(lines));
}

void handle_generate(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  auto started = std::chrono::steady_clock::now();
  Json body = parse_body(req);
  const ModelEntry& model = find_model(state, body);
  bool raw = body.value("raw", false);
  if (raw && (body.contains("template") || body.contains("system") || body.contains("context")))
    throw HttpError{400, "raw mode does not support template, system, or context"};
  bool think = read_think(body, state);
  SamplingOptions options = read_options(body);
  if (body.contains("prompt") && !body["prompt"].is_string())
    throw HttpError{400, "json: cannot unmarshal prompt into a string"};
  std::string user = body.value("prompt", "");
  if (user.empty()) {
    Json out = base_chunk(model);
    out["response"] = "";
    out["done"] = true;
    out["done_reason"] = "load";
    res.set_content(out.dump(), kJson);
    return;
  }
  std::string prompt = user;
  if (!raw) {
    Json messages = Json::array();
    if (body.contains("system") && body["system"].is_string())
      messages.push_back(Json{{"role", "system"}, {"content", body["system"]}});
    messages.push_back(Json{{"role", "user"}, {"content", user}});
    ChatRenderOptions ro;
    ro.large = model.info.large && !state.faults.small_template_on_large;
    ro.think = think;
    ro.faults = state.faults.render;
    auto rendered = render_chat_prompt(messages, Json::array(), ro);
    if (!rendered) throw HttpError{400, rendered.error().message};
    prompt = *rendered;
  }
  if (body.value("_debug_render_only", false)) {
    Json out = base_chunk(model);
    out["response"] = "";
    out["done"] = true;
    out["_debug_info"] = Json{{"rendered_template", prompt}, {"image_count", 0}};
    res.set_content(out.dump(), kJson);
    return;
  }
  Generation g = generate(state, model, prompt, options, raw, !raw && state.faults.double_bos);
  std::string response = g.completion.text, thinking;
  Json calls = Json::array();
  if (!raw) {
    ChatParse parsed = parse_chat_completion(g.completion.text, false, state.faults.parse);
    response = parsed.content;
    if (think) thinking = parsed.thinking;
    for (size_t i = 0; i < parsed.calls.size(); ++i)
      calls.push_back(Json{{"function", Json{{"index", i},
                                             {"name", parsed.calls[i].name},
                                             {"arguments", parsed.calls[i].arguments}}}});
  }
  auto total = std::max<int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now() - started)
                                     .count(),
                                 g.durations.total_ns());
  if (!stream_requested(body)) {
    Json out = base_chunk(model);
    out["response"] = response;
    if (!thinking.empty()) out["thinking"] = thinking;
    if (!calls.empty()) out["tool_calls"] = calls;
    out["done"] = true;
    add_metrics(out, g, total);
    res.set_content(out.dump(), kJson);
    return;
  }
  std::vector<std::string> lines;
  for (const auto& piece : pieces_of(thinking)) {
    Json c = base_chunk(model);
    c["response"] = "";
    c["thinking"] = piece;
    c["done"] = false;
    lines.push_back(c.dump() + "\n");
  }
  for (const auto& piece : pieces_of(response)) {
    Json c = base_chunk(model);
    c["response"] = piece;
    c["done"] = false;
    lines.push_back(c.dump() + "\n");
  }
  Json last = base_chunk(model);
  last["response"] = "";
  if (!calls.empty()) last["tool_calls"] = calls;
  last["done"] = true;
  add_metrics(last, g, total);
  lines.push_back(last.dump() + "\n");
  send_lines(res, std::move(lines));
}

Json details_of(const ModelEntry& m) {
  return Json{{"parent_model", ""},
              {"format", "gguf"},
              {"family", "gemma4"},
              {"families", Json::array({"gemma4"})},
              {"parameter_size", m.info.parameter_size},
              {"quantization_level", "Q4_K_M"}};
}

void handle_show(ServerState& state, const httplib::Request& req, httplib::Response& res) {
  Json body = parse_body(req);
  const ModelEntry& m = find_model(state, body);
  std::string modelfile = fmt::format(
      "# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on this, replace "
      "FROM with:\n# FROM {}\n\nFROM {}\nTEMPLATE {{{{ .Prompt }}}}\nRENDERER gemma4\nPARSER "
      "gemma4\n"
      "PARAMETER stop <turn|>\nPARAMETER temperature 1\nPARAMETER top_k 64\nPARAMETER top_p 0.95\n"
      "LICENSE \"\"\"Bakeoff control model: no weights, a deterministic policy.\"\"\"\n",
      m.info.name, m.gguf_path);
  Json out{{"license", "Bakeoff control model: no weights, a deterministic policy."},
           {"modelfile", modelfile},
           {"parameters",
            "stop                           \"<turn|>\"\ntemperature                    1\ntop_k   "
            "                       64\ntop_p                          0.95"},
           {"template", "{{ .Prompt }}"},
           {"details", details_of(m)},
           {"model_info",
            Json{{"general.architecture", "gemma4"},
                 {"general.parameter_count", m.info.parameter_count},
                 {"general.size_label", m.info.size_label},
                 {"gemma4.context_length", m.info.large ? 262144 : 131072},
                 {"gemma4.block_count", m.info.large ? 60 : 42},
                 {"tokenizer.ggml.bos_token_id", 2},
                 {"tokenizer.ggml.eos_token_id", 1},
                 {"tokenizer.ggml.add_bos_token", true},
                 {"tokenizer.chat_template", std::string(control_template(m.info.large))}}},
           {"capabilities", Json::array({"completion", "tools", "thinking"})},
           {"modified_at", "2026-07-09T00:00:00Z"}};
  res.set_content(out.dump(), kJson);
}

Json tag_of(const ModelEntry& m) {
  return Json{
      {"name", m.info.name}, {"model", m.info.name}, {"modified_at", "2026-07-09T00:00:00Z"},
      {"size", m.gguf_size}, {"digest", m.digest},   {"details", details_of(m)}};
}

// Wraps a handler with Ollama's error bodies; nothing escapes to httplib.
template <class F>
httplib::Server::Handler guarded(ServerState& state, F f) {
  return [&state, f](const httplib::Request& req, httplib::Response& res) {
    try {
      f(state, req, res);
    } catch (const HttpError& e) {
      send_error(res, e.status, e.message);
    } catch (const std::exception& e) {
      send_error(res, 500, std::string("internal error: ") + e.what());
    }
  };
}

}  // namespace

void install_routes(httplib::Server& http, ServerState& state) {
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("Ollama is running", "text/plain; charset=utf-8");
  });
  http.Get("/api/version", [&state](const httplib::Request&, httplib::Response& res) {
    res.set_content(Json{{"version", state.version}}.dump(), kJson);
  });
  http.Get("/api/tags", [&state](const httplib::Request&, httplib::Response& res) {
    Json models = Json::array();
    for (const auto& m : state.models) models.push_back(tag_of(m));
    res.set_content(Json{{"models", models}}.dump(), kJson);
  });
  http.Get("/api/ps", [&state](const httplib::Request&, httplib::Response& res) {
    Json models = Json::array();
    std::lock_guard<std::mutex> lock(state.mu);
    for (const auto& m : state.models) {
      if (state.loaded.count(m.info.name) == 0) continue;
      Json t = tag_of(m);
      t["expires_at"] = "2099-01-01T00:00:00Z";
      t["size_vram"] = 0;
      t["context_length"] = 8192;
      models.push_back(t);
    }
    res.set_content(Json{{"models", models}}.dump(), kJson);
  });
  http.Post("/api/chat", guarded(state, handle_chat));
  http.Post("/api/generate", guarded(state, handle_generate));
  http.Post("/api/show", guarded(state, handle_show));
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) res.set_content("404 page not found", "text/plain; charset=utf-8");
  });
}

}  // namespace bakeoff::control
