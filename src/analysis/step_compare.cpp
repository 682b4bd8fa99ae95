#include "analysis/step_compare.h"

#include <algorithm>
#include <optional>
#include <vector>

#include <fmt/core.h>

#include "analysis/text_diff.h"

namespace bakeoff::analysis {
namespace {

// The empty thought block the large Gemma 4 templates pre-fill when thinking is off.
constexpr std::string_view kEmptyThoughtBlock = "<|channel>thought\n<channel|>";
constexpr std::string_view kBosText = "<bos>";

const Json& field(const Json& obj, const char* key) {
  static const Json null_json;
  if (obj.is_object()) {
    auto it = obj.find(key);
    if (it != obj.end()) return *it;
  }
  return null_json;
}

std::optional<std::string> opt_string(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  if (v.is_string()) return v.get<std::string>();
  return std::nullopt;
}

std::optional<long long> opt_count(const Json& obj, const char* key) {
  const Json& v = field(obj, key);
  if (v.is_number_integer()) return v.get<long long>();
  if (v.is_number_float()) return static_cast<long long>(v.get<double>());
  return std::nullopt;
}

std::vector<Json> calls_of(const Json& step) {
  std::vector<Json> calls;
  const Json& tc = field(step, "tool_calls");
  if (tc.is_array()) {
    for (const Json& c : tc) calls.push_back(c);
  }
  return calls;
}

std::string names_of(const std::vector<Json>& calls) {
  std::string out = "[";
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i) out += ", ";
    out += field(calls[i], "name").is_string() ? field(calls[i], "name").get<std::string>() : "?";
  }
  return out + "]";
}

std::string short_sha(const std::string& s) {
  return s.substr(0, 12);
}

std::string quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

struct Divergence {
  std::string layer;
  std::string detail;
  Json evidence = Json::object();
};

struct StepCheck {
  std::vector<std::string> checked;
  std::vector<std::string> unchecked;
  std::optional<Divergence> divergence;
};

// Layer 1: the rendered prompt bytes.
std::optional<Divergence> check_prompt(const Json& sa, const Json& sb, const std::string& arm_a,
                                       const std::string& arm_b, const BlobSource& blobs,
                                       StepCheck& check) {
  auto ha = opt_string(sa, "rendered_prompt_sha256");
  auto hb = opt_string(sb, "rendered_prompt_sha256");
  if (!ha || !hb) {
    const std::string& arm = !ha ? arm_a : arm_b;
    const Json& s = !ha ? sa : sb;
    std::string why = opt_string(s, "prompt_capture").value_or("not recorded");
    check.unchecked.push_back(fmt::format("prompt: not captured on {} ({})", arm, why));
    return std::nullopt;
  }
  check.checked.emplace_back("prompt");
  if (*ha == *hb) return std::nullopt;
  Divergence d{"prompt", "", Json::object()};
  d.evidence["prompt_sha256"] = Json::array({*ha, *hb});
  std::optional<std::string> pa = blobs ? blobs(*ha) : std::nullopt;
  std::optional<std::string> pb = blobs ? blobs(*hb) : std::nullopt;
  if (!pa || !pb) {
    d.detail = fmt::format("rendered prompts differ (sha256 {} vs {}); prompt bytes not available",
                           short_sha(*ha), short_sha(*hb));
    return d;
  }
  size_t offset = first_difference(*pa, *pb).value_or(std::min(pa->size(), pb->size()));
  std::string ca = context_around(*pa, offset);
  std::string cb = context_around(*pb, offset);
  d.detail = fmt::format("byte {}: {}: {} vs {}: {}", offset, arm_a, quote(ca), arm_b, quote(cb));
  d.evidence["offset"] = offset;
  d.evidence["context"] = Json::array({ca, cb});
  d.evidence["prompt_len"] = Json::array({pa->size(), pb->size()});
  d.evidence["diff"] = unified_diff(*pa, *pb, arm_a, arm_b);
  return d;
}

