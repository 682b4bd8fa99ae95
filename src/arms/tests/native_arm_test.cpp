// Arms B (ollama-native) and C (control) end to end: template from the GGUF behind the model,
// prompt equal to Python jinja2's rendering, raw generate request shape, native parsing,
// markers_stripped, the §3.3 workaround, history hygiene and the client faults.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "arms/arm.h"
#include "common/files.h"
#include "fake_ollama.h"
#include "gguf/gguf.h"
#include "tasks/task.h"
#include "tasks/tools.h"

namespace bakeoff::arms {
namespace {

namespace fs = std::filesystem;
using testing::FakeOllama;
using testing::movie_tools;

const std::string kLarge =
    std::string(BAKEOFF_SHARED_DIR) +
    "/templates/gemma4/ollama-testdata-gemma4_31b_chat_template.2026-07-09.jinja2";

// Python jinja2 configured as transformers' apply_chat_template configures it.
constexpr const char* kOracle = R"PY(
import json, sys
from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
def raise_exception(m): raise TemplateError(m)
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
job = json.load(open(sys.argv[1], encoding="utf-8"))
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
t = env.from_string(open(job["template"], encoding="utf-8").read())
ctx = dict(messages=job["messages"], tools=job["tools"], add_generation_prompt=True,
           bos_token="<bos>", eos_token="<eos>")
ctx.update(job["extra"])
sys.stdout.buffer.write(t.render(**ctx).encode("utf-8"))
)PY";

std::string python_render(const std::string& tpl, const Json& messages, const Json& tools,
                          const Json& extra) {
  fs::path dir = fs::temp_directory_path() / "bakeoff_arms_oracle";
  fs::create_directories(dir);
  write_file_atomic(dir / "oracle.py", kOracle);
  Json job = {{"template", tpl}, {"messages", messages}, {"tools", tools}, {"extra", extra}};
  write_file_atomic(dir / "job.json", job.dump());
  std::string cmd = std::string(BAKEOFF_PYTHON) + " " + (dir / "oracle.py").string() + " " +
                    (dir / "job.json").string() + " > " + (dir / "out.txt").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return read_file(dir / "out.txt");
}

Json history() {
  return Json::parse(R"([
    {"role":"system","content":"You are a movie assistant."},
    {"role":"user","content":"Find a 2016 sci-fi film, then tell me its title."},
    {"role":"assistant","content":"","tool_calls":[{"type":"function",
      "function":{"name":"movie_search","arguments":{"query":"sci-fi","year":2016}}}]},
    {"role":"tool","name":"movie_search","content":"[{\"title\": \"Arrival\", \"year\": 2016}]"}
  ])");
}

// Serves /api/generate with `completion` and publishes a GGUF holding the large template.
struct NativeFixture {
  NativeFixture() : dir(fs::temp_directory_path() / "bakeoff_arms_native") {
    fs::create_directories(dir);
    gguf::KeyValues kv;
    kv.emplace_back("general.architecture", gguf::Value::of_string("gemma4"));
    kv.emplace_back("general.size_label", gguf::Value::of_string("31B"));
    kv.emplace_back("tokenizer.chat_template", gguf::Value::of_string(read_file(kLarge)));
    EXPECT_TRUE(gguf::write_gguf_metadata(dir / "sha256-model", kv).ok());
    fake.show = Json{{"modelfile", "# FROM gemma4:31b\nFROM " + (dir / "sha256-model").string() +
                                       "\nRENDERER gemma4\n"},
                     {"capabilities", {"completion", "tools", "thinking"}}};
    fake.server().Post("/api/generate",
                       [this](const httplib::Request& req, httplib::Response& res) {
                         fake.record("/api/generate", req.body);
                         Json line = {{"response", completion},
                                      {"done", true},
                                      {"done_reason", "stop"},
                                      {"prompt_eval_count", 900},
                                      {"eval_count", 20}};
                         if (!logprobs.is_null()) line["logprobs"] = logprobs;
                         res.set_content(line.dump() + "\n", "application/x-ndjson");
                       });
    ::setenv("OLLAMA_MODELS", "/nonexistent/ollama-models", 1);
  }
  ~NativeFixture() { fs::remove_all(dir); }
  RunSettings settings() const {
    RunSettings s;
    s.model = "gemma4:31b";
    s.host = fake.url();
    s.think = "false";
    return s;
  }
  fs::path dir;
  FakeOllama fake;
  std::string completion;
  Json logprobs;
};

