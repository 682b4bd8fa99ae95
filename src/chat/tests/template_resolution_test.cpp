#include "chat/template_resolution.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "common/files.h"
#include "common/sha256.h"
#include "gguf/gguf.h"

namespace bakeoff::chat {
namespace {

namespace fs = std::filesystem;

std::string shared_template(const std::string& name) {
  return read_file(std::string(BAKEOFF_SHARED_DIR) + "/templates/gemma4/" + name);
}

const std::string kLarge = "ollama-testdata-gemma4_31b_chat_template.2026-07-09.jinja2";
const std::string kSmall = "ollama-testdata-gemma4_e2b_chat_template.2026-07-09.jinja2";

class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("bakeoff_tr_" + name)) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_gguf(const fs::path& path, const std::string& tpl, const std::string& size_label) {
  gguf::KeyValues kv;
  kv.emplace_back("general.architecture", gguf::Value::of_string("gemma4"));
  kv.emplace_back("general.size_label", gguf::Value::of_string(size_label));
  kv.emplace_back("tokenizer.chat_template", gguf::Value::of_string(tpl));
  ASSERT_TRUE(gguf::write_gguf_metadata(path, kv).ok());
}

TEST(TemplateResolutionTest, SizeClassFromNamesAndCounts) {
  EXPECT_EQ(size_class_from_name("gemma4:e2b"), "small");
  EXPECT_EQ(size_class_from_name("gemma4:e4b-it-q4_K_M"), "small");
  EXPECT_EQ(size_class_from_name("gemma4:26b-a4b-it-q8_0"), "large");
  EXPECT_EQ(size_class_from_name("gemma4:31b"), "large");
  EXPECT_EQ(size_class_from_name("gemma4:12b"), "large");
  EXPECT_EQ(size_class_from_name("E4B"), "small");
  EXPECT_EQ(size_class_from_name("31B"), "large");
  EXPECT_EQ(size_class_from_name("gemma4:latest"), "");
  EXPECT_EQ(size_class_from_name("gemma4"), "");
  EXPECT_EQ(size_class_from_parameter_size("8.0B"), "small");
  EXPECT_EQ(size_class_from_parameter_size("30.7B"), "large");
  EXPECT_EQ(size_class_from_parameter_size("270M"), "small");
  EXPECT_EQ(size_class_from_parameter_size(""), "");
  EXPECT_EQ(size_class_from_parameter_count(25'200'000'000LL), "large");
  EXPECT_EQ(size_class_from_parameter_count(5'100'000'000LL), "small");
}

TEST(TemplateResolutionTest, TemplateClassFromTheGenerationPrompt) {
  EXPECT_EQ(template_size_class(shared_template(kLarge)), "large");
  EXPECT_EQ(template_size_class(shared_template(kSmall)), "small");
  EXPECT_EQ(template_size_class(
                shared_template("ollama-testdata-gemma4_31b_chat_template.2026-04-10.jinja2")),
            "large");
  EXPECT_EQ(template_size_class(
                shared_template("ollama-testdata-gemma4_e2b_chat_template.2026-04-13.jinja2")),
            "small");
  EXPECT_EQ(template_size_class(shared_template("llama.cpp-gemma4.75f1ba73.jinja")), "large");
  EXPECT_EQ(template_size_class(
                shared_template("ollama-testdata-gemma4_chat_template.2026-04-01.jinja2")),
            "small");
  // The fork's prompt opens a thought channel only when thinking is on: not the large form.
  EXPECT_EQ(
      template_size_class(shared_template("llama.cpp-fork-google-gemma-4-31B-it.ff891131.jinja")),
      "small");
  EXPECT_EQ(template_size_class(read_file(std::string(BAKEOFF_SHARED_DIR) +
                                          "/templates/corpus/Qwen-Qwen3-0.6B__llama.cpp.jinja")),
            "");
  // Our own control templates are written differently and classify by what they render.
  EXPECT_EQ(template_size_class(read_file(std::string(BAKEOFF_SOURCE_DIR) +
                                          "/templates/gemma4-control-large.jinja")),
            "large");
  EXPECT_EQ(template_size_class(read_file(std::string(BAKEOFF_SOURCE_DIR) +
                                          "/templates/gemma4-control-small.jinja")),
            "small");
}

TEST(TemplateResolutionTest, TemplateFileWinsAndMismatchIsLoud) {
  ResolveInputs in;
  in.model = "gemma4:26b";
  in.template_file = std::string(BAKEOFF_SHARED_DIR) + "/templates/gemma4/" + kSmall;
  in.template_dir = "/nonexistent";
  auto r = resolve_template(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin, "file:" + in.template_file);
  EXPECT_EQ(r->sha256, sha256_hex(shared_template(kSmall)));
  EXPECT_EQ(r->model_size_class, "large");
  EXPECT_EQ(r->size_class_evidence, "model name gemma4:26b");
  EXPECT_EQ(r->template_size_class, "small");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("MISMATCH"), std::string::npos) << r->warnings[0];
  EXPECT_NE(r->warnings[0].find("gemma4:26b"), std::string::npos);

  in.model = "gemma4:e4b";
  r = resolve_template(in);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->warnings.empty());

  in.template_file = "/nonexistent/t.jinja";
  r = resolve_template(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "env_missing");
  EXPECT_NE(r.error().message.find("/nonexistent/t.jinja"), std::string::npos);
}

TEST(TemplateResolutionTest, GgufFromShowModelfileThenManifest) {
  TempDir dir("gguf");
  fs::path blob = dir.path() / "blobs" / "sha256-aaaa";
  fs::create_directories(blob.parent_path());
  write_gguf(blob, shared_template(kLarge), "31B");

  ResolveInputs in;
  in.model = "gemma4:latest";  // name says nothing: the GGUF's size label decides
  in.ollama_models_dir = (dir.path() / "none").string();
  in.template_dir = "/nonexistent";
  in.show =
      Json{{"modelfile", "# Modelfile generated by \"ollama show\"\n# FROM gemma4:latest\n\nFROM " +
                             blob.string() + "\nTEMPLATE {{ .Prompt }}\nRENDERER gemma4\n"}};
  auto r = resolve_template(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin, "gguf:" + blob.string());
  EXPECT_EQ(r->text, shared_template(kLarge));
  EXPECT_EQ(r->model_size_class, "large");
  EXPECT_EQ(r->size_class_evidence, "GGUF general.size_label 31B");
  EXPECT_TRUE(r->warnings.empty());

  // /api/show details beat the GGUF label.
  in.show->operator[]("details") = Json{{"parameter_size", "8.0B"}};
  r = resolve_template(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->model_size_class, "small");
  EXPECT_EQ(r->warnings.size(), 1u);

  // No server: the manifest in the models dir names the blob.
  fs::path manifest = dir.path() / "manifests/registry.ollama.ai/library/gemma4/latest";
  fs::create_directories(manifest.parent_path());
  write_file_atomic(
      manifest,
      R"({"layers":[{"mediaType":"application/vnd.ollama.image.template","digest":"sha256:bbbb"},
    {"mediaType":"application/vnd.ollama.image.model","digest":"sha256:aaaa"}]})");
  in.show.reset();
  in.ollama_models_dir = dir.path().string();
  r = resolve_template(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->origin, "gguf:" + blob.string());
  EXPECT_EQ(ollama_manifest_blob(dir.path().string(), "gemma4"), blob.string());
  EXPECT_EQ(ollama_manifest_blob(dir.path().string(), "other:7b"), std::nullopt);
  EXPECT_EQ(ollama_manifest_blob(dir.path().string(), "../../etc:passwd"), std::nullopt);
}

TEST(TemplateResolutionTest, HfSnapshotForms) {
  TempDir dir("hf");
  ResolveInputs in;
  in.model = "gemma4:e2b";
  in.ollama_models_dir = "/nonexistent";
  in.template_dir = "/nonexistent";
  in.hf_snapshot = dir.path().string();

  write_file_atomic(
      dir.path() / "tokenizer_config.json",
      R"({"chat_template":[{"name":"default","template":"D"},{"name":"tool_use","template":"T"}]})");
  auto r = resolve_template(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "T");
  EXPECT_EQ(r->origin, "hf:" + (dir.path() / "tokenizer_config.json").string() + "#tool_use");

  write_file_atomic(dir.path() / "tokenizer_config.json", R"({"chat_template":"S"})");
  r = resolve_template(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "S");

  write_file_atomic(dir.path() / "chat_template.jinja", "J");
  r = resolve_template(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "J");
  EXPECT_EQ(r->origin, "hf:" + (dir.path() / "chat_template.jinja").string());

  fs::remove(dir.path() / "chat_template.jinja");
  write_file_atomic(dir.path() / "tokenizer_config.json", "{bad json");
  r = resolve_template(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "env_missing");
  EXPECT_NE(r.error().message.find("not valid JSON"), std::string::npos) << r.error().message;
}

TEST(TemplateResolutionTest, TemplateDirAndNothingFound) {
  TempDir dir("env");
  ResolveInputs in;
  in.model = "gemma4:31b";
  in.ollama_models_dir = "/nonexistent";
  in.template_dir = dir.path().string();
  write_file_atomic(dir.path() / "chat_template.jinja", "generic");
  auto r = resolve_template(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->text, "generic");
  write_file_atomic(dir.path() / "gemma4_31b.jinja", "named");
  r = resolve_template(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "named");
  EXPECT_EQ(r->origin, "env:" + (dir.path() / "gemma4_31b.jinja").string());

  ::setenv("BAKEOFF_TEMPLATE_DIR", dir.path().string().c_str(), 1);
  in.template_dir.clear();
  r = resolve_template(in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "named");
  ::unsetenv("BAKEOFF_TEMPLATE_DIR");

  r = resolve_template(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, "env_missing");
  for (const char* place :
       {"/api/show", "Ollama models dir", "HF snapshot", "$BAKEOFF_TEMPLATE_DIR"}) {
    EXPECT_NE(r.error().message.find(place), std::string::npos) << place << "\n"
                                                                << r.error().message;
  }
}

TEST(TemplateResolutionTest, ModelfileFromPaths) {
  auto paths = modelfile_from_paths(
      "# FROM gemma4:latest\nFROM /root/.ollama/models/blobs/sha256-1\r\nFROM gemma4:latest\n"
      "from \"./x.gguf\"\nPARAMETER stop <turn|>\n");
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], "/root/.ollama/models/blobs/sha256-1");
  EXPECT_EQ(paths[1], "./x.gguf");
}

}  // namespace
}  // namespace bakeoff::chat