// Layer 2: the completion given the same prompt.
std::optional<Divergence> check_completion(const Json& sa, const Json& sb, const std::string& arm_a,
                                           const std::string& arm_b, StepCheck& check) {
  auto ca = opt_string(sa, "completion_raw");
  auto cb = opt_string(sb, "completion_raw");
  if (ca && cb) {
    check.checked.emplace_back("completion");
    auto offset = first_difference(*ca, *cb);
    if (!offset) return std::nullopt;
    Divergence d{"completion", "", Json::object()};
    size_t token = approx_token_index(*ca, *offset);
    std::string xa = context_around(*ca, *offset);
    std::string xb = context_around(*cb, *offset);
    d.detail = fmt::format("char {} (approx. token {}): {}: {} vs {}: {}", *offset, token, arm_a,
                           quote(xa), arm_b, quote(xb));
    d.evidence["char_index"] = *offset;
    d.evidence["token_index"] = token;
    d.evidence["token_index_method"] = "approximate (analysis/text_diff.h approx_token_starts)";
    d.evidence["context"] = Json::array({xa, xb});
    return d;
  }
  // A raw completion is not observed on at least one side: the server's eval_count stands in.
  std::string missing = !ca && !cb ? arm_a + " and " + arm_b : (!ca ? arm_a : arm_b);
  auto ea = opt_count(sa, "eval_count");
  auto eb = opt_count(sb, "eval_count");
  if (!ea || !eb) {
    check.unchecked.push_back(fmt::format(
        "completion: raw completion not observed on {} and eval_count missing", missing));
    return std::nullopt;
  }
  check.checked.emplace_back("completion(eval_count)");
  check.unchecked.push_back(fmt::format(
      "completion: raw completion not observed on {}; compared eval_count only", missing));
  if (*ea == *eb) return std::nullopt;
  Divergence d{"completion", "", Json::object()};
  d.detail = fmt::format("eval_count {} ({}) vs {} ({}); raw completion not observed on {}", *ea,
                         arm_a, *eb, arm_b, missing);
  d.evidence["eval_count"] = Json::array({*ea, *eb});
  return d;
}

// Layer 3: the parsed calls (names, count, order) and the content outside calls.
std::optional<Divergence> check_parse(const Json& sa, const Json& sb, const std::string& arm_a,
                                      const std::string& arm_b, StepCheck& check) {
  check.checked.emplace_back("parse");
  auto ca = calls_of(sa);
  auto cb = calls_of(sb);
  std::string na = names_of(ca);
  std::string nb = names_of(cb);
  if (na != nb) {
    Divergence d{"parse", "", Json::object()};
    d.detail = fmt::format("tool calls differ: {} {} vs {} {}", arm_a, na, arm_b, nb);
    d.evidence["calls"] = Json::array({na, nb});
    return d;
  }
  for (const char* key : {"content", "thinking"}) {
    std::string ta = opt_string(sa, key).value_or("");
    std::string tb = opt_string(sb, key).value_or("");
    if (auto off = first_difference(ta, tb)) {
      Divergence d{"parse", "", Json::object()};
      std::string xa = context_around(ta, *off);
      std::string xb = context_around(tb, *off);
      d.detail = fmt::format("{} differs at char {}: {}: {} vs {}: {}", key, *off, arm_a, quote(xa),
                             arm_b, quote(xb));
      d.evidence["field"] = key;
      d.evidence["char_index"] = *off;
      d.evidence["context"] = Json::array({xa, xb});
      return d;
    }
  }
  const Json& pa = field(sa, "parse_errors");
  const Json& pb = field(sb, "parse_errors");
  size_t ea = pa.is_array() ? pa.size() : 0;
  size_t eb = pb.is_array() ? pb.size() : 0;
  if (ea != eb) {
    Divergence d{"parse", "", Json::object()};
    d.detail = fmt::format("parse errors: {} on {} vs {} on {}", ea, arm_a, eb, arm_b);
    d.evidence["parse_errors"] = Json::array({pa, pb});
    return d;
  }
  return std::nullopt;
}

