#include "backends/ollama_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

namespace bakeoff::backends {
namespace {

// A loopback HTTP server on an ephemeral port, serving whatever handlers a test installs.
class Loopback {
 public:
  Loopback() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost (and join() would hang).
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Loopback() {
    server_.stop();
    thread_.join();
  }
  httplib::Server& server() { return server_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Serves `pieces` as separate writes of a chunked NDJSON body.
void stream_pieces(httplib::Response& res, std::vector<std::string> pieces) {
  res.set_chunked_content_provider("application/x-ndjson",
                                   [pieces = std::move(pieces)](size_t, httplib::DataSink& sink) {
                                     for (const auto& p : pieces) {
                                       sink.write(p.data(), p.size());
                                       std::this_thread::sleep_for(std::chrono::milliseconds(2));
                                     }
                                     sink.done();
                                     return true;
                                   });
}

TEST(OllamaClientTest, NonStreamedChatReadsOmittedFieldsAsZero) {
  Loopback lb;
  Json seen;
  lb.server().Post("/api/chat", [&](const httplib::Request& req, httplib::Response& res) {
    seen = Json::parse(req.body);
    res.set_content(
        R"({"model":"m","created_at":"x","message":{"role":"assistant","content":"hi",)"
        R"("tool_calls":[{"function":{"index":0,"name":"f","arguments":{"a":1}}}]},"done":true,)"
        R"("eval_count":7})",
        "application/json");
  });
  OllamaClient client(lb.url(), 5);
  Json req = {{"model", "m"}, {"messages", Json::array()}};
  auto r = client.chat(req, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(seen["stream"], false);
  EXPECT_EQ(r->content, "hi");
  EXPECT_EQ(r->thinking, "");
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0]["function"]["arguments"]["a"], 1);
  EXPECT_FALSE(r->tool_calls[0].contains("id"));
  EXPECT_EQ(r->eval_count, 7);
  EXPECT_EQ(r->prompt_eval_count, 0);
  EXPECT_EQ(r->load_duration, 0);
  EXPECT_EQ(r->done_reason, "");
  EXPECT_TRUE(r->done);
  EXPECT_EQ(r->request_body, R"({"model":"m","messages":[],"stream":false})");
  EXPECT_NE(r->response_body.find("\"eval_count\":7"), std::string::npos);
}

TEST(OllamaClientTest, StreamedChatAccumulatesAcrossChunksAndSplitLines) {
  Loopback lb;
  lb.server().Post("/api/chat", [&](const httplib::Request& req, httplib::Response& res) {
    EXPECT_EQ(Json::parse(req.body)["stream"], true);
    stream_pieces(
        res,
        {R"({"message":{"role":"assistant","content":"","thinking":"let me "},"done":false})"
         "\n",
         R"({"message":{"role":"assistant","content":"","thinking":"think"},"done":false})"
         "\n"
         R"({"message":{"role":"assistant","content":"The"},"do)",  // split mid-line
         R"(ne":false})"
         "\n"
         R"({"message":{"role":"assistant","content":"","tool_calls":[{"id":"call_1","function":)"
         R"({"index":0,"name":"movie_search","arguments":{"query":"x","year":2016}}}]},"done":false})"
         "\r\n",
         R"({"message":{"role":"assistant","content":" end"},"done":false})"
         "\n",
         R"({"message":{"role":"assistant","content":"","tool_calls":[{"function":{"index":1,)"
         R"("name":"g","arguments":{}}}]},"done":true,"done_reason":"stop","total_duration":9,)"
         R"("load_duration":1,"prompt_eval_count":122,"prompt_eval_duration":3,"eval_count":33,)"
         R"("eval_duration":5})"});  // no trailing newline on the last line
  });
  OllamaClient client(lb.url(), 5);
  auto r = client.chat(Json{{"model", "m"}}, true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->thinking, "let me think");
  EXPECT_EQ(r->content, "The end");
  ASSERT_EQ(r->tool_calls.size(), 2u);
  EXPECT_EQ(r->tool_calls[0]["id"], "call_1");
  EXPECT_EQ(r->tool_calls[0]["function"]["arguments"]["year"], 2016);
  EXPECT_EQ(r->tool_calls[1]["function"]["name"], "g");
  EXPECT_EQ(r->done_reason, "stop");
  EXPECT_EQ(r->prompt_eval_count, 122);
  EXPECT_EQ(r->eval_count, 33);
  EXPECT_EQ(r->total_duration, 9);
  EXPECT_EQ(r->load_duration, 1);
  EXPECT_EQ(r->prompt_eval_duration, 3);
  EXPECT_EQ(r->eval_duration, 5);
  EXPECT_EQ(r->chunks, 6);
}

