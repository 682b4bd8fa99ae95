// The control server's own JSON→native renderer for /api/chat: Ollama's role, written in C++
// and faithful byte for byte to the 2026-07-09 canonical template (and to our own template,
// templates/gemma4-control-*.jinja) unless a render fault says otherwise.
#pragma once
#include <string>

#include "common/json.h"
#include "common/result.h"
#include "control/native_text.h"

namespace bakeoff::control {

// One switch per server render fault of FAULTS.md.
struct RenderFaults {
  ValueStyle values;                 // render-key-sort-bytewise, -float-as-int, -exp-expanded
  bool drop_standard_props = false;  // render-drop-standard-props (R5)
  bool tool_response_name = false;   // render-tool-response-name (R9)
  bool trim_unicode = false;         // render-trim-unicode (R13): Go TrimSpace for user text
};

struct ChatRenderOptions {
  bool large = false;  // 12B/26B/31B generation prompt (empty thought when thinking is off)
  bool think = false;
  RenderFaults faults;
};

// Renders Ollama /api/chat messages (also accepting HF field names: reasoning_content, name) and
// OpenAI-shape tools, with the generation prompt. Errors name the offending message.
Result<std::string> render_chat_prompt(const Json& messages, const Json& tools,
                                       const ChatRenderOptions& options);

// One tool declaration as `declaration:NAME{…}` (before the template's trim).
std::string render_declaration(const Json& tool, const RenderFaults& faults = {});

}  // namespace bakeoff::control