// Layer 4: the arguments of each call, type-exact.
std::optional<Divergence> check_arguments(const Json& sa, const Json& sb, const std::string& arm_a,
                                          const std::string& arm_b, StepCheck& check) {
  check.checked.emplace_back("arguments");
  auto ca = calls_of(sa);
  auto cb = calls_of(sb);
  for (size_t i = 0; i < ca.size() && i < cb.size(); ++i) {
    const Json& ra = field(ca[i], "args_raw");
    const Json& rb = field(cb[i], "args_raw");
    if (json_equal_exact(ra, rb)) continue;
    bool norm_same = json_equal_exact(field(ca[i], "args_norm"), field(cb[i], "args_norm"));
    bool result_same = field(ca[i], "result_sha256") == field(cb[i], "result_sha256");
    Divergence d{"arguments", "", Json::object()};
    d.detail =
        fmt::format("call {} ({}): {}: {} vs {}: {}; args_norm {}, result {}", i + 1,
                    field(ca[i], "name").get<std::string>(), arm_a, ra.dump(), arm_b, rb.dump(),
                    norm_same ? "equal" : "differ", result_same ? "equal" : "differs");
    d.evidence["call_index"] = i;
    d.evidence["args_raw"] = Json::array({ra, rb});
    d.evidence["args_norm_equal"] = norm_same;
    d.evidence["result_equal"] = result_same;
    return d;
  }
  return std::nullopt;
}

// Layer 5: the tool results fed back.
std::optional<Divergence> check_tool_results(const Json& sa, const Json& sb,
                                             const std::string& arm_a, const std::string& arm_b,
                                             StepCheck& check) {
  check.checked.emplace_back("tool_result");
  auto ca = calls_of(sa);
  auto cb = calls_of(sb);
  for (size_t i = 0; i < ca.size() && i < cb.size(); ++i) {
    const Json& ra = field(ca[i], "result_sha256");
    const Json& rb = field(cb[i], "result_sha256");
    if (ra == rb) continue;
    Divergence d{"tool_result", "", Json::object()};
    auto show = [](const Json& h) {
      return h.is_string() ? short_sha(h.get<std::string>()) : std::string("none");
    };
    d.detail =
        fmt::format("call {} ({}): result sha256 {} ({}) vs {} ({})", i + 1,
                    field(ca[i], "name").get<std::string>(), show(ra), arm_a, show(rb), arm_b);
    d.evidence["call_index"] = i;
    d.evidence["result_sha256"] = Json::array({ra, rb});
    return d;
  }
  return std::nullopt;
}

StepCheck check_step(const Json& sa, const Json& sb, const std::string& arm_a,
                     const std::string& arm_b, const BlobSource& blobs) {
  StepCheck check;
  if (auto d = check_prompt(sa, sb, arm_a, arm_b, blobs, check)) {
    check.divergence = std::move(d);
  } else if (auto d2 = check_completion(sa, sb, arm_a, arm_b, check)) {
    check.divergence = std::move(d2);
  } else if (auto d3 = check_parse(sa, sb, arm_a, arm_b, check)) {
    check.divergence = std::move(d3);
  } else if (auto d4 = check_arguments(sa, sb, arm_a, arm_b, check)) {
    check.divergence = std::move(d4);
  } else if (auto d5 = check_tool_results(sa, sb, arm_a, arm_b, check)) {
    check.divergence = std::move(d5);
  } else {
    check.checked.emplace_back("halt");
    const Json& ha = field(sa, "halt");
    const Json& hb = field(sb, "halt");
    if (ha != hb) {
      Divergence d{"halt", "", Json::object()};
      d.detail = fmt::format("step halt {} ({}) vs {} ({})", ha.dump(), arm_a, hb.dump(), arm_b);
      d.evidence["halt"] = Json::array({ha, hb});
      check.divergence = std::move(d);
    }
  }
  return check;
}

// True when `longer` is `shorter` with the empty thought block inserted once.
// True when `longer` is `shorter` with `piece` inserted once.
bool differs_by_insertion(const std::string& longer, const std::string& shorter,
                          std::string_view piece) {
  if (longer.size() != shorter.size() + piece.size()) return false;
  size_t pos = longer.find(piece);
  while (pos != std::string::npos) {
    std::string without = longer.substr(0, pos) + longer.substr(pos + piece.size());
    if (without == shorter) return true;
    pos = longer.find(piece, pos + 1);
  }
  return false;
}

