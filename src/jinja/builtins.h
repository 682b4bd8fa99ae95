// The built-in filters, tests, global functions and value methods, resolved by name at compile
// time to ids and dispatched by the interpreter.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/value.h"

namespace bakeoff::jinja {

class Interpreter;

struct CallArgs {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;
  const Value* kwarg(std::string_view name) const {
    for (const auto& kv : kw) {
      if (kv.first == name) return &kv.second;
    }
    return nullptr;
  }
  // Positional argument i, else keyword `name`, else nullptr.
  const Value* get(size_t i, std::string_view name) const {
    if (i < pos.size()) return &pos[i];
    return kwarg(name);
  }
};

int filter_id(std::string_view name);  // -1 when unknown
int test_id(std::string_view name);
Value apply_filter(Interpreter& in, int id, const Value& input, const CallArgs& args);
bool apply_test(Interpreter& in, int id, const Value& input, const CallArgs& args);
// What `{{ input|filter(args) }}` prints, written straight into `out` for the filters whose
// result is text made by a writer (string, tojson) or a cased copy of a string (upper, lower):
// true. False for the others (apply them).
bool print_filter(int id, const Value& input, const CallArgs& args, std::string& out);

// Global functions (range, namespace, dict, raise_exception, strftime_now, …).
struct GlobalFn;
int global_id(std::string_view name);  // -1 when not a global
Value make_global(int id);
Value call_global(Interpreter& in, int id, const CallArgs& args);

// Methods of str, list and dict (`s.split(',')`). Returns false when `name` is not a method of
// `self` (the caller falls back to an undefined value). Mutating methods raise SecurityError.
bool is_method(const Value& self, std::string_view name);
bool is_unsafe_method(const Value& self, std::string_view name);
Value call_method(Interpreter& in, const Value& self, std::string_view name, const CallArgs& args);

}  // namespace bakeoff::jinja
