// A client for a reference bridge: a subprocess (bridges/hf_reference.py) speaking JSON lines on
// its stdin/stdout. One request line in, one response line out, matched by "id". The bridge
// runs the reference implementation (HF transformers in bf16 with the canonical template), so
// nothing of Ollama, llama.cpp or GGUF quantization sits between the prompt and the tokens.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::backends {

struct BridgeOptions {
  std::vector<std::string> argv;  // e.g. {"python3", ".../hf_reference.py", "--model", DIR}
  double ready_timeout_s = 600;   // loading weights can take minutes
  double request_timeout_s = 600;
};

class ReferenceBridge {
 public:
  // Starts the process and waits for its {"event":"ready"} line. Errors: "env_missing" (cannot
  // exec, or the process exited before ready: the message carries its stderr tail), "timeout",
  // "malformed_body" (the ready line is not JSON).
  static Result<std::unique_ptr<ReferenceBridge>> start(const BridgeOptions& options);
  ~ReferenceBridge();
  ReferenceBridge(const ReferenceBridge&) = delete;
  ReferenceBridge& operator=(const ReferenceBridge&) = delete;

  const Json& ready_info() const { return ready_; }

  // Sends `request` (an object with "op"; the id is added) and returns the response object.
  // A response carrying "error" becomes Error{"bridge_" + kind, message}; a dead or silent
  // bridge becomes "bridge_exited" / "timeout"; a non-JSON line "malformed_body".
  Result<Json> call(Json request);

  // The last lines the bridge wrote to stderr (kept for error messages).
  std::string stderr_tail() const;

 private:
  // NOLINTNEXTLINE(bugprone-exception-escape): an empty Json and strings; nothing allocates.
  ReferenceBridge() noexcept = default;
  Result<std::string> read_line(double timeout_s);
  void drain_stderr();

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  int err_child_ = -1;
  std::string out_buf_;
  std::string err_buf_;
  Json ready_;
  long next_id_ = 0;
  double request_timeout_s_ = 600;
};

}  // namespace bakeoff::backends
