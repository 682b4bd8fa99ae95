// Turns `--fault ID` arguments into the switches the renderer, parser and runtime read.
#pragma once
#include <string>
#include <vector>

#include "common/result.h"
#include "control/chat_parser.h"
#include "control/chat_renderer.h"
#include "control/control_model.h"

namespace bakeoff::control {

struct FaultSelection {
  RenderFaults render;
  ParseFaults parse;
  RuntimeFaults runtime;
  bool double_bos = false;               // render-double-bos: +1 prompt token on /api/chat
  bool small_template_on_large = false;  // render-small-template-on-large
  bool think_default_on = false;         // render-think-default-on
  std::vector<std::string> client;       // client faults: the harness's (RunSettings), not ours
  std::vector<std::string> ids;          // every id as given
};

// Errors (kind "unknown_fault" / "bad_fault_parameter") name the offending id.
Result<FaultSelection> select_faults(const std::vector<std::string>& ids);

}  // namespace bakeoff::control
