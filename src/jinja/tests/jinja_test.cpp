// Engine behaviour that the oracle table cannot show: error positions and text, limits, hostile
// templates, options, and concurrency. Expected strings were checked against Python jinja2.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/python_text.h"
#include "jinja/jinja.h"

namespace {

using bakeoff::Json;
using bakeoff::jinja::Options;
using bakeoff::jinja::Template;
using bakeoff::jinja::TemplateError;

std::string render(const std::string& src, const Json& ctx = Json::object(), Options opt = {}) {
  auto t = Template::compile(src, opt);
  if (!t.ok()) return "COMPILE ERROR " + t.error().kind + ": " + t.error().message;
  auto r = t->render(ctx);
  if (!r.ok()) return "RENDER ERROR " + r.error().kind + ": " + r.error().message;
  return *r;
}

TemplateError error_of(const std::string& src, const Json& ctx = Json::object(), Options opt = {}) {
  auto t = Template::compile(src, opt);
  if (!t.ok()) return t.error();
  auto r = t->render(ctx);
  EXPECT_FALSE(r.ok()) << "rendered: " << (r.ok() ? *r : "");
  return r.ok() ? TemplateError{} : r.error();
}

TEST(Render, PlainTextAndVariables) {
  EXPECT_EQ(render("Hello {{ name }}!", Json{{"name", "world"}}), "Hello world!");
  EXPECT_EQ(render("{{ x }}|{{ y }}", Json{{"x", nullptr}, {"y", true}}), "None|True");
  EXPECT_EQ(render("{{ m.content }}", Json{{"m", {{"content", "hi"}}}}), "hi");
}

TEST(Render, TrailingNewlineDroppedUnlessKept) {
  EXPECT_EQ(render("a\n"), "a");
  EXPECT_EQ(render("a\n\n"), "a\n");
  Options keep;
  keep.keep_trailing_newline = true;
  EXPECT_EQ(render("a\n", Json::object(), keep), "a\n");
}

TEST(Render, CrLfTemplatesAreNormalised) {
  EXPECT_EQ(render("a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc\r\n"), "a\nb\nc");
  EXPECT_EQ(render("{{ 'x\r\ny' }}"), "x\ny");
}

TEST(Render, TrimAndLstripCanBeTurnedOff) {
  Options raw;
  raw.trim_blocks = false;
  raw.lstrip_blocks = false;
  EXPECT_EQ(render("  {% if true %}\nx{% endif %}\n", Json::object(), raw), "  \nx");
  EXPECT_EQ(render("  {% if true %}\nx{% endif %}\n"), "x");
}

TEST(Values, FloatRepr) {
  EXPECT_EQ(render("{{ 1e16 }} {{ 0.1 }} {{ -0.0 }} {{ 1e-7 }} {{ 2.0 }} {{ 1/3 }}"),
            "1e+16 0.1 -0.0 1e-07 2.0 0.3333333333333333");
  EXPECT_EQ(render("{{ x }} {{ y }}", Json{{"x", 1e308 * 10}, {"y", 123456789.123456789}}),
            "inf 123456789.12345679");
}

TEST(Values, IntegerOverflowIsAnErrorNotAWrap) {
  // Python promotes to a big int; we refuse (documented in value_ops.h) rather than wrap.
  TemplateError e = error_of("{{ 9223372036854775807 + 1 }}");
  EXPECT_EQ(e.kind, "runtime");
  EXPECT_NE(e.message.find("integer overflow"), std::string::npos);
  EXPECT_EQ(render("{{ 9223372036854775807 }} {{ -9223372036854775807 - 1 }}"),
            "9223372036854775807 -9223372036854775808");
  EXPECT_EQ(error_of("{{ 2 ** 64 }}").kind, "runtime");
}

TEST(Values, FloorDivisionAndModuloFollowPython) {
  EXPECT_EQ(render("{{ -10 // 3 }} {{ -10 % 3 }} {{ 10 % -3 }} {{ -7.5 // 2 }} {{ 7 % 2.5 }}"),
            "-4 2 -2 -4.0 2.0");
}

TEST(Values, StringsCountCodePoints) {
  EXPECT_EQ(render("{{ s|length }} {{ s[1:3] }} {{ s[::-1] }}", Json{{"s", "héllo"}}),
            "5 él olléh");
  EXPECT_EQ(render("{{ 'ß'|upper }} {{ 'ΣΑΣ'|lower }} {{ 'İ'|lower|length }}"), "SS σας 2");
}

TEST(Values, ReprOfContainers) {
  EXPECT_EQ(render("{{ x }}", Json{{"x", Json::array({1, "a", nullptr, true, 2.5})}}),
            "[1, 'a', None, True, 2.5]");
  EXPECT_EQ(render("{{ {'a': {'b': []}} }} {{ (1,) }} {{ \"it's\" }}"),
            "{'a': {'b': []}} (1,) it's");
  EXPECT_EQ(render("{{ [\"it's\"] }}"), "[\"it's\"]");
}

TEST(Errors, SyntaxErrorNamesLineColumnAndShowsTheLine) {
  auto t = Template::compile("line one\n{{ 1 + }}\n");
  ASSERT_FALSE(t.ok());
  const TemplateError& e = t.error();
  EXPECT_EQ(e.kind, "syntax");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 8);
  EXPECT_EQ(e.source_line, "{{ 1 + }}");
  EXPECT_EQ(e.to_string(),
            "line 2, column 8: unexpected 'end of print statement'\n    {{ 1 + }}\n           ^");
}

