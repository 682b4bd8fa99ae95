// The control server over real HTTP on an ephemeral loopback port.
#include <httplib.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <vector>

#include "control/chat_renderer.h"
#include "control/server.h"
#include "gguf/gguf.h"
#include "tasks/task.h"

namespace bakeoff::control {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> faults = {}, std::string latency = "none") {
    ServerOptions o;
    o.faults = std::move(faults);
    o.latency = std::move(latency);
    o.model_dir = (std::filesystem::temp_directory_path() /
                   ("bakeoff-control-test-" + std::to_string(::getpid())))
                      .string();
    server_ = std::make_unique<Server>(o);
    auto port = server_->try_start();
    ASSERT_TRUE(port.ok()) << port.error().message;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    std::error_code ec;  // the server's model directory (its GGUF and template) is ours to remove
    std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                    ("bakeoff-control-test-" + std::to_string(::getpid())),
                                ec);
  }
  httplib::Result post(const std::string& path, const Json& body) {
    return client_->Post(path.c_str(), body.dump(), "application/json");
  }
  Json memory_chat(bool stream) {
    auto task = tasks::load_task("memory");
    Json messages = tasks::initial_messages(*task);
    for (auto& m : messages)
      if (m.contains("name") && m["role"] == "tool") m["tool_name"] = m["name"];
    return Json{{"model", "gemma4:latest"},
                {"messages", messages},
                {"tools", task->tools},
                {"think", false},
                {"stream", stream},
                {"options", Json{{"temperature", 0}, {"seed", 42}, {"num_ctx", 8192}}}};
  }
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
};

std::vector<Json> ndjson(const std::string& body) {
  std::vector<Json> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(Json::parse(line));
  return out;
}

TEST_F(ServerTest, ChatNonStreamingReturnsACallWithMetrics) {
  start();
  auto r = post("/api/chat", memory_chat(false));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  Json j = Json::parse(r->body);
  EXPECT_EQ(j["model"], "gemma4:latest");
  EXPECT_TRUE(j["done"].get<bool>());
  EXPECT_EQ(j["done_reason"], "stop");
  ASSERT_EQ(j["message"]["tool_calls"].size(), 1u);
  const Json& call = j["message"]["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "memory_recall");
  EXPECT_EQ(call["function"]["index"], 0);
  EXPECT_EQ(call["function"]["arguments"]["query"], "home automation");
  EXPECT_EQ(call["id"].get<std::string>().rfind("call_", 0), 0u);
  EXPECT_GT(j["prompt_eval_count"].get<int64_t>(), 500);
  EXPECT_GT(j["eval_count"].get<int64_t>(), 3);
  EXPECT_GT(j["total_duration"].get<int64_t>(), 0);
  EXPECT_GT(j["eval_duration"].get<int64_t>(), 0);
  EXPECT_NE(j["created_at"].get<std::string>().find('T'), std::string::npos);
}

TEST_F(ServerTest, StreamingAgreesWithNonStreaming) {
  start();
  Json whole = Json::parse(post("/api/chat", memory_chat(false))->body);
  auto r = post("/api/chat", memory_chat(true));
  ASSERT_TRUE(r);
  EXPECT_NE(r->get_header_value("Content-Type").find("ndjson"), std::string::npos);
  auto chunks = ndjson(r->body);
  ASSERT_GE(chunks.size(), 2u);
  Json calls = Json::array();
  std::string content;
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i]["done"].get<bool>(), i + 1 == chunks.size());
    content += chunks[i]["message"]["content"].get<std::string>();
    if (chunks[i]["message"].contains("tool_calls"))
      for (const auto& c : chunks[i]["message"]["tool_calls"]) calls.push_back(c);
  }
  EXPECT_EQ(calls, whole["message"]["tool_calls"]);
  EXPECT_EQ(content, whole["message"]["content"]);
  EXPECT_EQ(chunks.back()["eval_count"], whole["eval_count"]);
  EXPECT_EQ(chunks.back()["prompt_eval_count"], whole["prompt_eval_count"]);
}

TEST_F(ServerTest, DebugRenderOnlyReturnsTheCanonicalPrompt) {
  start();
  Json req = memory_chat(false);
  req["_debug_render_only"] = true;
  Json j = Json::parse(post("/api/chat", req)->body);
  std::string rendered = j["_debug_info"]["rendered_template"];
  ChatRenderOptions ro;
  EXPECT_EQ(rendered, *render_chat_prompt(req["messages"], req["tools"], ro));
  EXPECT_EQ(rendered.rfind("<bos><|turn>system\n", 0), 0u);
  EXPECT_EQ(rendered.substr(rendered.size() - 13), "<|turn>model\n");
  req["model"] = "gemma4:31b";
  std::string large = Json::parse(post("/api/chat", req)->body)["_debug_info"]["rendered_template"];
  EXPECT_EQ(large, rendered + "<|channel>thought\n<channel|>");
}

