// Global functions: jinja2's range/dict/namespace (sandboxed: range is capped at 100000 items)
// and transformers' raise_exception and strftime_now.
#include <ctime>
#include <string_view>

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/interpreter.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {
namespace {

enum GlobalId { G_range, G_namespace, G_dict, G_raise_exception, G_strftime_now };

constexpr std::pair<std::string_view, GlobalId> kGlobals[] = {
    {"range", G_range},
    {"namespace", G_namespace},
    {"dict", G_dict},
    {"raise_exception", G_raise_exception},
    {"strftime_now", G_strftime_now},
};

constexpr int64_t kMaxRange = 100000;  // jinja2.sandbox.MAX_RANGE

int64_t int_arg(const Value& v) {
  if (v.kind == Kind::Int) return v.i;
  if (v.kind == Kind::Bool) return v.b;
  fail("runtime",
       fmt::format("TypeError: '{}' object cannot be interpreted as an integer", type_name(v)));
}

void update_from(DictObj& d, const CallArgs& args, const char* fn) {
  if (args.pos.size() > 1)
    fail("runtime", fmt::format("TypeError: {} expected at most 1 argument", fn));
  if (!args.pos.empty()) {
    const Value& src = args.pos[0];
    if (src.kind == Kind::Dict) {
      for (const auto& [k, v] : src.dict_obj().items) d.set(k, v);
    } else if (src.kind == Kind::Namespace) {
      for (const auto& [k, v] : static_cast<const NamespaceObj*>(src.obj.get())->attrs)
        d.set(Value::string(k), v);
    } else {
      for (const auto& item : iterate(src)) {
        std::vector<Value> pair = iterate(item);
        if (pair.size() != 2)
          fail("runtime", "ValueError: dictionary update sequence element has wrong length");
        d.set(pair[0], pair[1]);
      }
    }
  }
  for (const auto& [k, v] : args.kw) d.set(Value::string(k), v);
}

}  // namespace

int global_id(std::string_view name) {
  for (const auto& [n, id] : kGlobals) {
    if (n == name) return id;
  }
  return -1;
}

Value make_global(int id) {
  // No object: every render starts with a copy of these in its variable slots.
  Value v;
  v.kind = Kind::Callable;
  v.i = id;
  return v;
}

Value call_global(Interpreter& in, int id, const CallArgs& args) {
  switch (static_cast<GlobalId>(id)) {
    case G_range: {
      if (!args.kw.empty()) fail("runtime", "TypeError: range() takes no keyword arguments");
      int64_t start = 0, stop, step = 1;
      if (args.pos.size() == 1) {
        stop = int_arg(args.pos[0]);
      } else if (args.pos.size() == 2 || args.pos.size() == 3) {
        start = int_arg(args.pos[0]);
        stop = int_arg(args.pos[1]);
        if (args.pos.size() == 3) step = int_arg(args.pos[2]);
      } else {
        fail("runtime",
             fmt::format("TypeError: range expected at most 3 arguments, got {}", args.pos.size()));
      }
      if (step == 0) fail("runtime", "ValueError: range() arg 3 must not be zero");
      __int128 n = 0;
      if (step > 0 && stop > start) n = (static_cast<__int128>(stop) - start + step - 1) / step;
      if (step < 0 && stop < start) n = (static_cast<__int128>(start) - stop - step - 1) / -step;
      if (n > kMaxRange) {
        fail("limit",
             "OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE "
             "(100000).");
      }
      std::vector<Value> items;
      items.reserve(static_cast<size_t>(n));
      for (__int128 k = 0; k < n; ++k)
        items.push_back(Value::integer(static_cast<int64_t>(start + k * step)));
      in.spend(static_cast<size_t>(n) / 16);
      Value v;
      v.kind = Kind::List;
      v.view = 4;
      v.obj = std::make_shared<RangeObj>(std::move(items), start, stop, step);
      return v;
    }
    case G_namespace: {
      auto ns = std::make_shared<NamespaceObj>();
      if (args.pos.empty()) {  // namespace(found_first=false): straight from the keywords
        ns->attrs.reserve(args.kw.size());
        for (const auto& [k, v] : args.kw) ns->set(k, v);
      } else {
        Value d = Value::dict();
        update_from(d.dict_obj(), args, "Namespace");
        for (auto& [k, v] : d.dict_obj().items) ns->attrs.emplace_back(to_str(k), v);
      }
      Value v;
      v.kind = Kind::Namespace;
      v.obj = std::move(ns);
      return v;
    }
    case G_dict: {
      Value d = Value::dict();
      update_from(d.dict_obj(), args, "dict");
      return d;
    }
    case G_raise_exception: {
      std::string msg = args.pos.empty() ? std::string() : to_str(args.pos[0]);
      throw JinjaError("raise_exception", msg);
    }
    case G_strftime_now: {
      if (args.pos.empty() || args.pos[0].kind != Kind::String) {
        fail("runtime", "TypeError: strftime_now() needs a format string");
      }
      std::time_t now;
      std::tm tm{};
      const auto& fixed = in.options().fixed_now_epoch_s;
      if (fixed) {
        now = static_cast<std::time_t>(*fixed);
        gmtime_r(&now, &tm);
      } else {
        now = std::time(nullptr);
        localtime_r(&now, &tm);
      }
      const std::string& f = args.pos[0].str();
      if (f.empty()) return Value::string("");
      std::string buf(256 + f.size() * 8, '\0');
      size_t n = std::strftime(buf.data(), buf.size(), f.c_str(), &tm);
      buf.resize(n);
      return Value::string(std::move(buf));
    }
  }
  fail("runtime", "unknown global");
}

}  // namespace bakeoff::jinja
