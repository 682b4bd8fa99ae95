#include "chat/template_resolution.h"

#include "chat/chat_template.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "common/files.h"
#include "common/sha256.h"
#include "gguf/gguf.h"

namespace bakeoff::chat {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? std::string(v) : std::move(fallback);
}

// Reads a template out of a GGUF; nullopt with `why` when there is none.
std::optional<std::string> gguf_template(const std::string& path, std::string& why,
                                         std::optional<gguf::Metadata>& md_out) {
  auto md = gguf::read_metadata(path, gguf::ReadOptions{.max_array_items = 64});
  if (!md) {
    why = md.error().message;
    return std::nullopt;
  }
  auto tpl = md->chat_template();
  md_out = std::move(md).value();
  if (!tpl) {
    why = "GGUF has no tokenizer.chat_template";
    return std::nullopt;
  }
  return tpl;
}

// HF tokenizer_config.json `chat_template`: a string, or [{name, template}] where transformers
// picks "tool_use" when tools are given (ours always are), else "default".
std::optional<std::string> hf_config_template(const Json& config, std::string& name,
                                              std::string& why) {
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) {
    why = "no chat_template";
    return std::nullopt;
  }
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array()) {
    why = fmt::format("chat_template is {}, not a string or a list", it->type_name());
    return std::nullopt;
  }
  const Json* pick = nullptr;
  for (const char* wanted : {"tool_use", "default"}) {
    for (const Json& entry : *it) {
      if (entry.is_object() && entry.value("name", "") == wanted && entry.contains("template") &&
          entry["template"].is_string()) {
        pick = &entry;
        break;
      }
    }
    if (pick != nullptr) break;
  }
  if (pick == nullptr) {
    why = "chat_template list has no \"tool_use\" or \"default\" entry";
    return std::nullopt;
  }
  name = (*pick)["name"].get<std::string>();
  return (*pick)["template"].get<std::string>();
}

struct Found {
  std::string text, origin, path;
  std::optional<gguf::Metadata> gguf;
};

std::optional<Found> try_file(const std::string& path, std::vector<std::string>& tried,
                              std::string_view label) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    tried.push_back(fmt::format("{} {}: not found", label, path));
    return std::nullopt;
  }
  try {
    return Found{read_file(path), "", path, std::nullopt};
  } catch (const std::exception& e) {
    tried.push_back(fmt::format("{} {}: {}", label, path, e.what()));
    return std::nullopt;
  }
}

std::optional<Found> from_gguf(const ResolveInputs& in, std::vector<std::string>& tried) {
  std::vector<std::string> candidates;
  if (in.show && in.show->is_object() && (*in.show).contains("modelfile") &&
      (*in.show)["modelfile"].is_string()) {
    auto paths = modelfile_from_paths((*in.show)["modelfile"].get<std::string>());
    if (paths.empty()) tried.push_back("/api/show modelfile: no FROM path");
    candidates.insert(candidates.end(), paths.begin(), paths.end());
  } else {
    tried.push_back("/api/show: no reply (server not reachable or model unknown)");
  }
  if (!in.model.empty()) {
    std::string dir = in.ollama_models_dir;
    if (dir.empty()) {
      dir = env_or("OLLAMA_MODELS", env_or("HOME", "") + "/.ollama/models");
    }
    if (auto blob = ollama_manifest_blob(dir, in.model)) {
      candidates.push_back(*blob);
    } else {
      tried.push_back(fmt::format("Ollama models dir {}: no manifest for {}", dir, in.model));
    }
  }
  for (const auto& path : candidates) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      tried.push_back(fmt::format("GGUF {}: not a readable file here", path));
      continue;
    }
    std::string why;
    std::optional<gguf::Metadata> md;
    if (auto text = gguf_template(path, why, md)) {
      return Found{*text, "gguf:" + path, path, std::move(md)};
    }
    tried.push_back(fmt::format("GGUF {}: {}", path, why));
  }
  return std::nullopt;
}

std::optional<Found> from_hf(const std::string& dir, std::vector<std::string>& tried) {
  fs::path base(dir);
  std::error_code ec;
  if (!fs::is_directory(base, ec)) {
    tried.push_back(fmt::format("HF snapshot {}: not a directory", dir));
    return std::nullopt;
  }
  if (auto f = try_file((base / "chat_template.jinja").string(), tried, "HF")) {
    f->origin = "hf:" + f->path;
    return f;
  }
  for (const char* name : {"chat_template.json", "tokenizer_config.json"}) {
    std::string path = (base / name).string();
    auto bytes = read_file_if_exists(path);
    if (!bytes) {
      tried.push_back(fmt::format("HF {}: not found", path));
      continue;
    }
    std::string why;
    std::string entry;
    try {
      Json config = Json::parse(*bytes);
      if (auto text = hf_config_template(config, entry, why)) {
        std::string origin = "hf:" + path + (entry.empty() ? "" : "#" + entry);
        return Found{*text, origin, path, std::nullopt};
      }
    } catch (const Json::exception& e) {
      why = std::string("not valid JSON: ") + e.what();
    }
    tried.push_back(fmt::format("HF {}: {}", path, why));
  }
  return std::nullopt;
}

