// Which chat template a raw arm renders, and why (DESIGN.md §2). First hit wins:
//   1. --template FILE                                             origin "file:PATH"
//   2. tokenizer.chat_template of the GGUF behind the Ollama model  origin "gguf:PATH"
//      (the blob named by /api/show's modelfile FROM line, else the Ollama models directory's
//      manifest for the model: $OLLAMA_MODELS or ~/.ollama/models)
//   3. a local HF snapshot dir: chat_template.jinja, chat_template.json or
//      tokenizer_config.json's chat_template (string, or a list of named templates)
//                                                                    origin "hf:PATH[#name]"
//   4. $BAKEOFF_TEMPLATE_DIR: a file named for the model, else chat_template.jinja
//                                                                    origin "env:PATH"
// Nothing found is an Error of kind "env_missing" listing every place tried.
//
// Gemma 4 ships two templates that differ only in the generation prompt: the large one (12B,
// 26B, 31B) pre-fills an empty thought block `<|channel>thought\n<channel|>` when thinking is
// off, the small one (E2B, E4B) does not. Rendering the wrong one silently changes every prompt
// (the seed's interim sweep rendered the E4B template for 26B), so the model's size class and
// the template's are both recorded and a mismatch is a loud warning.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace bakeoff::chat {

struct ResolveInputs {
  std::string model;          // Ollama model name, e.g. "gemma4:31b"
  std::string template_file;  // --template
  std::optional<Json> show;   // the /api/show reply, when a server answered
  std::string hf_snapshot;    // a local HF snapshot directory
  // Directories; empty = from the environment ($OLLAMA_MODELS or ~/.ollama/models;
  // $BAKEOFF_TEMPLATE_DIR).
  std::string ollama_models_dir;
  std::string template_dir;
};

struct ResolvedTemplate {
  std::string text;
  std::string sha256;                 // of text
  std::string origin;                 // "file:…" | "gguf:…" | "hf:…" | "env:…"
  std::string path;                   // the file it came from
  std::string model_size_class;       // "small" | "large" | "" (unknown, or not Gemma 4)
  std::string size_class_evidence;    // e.g. "model name gemma4:31b", "parameter_size 8.0B"
  std::string template_size_class;    // from the generation prompt: "small" | "large" | ""
  std::vector<std::string> warnings;  // size-class mismatch
  std::vector<std::string> tried;     // every place looked at, in order, with what was found

  Json to_json() const;  // fingerprint fields (no text)
};

Result<ResolvedTemplate> resolve_template(const ResolveInputs& inputs);

// Size class of a Gemma 4 model from its name ("gemma4:e4b" small, "gemma4:26b-a4b" large),
// parameter size ("8.0B", "30.7B"; ≥ 12B is large) or GGUF size label ("E4B", "31B").
std::string size_class_from_name(std::string_view model);
std::string size_class_from_parameter_size(std::string_view parameter_size);
std::string size_class_from_parameter_count(int64_t parameters);

// The class of a template's generation prompt, found by rendering it (one user turn, thinking
// off): "large" when the prompt ends in the empty thought block, "small" when it ends at
// `<|turn>model\n`, "" for anything else (not Gemma 4, or the template does not render).
std::string template_size_class(std::string_view source);

// The GGUF blob paths named by FROM lines of an /api/show modelfile.
std::vector<std::string> modelfile_from_paths(std::string_view modelfile);

// The model-layer blob of `model` in an Ollama models directory, by its manifest.
std::optional<std::string> ollama_manifest_blob(std::string_view models_dir,
                                                std::string_view model);

}  // namespace bakeoff::chat
