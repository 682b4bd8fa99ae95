#include "analysis/compare.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "analysis/run_statistics.h"
#include "analysis/step_compare.h"
#include "analysis/verdict.h"

namespace bakeoff::analysis {
namespace {

// Arms in research order (A, B, C, then the rest by name), so pairs read "A vs B".
int arm_rank(const std::string& arm) {
  std::string role = arm_role(arm);
  return role == "A" ? 0 : role == "B" ? 1 : role == "C" ? 2 : 3;
}
bool arm_before(const std::string& x, const std::string& y) {
  return std::make_tuple(arm_rank(x), x) < std::make_tuple(arm_rank(y), y);
}

Json assemble(const std::vector<UnitRecord>& units, Json comparisons) {
  Json verdict = decide_verdict(units, comparisons);
  Json doc = Json::object();
  doc["verdict"] = verdict["verdict"];
  doc["verdict_evidence"] = verdict["verdict_evidence"];
  doc["comparisons"] = std::move(comparisons);
  Json cross = Json::array();
  for (const Json& c : doc["comparisons"]) {
    const Json& tc = c["token_crosscheck"];
    if (tc["status"] == "equal") continue;
    Json item = Json::object();
    item["task"] = c["task"];
    item["repeat"] = c["repeat"];
    item["arms"] = c["arms"];
    item["units"] = c["units"];
    item["status"] = tc["status"];
    if (tc.contains("summary")) item["summary"] = tc["summary"];
    Json steps = Json::array();
    for (const Json& s : tc["steps"]) {
      if (s["status"] != "equal") steps.push_back(s);
    }
    item["steps"] = steps;
    cross.push_back(item);
  }
  doc["token_crosscheck"] = cross;
  doc["controls"] = verdict["controls"];
  doc["statistics"] = run_statistics(units);
  doc["paths"] = verdict["paths"];
  doc["format"] = "bakeoff-compare/1";
  return doc;
}

}  // namespace

Json compare_loaded(const RunData& run) {
  using GroupKey = std::pair<std::string, std::string>;  // task, settings_id
  std::map<GroupKey, std::vector<const UnitRecord*>> groups;
  for (const UnitRecord& u : run.units) {
    if (!u.trace.is_null()) groups[{u.task, u.settings_id}].push_back(&u);
  }
  Json comparisons = Json::array();
  for (auto& [key, list] : groups) {
    std::sort(list.begin(), list.end(), [](const UnitRecord* a, const UnitRecord* b) {
      return std::make_tuple(a->repeat, arm_rank(a->arm), a->arm, a->unit_id) <
             std::make_tuple(b->repeat, arm_rank(b->arm), b->arm, b->unit_id);
    });
    // Cross-arm pairs: same repeat, different arms (duplicates serve only as controls).
    for (size_t i = 0; i < list.size(); ++i) {
      for (size_t j = i + 1; j < list.size(); ++j) {
        const UnitRecord& x = *list[i];
        const UnitRecord& y = *list[j];
        if (x.repeat != y.repeat || x.arm == y.arm) continue;
        if (!x.duplicate_of.empty() || !y.duplicate_of.empty()) continue;
        bool swap = arm_before(y.arm, x.arm);
        comparisons.push_back(compare_units(swap ? y : x, swap ? x : y, run.blobs, "cross_arm"));
      }
    }
    // A-vs-A controls: consecutive repeats of one arm (independent-ish pairs for the floor
    // test), and every unit the sweep marked as a duplicate of another.
    std::map<std::string, std::vector<const UnitRecord*>> by_arm;
    for (const UnitRecord* u : list) {
      if (u->duplicate_of.empty()) by_arm[u->arm].push_back(u);
    }
    for (auto& [arm, runs] : by_arm) {
      for (size_t i = 0; i + 1 < runs.size(); ++i) {
        comparisons.push_back(compare_units(*runs[i], *runs[i + 1], run.blobs, "control"));
      }
    }
    for (const UnitRecord* u : list) {
      if (u->duplicate_of.empty()) continue;
      auto orig = std::find_if(list.begin(), list.end(),
                               [&](const UnitRecord* o) { return o->unit_id == u->duplicate_of; });
      if (orig != list.end()) {
        Json c = compare_units(**orig, *u, run.blobs, "control");
        if (!u->control.empty()) c["control"] = u->control;
        comparisons.push_back(std::move(c));
      }
    }
  }
  Json doc = assemble(run.units, std::move(comparisons));
  doc["run_dir"] = run.dir.string();
  return doc;
}

Result<Json> compare_run(const std::filesystem::path& run_dir) {
  auto run = load_run(run_dir);
  if (!run) return run.error();
  try {
    return compare_loaded(*run);
  } catch (const std::exception& e) {
    return Error{"internal", "compare " + run_dir.string() + ": " + e.what()};
  }
}

Result<Json> compare_traces(const Json& trace_a, const Json& trace_b, const BlobSource& blobs) {
  if (auto ok = validate_trace(trace_a, "first trace"); !ok) return ok.error();
  if (auto ok = validate_trace(trace_b, "second trace"); !ok) return ok.error();
  try {
    std::vector<UnitRecord> units{unit_from_trace(trace_a), unit_from_trace(trace_b)};
    if (units[0].unit_id == units[1].unit_id) units[1].unit_id += " (2)";
    std::string kind = units[0].arm == units[1].arm ? "control" : "cross_arm";
    if (units[0].arm == units[1].arm && units[0].repeat == units[1].repeat) units[1].repeat += 1;
    Json comparisons = Json::array();
    comparisons.push_back(compare_units(units[0], units[1], blobs, kind));
    Json doc = assemble(units, std::move(comparisons));
    doc["mode"] = "traces";
    return doc;
  } catch (const std::exception& e) {
    return Error{"internal", std::string("compare: ") + e.what()};
  }
}

Result<Json> compare_traces(const Json& trace_a, const Json& trace_b) {
  return compare_traces(trace_a, trace_b, BlobSource{});
}

bool any_divergence(const Json& compare_doc) {
  if (!compare_doc.contains("comparisons") || !compare_doc["comparisons"].is_array()) return false;
  const Json& cs = compare_doc["comparisons"];
  // In a run, A-vs-A controls measure the floor and do not by themselves mean the paths part;
  // two traces of one arm (bakeoff compare TRACE TRACE) are the question itself.
  bool traces_only = compare_doc.value("mode", "") == "traces";
  return std::any_of(cs.begin(), cs.end(), [&](const Json& c) {
    return (traces_only || c.value("kind", "") != "control") && comparison_diverges(c);
  });
}

}  // namespace bakeoff::analysis
