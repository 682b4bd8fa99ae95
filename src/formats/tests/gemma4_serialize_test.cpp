// Gemma 4 serialisation: the template's forms (§9 case 2), serialize∘parse round trips on random
// nested values (fixed seeds), and byte equality with Python jinja2 rendering the 2026-07-09
// canonical template (the oracle) for calls, tool responses and tool declarations.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/json.h"
#include "formats/gemma4.h"

namespace bakeoff::formats {
namespace {

const char* const kTemplate = BAKEOFF_SHARED_DIR
    "/templates/gemma4/ollama-testdata-gemma4_31b_chat_template.2026-07-09.jinja2";

TEST(Gemma4Serialize, ReferenceCase2) {
  Json args = Json::parse(
      R"({"B":1,"a":2.0,"n":null,"big":1e16,"small":1e-05,"nested":{"Y":[1,"t",true],"x":null}})");
  EXPECT_EQ(
      gemma4::serialize_call("f", args),
      "<|tool_call>call:f{a:2.0,B:1,big:1e+16,n:null,nested:{x:null,Y:[1,<|\"|>t<|\"|>,true]},"
      "small:1e-05}<tool_call|>");
}

TEST(Gemma4Serialize, ValuesAndKeys) {
  EXPECT_EQ(gemma4::serialize_value(Json("x,y} \"q\" z")), "<|\"|>x,y} \"q\" z<|\"|>");
  EXPECT_EQ(gemma4::serialize_value(Json(false)), "false");
  EXPECT_EQ(gemma4::serialize_value(Json(-0.0)), "-0.0");
  EXPECT_EQ(gemma4::serialize_value(Json::parse(R"({"b":{"Z":1,"a":[]}})")), "{b:{a:[],Z:1}}");
  EXPECT_EQ(gemma4::serialize_value(Json::parse(R"({"b":1})"), true), "{<|\"|>b<|\"|>:1}");
  // dictsort is stable: keys equal when lowered keep their order.
  EXPECT_EQ(gemma4::serialize_value(Json::parse(R"({"b":1,"A":2,"a":3})")), "{A:2,a:3,b:1}");
  EXPECT_EQ(gemma4::serialize_call("f", nullptr), "<|tool_call>call:f{}<tool_call|>");
  EXPECT_THROW(gemma4::serialize_call("f", Json("{}")), std::invalid_argument);
  EXPECT_EQ(gemma4::format().serialize_call({"", "g", Json::parse(R"({"x":1})"), "", 0}),
            "<|tool_call>call:g{x:1}<tool_call|>");
}

TEST(Gemma4Serialize, ToolResponses) {
  EXPECT_EQ(gemma4::serialize_tool_response("read", Json("ok")),
            "<|tool_response>response:read{value:<|\"|>ok<|\"|>}<tool_response|>");
  EXPECT_EQ(gemma4::serialize_tool_response("read", Json::parse(R"({"b":1,"A":"x"})")),
            "<|tool_response>response:read{A:<|\"|>x<|\"|>,b:1}<tool_response|>");
}

// ---- random values ----

std::string random_text(std::mt19937& rng, bool for_key) {
  static const std::vector<std::string> kPieces = {"a", "B", "z", "Q",  "0",    "7",
                                                   "_", "é", "Ж", "名", "🙂", " "};
  static const std::vector<std::string> kStringOnly = {
      ",", "{", "}", "[", "]", "\"", "'", ":", "=", "\n", "\\", "<", "|>", "<|", "\t", "call:"};
  std::uniform_int_distribution<int> len(for_key ? 1 : 0, 8);
  std::string s;
  int n = len(rng);
  for (int i = 0; i < n; ++i) {
    bool special = !for_key && rng() % 3 == 0;
    const auto& pool = special ? kStringOnly : kPieces;
    s += pool[rng() % pool.size()];
  }
  // <|"|> cannot be written inside a string (§1.4): keep the pieces from forming it.
  for (size_t at; (at = s.find("<|\"|>")) != std::string::npos;) s.erase(at, 1);
  if (for_key) {
    // A bare key cannot start or end with a space (it is trimmed) or be empty.
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    if (s.empty()) s = "k";
  }
  return s;
}

Json random_value(std::mt19937& rng, int depth) {
  int kind = static_cast<int>(rng() % (depth > 3 ? 6 : 8));
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<int64_t>(rng()) - static_cast<int64_t>(rng()) * 4096;
    case 3: {
      static const double kFloats[] = {2.0, 0.1, 1e16, 1e-05, -0.0, 1234567.5, 1e300, 3.5e-320};
      if (rng() % 2 == 0) return kFloats[rng() % 8];
      std::uniform_real_distribution<double> d(-1e6, 1e6);
      return d(rng);
    }
    case 4:
    case 5:
      return random_text(rng, false);
    case 6: {
      Json a = Json::array();
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      int n = static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i) o[random_text(rng, true)] = random_value(rng, depth + 1);
      return o;
    }
  }
}

Json random_arguments(std::mt19937& rng) {
  Json o = Json::object();
  int n = 1 + static_cast<int>(rng() % 5);
  for (int i = 0; i < n; ++i) o[random_text(rng, true)] = random_value(rng, 1);
  return o;
}

// Order-insensitive, type-exact comparison (the parse keeps dictsort order, not insertion order).
bool same_value(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !same_value(it.value(), b.at(it.key()))) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!same_value(a[i], b[i])) return false;
    return true;
  }
  if (a.is_number_float()) {
    double x = a.get<double>(), y = b.get<double>();
    return x == y && std::signbit(x) == std::signbit(y);
  }
  return a == b;
}

