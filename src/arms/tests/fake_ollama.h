// A loopback Ollama for the arm tests: records every request body and answers with what the
// test installs.
#pragma once
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"

namespace bakeoff::arms::testing {

// The one tool the arm tests offer (movie_search, as in the movies task).
inline Json movie_tools() {
  return Json::parse(R"([{"type":"function","function":{"name":"movie_search",
    "description":"Search movies","parameters":{"type":"object","properties":{
    "query":{"type":"string","description":"words"},"year":{"type":"integer","description":"y"}},
    "required":["query"]}}}])");
}

class FakeOllama {
 public:
  FakeOllama() {
    server_.Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"version":"0.33.0-fake"})", "application/json");
    });
    server_.Get("/api/tags", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          R"({"models":[{"name":"gemma4:31b","model":"gemma4:31b","digest":"d1g35t"}]})",
          "application/json");
    });
    server_.Post("/api/show", [this](const httplib::Request& req, httplib::Response& res) {
      record("/api/show", req.body);
      res.set_content(show.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeOllama() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Server& server() { return server_; }

  void record(const std::string& path, const std::string& body) {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back({path, Json::parse(body)});
  }
  std::vector<std::pair<std::string, Json>> requests_to(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::pair<std::string, Json>> out;
    for (const auto& r : requests) {
      if (r.first == path) out.push_back(r);
    }
    return out;
  }

  Json show = Json{{"modelfile", "FROM /nonexistent/blob\n"}, {"capabilities", {"tools"}}};
  std::vector<std::pair<std::string, Json>> requests;

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
};

}  // namespace bakeoff::arms::testing