std::optional<Found> from_template_dir(const std::string& dir, const std::string& model,
                                       std::vector<std::string>& tried) {
  std::vector<std::string> names;
  if (!model.empty()) {
    std::string flat = model;
    std::replace(flat.begin(), flat.end(), ':', '_');
    std::replace(flat.begin(), flat.end(), '/', '_');
    std::string bare = model.substr(0, model.find(':'));
    std::replace(bare.begin(), bare.end(), '/', '_');
    for (const auto& stem : {model, flat, bare}) {
      if (stem.find('/') != std::string::npos) continue;
      for (const char* ext : {".jinja", ".jinja2"}) {
        std::string name = stem + ext;
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
  }
  names.emplace_back("chat_template.jinja");
  for (const auto& name : names) {
    if (auto f = try_file((fs::path(dir) / name).string(), tried, "$BAKEOFF_TEMPLATE_DIR")) {
      f->origin = "env:" + f->path;
      return f;
    }
  }
  return std::nullopt;
}

// The model's size class and the evidence for it, most specific first.
void classify_model(const ResolveInputs& in, const std::optional<gguf::Metadata>& md,
                    ResolvedTemplate& out) {
  if (auto c = size_class_from_name(in.model); !c.empty()) {
    out.model_size_class = c;
    out.size_class_evidence = "model name " + in.model;
    return;
  }
  if (in.show && in.show->is_object()) {
    const Json& show = *in.show;
    if (show.contains("details") && show["details"].is_object()) {
      std::string ps = show["details"].value("parameter_size", "");
      if (auto c = size_class_from_parameter_size(ps); !c.empty()) {
        out.model_size_class = c;
        out.size_class_evidence = "/api/show parameter_size " + ps;
        return;
      }
    }
  }
  if (md) {
    if (auto label = md->size_label()) {
      if (auto c = size_class_from_name(*label); !c.empty()) {
        out.model_size_class = c;
        out.size_class_evidence = "GGUF general.size_label " + *label;
        return;
      }
    }
    if (auto n = md->parameter_count()) {
      out.model_size_class = size_class_from_parameter_count(*n);
      out.size_class_evidence = fmt::format("GGUF general.parameter_count {}", *n);
    }
  }
}

}  // namespace

std::string size_class_from_name(std::string_view model) {
  std::string s = lower(model);
  // Gemma 4's "effective" sizes are small: e2b, e4b.
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    bool boundary = i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]));
    if (boundary && s[i] == 'e' && (s[i + 1] == '2' || s[i + 1] == '4') && s[i + 2] == 'b' &&
        (i + 3 == s.size() || !std::isalnum(static_cast<unsigned char>(s[i + 3])))) {
      return "small";
    }
  }
  // Otherwise the largest "<N>b" that stands alone (26b-a4b counts as 26).
  double best = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '.')) continue;
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j < s.size() && s[j] == 'b' &&
        (j + 1 == s.size() || !std::isalnum(static_cast<unsigned char>(s[j + 1])))) {
      best = std::max(best, std::atof(s.substr(i, j - i).c_str()));
    }
    i = j;
  }
  if (best < 0) return "";
  return best >= 12 ? "large" : "small";
}

std::string size_class_from_parameter_size(std::string_view parameter_size) {
  std::string s = lower(trim(parameter_size));
  if (s.empty()) return "";
  char unit = s.back();
  double n = std::atof(s.c_str());
  if (n <= 0) return "";
  if (unit == 'm') n /= 1000;
  if (unit == 't') n *= 1000;
  return n >= 12 ? "large" : "small";
}

std::string size_class_from_parameter_count(int64_t parameters) {
  if (parameters <= 0) return "";
  return parameters >= 12'000'000'000LL ? "large" : "small";
}

std::string template_size_class(std::string_view source) {
  // Ask the template itself: render one user turn with the generation prompt and thinking off,
  // and look at how the prompt ends. Source text is not matched, so templates written in any
  // style (ours, llama.cpp's copies, future revisions) classify alike.
  if (source.find("<|turn>") == std::string_view::npos) return "";
  auto compiled = ChatTemplate::compile(source);
  if (!compiled) return "";
  ChatRequest probe;
  probe.messages = Json::array({{{"role", "user"}, {"content", "size probe"}}});
  probe.add_generation_prompt = true;
  probe.bos_token = "<bos>";
  probe.eos_token = "<eos>";
  probe.extra["enable_thinking"] = false;
  auto out = compiled->render(probe);
  if (!out) return "";
  auto ends = [&](std::string_view suffix) {
    return out->size() >= suffix.size() &&
           std::string_view(*out).substr(out->size() - suffix.size()) == suffix;
  };
  if (ends("<|turn>model\n<|channel>thought\n<channel|>")) return "large";
  if (ends("<|turn>model\n")) return "small";
  return "";
}