Json crosscheck_step(const Json& sa, const Json& sb, const std::string& arm_a,
                     const std::string& arm_b, const BlobSource& blobs) {
  Json out = Json::object();
  out["step"] = field(sa, "step");
  auto na = opt_count(sa, "prompt_eval_count");
  auto nb = opt_count(sb, "prompt_eval_count");
  out["prompt_eval_count"] =
      Json::array({field(sa, "prompt_eval_count"), field(sb, "prompt_eval_count")});
  if (!na || !nb) {
    out["status"] = "unknown";
    out["kind"] = "unknown";
    out["explanation"] = "prompt_eval_count missing on " + (!na ? arm_a : arm_b);
    return out;
  }
  if (*na == *nb) {
    out["status"] = "equal";
    out["kind"] = "equal";
    return out;
  }
  long long delta = *nb - *na;
  const std::string& more = delta > 0 ? arm_b : arm_a;
  long long extra = delta > 0 ? delta : -delta;
  std::string extra_text = fmt::format("+{} token{} on {}", extra, extra == 1 ? "" : "s", more);
  auto ha = opt_string(sa, "rendered_prompt_sha256");
  auto hb = opt_string(sb, "rendered_prompt_sha256");
  bool prompts_known = ha && hb;
  bool prompts_equal = prompts_known && *ha == *hb;
  if (prompts_known && !prompts_equal) {
    std::optional<std::string> pa = blobs ? blobs(*ha) : std::nullopt;
    std::optional<std::string> pb = blobs ? blobs(*hb) : std::nullopt;
    const std::string* longer = nullptr;
    const std::string* shorter = nullptr;
    if (pa && pb) {
      longer = delta > 0 ? &*pb : &*pa;
      shorter = delta > 0 ? &*pa : &*pb;
    }
    if (longer && differs_by_insertion(*longer, *shorter, kEmptyThoughtBlock)) {
      out["status"] = "explained";
      out["kind"] = "empty_thought_block";
      out["explanation"] = extra_text + ": the empty thought block";
      return out;
    }
    if (longer && extra == 1 && differs_by_insertion(*longer, *shorter, kBosText)) {
      // A second BOS written into the prompt text itself (render-double-bos seen in the bytes).
      out["status"] = "explained";
      out["kind"] = "bos";
      out["explanation"] = extra_text + ": one extra BOS (a second \"<bos>\" in the prompt bytes)";
      return out;
    }
    out["status"] = "explained";
    out["kind"] = "prompt_differs";
    out["explanation"] = extra_text + ": the rendered prompts differ, see layer prompt";
    return out;
  }
  if (delta == 1 || delta == -1) {
    out["status"] = "explained";
    out["kind"] = "bos";
    out["explanation"] =
        fmt::format("{}: one extra BOS ({})", extra_text,
                    prompts_equal ? "prompt bytes identical" : "prompt bytes not compared");
    return out;
  }
  out["status"] = "flagged";
  out["kind"] = "flagged";
  out["explanation"] = fmt::format("prompt_eval_count {} ({}) vs {} ({}){}", *na, arm_a, *nb, arm_b,
                                   prompts_equal ? " with identical prompt bytes" : "");
  return out;
}

bool exact_number_equal(const Json& a, const Json& b) {
  if (a.is_number_float() != b.is_number_float()) return false;
  if (a.is_number_float()) return a.get<double>() == b.get<double>();
  if (a.is_number_unsigned() && b.is_number_unsigned()) {
    return a.get<unsigned long long>() == b.get<unsigned long long>();
  }
  // Signed vs unsigned storage of the same integer is one value.
  if (a.is_number_unsigned())
    return b.get<long long>() >= 0 &&
           a.get<unsigned long long>() == static_cast<unsigned long long>(b.get<long long>());
  if (b.is_number_unsigned())
    return a.get<long long>() >= 0 &&
           b.get<unsigned long long>() == static_cast<unsigned long long>(a.get<long long>());
  return a.get<long long>() == b.get<long long>();
}

}  // namespace