TEST(Errors, UnclosedBlockAndUnknownTag) {
  TemplateError e = error_of("{% for x in y %}\nno end");
  EXPECT_EQ(e.kind, "syntax");
  EXPECT_NE(e.message.find("endfor"), std::string::npos);
  EXPECT_EQ(error_of("{% frobnicate %}").kind, "syntax");
  EXPECT_EQ(error_of("{{ 'unterminated }}").kind, "syntax");
  EXPECT_EQ(error_of("{# never closed").kind, "syntax");
  EXPECT_EQ(error_of("{{ (1 }}").kind, "syntax");
  EXPECT_EQ(error_of("{% include 'x' %}").kind, "unsupported");
}

TEST(Errors, AFailingTestNamesItsOwnBranchLine) {
  // An elif, and an if alone in an else (one chain once parsed), fail at their own line.
  TemplateError e =
      error_of("{% if x == 1 %}a\n{% elif 4 is divisibleby %}b{% endif %}", Json{{"x", 2}});
  EXPECT_EQ(e.line, 2);
  e = error_of(
      "{% if x == 1 %}a{% else %}{% if x == 2 %}b\n{% elif 4 is divisibleby %}c{% endif %}"
      "{% endif %}",
      Json{{"x", 3}});
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.kind, "runtime");
}

TEST(Errors, RuntimeErrorPointsAtTheExpression) {
  TemplateError e = error_of("ok\n  {{ a.b.c }}", Json{{"a", Json::object()}});
  EXPECT_EQ(e.kind, "undefined");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 9);  // the `.c` applied to the undefined `a.b`
  EXPECT_EQ(e.message, "'dict object' has no attribute 'b'");
  EXPECT_EQ(error_of("{{ missing.x }}").message, "'missing' is undefined");
}

// Missing keys and attributes of context data are answered without building their message;
// the message (jinja2's) appears when the undefined value is used.
TEST(Errors, MissingAttributesOfContextDataNameWhatIsMissing) {
  const Json ctx = {{"m", {{"role", "user"}, {"content", "hi"}}}, {"l", Json::array({1, 2})}};
  EXPECT_EQ(error_of("{{ m.nope.x }}", ctx).message, "'dict object' has no attribute 'nope'");
  EXPECT_EQ(error_of("{{ m['nope'] + 1 }}", ctx).message, "'dict object' has no attribute 'nope'");
  EXPECT_EQ(error_of("{% for c in m.content %}{{ c['type'].x }}{% endfor %}", ctx).message,
            "'str object' has no attribute 'type'");
  EXPECT_EQ(error_of("{{ l.first.x }}", ctx).message, "'list object' has no attribute 'first'");
  EXPECT_EQ(error_of("{{ unset + 1 }}", ctx).message, "'unset' is undefined");
  // A name that is a method, mutator or private goes through the full rules.
  EXPECT_EQ(render("{{ m.items is defined }}{{ m['get'] is defined }}", ctx), "TrueTrue");
  EXPECT_EQ(error_of("{{ m.update({}) }}", ctx).kind, "security");
  EXPECT_EQ(render("{{ m.nope is defined }}{{ m.role }}", ctx), "Falseuser");
}

TEST(Errors, RaiseExceptionSurfacesItsMessage) {
  TemplateError e =
      error_of("{% if messages|length == 0 %}{{ raise_exception('No messages!') }}{% endif %}",
               Json{{"messages", Json::array()}});
  EXPECT_EQ(e.kind, "raise_exception");
  EXPECT_EQ(e.message, "No messages!");
  EXPECT_EQ(e.line, 1);
}

