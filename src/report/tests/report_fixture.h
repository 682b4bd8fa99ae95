// A small run directory for the report tests: arms A, B, C × 3 repeats of "memory"; arm A's
// server renders step 2 differently (a translator divergence), and A's prompt holds `<|…|>`
// markers, quotes and a `</pre>` to prove escaping.
#pragma once
#include <filesystem>
#include <vector>

#include "../../analysis/tests/trace_builder.h"

namespace bakeoff::report::testing {

inline void write_divergent_run(const std::filesystem::path& dir) {
  using analysis::testing::make_step;
  using analysis::testing::memory_trace;
  std::vector<Json> traces;
  for (int r = 1; r <= 3; ++r) {
    for (const char* arm : {"ollama-json", "ollama-native", "control"}) {
      Json t = memory_trace(arm, r);
      if (std::string(arm) == "ollama-json") {
        for (Json& s : t["turns"]) s["completion_raw"] = nullptr;
        Json step2 = make_step(
            2,
            "<bos><|turn>system\nYou are helpful.<turn|>\n<|turn>user\nZigbee channel?<turn|>\n"
            "<|turn>model\n<|tool_call>call:memory_recall{}<tool_call|><|tool_response>"
            "\"</pre><script>alert(1)</script>\"<tool_response|>\n",
            nullptr, Json::array(), 131, 8);
        step2["content"] = "Channel 15 (mem-0001).";
        t["turns"][1] = step2;
      }
      traces.push_back(t);
    }
  }
  analysis::testing::write_run(dir, traces);
}

}  // namespace bakeoff::report::testing