bool json_equal_exact(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return exact_number_equal(a, b);
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, value] : a.items()) {
      auto it = b.find(key);
      if (it == b.end() || !json_equal_exact(value, *it)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!json_equal_exact(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

Json compare_units(const UnitRecord& x, const UnitRecord& y, const BlobSource& blobs,
                   const std::string& kind) {
  Json out = Json::object();
  out["task"] = x.task;
  out["repeat"] = kind == "control" ? Json::array({x.repeat, y.repeat}) : Json(x.repeat);
  out["settings_id"] = x.settings_id;
  out["arms"] = Json::array({x.arm, y.arm});
  out["units"] = Json::array({x.unit_id, y.unit_id});
  out["kind"] = kind;
  // Labels tell the two sides apart in details even when both are the same arm (controls).
  std::string la = x.arm == y.arm ? fmt::format("{} r{}", x.arm, x.repeat) : x.arm;
  std::string lb = x.arm == y.arm ? fmt::format("{} r{}", y.arm, y.repeat) : y.arm;
  if (lb == la) lb += " (2)";

  const Json& ta = x.trace["turns"];
  const Json& tb = y.trace["turns"];
  Json steps = Json::array();
  Json cross_steps = Json::array();
  Json first = nullptr;
  size_t common = std::min(ta.size(), tb.size());
  for (size_t i = 0; i < common && first.is_null(); ++i) {
    StepCheck check = check_step(ta[i], tb[i], la, lb, blobs);
    Json s = Json::object();
    s["step"] = i + 1;
    s["checked_layers"] = check.checked;
    s["unchecked"] = check.unchecked;
    steps.push_back(s);
    cross_steps.push_back(crosscheck_step(ta[i], tb[i], la, lb, blobs));
    if (check.divergence) {
      first = Json::object();
      first["step"] = i + 1;
      first["layer"] = check.divergence->layer;
      first["detail"] = check.divergence->detail;
      // Never let a divergence read as if every earlier layer had been checked.
      for (const std::string& why : check.unchecked) {
        if (why.rfind(check.divergence->layer, 0) == 0) continue;  // already in the detail
        first["detail"] = first["detail"].get<std::string>() + " [" + why + "]";
      }
      first["unchecked"] = check.unchecked;
      for (auto& [k, v] : check.divergence->evidence.items()) first[k] = v;
    }
  }
  if (first.is_null()) {
    const Json& fa = x.trace["final"];
    const Json& fb = y.trace["final"];
    const Json& ra = field(fa, "halt_reason");
    const Json& rb = field(fb, "halt_reason");
    if (ta.size() != tb.size() || ra != rb) {
      first = Json::object();
      first["step"] = ta.size() == tb.size() ? ta.size() : common + 1;
      first["layer"] = "halt";
      first["detail"] = fmt::format("{}: {} after {} steps vs {}: {} after {} steps", la,
                                    ra.is_string() ? ra.get<std::string>() : "?", ta.size(), lb,
                                    rb.is_string() ? rb.get<std::string>() : "?", tb.size());
      first["halt_reason"] = Json::array({ra, rb});
      first["steps_used"] = Json::array({ta.size(), tb.size()});
    }
  }
  out["first_divergence"] = first;
  out["steps"] = steps;

  Json cross = Json::object();
  std::string status = "equal";
  size_t bos_steps = 0;
  std::string bos_side;
  for (const Json& s : cross_steps) {
    std::string st = s["status"].get<std::string>();
    std::string k = s["kind"].get<std::string>();
    if (k == "bos") {
      ++bos_steps;
      bos_side = s["explanation"].get<std::string>();
    }
    if (st == "flagged")
      status = "flagged";
    else if (st == "explained" && status != "flagged")
      status = "explained";
    else if (st == "unknown" && status == "equal")
      status = "unknown";
  }
  cross["status"] = status;
  cross["mismatch"] = std::any_of(cross_steps.begin(), cross_steps.end(), [](const Json& s) {
    return s["kind"] == "bos" || s["kind"] == "flagged";
  });
  if (bos_steps > 0 && bos_steps == cross_steps.size()) {
    cross["summary"] =
        fmt::format("+1 token at every compared step ({} steps): {}", bos_steps, bos_side);
  }
  cross["steps"] = cross_steps;
  out["token_crosscheck"] = cross;
  out["diverges"] = !first.is_null() || cross["mismatch"].get<bool>();
  return out;
}

bool comparison_diverges(const Json& comparison) {
  if (comparison.contains("diverges") && comparison["diverges"].is_boolean()) {
    return comparison["diverges"].get<bool>();
  }
  return comparison.contains("first_divergence") && !comparison["first_divergence"].is_null();
}

}  // namespace bakeoff::analysis