TEST_F(ServerTest, RawGenerateMatchesChatAndHonoursStop) {
  start();
  Json req = memory_chat(false);
  req["_debug_render_only"] = true;
  std::string prompt =
      Json::parse(post("/api/chat", req)->body)["_debug_info"]["rendered_template"];
  Json gen{{"model", "gemma4"},
           {"prompt", prompt},
           {"raw", true},
           {"stream", false},
           {"think", false},
           {"options",
            Json{{"temperature", 0}, {"stop", Json::array({"<turn|>", "<|tool_response>"})}}}};
  Json j = Json::parse(post("/api/generate", gen)->body);
  EXPECT_EQ(j["response"],
            "<|tool_call>call:memory_recall{query:<|\"|>home automation<|\"|>}<tool_call|>");
  Json chat = Json::parse(post("/api/chat", memory_chat(false))->body);
  EXPECT_EQ(j["eval_count"], chat["eval_count"]);
  EXPECT_EQ(j["prompt_eval_count"], chat["prompt_eval_count"]);
  gen["options"]["stop"] = Json::array({"memory"});
  EXPECT_EQ(Json::parse(post("/api/generate", gen)->body)["response"], "<|tool_call>call:");
  gen["stream"] = true;
  gen["options"].erase("stop");
  auto chunks = ndjson(post("/api/generate", gen)->body);
  std::string joined;
  for (const auto& c : chunks) joined += c["response"].get<std::string>();
  EXPECT_EQ(joined, j["response"]);
  EXPECT_TRUE(chunks.back()["done"].get<bool>());
}

TEST_F(ServerTest, TemplatedGenerateRendersAUserTurn) {
  start();
  Json gen{{"model", "gemma4:latest"},
           {"prompt", "hello"},
           {"stream", false},
           {"think", false},
           {"_debug_render_only", true}};
  Json j = Json::parse(post("/api/generate", gen)->body);
  EXPECT_EQ(j["_debug_info"]["rendered_template"],
            "<bos><|turn>user\nhello<turn|>\n<|turn>model\n");
  gen.erase("_debug_render_only");
  j = Json::parse(post("/api/generate", gen)->body);
  EXPECT_NE(j["response"].get<std::string>().find("control model"), std::string::npos);
}

TEST_F(ServerTest, ShowVersionTagsAndTheModelFile) {
  start();
  auto show = post("/api/show", Json{{"model", "gemma4:latest"}});
  ASSERT_EQ(show->status, 200);
  Json j = Json::parse(show->body);
  EXPECT_EQ(j["capabilities"], Json::array({"completion", "tools", "thinking"}));
  EXPECT_EQ(j["details"]["family"], "gemma4");
  EXPECT_EQ(j["model_info"]["general.architecture"], "gemma4");
  std::string modelfile = j["modelfile"];
  size_t from = modelfile.find("\nFROM ");
  ASSERT_NE(from, std::string::npos);
  std::string path = modelfile.substr(from + 6, modelfile.find('\n', from + 1) - from - 6);
  auto meta = gguf::read_metadata(path);
  ASSERT_TRUE(meta.ok()) << path;
  EXPECT_EQ(meta->chat_template(), j["model_info"]["tokenizer.chat_template"].get<std::string>());
  EXPECT_NE(modelfile.find("RENDERER gemma4"), std::string::npos);
  auto version = client_->Get("/api/version");
  EXPECT_TRUE(Json::parse(version->body)["version"].is_string());
  Json tags = Json::parse(client_->Get("/api/tags")->body);
  bool found = false;
  for (const auto& m : tags["models"])
    found |= m["name"] == "gemma4:26b" && m["digest"].get<std::string>().size() == 64;
  EXPECT_TRUE(found);
  EXPECT_EQ(client_->Get("/")->body, "Ollama is running");
}

TEST_F(ServerTest, OllamaErrorBodiesAndStatuses) {
  start();
  auto unknown = post("/api/chat", Json{{"model", "llama3"}, {"messages", Json::array()}});
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Json::parse(unknown->body)["error"],
            "model \"llama3\" not found, try pulling it first");
  auto bad = client_->Post("/api/chat", "{not json", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(Json::parse(bad->body).contains("error"));
  auto empty = client_->Post("/api/chat", "", "application/json");
  EXPECT_EQ(empty->status, 400);
  EXPECT_EQ(Json::parse(empty->body)["error"], "missing request body");
  auto nomodel = post("/api/show", Json::object());
  EXPECT_EQ(nomodel->status, 400);
  EXPECT_EQ(Json::parse(nomodel->body)["error"], "model is required");
  auto raw = post("/api/generate",
                  Json{{"model", "gemma4"}, {"prompt", "x"}, {"raw", true}, {"system", "s"}});
  EXPECT_EQ(raw->status, 400);
  Json think = memory_chat(false);
  think["think"] = "extreme";
  EXPECT_EQ(post("/api/chat", think)->status, 400);
  Json string_args = memory_chat(false);
  string_args["messages"].push_back(Json{
      {"role", "assistant"},
      {"content", ""},
      {"tool_calls", Json::array({Json{{"function", Json{{"name", "f"}, {"arguments", "{}"}}}}})}});
  EXPECT_EQ(post("/api/chat", string_args)->status, 400);
  Json load =
      Json::parse(post("/api/chat", Json{{"model", "gemma4"}, {"messages", Json::array()}})->body);
  EXPECT_EQ(load["done_reason"], "load");
}

