#include "analysis/verdict.h"

#include <map>
#include <set>

#include <fmt/core.h>

#include "analysis/stats.h"
#include "analysis/step_compare.h"

namespace bakeoff::analysis {
namespace {

struct Tally {
  long pairs = 0;
  long diverging = 0;
  Json divergences = Json::array();
};

Json divergence_ref(const Json& c) {
  Json ref = Json::object();
  ref["task"] = c["task"];
  ref["repeat"] = c["repeat"];
  ref["arms"] = c["arms"];
  ref["units"] = c["units"];
  if (!c["first_divergence"].is_null()) {
    ref["step"] = c["first_divergence"]["step"];
    ref["layer"] = c["first_divergence"]["layer"];
  } else {
    ref["layer"] = "token_count";
    const Json& cross = c["token_crosscheck"];
    ref["detail"] = cross.contains("summary") ? cross["summary"] : Json("token counts differ");
  }
  return ref;
}

std::string first_text(const Json& divergences) {
  if (divergences.empty()) return "";
  const Json& d = divergences[0];
  std::string where = d.contains("step") ? fmt::format("step {}, layer {}", d["step"].dump(),
                                                       d["layer"].get<std::string>())
                                         : d["layer"].get<std::string>();
  return fmt::format("; first: {} r{} {}", d["task"].get<std::string>(), d["repeat"].dump(), where);
}

bool unit_failed(const UnitRecord& u) {
  return u.status != "done" || u.trace.is_null() || u.halt_reason == "env_missing" ||
         u.halt_reason.rfind("error:", 0) == 0;
}

}  // namespace

std::string arm_role(const std::string& arm) {
  if (arm == "ollama-json") return "A";
  if (arm == "ollama-native") return "B";
  if (arm == "control" || arm.rfind("reference-", 0) == 0) return "C";
  return "";
}

Json decide_verdict(const std::vector<UnitRecord>& units, const Json& comparisons) {
  Json evidence = Json::array();
  std::set<std::string> roles_present;
  for (const UnitRecord& u : units) {
    if (!arm_role(u.arm).empty()) roles_present.insert(arm_role(u.arm));
  }

  // A-vs-A floors per arm, and cross-arm tallies per role pair.
  std::map<std::string, Tally> floors;
  std::map<std::string, Tally> paths;
  for (const Json& c : comparisons) {
    bool diverges = comparison_diverges(c);
    std::string xa = c["arms"][0].get<std::string>();
    std::string ya = c["arms"][1].get<std::string>();
    Tally* t = nullptr;
    if (c["kind"] == "control") {
      t = &floors[xa];
    } else {
      std::string rx = arm_role(xa), ry = arm_role(ya);
      if (rx.empty() || ry.empty() || rx == ry) continue;
      std::string key = rx < ry ? rx : ry;
      key += '-';
      key += rx < ry ? ry : rx;
      t = &paths[key];
    }
    ++t->pairs;
    if (diverges) {
      ++t->diverging;
      t->divergences.push_back(divergence_ref(c));
    }
  }

  Json controls = Json::array();
  for (const auto& [arm, t] : floors) {
    Json f = Json::object();
    f["arm"] = arm;
    f["pairs"] = t.pairs;
    f["diverging"] = t.diverging;
    f["floor"] = t.pairs ? static_cast<double>(t.diverging) / static_cast<double>(t.pairs) : 0.0;
    f["divergences"] = t.divergences;
    controls.push_back(f);
  }

  // The arms of each role, to pool the floors of the two arms of a path pair.
  std::map<std::string, std::set<std::string>> arms_of_role;
  for (const UnitRecord& u : units) arms_of_role[arm_role(u.arm)].insert(u.arm);

  Json path_doc = Json::object();
  std::map<std::string, std::string> status;
  for (const char* pair : {"A-B", "B-C", "A-C"}) {
    std::string p = pair;
    Json doc = Json::object();
    const Tally& t = paths[p];
    long floor_k = 0, floor_n = 0;
    for (const std::string& role : {p.substr(0, 1), p.substr(2, 1)}) {
      for (const std::string& arm : arms_of_role[role]) {
        auto it = floors.find(arm);
        if (it == floors.end()) continue;
        floor_k += it->second.diverging;
        floor_n += it->second.pairs;
      }
    }
    std::string st;
    if (t.pairs == 0) {
      st = "missing";
    } else if (t.diverging == 0) {
      st = "equal";
    } else if (floor_n == 0) {
      st = "diverges";
    } else {
      double pv = fisher_exact(t.diverging, t.pairs - t.diverging, floor_k, floor_n - floor_k,
                               Alternative::greater);
      doc["fisher_p"] = pv;
      st = pv < kFloorAlpha ? "diverges" : "within_floor";
    }
    status[p] = st;
    doc["status"] = st;
    doc["pairs"] = t.pairs;
    doc["diverging"] = t.diverging;
    doc["rate"] = t.pairs ? static_cast<double>(t.diverging) / static_cast<double>(t.pairs) : 0.0;
    doc["floor"] = {{"diverging", floor_k}, {"pairs", floor_n}};
    doc["divergences"] = t.divergences;
    path_doc[p] = doc;

    std::string symbol = st == "equal" ? "≡" : (st == "diverges" ? "≢" : "?");
    std::string text;
    if (st == "missing") {
      text = fmt::format("{}: no comparable pairs", p);
    } else if (st == "within_floor") {
      text = fmt::format(
          "{} {} {}: {}/{} pairs diverge, not above the A-vs-A floor {}/{} (Fisher p = {:.3g})",
          p.substr(0, 1), symbol, p.substr(2, 1), t.diverging, t.pairs, floor_k, floor_n,
          doc["fisher_p"].get<double>());
    } else {
      text = fmt::format("{} {} {}: {}/{} pairs diverge{}", p.substr(0, 1), symbol, p.substr(2, 1),
                         t.diverging, t.pairs, first_text(t.divergences));
      if (floor_n > 0 && st == "diverges") {
        text += fmt::format(" (A-vs-A floor {}/{}, Fisher p = {:.3g})", floor_k, floor_n,
                            doc["fisher_p"].get<double>());
      }
    }
    evidence.push_back({{"pair", p}, {"status", st}, {"text", text}});
  }

  std::string verdict;
  std::vector<std::string> inconclusive_because;
  for (const char* role : {"A", "B", "C"}) {
    if (!roles_present.count(role)) {
      inconclusive_because.push_back(fmt::format("arm {} missing", role));
    }
  }
  for (const UnitRecord& u : units) {
    if (!arm_role(u.arm).empty() && unit_failed(u)) {
      inconclusive_because.push_back(fmt::format("unit {} did not complete ({})", u.unit_id,
                                                 u.halt_reason.empty() ? u.status : u.halt_reason));
    }
  }
  for (const char* p : {"A-B", "B-C"}) {
    if (status[p] == "within_floor") {
      inconclusive_because.push_back(std::string(p) + " divergences within the A-vs-A floor");
    } else if (status[p] == "missing" && roles_present.count(std::string(1, p[0])) &&
               roles_present.count(std::string(1, p[2]))) {
      inconclusive_because.push_back(std::string(p) +
                                     ": no pair with the same task, settings and repeat");
    }
  }
  if (!inconclusive_because.empty()) {
    verdict = "inconclusive";
    for (const std::string& why : inconclusive_because) {
      evidence.push_back({{"pair", nullptr}, {"status", "inconclusive"}, {"text", why}});
    }
  } else {
    bool ab = status["A-B"] == "diverges";
    bool bc = status["B-C"] == "diverges";
    verdict = ab && bc ? "both_diverge"
                       : (ab ? "translator_diverges" : (bc ? "runtime_diverges" : "faithful"));
  }
  Json out = Json::object();
  out["verdict"] = verdict;
  out["verdict_evidence"] = evidence;
  out["controls"] = controls;
  out["paths"] = path_doc;
  return out;
}

}  // namespace bakeoff::analysis
