#include "control/control_model.h"

#include <mutex>
#include <random>
#include <regex>
#include <string>

#include "control/native_text.h"
#include "control/prompt_reader.h"
#include "control/tokenizer.h"

namespace bakeoff::control {

std::vector<TaskScript> load_builtin_task_scripts();  // task_scripts.cpp

namespace {

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Draws the model's choices among equivalent behaviours. With drift armed, the first choice
// that has an alternative takes its second-best option.
class Chooser {
 public:
  Chooser(uint64_t state, bool drift) : state_(state), drift_(drift) {}
  int pick(int n) {
    int v = static_cast<int>(splitmix(state_) % static_cast<uint64_t>(n));
    if (drift_ && n > 1) {
      drift_ = false;
      v = (v + 1) % n;
    }
    return v;
  }

 private:
  uint64_t state_;
  bool drift_;
};

std::mutex& scripts_mutex() {
  static std::mutex m;
  return m;
}
std::vector<TaskScript>* g_scripts = nullptr;  // guarded by scripts_mutex()

std::string_view without_bos(std::string_view prompt) {
  while (prompt.substr(0, 5) == "<bos>") prompt.remove_prefix(5);
  return prompt;
}

// A value as the model writes it: keys in its own (insertion) order, Python number forms.
std::string emit_value(const Json& v, const std::string& quirk) {
  if (v.is_string()) {
    if (quirk == "single_quoted_values") return "'" + v.get<std::string>() + "'";
    return std::string(kQuote) + v.get<std::string>() + std::string(kQuote);
  }
  if (v.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& item : v.items()) {
      if (!first) out += ',';
      first = false;
      out +=
          item.key() + (quirk == "key_equals_value" ? "=" : ":") + emit_value(item.value(), quirk);
    }
    return out + "}";
  }
  if (v.is_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& x : v) {
      if (!first) out += ',';
      first = false;
      out += emit_value(x, quirk);
    }
    return out + "]";
  }
  return native_value(v, false);
}

// "{tool.path.0.field}" from the tool's latest result in the prompt; "<unknown>" if absent.
std::string fill_placeholders(const std::string& answer, const PromptView& view) {
  static const std::regex kPlaceholder(R"(\{([A-Za-z_][A-Za-z0-9_\-]*)\.([^{}\s]+)\})");
  std::string out;
  auto begin = std::sregex_iterator(answer.begin(), answer.end(), kPlaceholder);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += answer.substr(last, static_cast<size_t>(m.position()) - last);
    last = static_cast<size_t>(m.position() + m.length());
    std::string value = "<unknown>";
    auto found = view.latest_results.find(m[1].str());
    if (found != view.latest_results.end()) {
      const Json* cur = &found->second;
      std::string path = m[2].str();
      size_t p = 0;
      while (cur != nullptr && p <= path.size()) {
        size_t dot = path.find('.', p);
        std::string part = path.substr(p, dot == std::string::npos ? std::string::npos : dot - p);
        if (cur->is_object() && cur->contains(part)) {
          cur = &(*cur)[part];
        } else if (cur->is_array() && !part.empty() &&
                   part.find_first_not_of("0123456789") == std::string::npos &&
                   std::stoul(part) < cur->size()) {
          cur = &(*cur)[std::stoul(part)];
        } else {
          cur = nullptr;
        }
        if (dot == std::string::npos) break;
        p = dot + 1;
      }
      if (cur != nullptr) value = cur->is_string() ? cur->get<std::string>() : python_number(*cur);
      if (cur != nullptr && !cur->is_string() && !cur->is_number()) value = cur->dump();
    }
    out += value;
  }
  out += answer.substr(last);
  return out;
}

const TaskScript* find_script(const std::vector<TaskScript>& scripts, const std::string& user) {
  std::string want = python_strip(user);
  for (const auto& s : scripts)
    if (python_strip(s.user_prompt) == want) return &s;
  return nullptr;
}

struct Action {
  std::string thinking;
  std::string quirk;
  Json calls = Json::array();  // [{name, arguments}] to emit
  std::optional<std::string> answer;
};

Action plan_action(const TaskScript* script, const PromptView& view, Chooser& choose) {
  Action a;
  if (script == nullptr) {
    a.answer = view.has_user
                   ? "I am the Bakeoff control model: I only play Bakeoff's tasks, and I do not "
                     "recognise this request, so I cannot help with it."
                   : "Hello! I am the Bakeoff control model.";
    a.thinking = "This conversation is not one of my tasks.";
    return a;
  }
  const Json& traj = script->trajectory;
  size_t t = 0, c = 0;
  for (const auto& group : view.call_groups) {
    for (size_t k = 0; k < group.size(); ++k) {
      if (t >= traj.size() || !traj[t].contains("calls")) break;
      if (++c >= traj[t]["calls"].size()) {
        ++t;
        c = 0;
      }
    }
  }
  if (t >= traj.size()) {
    // Past the reference: the model repeats its final answer (or has nothing left to do).
    t = traj.empty() ? 0 : traj.size() - 1;
    if (traj.empty() || !traj[t].contains("answer")) {
      a.answer = "I have finished this task.";
      return a;
    }
  }
  const Json& entry = traj[t];
  a.thinking = entry.value("thinking", "");
  a.quirk = entry.value("quirk", "");
  if (entry.contains("answer")) {
    static const char* kLeadIns[] = {"", "Answer: ", "In short: "};
    a.answer = std::string(kLeadIns[choose.pick(3)]) +
               fill_placeholders(entry["answer"].get<std::string>(), view);
    if (a.thinking.empty()) a.thinking = "I have the tool results I need; answering now.";
    return a;
  }
  const Json& calls = entry["calls"];
  size_t first = c, count = calls.size() - c;
  // Continuing a split turn goes one call per turn; a fresh parallel_ok turn may start that way.
  bool one_by_one =
      c > 0 || (entry.value("parallel_ok", false) && calls.size() > 1 && choose.pick(2) == 1);
  if (one_by_one) count = 1;
  for (size_t k = first; k < first + count; ++k) {
    const Json& ref = calls[k];
    Json args = ref.value("arguments", Json::object());
    if (ref.contains("optional_arguments")) {
      for (const auto& opt : ref["optional_arguments"].items())
        if (choose.pick(2) == 0) args[opt.key()] = opt.value();
    }
    a.calls.push_back(Json{{"name", ref.value("name", "")}, {"arguments", args}});
  }
  if (a.thinking.empty()) a.thinking = "Next I call " + a.calls[0]["name"].get<std::string>() + ".";
  return a;
}

