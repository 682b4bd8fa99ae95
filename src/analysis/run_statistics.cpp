#include "analysis/run_statistics.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "analysis/stats.h"
#include "analysis/verdict.h"

namespace bakeoff::analysis {
namespace {

double number_or(const Json& obj, const char* key, double fallback) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_number()) return obj[key].get<double>();
  return fallback;
}

Json spread_json(const std::vector<double>& values) {
  Spread s = describe(values);
  return {{"n", s.n},     {"median", s.median}, {"min", s.min},
          {"max", s.max}, {"mean", s.mean},     {"values", values}};
}

struct UnitNumbers {
  double steps = 0, tool_calls = 0, wall_s = 0;
  bool accepted = false;
};

UnitNumbers numbers_of(const UnitRecord& u) {
  UnitNumbers n;
  const Json& fin = u.trace["final"];
  n.steps = number_or(fin, "steps_used", static_cast<double>(u.trace["turns"].size()));
  n.tool_calls = number_or(fin, "tool_calls_total", 0);
  n.wall_s = number_or(fin, "wall_clock_s", 0);
  n.accepted =
      fin.contains("accepted") && fin["accepted"].is_boolean() && fin["accepted"].get<bool>();
  return n;
}

}  // namespace

Json run_statistics(const std::vector<UnitRecord>& units) {
  using CellKey = std::pair<std::string, std::string>;  // task, arm
  std::map<CellKey, std::vector<const UnitRecord*>> cells;
  std::set<std::string> arms;
  for (const UnitRecord& u : units) {
    if (u.trace.is_null()) continue;
    cells[{u.task, u.arm}].push_back(&u);
    arms.insert(u.arm);
  }

  Json cell_docs = Json::array();
  for (const auto& [key, list] : cells) {
    std::vector<double> steps, tools, wall;
    std::map<std::string, long> halts;
    std::map<std::string, std::pair<long, long>> checks;  // name -> passed, total
    long accepted = 0;
    Json ids = Json::array();
    for (const UnitRecord* u : list) {
      UnitNumbers n = numbers_of(*u);
      steps.push_back(n.steps);
      tools.push_back(n.tool_calls);
      wall.push_back(n.wall_s);
      accepted += n.accepted ? 1 : 0;
      ++halts[u->halt_reason.empty() ? "?" : u->halt_reason];
      const Json& acc =
          u->trace["final"].contains("acceptance") ? u->trace["final"]["acceptance"] : Json();
      if (acc.is_array()) {
        for (const Json& check : acc) {
          if (!check.is_object() || !check.contains("name") || !check["name"].is_string()) continue;
          auto& pc = checks[check["name"].get<std::string>()];
          pc.second += 1;
          if (check.contains("passed") && check["passed"] == true) pc.first += 1;
        }
      }
      ids.push_back(u->unit_id);
    }
    Json c = Json::object();
    c["arm"] = key.second;
    c["task"] = key.first;
    c["n"] = list.size();
    c["steps"] = spread_json(steps);
    c["tool_calls"] = spread_json(tools);
    c["wall_s"] = spread_json(wall);
    c["halt_reasons"] = Json::object();
    for (const auto& [r, count] : halts) c["halt_reasons"][r] = count;
    c["accepted"] = {{"passed", accepted}, {"n", list.size()}};
    c["acceptance_checks"] = Json::object();
    for (const auto& [name, pc] : checks) {
      c["acceptance_checks"][name] = {{"passed", pc.first}, {"n", pc.second}};
    }
    c["units"] = ids;
    cell_docs.push_back(c);
  }

  // Tests between every two arms per task, paired by settings and repeat.
  Json tests = Json::array();
  // Research order (A, B, C, then others by name), so tests read "ollama-json vs ollama-native".
  std::vector<std::string> arm_list(arms.begin(), arms.end());
  auto rank = [](const std::string& arm) {
    std::string role = arm_role(arm);
    return std::make_pair(role.empty() ? std::string("Z") : role, arm);
  };
  std::sort(arm_list.begin(), arm_list.end(),
            [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  std::set<std::string> tasks;
  for (const auto& [key, list] : cells) tasks.insert(key.first);
  for (const std::string& task : tasks) {
    for (size_t i = 0; i < arm_list.size(); ++i) {
      for (size_t j = i + 1; j < arm_list.size(); ++j) {
        auto ix = cells.find({task, arm_list[i]});
        auto iy = cells.find({task, arm_list[j]});
        if (ix == cells.end() || iy == cells.end()) continue;
        std::map<std::pair<std::string, int>, const UnitRecord*> by_seed;
        for (const UnitRecord* u : iy->second) by_seed[{u->settings_id, u->repeat}] = u;
        std::vector<double> sx, sy, tx, ty;
        for (const UnitRecord* u : ix->second) {
          auto it = by_seed.find({u->settings_id, u->repeat});
          if (it == by_seed.end()) continue;
          UnitNumbers a = numbers_of(*u), b = numbers_of(*it->second);
          sx.push_back(a.steps);
          sy.push_back(b.steps);
          tx.push_back(a.tool_calls);
          ty.push_back(b.tool_calls);
        }
        long ax = 0, nx = static_cast<long>(ix->second.size());
        long ay = 0, ny = static_cast<long>(iy->second.size());
        for (const UnitRecord* u : ix->second) ax += numbers_of(*u).accepted ? 1 : 0;
        for (const UnitRecord* u : iy->second) ay += numbers_of(*u).accepted ? 1 : 0;
        Equivalence eq = tost_two_proportions(ax, nx, ay, ny, kAcceptanceEpsilon);
        Json t = Json::object();
        t["task"] = task;
        t["arms"] = Json::array({arm_list[i], arm_list[j]});
        t["paired_n"] = sx.size();
        t["steps_p"] = paired_permutation_test(sx, sy);
        t["tool_calls_p"] = paired_permutation_test(tx, ty);
        t["accepted"] = Json::array({Json::array({ax, nx}), Json::array({ay, ny})});
        t["accepted_fisher_p"] = fisher_exact(ax, nx - ax, ay, ny - ay);
        t["acceptance_equivalence"] = {{"epsilon", eq.epsilon},
                                       {"difference", eq.difference},
                                       {"p", eq.p_value},
                                       {"equivalent", eq.equivalent}};
        tests.push_back(t);
      }
    }
  }

  // Latency per arm and component over every step, in milliseconds.
  Json latency = Json::array();
  for (const std::string& arm : arm_list) {
    const std::pair<const char*, const char*> components[] = {
        {"load", "load"}, {"prefill", "prompt_eval"}, {"decode", "eval"}};
    for (const auto& [name, key] : components) {
      std::vector<double> ms;
      Json where = Json::array();
      for (const UnitRecord& u : units) {
        if (u.arm != arm || u.trace.is_null()) continue;
        for (const Json& step : u.trace["turns"]) {
          if (!step.contains("durations_ns") || !step["durations_ns"].is_object()) continue;
          const Json& d = step["durations_ns"];
          if (!d.contains(key) || !d[key].is_number()) continue;
          ms.push_back(d[key].get<double>() / 1e6);
          where.push_back(Json::array({u.unit_id, step["step"]}));
        }
      }
      if (ms.empty()) continue;
      Interval ci = bootstrap_median_ci(ms);
      latency.push_back({{"arm", arm},
                         {"component", name},
                         {"n", ms.size()},
                         {"median_ms", median(ms)},
                         {"ci95_ms", Json::array({ci.low, ci.high})},
                         {"steps", where}});
    }
  }
  return {{"cells", cell_docs}, {"tests", tests}, {"latency", latency}};
}

}  // namespace bakeoff::analysis
