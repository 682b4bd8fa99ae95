// Jinja speed: our engine (through the chat layer) against Python jinja2's cached render, the
// way transformers renders (compile once, render many times).
//
//   cmake --build build --target bench_jinja -j2 && build/bench/jinja/bench_jinja
//
// Times are CPU time (the machine is shared). First the Google Benchmark cases (Gemma 4 2026-07-09
// with the `long` task's final history and all eight tools: render and compile). Then a summary
// that also runs Python (/usr/bin/python3, py_render_rate.py, about three minutes): our renders/s
// beside Python's and the ratio (target ≥ 20×); every real template (shared/templates/gemma4 and
// corpus) on three contexts — the long agent history, a task's first turn with its tools, and a
// plain 3-message chat — ours vs Python's cached render, the worst ratio per context and its
// template (target ≥ 10×); and the slowest compile (target < 1 ms).
// --no-summary skips the summary; --all-ratios lists every template's ratio, not only the six
// slowest; the usual --benchmark_* flags apply to the first part. BAKEOFF_BENCH_PYTHON_CACHE=FILE
// keeps Python's rates in FILE (measured when FILE is missing, read otherwise): for repeated
// runs while tuning our side, whose changes cannot change Python's rates.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "chat/chat_template.h"
#include "common/allocator.h"
#include "common/files.h"
#include "common/json.h"

namespace {
namespace fs = std::filesystem;
using bakeoff::Json;
using bakeoff::chat::ChatRequest;
using bakeoff::chat::ChatTemplate;

const fs::path kSourceDir = BAKEOFF_SOURCE_DIR;
const fs::path kTemplatesDir = fs::path(BAKEOFF_SHARED_DIR) / "templates";
const fs::path kGemma4 =
    kTemplatesDir / "gemma4" / "ollama-testdata-gemma4_31b_chat_template.2026-07-09.jinja2";
constexpr int64_t kNowEpochS = 1767323045;  // the differential suite's pinned clock

bakeoff::jinja::Options engine_options() {
  bakeoff::jinja::Options options;
  options.fixed_now_epoch_s = kNowEpochS;
  return options;
}

// The `long` task's final history as step 7 renders it: system prompt, FAKE_HISTORY, the task
// prompt, then the six reference tool calls with their results (bench/jinja/long_tail.json).
ChatRequest long_task_request() {
  const fs::path shared = kSourceDir / "tasks" / "shared";
  ChatRequest r;
  r.messages.push_back(
      {{"role", "system"}, {"content", bakeoff::read_file(shared / "system_prompt.txt")}});
  for (auto& m : Json::parse(bakeoff::read_file(shared / "fake_history.json")))
    r.messages.push_back(m);
  Json task = Json::parse(bakeoff::read_file(kSourceDir / "tasks" / "long.json"));
  r.messages.push_back({{"role", "user"}, {"content", task.at("prompt")}});
  for (auto& m :
       Json::parse(bakeoff::read_file(kSourceDir / "bench" / "jinja" / "long_tail.json"))) {
    r.messages.push_back(m);
  }
  r.tools = Json::parse(bakeoff::read_file(shared / "tools.json"));
  r.add_generation_prompt = true;
  r.bos_token = "<bos>";
  r.eos_token = "<eos>";
  return r;
}

// For templates that refuse the long history (strict role alternation, no tool role…).
ChatRequest plain_request() {
  ChatRequest r;
  r.messages = Json::parse(R"([{"role":"user","content":"Hello! Who are you?"},
    {"role":"assistant","content":"I am a helpful assistant."},
    {"role":"user","content":"What is 2 + 2?"}])");
  r.add_generation_prompt = true;
  r.bos_token = "<bos>";
  r.eos_token = "<eos>";
  return r;
}

// The first turn of a tool-calling task: the system prompt, the task's prompt and all eight
// tools (what jinja-engines.md §6 calls a "tools" context).
ChatRequest tools_request() {
  const fs::path shared = kSourceDir / "tasks" / "shared";
  ChatRequest r;
  r.messages.push_back(
      {{"role", "system"}, {"content", bakeoff::read_file(shared / "system_prompt.txt")}});
  Json task = Json::parse(bakeoff::read_file(kSourceDir / "tasks" / "long.json"));
  r.messages.push_back({{"role", "user"}, {"content", task.at("prompt")}});
  r.tools = Json::parse(bakeoff::read_file(shared / "tools.json"));
  r.add_generation_prompt = true;
  r.bos_token = "<bos>";
  r.eos_token = "<eos>";
  return r;
}