TEST(Errors, DivisionByZeroIsAnErrorNotACrash) {
  EXPECT_EQ(error_of("{{ 1 // 0 }}").kind, "runtime");
  EXPECT_EQ(error_of("{{ 1 % 0 }}").kind, "runtime");
  EXPECT_EQ(error_of("{{ 1 / 0 }}").kind, "runtime");
  EXPECT_EQ(error_of("{{ 1.5 // 0.0 }}").kind, "runtime");
  EXPECT_EQ(render("{{ -9223372036854775807 - 1 }}"), "-9223372036854775808");
  EXPECT_EQ(error_of("{{ (-9223372036854775807 - 1) // -1 }}").kind, "runtime");
}

TEST(Sandbox, PythonInternalsAreUnreachable) {
  EXPECT_EQ(render("[{{ ''.__class__ }}]"), "[]");
  EXPECT_EQ(error_of("{{ ''.__class__.__mro__ }}").kind, "security");
  EXPECT_EQ(
      error_of("{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}").kind,
      "security");
  EXPECT_EQ(error_of("{{ cycler.__init__.__globals__ }}").kind, "undefined");
  EXPECT_EQ(render("{{ '{0.__class__}'.format('x') }}|"), "|");
}

TEST(Sandbox, MutatingMethodsAreRefused) {
  EXPECT_EQ(error_of("{% set a = [1] %}{% set _ = a.append(a) %}{{ a }}").kind, "security");
  EXPECT_EQ(error_of("{% set d = {} %}{{ d.update({'a': 1}) }}").kind, "security");
  EXPECT_EQ(error_of("{{ messages.pop() }}", Json{{"messages", Json::array({1})}}).kind,
            "security");
}

TEST(Limits, RangeIsCappedLikeTheSandbox) {
  EXPECT_EQ(error_of("{% for i in range(100000000) %}{% endfor %}").kind, "limit");
  EXPECT_EQ(render("{{ range(100000)|length }}"), "100000");
}