TEST(NativeArmTest, PromptEqualsJinja2AndRequestIsRawWithStops) {
  NativeFixture fx;
  fx.completion = R"(<|tool_call>call:movie_search{query:<|"|>Arrival<|"|>,year:2016}<tool_call|>)";
  auto arm = make_arm("ollama-native", fx.settings());
  ASSERT_TRUE(arm.ok());
  auto facts = (*arm)->prepare();
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ((*facts)["template_origin"], "gguf:" + (fx.dir / "sha256-model").string());
  EXPECT_EQ((*facts)["size_class"], "large");
  EXPECT_EQ((*facts)["template_size_class"], "large");
  EXPECT_EQ((*facts)["model_digest"], "d1g35t");
  EXPECT_TRUE((*arm)->warnings().empty());

  ArmStep step = (*arm)->step(history(), movie_tools());
  ASSERT_FALSE(step.halt) << step.halt_detail;
  std::string expected =
      python_render(kLarge, history(), movie_tools(), {{"enable_thinking", false}});
  ASSERT_TRUE(step.rendered_prompt.has_value());
  EXPECT_EQ(*step.rendered_prompt, expected);
  EXPECT_EQ(step.prompt_capture, "ok");

  auto gens = fx.fake.requests_to("/api/generate");
  ASSERT_EQ(gens.size(), 1u);
  const Json& req = gens[0].second;
  EXPECT_EQ(req["raw"], true);
  EXPECT_EQ(req["think"], false);
  EXPECT_EQ(req["prompt"], expected);
  EXPECT_EQ(req["options"]["stop"], Json::parse(R"(["<turn|>","<|tool_response>"])"));
  EXPECT_EQ(req["options"]["num_ctx"], 8192);
  EXPECT_FALSE(req.contains("template"));

  EXPECT_EQ(step.completion_raw, fx.completion);
  ASSERT_EQ(step.tool_calls.size(), 1u);
  EXPECT_EQ(step.tool_calls[0].name, "movie_search");
  EXPECT_EQ(step.tool_calls[0].arguments, Json::parse(R"({"query":"Arrival","year":2016})"));
  EXPECT_FALSE(step.markers_stripped);
  EXPECT_EQ(step.prompt_eval_count, 900);

  // The next prompt, with the stored turn appended, still matches jinja2.
  auto stored = (*arm)->stored_turn(step);
  Json next = history();
  next.push_back(stored.message);
  next.push_back({{"role", "tool"}, {"name", "movie_search"}, {"content", "ok"}});
  ArmStep step2 = (*arm)->step(next, movie_tools());
  EXPECT_EQ(*step2.rendered_prompt,
            python_render(kLarge, next, movie_tools(), {{"enable_thinking", false}}));
}

TEST(NativeArmTest, ThinkingPrefixNeverKeptUnlessTheFaultAsksForIt) {
  NativeFixture fx;
  fx.completion = "<|channel>thought\nThe answer is Arrival.<channel|>It is Arrival.";
  RunSettings s = fx.settings();
  s.think = "true";
  auto arm = make_arm("ollama-native", s);
  ASSERT_TRUE((*arm)->prepare().ok());
  // A fresh question: the prompt ends with `<|turn>model\n`, so the completion opens its channel.
  Json first = Json::array({history()[0], history()[1]});
  ArmStep step = (*arm)->step(first, movie_tools());
  ASSERT_FALSE(step.halt) << step.halt_detail;
  EXPECT_EQ(fx.fake.requests_to("/api/generate")[0].second["think"], true);
  EXPECT_EQ(*step.rendered_prompt,
            python_render(kLarge, first, movie_tools(), {{"enable_thinking", true}}));
  EXPECT_EQ(step.thinking, "The answer is Arrival.");
  auto stored = (*arm)->stored_turn(step);
  EXPECT_EQ(stored.message["content"], "It is Arrival.");
  EXPECT_EQ(stored.message.dump().find("<|channel>"), std::string::npos);
  ASSERT_FALSE(stored.hygiene.empty());
  EXPECT_NE(stored.hygiene[0].find("dropped thinking-channel prefix"), std::string::npos);

  s.client_fault = "client-keep-channel-prefix";
  auto faulty = make_arm("ollama-native", s);
  ASSERT_TRUE((*faulty)->prepare().ok());
  ArmStep fstep = (*faulty)->step(first, movie_tools());
  auto kept = (*faulty)->stored_turn(fstep);
  EXPECT_EQ(kept.message["content"],
            "<|channel>thought\nThe answer is Arrival.<channel|>It is Arrival.");
}