std::string render_action(const Action& a, const PromptView& view) {
  std::string out;
  bool inside_thought = view.tail == PromptTail::kInsideThought;
  bool leave_open = a.quirk == "call_inside_thinking" && !a.calls.empty();
  if (view.thinking_on || inside_thought) {
    if (!inside_thought) out += "<|channel>thought\n";
    out += a.thinking;
    if (!leave_open) out += "<channel|>";
  } else if (a.quirk == "empty_thought_before_call" && view.tail != PromptTail::kEmptyThought) {
    out += "<|channel>thought\n<channel|>";
  }
  if (a.answer) return out + *a.answer + "<turn|>";
  for (const auto& call : a.calls) {
    std::string args = emit_value(call["arguments"], a.quirk);
    if (a.quirk == "missing_final_brace" && !args.empty()) args.pop_back();
    out += "<|tool_call>call:" + call["name"].get<std::string>() + args + "<tool_call|>";
  }
  if (a.quirk == "extra_tool_call_close") out += "<tool_call|>";
  if (a.quirk == "content_after_call") out += "Checking that now.";
  if (a.quirk == "eos_after_call") return out + "<eos>";
  // What the model writes next if nothing stops it: an invented tool response, then more text.
  const std::string name = a.calls.empty() ? "unknown" : a.calls.back()["name"].get<std::string>();
  out += "<|tool_response>response:" + name + "{value:" + std::string(kQuote) +
         "{\"status\":\"ok\"}" + std::string(kQuote) + "}<tool_response|>That worked.<turn|>";
  return out;
}

}  // namespace

const std::vector<TaskScript>& task_scripts() {
  std::lock_guard<std::mutex> lock(scripts_mutex());
  if (g_scripts == nullptr) g_scripts = new std::vector<TaskScript>(load_builtin_task_scripts());
  return *g_scripts;
}

void set_task_scripts(std::vector<TaskScript> scripts) {
  std::lock_guard<std::mutex> lock(scripts_mutex());
  // Old vectors are kept alive: a concurrent complete() may still read them.
  g_scripts = new std::vector<TaskScript>(std::move(scripts));
}

Completion complete(std::string_view prompt, const SamplingOptions& options) {
  return complete(prompt, options, RuntimeFaults{});
}

Completion complete(std::string_view prompt, const SamplingOptions& options,
                    const RuntimeFaults& faults) {
  std::string_view body = without_bos(prompt);
  uint64_t digest = fnv1a64(body);
  uint64_t seed = 0;
  if (options.temperature > 0)
    seed = options.seed ? static_cast<uint64_t>(*options.seed) : std::random_device{}();
  uint64_t state = digest ^ (seed * 0x9e3779b97f4a7c15ULL);
  bool drift = false;
  if (faults.numeric_drift > 0) {
    uint64_t s = state ^ 0xd1f7d1f7d1f7d1f7ULL;
    double u = static_cast<double>(splitmix(s) >> 11) / 9007199254740992.0;
    drift = u < faults.numeric_drift;
  }
  PromptView view = read_prompt(body);
  const auto& scripts = task_scripts();
  Chooser choose(state, drift);
  Action action =
      plan_action(view.has_user ? find_script(scripts, view.last_user) : nullptr, view, choose);
  std::string text = render_action(action, view);

  Completion out;
  out.prompt_tokens = 1 + count_tokens(body);
  // The runtime stops on end-of-generation tokens (excluded from the text) and stop strings.
  std::vector<std::string_view> eog = {"<eos>", "<turn|>"};
  if (!faults.no_tool_response_stop) eog.push_back("<|tool_response>");
  size_t cut = std::string::npos;
  bool eog_hit = false;
  for (auto t : eog) {
    size_t at = text.find(t);
    if (at < cut) {
      cut = at;
      eog_hit = true;
    }
  }
  for (const auto& s : options.stop) {
    if (s.empty() || (faults.no_tool_response_stop && s == "<|tool_response>")) continue;
    size_t at = text.find(s);
    if (at < cut) {
      cut = at;
      eog_hit = false;
    }
  }
  if (cut != std::string::npos) text.resize(cut);
  out.done_reason = "stop";
  auto pieces = tokenize(text);
  if (options.num_predict >= 0 && pieces.size() > static_cast<size_t>(options.num_predict)) {
    size_t keep = 0;
    for (size_t i = 0; i < static_cast<size_t>(options.num_predict); ++i) keep += pieces[i].size();
    text.resize(keep);
    out.done_reason = "length";
    out.completion_tokens = options.num_predict;
  } else {
    out.completion_tokens = static_cast<int64_t>(pieces.size()) + (eog_hit ? 1 : 0);
  }
  out.text = std::move(text);
  return out;
}

}  // namespace bakeoff::control
