#include "test_support.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "common/files.h"
#include "control/chat_parser.h"
#include "control/chat_renderer.h"
#include "control/control_model.h"
#include "tasks/task.h"
#include "tasks/tools.h"

namespace bakeoff::control::testing {

Json run_oracle(const Json& cases, const std::vector<std::string>& template_paths) {
  auto dir = std::filesystem::temp_directory_path();
  auto in = dir / fmt::format("bakeoff-control-oracle-{}-{}.json", ::getpid(), std::rand());
  write_file_atomic(in, cases.dump());
  std::string cmd = fmt::format("{} {}/src/control/tests/render_oracle.py {}", BAKEOFF_PYTHON,
                                BAKEOFF_SOURCE_DIR, in.string());
  for (const auto& t : template_paths) cmd += " " + t;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int rc = ::pclose(pipe);
  std::filesystem::remove(in);
  if (rc != 0) throw std::runtime_error(fmt::format("oracle failed ({}): {}", rc, cmd));
  return Json::parse(out);
}

std::string canonical_template_path(bool large) {
  return std::string(BAKEOFF_SHARED_DIR) + "/templates/gemma4/ollama-testdata-gemma4_" +
         (large ? "31b" : "e2b") + "_chat_template.2026-07-09.jinja2";
}

std::string our_template_path(bool large) {
  return std::string(BAKEOFF_SOURCE_DIR) + "/templates/gemma4-control-" +
         (large ? "large" : "small") + ".jinja";
}

std::vector<ConversationCase> task_conversations(const std::vector<std::string>& no_id_tasks) {
  std::vector<ConversationCase> out;
  for (const auto& id : tasks::task_ids()) {
    auto task = tasks::load_task(id);
    if (!task) throw std::runtime_error("task " + id + ": " + task.error().message);
    for (bool think : {false, true}) {
      for (bool with_ids : {true, false}) {
        bool wanted =
            with_ids || std::find(no_id_tasks.begin(), no_id_tasks.end(), id) != no_id_tasks.end();
        if (!wanted) continue;
        Json messages = tasks::initial_messages(*task);
        tasks::ToolBox box(*task);
        for (int step = 1; step <= 12; ++step) {
          out.push_back({id, step, think, with_ids, messages, task->tools});
          ChatRenderOptions ro;
          ro.large = true;
          ro.think = think;
          auto prompt = render_chat_prompt(messages, task->tools, ro);
          if (!prompt) throw std::runtime_error(id + ": " + prompt.error().message);
          SamplingOptions so;
          so.stop = {"<turn|>", "<|tool_response>"};
          Completion c = complete(*prompt, so);
          bool in_thought =
              prompt->size() >= 18 && prompt->substr(prompt->size() - 18) == "<|channel>thought\n";
          ChatParse parsed = parse_chat_completion(c.text, in_thought);
          Json assistant{{"role", "assistant"}, {"content", parsed.content}};
          if (think && !parsed.thinking.empty()) assistant["reasoning_content"] = parsed.thinking;
          if (parsed.calls.empty()) {
            messages.push_back(assistant);
            break;
          }
          Json calls = Json::array();
          for (size_t k = 0; k < parsed.calls.size(); ++k) {
            Json call{{"type", "function"},
                      {"function", Json{{"name", parsed.calls[k].name},
                                        {"arguments", parsed.calls[k].arguments}}}};
            if (with_ids) call["id"] = fmt::format("call_{}_{}", step, k);
            calls.push_back(call);
          }
          assistant["tool_calls"] = calls;
          messages.push_back(assistant);
          for (size_t k = 0; k < parsed.calls.size(); ++k) {
            auto outcome = box.call(parsed.calls[k].name, parsed.calls[k].arguments);
            Json tool{
                {"role", "tool"}, {"name", parsed.calls[k].name}, {"content", outcome.result_text}};
            if (with_ids) tool["tool_call_id"] = fmt::format("call_{}_{}", step, k);
            messages.push_back(tool);
          }
        }
      }
    }
  }
  return out;
}

}  // namespace bakeoff::control::testing