TEST(OllamaClientTest, AccumulatorGivesTheSameResultForEverySplitPoint) {
  std::string body =
      R"({"message":{"content":"a\nb","thinking":"t"},"done":false})"
      "\n"
      R"({"message":{"content":"","tool_calls":[{"function":{"index":0,"name":"f","arguments":{"k":"v"}}}]},"done":false})"
      "\n"
      R"({"message":{"content":"c"},"done":true,"eval_count":2})"
      "\n";
  for (size_t a = 0; a <= body.size(); ++a) {
    StreamAccumulator acc;
    acc.feed(std::string_view(body).substr(0, a));
    acc.feed(std::string_view(body).substr(a));
    auto r = acc.finish();
    ASSERT_TRUE(r.ok()) << a << ": " << r.error().message;
    EXPECT_EQ(r->content, "a\nbc");
    EXPECT_EQ(r->thinking, "t");
    EXPECT_EQ(r->tool_calls.size(), 1u);
    EXPECT_EQ(r->eval_count, 2);
    EXPECT_EQ(r->response_body, body);
  }
}

TEST(OllamaClientTest, GenerateReadsResponseAndThinking) {
  Loopback lb;
  Json seen;
  lb.server().Post("/api/generate", [&](const httplib::Request& req, httplib::Response& res) {
    seen = Json::parse(req.body);
    stream_pieces(res, {R"({"response":"<|tool_call>call:f{}","thinking":"x","done":false,)"
                        R"("logprobs":[{"token":"<|tool_call>","logprob":0},{"token":"call:f{}"}]})"
                        "\n",
                        R"({"response":"<tool_call|>","done":true,"prompt_eval_count":5})"
                        "\n"});
  });
  OllamaClient client(lb.url(), 5);
  auto r = client.generate(Json{{"model", "m"}, {"prompt", "p"}, {"raw", true}}, true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(seen["raw"], true);
  EXPECT_EQ(r->content, "<|tool_call>call:f{}<tool_call|>");
  EXPECT_EQ(r->thinking, "x");
  EXPECT_EQ(r->prompt_eval_count, 5);
  EXPECT_TRUE(r->has_logprobs);
  EXPECT_EQ(r->logprob_text, "<|tool_call>call:f{}");
}

struct ErrorCase {
  int status;
  std::string body;
  std::string kind;
  std::string message_part;
};

TEST(OllamaClientTest, StatusErrorsMapToPreciseKindsWithTheServersMessage) {
  std::vector<ErrorCase> cases = {
      {404, R"({"error":"model 'gemma9' not found"})", "model_not_found",
       "model 'gemma9' not found"},
      {404, R"({"error":"model \"x\" not found, try pulling it first"})", "model_not_found",
       "try pulling"},
      {400, R"({"error":"registry.ollama.ai/library/llama2:latest does not support tools"})",
       "tools_unsupported", "does not support tools"},
      {400, R"({"error":"invalid think value: \"maybe\""})", "http_4xx", "invalid think value"},
      {500, R"({"error":"model runner has unexpectedly stopped"})", "http_5xx", "unexpectedly"},
      {503, "server busy", "http_5xx", "server busy"},
  };
  for (const auto& c : cases) {
    Loopback lb;
    lb.server().Post("/api/chat", [&](const httplib::Request&, httplib::Response& res) {
      res.status = c.status;
      res.set_content(c.body, "application/json");
    });
    OllamaClient client(lb.url(), 5);
    for (bool stream : {false, true}) {
      auto r = client.chat(Json{{"model", "m"}}, stream);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().kind, c.kind) << c.body;
      EXPECT_EQ(r.error().http_status, c.status);
      EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << r.error().message;
      EXPECT_EQ(r.error().response_body, c.body);
      EXPECT_NE(r.error().request_body.find("\"model\":\"m\""), std::string::npos);
    }
  }
}

TEST(OllamaClientTest, ConnectionRefusedNamesTheHost) {
  std::string url;
  {
    Loopback lb;  // take a free port, then close it
    url = lb.url();
  }
  OllamaClient client(url, 2);
  auto r = client.chat(Json{{"model", "m"}}, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "connection_refused");
  EXPECT_NE(r.error().message.find(url), std::string::npos) << r.error().message;
  auto v = client.version();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, "connection_refused");
}