TEST(NativeArmTest, StrippedMarkersAreNamedAndTheWorkaroundUsesLogprobs) {
  NativeFixture fx;
  fx.completion = "call:movie_search{query:Arrival}";
  auto arm = make_arm("ollama-native", fx.settings());
  ASSERT_TRUE((*arm)->prepare().ok());
  ArmStep step = (*arm)->step(history(), movie_tools());
  EXPECT_TRUE(step.markers_stripped);
  ASSERT_FALSE(step.parse_errors.empty());
  EXPECT_NE(step.parse_errors[0].message.find("§3.3"), std::string::npos)
      << step.parse_errors[0].message;

  RunSettings s = fx.settings();
  s.restore_markers = true;
  fx.completion = "";
  fx.logprobs = Json::parse(
      R"([{"token":"<|tool_call>","logprob":0},{"token":"call:movie_search{query:","logprob":0},
    {"token":"<|\"|>","logprob":0},{"token":"Arrival","logprob":0},{"token":"<|\"|>}","logprob":0},
    {"token":"<tool_call|>","logprob":0}])");
  auto restored = make_arm("ollama-native", s);
  ASSERT_TRUE((*restored)->prepare().ok());
  ArmStep r = (*restored)->step(history(), movie_tools());
  ASSERT_FALSE(r.halt) << r.halt_detail;
  auto gens = fx.fake.requests_to("/api/generate");
  const Json& req = gens.back().second;
  EXPECT_FALSE(req.contains("raw"));
  EXPECT_EQ(req["template"], "{{ .Prompt }}");
  EXPECT_EQ(req["logprobs"], true);
  EXPECT_EQ(r.completion_raw,
            R"(<|tool_call>call:movie_search{query:<|"|>Arrival<|"|>}<tool_call|>)");
  EXPECT_FALSE(r.markers_stripped);
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0].arguments["query"], "Arrival");
}

TEST(NativeArmTest, WrongSizeTemplateFaultIsLoudAndChangesTheGenerationPrompt) {
  NativeFixture fx;
  fx.completion = "Arrival.";
  RunSettings s = fx.settings();
  s.client_fault = "client-wrong-size-template";
  auto arm = make_arm("ollama-native", s);
  auto facts = (*arm)->prepare();
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  // The resolved template is the right one; the fault swaps the generation prompt it renders.
  EXPECT_EQ((*facts)["template_size_class"], "large");
  auto warnings = (*arm)->warnings();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("client fault: rendering the small generation prompt"),
            std::string::npos)
      << warnings[0];
  Json user_only = Json::array({history()[1]});
  ArmStep step = (*arm)->step(user_only, movie_tools());
  std::string small =
      std::string(BAKEOFF_SHARED_DIR) +
      "/templates/gemma4/ollama-testdata-gemma4_e2b_chat_template.2026-07-09.jinja2";
  EXPECT_EQ(*step.rendered_prompt,
            python_render(small, user_only, movie_tools(), {{"enable_thinking", false}}));
  EXPECT_EQ(step.rendered_prompt->find("<|channel>thought\n<channel|>"), std::string::npos);
}