std::vector<std::string> modelfile_from_paths(std::string_view modelfile) {
  std::vector<std::string> paths;
  size_t pos = 0;
  while (pos <= modelfile.size()) {
    size_t nl = modelfile.find('\n', pos);
    std::string line = trim(modelfile.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
    pos = nl == std::string_view::npos ? modelfile.size() + 1 : nl + 1;
    if (line.size() < 5 || lower(line.substr(0, 5)) != "from ") continue;
    std::string arg = trim(std::string_view(line).substr(5));
    if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') {
      arg = arg.substr(1, arg.size() - 2);
    }
    // A model name (gemma4:latest) is no path; blobs are absolute or relative file paths.
    if (!arg.empty() && (arg.front() == '/' || arg.front() == '.' || arg.front() == '~' ||
                         arg.find("sha256") != std::string::npos)) {
      paths.push_back(arg);
    }
  }
  return paths;
}

std::optional<std::string> ollama_manifest_blob(std::string_view models_dir,
                                                std::string_view model) {
  // name[:tag], name = [host/][namespace/]model; defaults registry.ollama.ai/library, latest.
  std::string name(model);
  std::string tag = "latest";
  size_t colon = name.rfind(':');
  if (colon != std::string::npos && name.find('/', colon) == std::string::npos) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t slash = name.find('/', start);
    parts.push_back(name.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() == 1) parts.insert(parts.begin(), "library");
  if (parts.size() == 2) parts.insert(parts.begin(), "registry.ollama.ai");
  for (const auto& p : parts) {
    if (p.empty() || p == "." || p == "..") return std::nullopt;
  }
  if (tag.empty() || tag == "." || tag == ".." || tag.find('/') != std::string::npos) {
    return std::nullopt;
  }
  fs::path manifest = fs::path(models_dir) / "manifests";
  for (const auto& p : parts) manifest /= p;
  manifest /= tag;
  auto bytes = read_file_if_exists(manifest);
  if (!bytes) return std::nullopt;
  try {
    Json m = Json::parse(*bytes);
    for (const Json& layer : m.value("layers", Json::array())) {
      if (layer.value("mediaType", "") != "application/vnd.ollama.image.model") continue;
      std::string digest = layer.value("digest", "");
      std::replace(digest.begin(), digest.end(), ':', '-');
      if (digest.empty() || digest.find('/') != std::string::npos) return std::nullopt;
      return (fs::path(models_dir) / "blobs" / digest).string();
    }
  } catch (const Json::exception&) {
    return std::nullopt;
  }
  return std::nullopt;
}

Json ResolvedTemplate::to_json() const {
  return Json{{"template_sha256", sha256},
              {"template_origin", origin},
              {"size_class", model_size_class},
              {"size_class_evidence", size_class_evidence},
              {"template_size_class", template_size_class}};
}

Result<ResolvedTemplate> resolve_template(const ResolveInputs& in) {
  std::vector<std::string> tried;
  std::optional<Found> found;
  if (!in.template_file.empty()) {
    found = try_file(in.template_file, tried, "--template");
    if (!found) {
      return Error{"env_missing",
                   fmt::format("--template {}: file not found or unreadable", in.template_file)};
    }
    found->origin = "file:" + found->path;
  }
  if (!found) found = from_gguf(in, tried);
  if (!found) {
    if (!in.hf_snapshot.empty()) {
      found = from_hf(in.hf_snapshot, tried);
    } else {
      tried.push_back("HF snapshot: none given (--hf-snapshot)");
    }
  }
  if (!found) {
    std::string dir =
        in.template_dir.empty() ? env_or("BAKEOFF_TEMPLATE_DIR", "") : in.template_dir;
    if (!dir.empty()) {
      found = from_template_dir(dir, in.model, tried);
    } else {
      tried.push_back("$BAKEOFF_TEMPLATE_DIR: not set");
    }
  }
  if (!found) {
    std::string msg = fmt::format("no chat template found for model '{}'; tried:", in.model);
    for (const auto& t : tried) msg += "\n  - " + t;
    return Error{"env_missing", msg};
  }
  ResolvedTemplate out;
  out.text = std::move(found->text);
  out.origin = std::move(found->origin);
  out.path = std::move(found->path);
  out.tried = std::move(tried);
  classify_model(in, found->gguf, out);
  out.template_size_class = template_size_class(out.text);
  if (!out.model_size_class.empty() && !out.template_size_class.empty() &&
      out.model_size_class != out.template_size_class) {
    out.warnings.push_back(fmt::format(
        "TEMPLATE SIZE CLASS MISMATCH: the template from {} has the {} generation prompt ({}) but "
        "model '{}' is {} ({}); prompts will differ from the model's own template",
        out.origin, out.template_size_class,
        out.template_size_class == "large" ? "empty thought block when thinking is off"
                                           : "no empty thought block",
        in.model, out.model_size_class, out.size_class_evidence));
  }
  out.sha256 = sha256_hex(out.text);
  return out;
}

}  // namespace bakeoff::chat