TEST(Gemma4Serialize, SerializeThenParseRoundTrips) {
  for (unsigned seed = 1; seed <= 400; ++seed) {
    std::mt19937 rng(seed);
    Json args = random_arguments(rng);
    std::string text = gemma4::serialize_call("tool_x", args);
    auto parsed = gemma4::parse(text);
    ASSERT_TRUE(parsed.errors.empty()) << text << "\n" << parsed.errors[0].message;
    ASSERT_TRUE(parsed.repairs.empty()) << text << "\n" << parsed.repairs[0].message;
    ASSERT_EQ(parsed.tool_calls.size(), 1u) << text;
    EXPECT_EQ(parsed.tool_calls[0].name, "tool_x");
    EXPECT_TRUE(same_value(parsed.tool_calls[0].arguments, args))
        << "seed " << seed << "\n"
        << text << "\n"
        << parsed.tool_calls[0].arguments.dump();
    EXPECT_EQ(gemma4::serialize_call("tool_x", parsed.tool_calls[0].arguments), text);
  }
}

// ---- the oracle: Python jinja2 on the canonical template ----

const char* const kRenderScript = R"PY(
import json, sys, jinja2
template = jinja2.Environment().from_string(open(sys.argv[1], encoding='utf-8').read())
out = []
for c in json.load(open(sys.argv[2], encoding='utf-8')):
    call = {"id": "c1", "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
    if isinstance(c["response"], str):
        msgs = [{"role": "user", "content": "u"},
                {"role": "assistant", "content": "", "tool_calls": [call]},
                {"role": "tool", "tool_call_id": "c1", "content": c["response"]}]
    else:
        msgs = [{"role": "user", "content": "u"},
                {"role": "assistant", "content": "", "tool_calls": [call],
                 "tool_responses": [{"name": c["name"], "response": c["response"]}]}]
    out.append(template.render(messages=msgs, tools=[c["tool"]], bos_token="<bos>",
                               add_generation_prompt=False))
json.dump(out, open(sys.argv[3], "w", encoding="utf-8"))
)PY";

std::vector<Json> declaration_fixtures() {
  return {
      Json::parse(R"({"type":"function","function":{"name":"get_weather","description":"Weather",
        "parameters":{"type":"object","properties":{"city":{"type":"string","description":"City"},
        "days":{"type":"integer","minimum":1,"default":3},"Zone":{"type":"string","enum":["utc","local"]}},
        "required":["city"]}}})"),
      Json::parse(R"({"type":"function","function":{"name":"edit","description":"",
        "parameters":{"type":"object","properties":{"type":{"type":"string","description":"kind"},
        "opts":{"type":"object","properties":{"b":{"type":"boolean"},"A":{"type":"number","nullable":true}},
        "required":["b"]},"tags":{"type":"array","items":{"type":"string"}},
        "rows":{"type":"array","items":{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}},
        "maybe":{"type":["string","null"],"description":"either"},
        "listy":{"type":"array","items":{"type":["string","integer"],"enum":[1,"a"],"nested":{"K":1}}}}}}})"),
      Json::parse(R"({"type":"function","function":{"name":"no_type","description":"d",
        "parameters":{"properties":{"a":{"type":"string"}},"required":["a"]}}})"),
      Json::parse(R"({"type":"function","function":{"name":"noargs","description":"Nothing"}})"),
      Json::parse(R"({"type":"function","function":{"name":"resp","description":"r",
        "parameters":{"type":"object","properties":{}},"response":{"description":"out","type":"object"}}})"),
      Json::parse(R"({"type":"function","function":{"name":"freeform","description":"f",
        "parameters":{"type":"object","properties":{"cfg":{"type":"object","description":"any",
        "k1":{"type":"string"},"required":["k1"]}}}}})"),
  };
}

TEST(Gemma4Serialize, MatchesPythonJinja2OnTheCanonicalTemplate) {
  if (!std::filesystem::exists(kTemplate)) GTEST_SKIP() << "no " << kTemplate;
  auto dir = std::filesystem::temp_directory_path() /
             ("bakeoff_formats_oracle_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Json cases = Json::array();
  std::vector<Json> tools = declaration_fixtures();
  for (unsigned seed = 1; seed <= 120; ++seed) {
    std::mt19937 rng(static_cast<std::mt19937::result_type>(seed) * 7919U);
    Json response = seed % 3 == 0 ? random_arguments(rng) : Json(random_text(rng, false));
    cases.push_back({{"name", "t" + std::to_string(seed)},
                     {"arguments", random_arguments(rng)},
                     {"response", response},
                     {"tool", tools[seed % tools.size()]}});
  }
  write_file_atomic(dir / "render.py", kRenderScript);
  write_file_atomic(dir / "cases.json", cases.dump());
  std::string command = std::string(BAKEOFF_PYTHON) + " " + (dir / "render.py").string() + " '" +
                        kTemplate + "' " + (dir / "cases.json").string() + " " +
                        (dir / "out.json").string();
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  Json rendered = Json::parse(read_file(dir / "out.json"));
  std::filesystem::remove_all(dir);
  ASSERT_EQ(rendered.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const Json& c = cases[i];
    std::string prompt = rendered[i].get<std::string>();
    std::string name = c["name"].get<std::string>();
    std::string call = gemma4::serialize_call(name, c["arguments"]);
    std::string response = gemma4::serialize_tool_response(name, c["response"]);
    std::string declaration = gemma4::serialize_tool_declaration(c["tool"]);
    EXPECT_NE(prompt.find(declaration + "<turn|>"), std::string::npos)
        << "declaration\nours:   " << declaration << "\njinja2: " << prompt;
    std::string turn = "<|turn>model\n";
    turn += call;
    turn += response;
    EXPECT_NE(prompt.find(turn), std::string::npos)
        << "call/response\nours:   " << call << response << "\njinja2: " << prompt;
  }
}

}  // namespace
}  // namespace bakeoff::formats