ChatRequest context_named(std::string_view name) {
  if (name == "plain") return plain_request();
  if (name == "tools") return tools_request();
  return long_task_request();
}

ChatTemplate compile_or_die(const fs::path& path) {
  auto t = ChatTemplate::compile(bakeoff::read_file(path), engine_options());
  if (!t) throw std::runtime_error(path.string() + ": " + t.error().to_string());
  return std::move(t).value();
}

// The timed loop of every render benchmark: `tpl` rendered with a prepared context, as Python's
// measurement passes a prepared dict (BM_BuildContext measures the chat layer's context building
// on its own). Counts renders per second and the prompt's size.
void render_loop(benchmark::State& state, const ChatTemplate& tpl, const Json& context) {
  size_t bytes = 0;
  for (auto _ : state) {
    auto out = tpl.render_context(context);
    if (!out) {
      state.SkipWithError(out.error().to_string().c_str());
      break;
    }
    bytes = out->size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["renders_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["prompt_bytes"] = static_cast<double>(bytes);
}

void BM_RenderGemma4LongHistory(benchmark::State& state) {
  render_loop(state, compile_or_die(kGemma4), bakeoff::chat::build_context(long_task_request()));
}
BENCHMARK(BM_RenderGemma4LongHistory)->Unit(benchmark::kMicrosecond);

// A small template (one loop, string concatenation): the per-message cost of the interpreter is
// all there is, and the ratio to Python is at its lowest on the long history.
void BM_RenderPhi35LongHistory(benchmark::State& state) {
  render_loop(
      state,
      compile_or_die(kTemplatesDir / "corpus" / "microsoft-Phi-3.5-mini-instruct__llama.cpp.jinja"),
      bakeoff::chat::build_context(long_task_request()));
}
BENCHMARK(BM_RenderPhi35LongHistory)->Unit(benchmark::kMicrosecond);

// Any template, for profiling one that the summary shows slow:
//   BAKEOFF_BENCH_TEMPLATE=corpus/NAME.jinja [BAKEOFF_BENCH_CONTEXT=plain|tools|long] \
//     bench_jinja --no-summary --benchmark_filter=Chosen
void BM_RenderChosenTemplate(benchmark::State& state) {
  const char* name = std::getenv("BAKEOFF_BENCH_TEMPLATE");
  if (name == nullptr) {
    state.SkipWithError("set BAKEOFF_BENCH_TEMPLATE to a path under shared/templates");
    return;
  }
  const char* which = std::getenv("BAKEOFF_BENCH_CONTEXT");
  render_loop(state, compile_or_die(kTemplatesDir / name),
              bakeoff::chat::build_context(context_named(which != nullptr ? which : "long")));
}
BENCHMARK(BM_RenderChosenTemplate)->Unit(benchmark::kMicrosecond);

void BM_CompileGemma4(benchmark::State& state) {
  std::string source = bakeoff::read_file(kGemma4);
  for (auto _ : state) {
    auto t = ChatTemplate::compile(source, engine_options());
    if (!t) {
      state.SkipWithError(t.error().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_CompileGemma4)->Unit(benchmark::kMicrosecond);

void BM_BuildContext(benchmark::State& state) {
  ChatRequest request = long_task_request();
  for (auto _ : state) benchmark::DoNotOptimize(bakeoff::chat::build_context(request));
}
BENCHMARK(BM_BuildContext)->Unit(benchmark::kMicrosecond);

// ---- summary: ours vs Python on every real template ----

struct TemplateFile {
  std::string name;
  fs::path path;
};

// Every real template, or (BAKEOFF_BENCH_ONLY=TEXT, for tuning) those whose name contains TEXT.
std::vector<TemplateFile> real_templates() {
  const char* only = std::getenv("BAKEOFF_BENCH_ONLY");
  std::vector<TemplateFile> out;
  for (const char* family : {"gemma4", "corpus"}) {
    std::vector<TemplateFile> found;
    for (const auto& e : fs::directory_iterator(kTemplatesDir / family)) {
      auto ext = e.path().extension();
      if (only != nullptr && e.path().filename().string().find(only) == std::string::npos) {
        continue;
      }
      if (e.is_regular_file() && (ext == ".jinja" || ext == ".jinja2")) {
        found.push_back({std::string(family) + "/" + e.path().filename().string(), e.path()});
      }
    }
    std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.name < b.name; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Python's records ({name, contexts: [{renders_per_s, output_bytes} or {error}]} or
// {name, error}) for these templates: one py_render_rate.py run.
std::map<std::string, Json> measure_python(const std::vector<TemplateFile>& templates,
                                           const std::vector<Json>& contexts) {
  Json job = {{"oracle_dir", (kSourceDir / "tests" / "jinja_diff").string()},
              {"now_epoch_s", kNowEpochS},
              {"min_seconds", 0.05},
              {"contexts", contexts},
              {"templates", Json::array()}};
  for (const auto& t : templates)
    job["templates"].push_back({{"name", t.name}, {"path", t.path.string()}});
  fs::path job_path =
      fs::temp_directory_path() / fmt::format("bakeoff_bench_jinja_{}.json", getpid());
  bakeoff::write_file_atomic(job_path, job.dump());
  std::string command =
      shell_quote(BAKEOFF_PYTHON) + " " +
      shell_quote((kSourceDir / "bench" / "jinja" / "py_render_rate.py").string()) + " " +
      shell_quote(job_path.string());
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    fs::remove(job_path);
    throw std::runtime_error("cannot run " + command);
  }
  std::string text;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  int status = pclose(pipe);
  fs::remove(job_path);
  if (status != 0) throw std::runtime_error(fmt::format("{} failed (status {})", command, status));
  std::map<std::string, Json> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    Json record = Json::parse(text.substr(start, end - start));
    out[record.at("name").get<std::string>()] = record;
    start = end + 1;
  }
  return out;
}

// Python's rates, measured template by template right before ours (so that a machine whose
// speed drifts over the run's minutes moves both sides of a ratio alike), or read from
// BAKEOFF_BENCH_PYTHON_CACHE when that file exists (kept there at the end otherwise).
class PythonRates {
 public:
  explicit PythonRates(const std::vector<Json>& contexts) : contexts_(contexts) {
    if (cache_ != nullptr && fs::exists(cache_)) {
      fmt::print("(Python's rates read from {})\n", cache_);
      const Json cached = Json::parse(bakeoff::read_file(cache_));
      for (const auto& [name, record] : cached.items()) records_[name] = record;
      from_cache_ = true;
    }
  }
  const Json& of(const TemplateFile& t) {
    if (!from_cache_) records_[t.name] = measure_python({t}, contexts_).at(t.name);
    return records_[t.name];
  }
  void keep() const {
    if (cache_ != nullptr && !from_cache_)
      bakeoff::write_file_atomic(cache_, Json(records_).dump());
  }

 private:
  const std::vector<Json>& contexts_;
  const char* cache_ = std::getenv("BAKEOFF_BENCH_PYTHON_CACHE");
  bool from_cache_ = false;
  std::map<std::string, Json> records_;
};

// CPU seconds of this (single-threaded) process: a busy machine slows neither side's count.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Best of five batches, each at least min_seconds of CPU long (as py_render_rate.py measures):
// noise only ever slows a batch, so the best is the steadiest estimate on a shared machine.
double our_renders_per_second(const ChatTemplate& tpl, const Json& context,
                              double min_seconds = 0.05) {
  auto batch = [&](size_t n) {
    double start = cpu_seconds();
    for (size_t i = 0; i < n; ++i) benchmark::DoNotOptimize(tpl.render_context(context));
    return cpu_seconds() - start;
  };
  size_t n = 1;
  double elapsed = batch(n);
  while (elapsed < min_seconds) {
    n = elapsed < min_seconds / 10
            ? n * 10
            : static_cast<size_t>(static_cast<double>(n) * 1.2 * min_seconds / elapsed) + 1;
    elapsed = batch(n);
  }
  double best = std::min({elapsed, batch(n), batch(n), batch(n), batch(n)});
  return static_cast<double>(n) / best;
}

// Median of 9 compiles, in CPU microseconds.
double compile_microseconds(const std::string& source) {
  std::vector<double> times;
  for (int i = 0; i < 9; ++i) {
    double start = cpu_seconds();
    auto t = ChatTemplate::compile(source, engine_options());
    times.push_back((cpu_seconds() - start) * 1e6);
    benchmark::DoNotOptimize(t);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void print_summary(bool all_ratios) {
  auto templates = real_templates();
  const std::vector<ChatRequest> contexts = {long_task_request(), tools_request(), plain_request()};
  const char* const context_names[] = {"the long task's agent history (28 messages, 8 tools)",
                                       "a task's first turn (system, user, 8 tools)",
                                       "a plain 3-message chat"};
  fmt::print(
      "\nMeasuring Python jinja2 ({}) and ours on {} templates x {} contexts, template by "
      "template…\n",
      BAKEOFF_PYTHON, templates.size(), contexts.size());
  std::fflush(stdout);
  // Each context is built once, before any template is compiled, and shared by every template,
  // as py_render_rate.py loads each once and renders the template from it.
  std::vector<Json> built;
  built.reserve(contexts.size());
  for (const auto& c : contexts) built.push_back(bakeoff::chat::build_context(c));
  PythonRates python(built);

  struct Row {
    std::string name;
    double ours = 0, theirs = 0;
  };
  std::vector<std::vector<Row>> rows(contexts.size());  // per context
  std::vector<std::string> skipped;
  double max_compile_us = 0;
  std::string max_compile_name;
  for (const auto& t : templates) {
    const Json& py = python.of(t);
    std::string source = bakeoff::read_file(t.path);
    double us = compile_microseconds(source);
    if (us > max_compile_us) max_compile_us = us, max_compile_name = t.name;
    auto compiled = ChatTemplate::compile(source, engine_options());
    if (!compiled) {
      skipped.push_back(t.name + " (ours: " + compiled.error().message + ")");
      continue;
    }
    if (!py.contains("contexts")) {
      skipped.push_back(t.name + " (Python: " + py.value("error", std::string("no answer")) + ")");
      continue;
    }
    bool any = false;
    for (size_t c = 0; c < contexts.size(); ++c) {
      const Json& rate = py.at("contexts").at(c);
      if (!rate.contains("renders_per_s")) continue;  // Python refuses this context too
      if (auto out = compiled->render(contexts[c]); !out) {
        skipped.push_back(t.name + " (ours fails where Python renders: " + out.error().message +
                          ")");
        continue;
      }
      rows[c].push_back({t.name, our_renders_per_second(*compiled, built[c]),
                         rate.at("renders_per_s").get<double>()});
      any = true;
    }
    if (!any) skipped.push_back(t.name + " (Python renders none of the contexts)");
  }
  python.keep();
  auto ratio = [](const Row& r) { return r.ours / r.theirs; };
  for (auto& per_context : rows) {
    std::sort(per_context.begin(), per_context.end(),
              [&](const Row& a, const Row& b) { return ratio(a) < ratio(b); });
  }

  const std::string gemma_name = "gemma4/" + kGemma4.filename().string();
  for (const auto& r : rows[0]) {
    if (r.name != gemma_name) continue;
    fmt::print(
        "Gemma 4 2026-07-09, long task history ({} messages, {} tools): ours {:.0f} renders/s, "
        "Python {:.0f} renders/s, ratio {:.1f}x (target >= 20x: {})\n",
        contexts[0].messages.size(), contexts[0].tools.size(), r.ours, r.theirs, ratio(r),
        ratio(r) >= 20 ? "met" : "NOT met");
  }
  for (size_t c = 0; c < contexts.size(); ++c) {
    const auto& per_context = rows[c];
    if (per_context.empty()) continue;
    fmt::print("Every real template that renders {} ({} templates), slowest ratios:\n",
               context_names[c], per_context.size());
    for (size_t i = 0; i < per_context.size() && (all_ratios || i < 6); ++i) {
      const Row& r = per_context[i];
      fmt::print("  {:7.1f}x  ours {:9.0f}/s  Python {:7.0f}/s  {}\n", ratio(r), r.ours, r.theirs,
                 r.name);
    }
    const Row& worst = per_context.front();
    const Row& median = per_context[per_context.size() / 2];
    auto below = std::count_if(per_context.begin(), per_context.end(),
                               [&](const Row& r) { return ratio(r) < 10; });
    fmt::print(
        "  worst {:.1f}x on {}, median {:.1f}x, {} of {} below 10x (target >= 10x on every "
        "template: {})\n",
        ratio(worst), worst.name, ratio(median), below, per_context.size(),
        below == 0 ? "met" : "NOT met");
  }
  fmt::print("Compile: max {:.0f} us on {} over {} templates (target < 1000 us: {})\n",
             max_compile_us, max_compile_name, templates.size(),
             max_compile_us < 1000 ? "met" : "NOT met");
  if (!skipped.empty()) {
    fmt::print("Not compared ({}):\n", skipped.size());
    for (const auto& s : skipped) fmt::print("  {}\n", s);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // As the bakeoff command does: a process that has compiled and dropped many templates would
  // otherwise trim its heap on nearly every render (common/allocator.h).
  bakeoff::keep_freed_memory();
  bool summary = true;
  bool all_ratios = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-summary") == 0) {
      summary = false;
    } else if (std::strcmp(argv[i], "--all-ratios") == 0) {
      all_ratios = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  try {
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (summary) print_summary(all_ratios);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_jinja: {}\n", e.what());
    return 1;
  }
  return 0;
}
