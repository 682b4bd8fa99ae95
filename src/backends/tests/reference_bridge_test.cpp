#include "backends/reference_bridge.h"

#include <gtest/gtest.h>

#include <string>

namespace bakeoff::backends {
namespace {

// A fake bridge in Python: the protocol is what is under test, not a model.
const char* kFake = R"PY(
import json, sys
print(json.dumps({"event": "ready", "model": "fake"}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    if req["op"] == "echo":
        print(json.dumps({"id": req["id"], "text": req["text"]}), flush=True)
    elif req["op"] == "fail":
        print(json.dumps({"id": req["id"], "error": {"kind": "generate", "message": "boom"}}), flush=True)
    elif req["op"] == "garbage":
        print("not json", flush=True)
    elif req["op"] == "die":
        sys.stderr.write("dying on purpose\n"); sys.exit(3)
    elif req["op"] == "shutdown":
        print(json.dumps({"id": req["id"], "ok": True}), flush=True); break
)PY";

BridgeOptions fake(const char* script) {
  BridgeOptions o;
  o.argv = {BAKEOFF_PYTHON, "-c", script};
  o.ready_timeout_s = 30;
  o.request_timeout_s = 30;
  return o;
}

TEST(ReferenceBridge, RoundTripsRequestsById) {
  auto bridge = ReferenceBridge::start(fake(kFake));
  ASSERT_TRUE(bridge) << bridge.error().message;
  EXPECT_EQ((*bridge)->ready_info().value("model", ""), "fake");
  auto r = (*bridge)->call({{"op", "echo"}, {"text", "<|tool_call>é"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->value("text", ""), "<|tool_call>é");
  auto r2 = (*bridge)->call({{"op", "echo"}, {"text", "second"}});
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->value("id", 0), 2);
}

TEST(ReferenceBridge, ErrorResponsesAndGarbageAreErrorsNotCrashes) {
  auto bridge = ReferenceBridge::start(fake(kFake));
  ASSERT_TRUE(bridge);
  auto failed = (*bridge)->call({{"op", "fail"}});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, "bridge_generate");
  EXPECT_EQ(failed.error().message, "boom");
  auto garbage = (*bridge)->call({{"op", "garbage"}});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, "malformed_body");
}

TEST(ReferenceBridge, DeathIsReportedWithStderr) {
  auto bridge = ReferenceBridge::start(fake(kFake));
  ASSERT_TRUE(bridge);
  auto dead = (*bridge)->call({{"op", "die"}});
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.error().kind, "bridge_exited");
  EXPECT_NE(dead.error().message.find("dying on purpose"), std::string::npos)
      << dead.error().message;
  auto after = (*bridge)->call({{"op", "echo"}, {"text", "x"}});
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().kind, "bridge_exited");
}

TEST(ReferenceBridge, MissingProgramOrEarlyExitIsEnvMissing) {
  BridgeOptions o;
  o.argv = {"/nonexistent/python3"};
  o.ready_timeout_s = 10;
  auto r = ReferenceBridge::start(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, "env_missing");
  auto early =
      ReferenceBridge::start(fake("import sys; sys.stderr.write('no torch here'); sys.exit(1)"));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().kind, "env_missing");
  EXPECT_NE(early.error().message.find("no torch here"), std::string::npos)
      << early.error().message;
}

TEST(ReferenceBridge, SilentBridgeTimesOut) {
  BridgeOptions o = fake("import time; time.sleep(30)");
  o.ready_timeout_s = 0.5;
  auto r = ReferenceBridge::start(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, "timeout");
}

}  // namespace
}  // namespace bakeoff::backends