TEST(OllamaClientTest, SlowServerTimesOut) {
  Loopback lb;
  lb.server().Post("/api/chat", [&](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    res.set_content(R"({"message":{"content":""},"done":true})", "application/json");
  });
  OllamaClient client(lb.url(), 0.3);
  auto r = client.chat(Json{{"model", "m"}}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "timeout") << r.error().message;
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos);
}

TEST(OllamaClientTest, MalformedBodiesNameTheLineAndOffset) {
  Loopback lb;
  std::string body;
  lb.server().Post("/api/chat", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  OllamaClient client(lb.url(), 5);
  body = R"({"message":{"content":"x"},"done":false})"
         "\n"
         R"({"message":{"content":)"
         "\n";
  auto r = client.chat(Json{{"model", "m"}}, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "malformed_body");
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("byte offset"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().response_body, body);

  body = "{not json";
  r = client.chat(Json{{"model", "m"}}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "malformed_body");
  EXPECT_NE(r.error().message.find("line 1"), std::string::npos) << r.error().message;

  body = R"({"message":{"content":5},"done":true})";
  r = client.chat(Json{{"model", "m"}}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("message.\"content\" is number"), std::string::npos)
      << r.error().message;

  body = R"({"message":{"content":"x"},"done":true,"eval_count":"many"})";
  r = client.chat(Json{{"model", "m"}}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("eval_count"), std::string::npos) << r.error().message;

  body = R"({"message":{"content":"x"},"done":false})"
         "\n";  // cut before the done chunk
  r = client.chat(Json{{"model", "m"}}, true);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("without a \"done\":true"), std::string::npos);

  body = "";
  r = client.chat(Json{{"model", "m"}}, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "malformed_body");
}

TEST(OllamaClientTest, ErrorObjectMidStreamIsAnError) {
  Loopback lb;
  lb.server().Post("/api/chat", [&](const httplib::Request&, httplib::Response& res) {
    stream_pieces(res, {R"({"message":{"content":"par"},"done":false})"
                        "\n",
                        R"({"error":"model runner has unexpectedly stopped"})"
                        "\n"});
  });
  OllamaClient client(lb.url(), 5);
  auto r = client.chat(Json{{"model", "m"}}, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "http_5xx");
  EXPECT_EQ(r.error().http_status, 200);
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("unexpectedly stopped"), std::string::npos);
  EXPECT_NE(r.error().response_body.find("\"par\""), std::string::npos);
}

TEST(OllamaClientTest, ShowVersionTags) {
  Loopback lb;
  lb.server().Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"version":"0.33.0-rc2"})", "application/json");
  });
  lb.server().Get("/api/tags", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"models":[{"name":"gemma4:latest","digest":"abc"}]})", "application/json");
  });
  lb.server().Post("/api/show", [](const httplib::Request& req, httplib::Response& res) {
    if (Json::parse(req.body)["model"] != "gemma4:latest") {
      res.status = 404;
      res.set_content(R"({"error":"model 'nope' not found"})", "application/json");
      return;
    }
    res.set_content(R"({"modelfile":"FROM /blobs/sha256-1\n","capabilities":["tools"]})",
                    "application/json");
  });
  OllamaClient client(lb.url(), 5);
  auto v = client.version();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, "0.33.0-rc2");
  auto t = client.tags();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)["models"][0]["digest"], "abc");
  auto s = client.show("gemma4:latest");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["capabilities"][0], "tools");
  auto missing = client.show("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, "model_not_found");
}

TEST(OllamaClientTest, HostForms) {
  EXPECT_EQ(normalize_host("example"), "http://example:11434");
  EXPECT_EQ(normalize_host("example:8080"), "http://example:8080");
  EXPECT_EQ(normalize_host(":9000"), "http://127.0.0.1:9000");
  EXPECT_EQ(normalize_host("http://10.0.0.2:11434/"), "http://10.0.0.2:11434");
  EXPECT_EQ(normalize_host("https://ollama.example"), "https://ollama.example:443");
  EXPECT_EQ(normalize_host("[::1]:11434"), "http://[::1]:11434");
  EXPECT_EQ(normalize_host(""), "http://127.0.0.1:11434");
  ::setenv("OLLAMA_HOST", "0.0.0.0:5555", 1);
  EXPECT_EQ(resolve_host(""), "http://0.0.0.0:5555");
  EXPECT_EQ(resolve_host("other"), "http://other:11434");
  ::unsetenv("OLLAMA_HOST");
  EXPECT_EQ(resolve_host(""), "http://127.0.0.1:11434");
}

}  // namespace
}  // namespace bakeoff::backends