TEST(NativeArmTest, TemplateErrorsAndMissingTemplates) {
  NativeFixture fx;
  write_file_atomic(fx.dir / "bad.jinja", "{{ raise_exception('no tools here') }}");
  RunSettings s = fx.settings();
  s.template_file = (fx.dir / "bad.jinja").string();
  auto arm = make_arm("ollama-native", s);
  ASSERT_TRUE((*arm)->prepare().ok());
  ArmStep step = (*arm)->step(history(), movie_tools());
  ASSERT_TRUE(step.halt.has_value());
  EXPECT_EQ(*step.halt, "template_error");
  EXPECT_NE(step.halt_detail.find("no tools here"), std::string::npos) << step.halt_detail;

  // Control arm: no server, no template anywhere → env_missing naming the places tried.
  std::string closed;
  {
    FakeOllama gone;
    closed = gone.url();
  }
  RunSettings c;
  c.model = "gemma4:31b";
  c.host = closed;
  ::unsetenv("BAKEOFF_TEMPLATE_DIR");
  auto control = make_arm("control", c);
  auto facts = (*control)->prepare();
  ASSERT_FALSE(facts.ok());
  EXPECT_EQ(facts.error().kind, "env_missing");
  EXPECT_NE(facts.error().message.find("tried"), std::string::npos);
}

TEST(NativeArmTest, ControlArmRendersTheSamePromptInProcess) {
  NativeFixture fx;
  fx.completion = "Arrival.";
  auto native = make_arm("ollama-native", fx.settings());
  ASSERT_TRUE((*native)->prepare().ok());
  ArmStep b = (*native)->step(history(), movie_tools());

  RunSettings c = fx.settings();
  c.template_file = kLarge;  // same bytes as the GGUF's template
  std::string closed;
  {
    FakeOllama gone;
    closed = gone.url();
  }
  c.host = closed;
  auto control = make_arm("control", c);
  auto facts = (*control)->prepare();
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ((*facts)["server_version"], "in-process control model");
  ArmStep step = (*control)->step(history(), movie_tools());
  ASSERT_FALSE(step.halt && *step.halt != "context_overflow") << step.halt_detail;
  EXPECT_EQ(step.rendered_prompt, b.rendered_prompt);
  EXPECT_TRUE(step.completion_raw.has_value());
  EXPECT_GT(step.prompt_eval_count, 0);
  EXPECT_NE(step.request_body.find("control::complete"), std::string::npos);
}

}  // namespace
}  // namespace bakeoff::arms

namespace bakeoff::arms {
namespace {

// Every seed task, two steps: the prompt B sends is byte-identical to Python jinja2's.
TEST(NativeArmTest, SeedTaskPromptsEqualJinja2) {
  for (const char* id : {"movies", "research", "memory", "long"}) {
    auto task = tasks::load_task(id);
    ASSERT_TRUE(task.ok()) << id << ": " << task.error().message;
    ASSERT_TRUE(task->tools.is_array() && !task->tools.empty()) << id;
    NativeFixture fx;
    std::string tool = task->tools[0]["function"]["name"].get<std::string>();
    fx.completion = "<|tool_call>call:" + tool + "{}<tool_call|>";
    auto arm = make_arm("ollama-native", fx.settings());
    ASSERT_TRUE((*arm)->prepare().ok()) << id;
    Json messages = tasks::initial_messages(*task);
    ArmStep first = (*arm)->step(messages, task->tools);
    ASSERT_FALSE(first.halt) << id << ": " << first.halt_detail;
    EXPECT_EQ(*first.rendered_prompt,
              python_render(kLarge, messages, task->tools, {{"enable_thinking", false}}))
        << id << " step 1";
    ASSERT_EQ(first.tool_calls.size(), 1u) << id;
    messages.push_back((*arm)->stored_turn(first).message);
    tasks::ToolBox box(*task);
    auto outcome = box.call(tool, Json::object());
    messages.push_back({{"role", "tool"}, {"name", tool}, {"content", outcome.result_text}});
    ArmStep second = (*arm)->step(messages, task->tools);
    ASSERT_FALSE(second.halt) << id << ": " << second.halt_detail;
    EXPECT_EQ(*second.rendered_prompt,
              python_render(kLarge, messages, task->tools, {{"enable_thinking", false}}))
        << id << " step 2";
  }
}

}  // namespace
}  // namespace bakeoff::arms
