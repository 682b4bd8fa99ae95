#include "backends/ollama_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bakeoff::backends {
namespace {

// A loopback HTTP server on an ephemeral port, serving whatever handlers a test installs.
class Loopback {
 public:
  Loopback() {
    // As Ollama (Go) does. Without it a kept-alive connection waits on a delayed ACK between
    // the reply's header and body writes: correct, but up to 40 ms a request.
    server_.set_tcp_nodelay(true);
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
    // Each element is one chunk on the wire; adjacent literals without a comma are one chunk
    // carrying several (partial) lines, on purpose.
    // NOLINTBEGIN(bugprone-suspicious-missing-comma)
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
    // NOLINTEND(bugprone-suspicious-missing-comma)
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

TEST(OllamaClientTest, KeepsTheConnectionAliveAndReconnectsWhenTheServerClosesIt) {
  Loopback lb;
  lb.server().set_keep_alive_max_count(3);  // the server closes every third request's connection
  std::vector<int> ports;                   // the client's port for each request
  lb.server().Get("/api/version", [&](const httplib::Request& req, httplib::Response& res) {
    ports.push_back(req.remote_port);
    res.set_content(R"({"version":"1"})", "application/json");
  });
  OllamaClient client(lb.url(), 5);
  for (int i = 0; i < 5; ++i) {
    auto v = client.version();
    ASSERT_TRUE(v.ok()) << i << ": " << v.error().message;
  }
  ASSERT_EQ(ports.size(), 5u);
  EXPECT_EQ(ports[1], ports[0]);
  EXPECT_EQ(ports[2], ports[0]);
  EXPECT_NE(ports[3], ports[0]);
  EXPECT_EQ(ports[4], ports[3]);
}

// A raw HTTP/1.1 server on an ephemeral loopback port: each accepted connection is given to
// `serve` with its index; request() reads one request (headers and Content-Length body).
class RawServer {
 public:
  explicit RawServer(std::function<void(int fd, int index)> serve) : serve_(std::move(serve)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen on a loopback port");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (int index = 0;; ++index) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        accepted_ = index + 1;
        serve_(fd, index);
        ::close(fd);
      }
    });
  }
  ~RawServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_; }

  static bool request(int fd) {
    std::string data;
    char buf[4096];
    size_t body_at = std::string::npos;
    size_t need = 0;
    while (body_at == std::string::npos || data.size() < body_at + need) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
      if (body_at == std::string::npos && (body_at = data.find("\r\n\r\n")) != std::string::npos) {
        body_at += 4;
        if (auto p = data.find("Content-Length: "); p != std::string::npos && p < body_at) {
          need = std::stoul(data.substr(p + 16));
        }
      }
    }
    return true;
  }
  static void respond(int fd, const std::string& body) {
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

 private:
  std::function<void(int, int)> serve_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// The server closes a kept-alive connection just as the next request goes out (it read the
// request, or not, and answered nothing): the client resends it once on a new connection.
TEST(OllamaClientTest, ARequestOnAConnectionTheServerClosedIsSentAgain) {
  RawServer server([](int fd, int index) {
    if (index == 0) {
      if (RawServer::request(fd)) RawServer::respond(fd, R"({"version":"1"})");
      RawServer::request(fd);  // the second request: closed unanswered
      return;
    }
    if (RawServer::request(fd)) RawServer::respond(fd, R"({"version":"2"})");
  });
  OllamaClient client(server.url(), 5);
  auto first = client.version();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, "1");
  auto second = client.version();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, "2");
  EXPECT_EQ(server.accepted(), 2);
}

// A request that times out on a kept-alive connection is not sent again: the error is the
// timeout, after one wait.
TEST(OllamaClientTest, ATimeoutOnAReusedConnectionIsNotRetried) {
  RawServer server([](int fd, int index) {
    if (index != 0) return;
    if (RawServer::request(fd)) RawServer::respond(fd, R"({"version":"1"})");
    RawServer::request(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  });
  OllamaClient client(server.url(), 0.3);
  ASSERT_TRUE(client.version().ok());
  const auto start = std::chrono::steady_clock::now();
  auto second = client.version();
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, "timeout") << second.error().message;
  EXPECT_LT(waited, 0.6);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(OllamaClientTest, WithFieldsIsDumpingAfterSettingThem) {
  const Json fields = {{"_debug_render_only", true}, {"stream", false}, {"\u00e9\"k", {1, "x"}}};
  for (const Json& object : {Json::object(), Json{{"model", "m"}, {"messages", {{{"a", "\n"}}}}}}) {
    Json expected = object;
    for (const auto& [key, value] : fields.items()) expected[key] = value;
    EXPECT_EQ(with_fields(object.dump(), fields), expected.dump());
    EXPECT_EQ(with_fields(object.dump(), Json::object()), object.dump());
  }
  EXPECT_THROW(with_fields("[1]", fields), std::invalid_argument);
  EXPECT_THROW(with_fields("", fields), std::invalid_argument);
}

TEST(OllamaClientTest, SerializedChatIsSentAsGivenAndChatAddsStream) {
  Loopback lb;
  std::vector<std::string> bodies;
  lb.server().Post("/api/chat", [&](const httplib::Request& req, httplib::Response& res) {
    bodies.push_back(req.body);
    res.set_content(R"({"message":{"content":"x"},"done":true})", "application/json");
  });
  OllamaClient client(lb.url(), 5);
  const std::string given = R"({"model":"m",  "stream":false})";
  auto r = client.chat_serialized(given);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->request_body, given);
  ASSERT_TRUE(client.chat(Json{{"stream", true}, {"model", "m"}}, false).ok());
  ASSERT_TRUE(client.chat(Json{{"model", "m"}}, true).ok());
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0], given);
  EXPECT_EQ(bodies[1], R"({"stream":false,"model":"m"})");
  EXPECT_EQ(bodies[2], R"({"model":"m","stream":true})");
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