TEST_F(ServerTest, BadOptionsFailToStart) {
  ServerOptions o;
  o.faults = {"render-nonsense"};
  EXPECT_FALSE(Server(o).try_start().ok());
  o.faults = {};
  o.latency = "rate:0,1";
  EXPECT_FALSE(Server(o).try_start().ok());
}

TEST_F(ServerTest, LatencyModelReportsRatesAndLoadOnce) {
  start({}, "rate:1000,100,load=250,report-only");
  Json first = Json::parse(post("/api/chat", memory_chat(false))->body);
  Json second = Json::parse(post("/api/chat", memory_chat(false))->body);
  EXPECT_EQ(first["load_duration"], 250000000);
  EXPECT_FALSE(second.contains("load_duration"));
  EXPECT_EQ(first["prompt_eval_duration"], first["prompt_eval_count"].get<int64_t>() * 1000000);
  EXPECT_EQ(first["eval_duration"], first["eval_count"].get<int64_t>() * 10000000);
  EXPECT_GE(first["total_duration"].get<int64_t>(), 250000000);
}

// A keep-alive connection holds one of the server's workers for as long as it stays open. More
// clients than cpp-httplib's default pool (8 workers) must still be served at once, not after
// the others' idle timeout; and stopping the server waits on idle ones for that timeout at most.
TEST_F(ServerTest, ManyKeepAliveClientsAreServedAtOnce) {
  start();
  constexpr int kClients = 16;
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<httplib::Client>("127.0.0.1", server_->port()));
    clients.back()->set_keep_alive(true);
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 0; round < 2; ++round) {
    for (auto& c : clients) {
      auto r = c->Get("/api/version");
      ASSERT_TRUE(r) << httplib::to_string(r.error());
      EXPECT_EQ(r->status, 200);
      EXPECT_TRUE(c->is_socket_open());
    }
  }
  // Well under the server's 1 s idle timeout, which would otherwise free the workers.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 0.9);
  const auto t1 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count(), 2.0);
}

// Faults at the server level: each changes its part of the response and nothing else.
TEST_F(ServerTest, ThinkDefaultOnFaultOnlyActsWhenThinkIsOmitted) {
  start({"render-think-default-on"});
  Json req = memory_chat(false);
  req["_debug_render_only"] = true;
  req.erase("think");
  std::string omitted =
      Json::parse(post("/api/chat", req)->body)["_debug_info"]["rendered_template"];
  EXPECT_EQ(omitted.rfind("<bos><|turn>system\n<|think|>\n", 0), 0u);
  req["think"] = false;
  std::string explicit_off =
      Json::parse(post("/api/chat", req)->body)["_debug_info"]["rendered_template"];
  EXPECT_EQ(explicit_off.find("<|think|>"), std::string::npos);
}

TEST_F(ServerTest, DoubleBosAddsOnePromptTokenOnChatOnly) {
  start();
  Json base = Json::parse(post("/api/chat", memory_chat(false))->body);
  server_->stop();
  start({"render-double-bos"});
  Json faulty = Json::parse(post("/api/chat", memory_chat(false))->body);
  EXPECT_EQ(faulty["prompt_eval_count"].get<int64_t>(),
            base["prompt_eval_count"].get<int64_t>() + 1);
  EXPECT_EQ(faulty["message"], base["message"]);
}

TEST_F(ServerTest, StripSpecialTokensActsOnRawGenerate) {
  start({"runtime-strip-special-tokens"});
  Json req = memory_chat(false);
  req["_debug_render_only"] = true;
  std::string prompt =
      Json::parse(post("/api/chat", req)->body)["_debug_info"]["rendered_template"];
  Json j = Json::parse(
      post("/api/generate",
           Json{{"model", "gemma4"}, {"prompt", prompt}, {"raw", true}, {"stream", false}})
          ->body);
  EXPECT_EQ(j["response"], "call:memory_recall{query:home automation}");
  Json chat = Json::parse(post("/api/chat", memory_chat(false))->body);
  EXPECT_EQ(chat["message"]["tool_calls"].size(), 1u);  // chat keeps its preserved tokens
}

}  // namespace
}  // namespace bakeoff::control
