// Internal: what the control server's request handlers share.
#pragma once
#include <httplib.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "control/fault_selection.h"
#include "control/latency.h"
#include "control/server.h"

namespace bakeoff::control {

struct ModelEntry {
  ServedModel info;
  std::string digest;     // sha256 of its GGUF file
  std::string gguf_path;  // the modelfile's FROM
  int64_t gguf_size = 0;
};

struct ServerState {
  FaultSelection faults;
  LatencyModel latency;
  std::string version = "0.32.7-bakeoff";
  std::vector<ModelEntry> models;
  std::mutex mu;                 // guards loaded
  std::set<std::string> loaded;  // models that have served a request (load time paid)
};

void install_routes(httplib::Server& server, ServerState& state);

}  // namespace bakeoff::control