TEST(Limits, RecursionDepth) {
  Options opt;
  opt.limits.max_recursion_depth = 20;
  TemplateError e =
      error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", Json::object(), opt);
  EXPECT_EQ(e.kind, "limit");
  EXPECT_NE(e.message.find("recursion"), std::string::npos);
  EXPECT_EQ(render("{% macro f(n) %}{% if n < 19 %}{{ f(n + 1) }}{% else %}{{ n }}{% endif %}{% "
                   "endmacro %}{{ f(0) }}",
                   Json::object(), opt),
            "19");
  // The default limit also ends unbounded recursion cleanly.
  EXPECT_EQ(error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").kind, "limit");
}

TEST(Limits, LoopIterations) {
  Options opt;
  opt.limits.max_loop_iterations = 1000;
  EXPECT_EQ(error_of("{% for a in range(100) %}{% for b in range(100) %}{% endfor %}{% endfor %}",
                     Json::object(), opt)
                .kind,
            "limit");
  EXPECT_EQ(render("{% for a in range(10) %}{% for b in range(10) %}{% endfor %}{% endfor %}ok",
                   Json::object(), opt),
            "ok");
}

TEST(Limits, OutputSize) {
  Options opt;
  opt.limits.max_output_bytes = 1000;
  EXPECT_EQ(
      error_of("{% for i in range(100) %}{{ 'x' * 50 }}{% endfor %}", Json::object(), opt).kind,
      "limit");
  EXPECT_EQ(error_of("{{ 'x' * 5000 }}", Json::object(), opt).kind, "limit");
}

TEST(Limits, StringRepetitionBomb) {
  EXPECT_EQ(error_of("{{ 'a' * 10**10 }}").kind, "limit");
  EXPECT_EQ(error_of("{{ [1] * 10**10 }}").kind, "limit");
}

TEST(Limits, WallTime) {
  Options opt;
  opt.limits.max_wall_time = std::chrono::milliseconds(20);
  TemplateError e = error_of(
      "{% for a in range(100000) %}{% for b in range(100000) %}{{ '' }}{% endfor %}{% endfor %}",
      Json::object(), opt);
  EXPECT_EQ(e.kind, "limit");
}

TEST(Hostile, DeepNestingIsALimitErrorNotAStackOverflow) {
  std::string parens = std::string(20000, '(') + "1" + std::string(20000, ')');
  EXPECT_EQ(error_of("{{ " + parens + " }}").kind, "limit");
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
  for (int i = 0; i < 5000; ++i) ifs += "{% endif %}";
  EXPECT_EQ(error_of(ifs).kind, "limit");
  std::string lists = std::string(20000, '[') + std::string(20000, ']');
  EXPECT_EQ(error_of("{{ " + lists + " }}").kind, "limit");
  std::string nots;
  for (int i = 0; i < 20000; ++i) nots += "not ";
  EXPECT_EQ(error_of("{{ " + nots + "1 }}").kind, "limit");
  std::string minus(20000, '-');
  EXPECT_EQ(error_of("{{ " + minus + "1 }}").kind, "limit");
}

TEST(Hostile, MalformedInputNeverCrashes) {
  const char* inputs[] = {"{{",
                          "{%",
                          "{#",
                          "}}",
                          "{{ }}",
                          "{% %}",
                          "{{ a[ }}",
                          "{{ a. }}",
                          "{{ 'a' ~ }}",
                          "{% for %}",
                          "{% set %}",
                          "{% macro %}",
                          "{{ 1 if }}",
                          "{{ f(a=) }}",
                          "{% endfor %}",
                          "{{ \"\\x4\" }}",
                          "{{ \"\\u12\" }}",
                          "{% raw %}x",
                          "\xff\xfe{{ 'bad utf8 \xc3' }}",
                          "{{ x|default(}}",
                          "{{ {1: } }}"};
  for (const char* in : inputs) {
    auto t = Template::compile(in);
    if (t.ok()) {
      auto r = t->render(Json::object());
      (void)r;
    } else {
      EXPECT_FALSE(t.error().message.empty()) << in;
    }
  }
}

// The word-at-a-time scan that quoting (repr, tojson) relies on agrees with a byte-by-byte one
// wherever the first special byte falls relative to the 8-byte words.
TEST(Unicode, PlainAsciiRunMatchesAByteByByteScan) {
  auto naive = [](std::string_view s, size_t from, char quote) {
    size_t i = from;
    while (i < s.size()) {
      const auto b = static_cast<unsigned char>(s[i]);
      if (b < 0x20 || b >= 0x7F || b == static_cast<unsigned char>(quote) || b == '\\') break;
      ++i;
    }
    return i;
  };
  std::mt19937 rng(7);
  const std::string specials = std::string("\"'\\\x7f\x1f\n\xc3\xa9\x80", 9);
  for (int round = 0; round < 5000; ++round) {
    std::string s(rng() % 40, 'a');
    for (auto& c : s) c = static_cast<char>(0x20 + rng() % 0x5F);
    if (!s.empty() && rng() % 4 != 0) s[rng() % s.size()] = specials[rng() % specials.size()];
    const size_t from = s.empty() ? 0 : rng() % s.size();
    for (char quote : {'"', '\''}) {
      ASSERT_EQ(bakeoff::plain_ascii_run(s, from, quote), naive(s, from, quote))
          << "string " << s << " from " << from << " quote " << quote;
    }
  }
}

TEST(Template, RendersConcurrently) {
  auto t =
      Template::compile("{% for m in messages %}{{ m.role }}:{{ m.content|upper }};{% endfor %}");
  ASSERT_TRUE(t.ok());
  Json ctx = {{"messages", Json::array({{{"role", "user"}, {"content", "hi"}},
                                        {{"role", "assistant"}, {"content", "yo"}}})}};
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<std::string> outs(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 200; ++k) outs[i] = *t->render(ctx);
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& o : outs) EXPECT_EQ(o, "user:HI;assistant:YO;");
}

TEST(Template, StrftimeNowUsesTheFixedClock) {
  Options opt;
  opt.fixed_now_epoch_s = 1767323045;  // 2026-01-02 03:04:05 UTC
  EXPECT_EQ(render("{{ strftime_now('%d %B %Y %H:%M') }}", Json::object(), opt),
            "02 January 2026 03:04");
}

}  // namespace

namespace {

TEST(Hostile, LongChainsAndDeepContextsEndInALimitError) {
  std::string chain = "{{ 'x'";
  for (int i = 0; i < 50000; ++i) chain += "|upper";
  EXPECT_EQ(error_of(chain + " }}").kind, "limit");
  std::string sum = "{{ 1";
  for (int i = 0; i < 50000; ++i) sum += " + 1";
  EXPECT_EQ(error_of(sum + " }}").kind, "limit");
  Json deep = Json::array();
  for (int i = 0; i < 10000; ++i) deep = Json::array({deep});
  EXPECT_EQ(error_of("{{ x }}", Json{{"x", deep}}).kind, "limit");
  EXPECT_EQ(render("{{ 1 + 1 + 1 + 1 }}"), "4");
}

}  // namespace
