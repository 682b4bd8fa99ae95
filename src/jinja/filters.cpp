// jinja2's built-in filters plus transformers' tojson, with the same argument names and defaults.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>

#include <fmt/format.h>

#include "jinja/builtins.h"
#include "jinja/error.h"
#include "jinja/interpreter.h"
#include "jinja/json_dumps.h"
#include "jinja/pyformat.h"
#include "jinja/text_ops.h"
#include "jinja/unicode.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {
namespace {

enum FilterId {
  F_abs,
  F_attr,
  F_batch,
  F_capitalize,
  F_center,
  F_count,
  F_d,
  F_default,
  F_dictsort,
  F_e,
  F_escape,
  F_first,
  F_float,
  F_forceescape,
  F_format,
  F_indent,
  F_int,
  F_items,
  F_join,
  F_last,
  F_length,
  F_list,
  F_lower,
  F_map,
  F_max,
  F_min,
  F_pprint,
  F_reject,
  F_rejectattr,
  F_replace,
  F_reverse,
  F_round,
  F_safe,
  F_select,
  F_selectattr,
  F_slice,
  F_sort,
  F_string,
  F_striptags,
  F_sum,
  F_title,
  F_tojson,
  F_trim,
  F_truncate,
  F_unique,
  F_upper,
  F_wordcount,
  F_groupby,
};

constexpr std::pair<std::string_view, FilterId> kFilters[] = {
    {"abs", F_abs},
    {"attr", F_attr},
    {"batch", F_batch},
    {"capitalize", F_capitalize},
    {"center", F_center},
    {"count", F_count},
    {"d", F_d},
    {"default", F_default},
    {"dictsort", F_dictsort},
    {"e", F_e},
    {"escape", F_escape},
    {"first", F_first},
    {"float", F_float},
    {"forceescape", F_forceescape},
    {"format", F_format},
    {"indent", F_indent},
    {"int", F_int},
    {"items", F_items},
    {"join", F_join},
    {"last", F_last},
    {"length", F_length},
    {"list", F_list},
    {"lower", F_lower},
    {"map", F_map},
    {"max", F_max},
    {"min", F_min},
    {"pprint", F_pprint},
    {"reject", F_reject},
    {"rejectattr", F_rejectattr},
    {"replace", F_replace},
    {"reverse", F_reverse},
    {"round", F_round},
    {"safe", F_safe},
    {"select", F_select},
    {"selectattr", F_selectattr},
    {"slice", F_slice},
    {"sort", F_sort},
    {"string", F_string},
    {"striptags", F_striptags},
    {"sum", F_sum},
    {"title", F_title},
    {"tojson", F_tojson},
    {"trim", F_trim},
    {"truncate", F_truncate},
    {"unique", F_unique},
    {"upper", F_upper},
    {"wordcount", F_wordcount},
    {"groupby", F_groupby},
};

const Value& arg_or(const CallArgs& a, size_t i, std::string_view name, const Value& dflt) {
  const Value* v = a.get(i, name);
  return v != nullptr ? *v : dflt;
}

int64_t int_arg(const Value& v, const char* what) {
  if (v.kind == Kind::Int) return v.i;
  if (v.kind == Kind::Bool) return v.b;
  fail("runtime", fmt::format("TypeError: '{}' must be an integer, not {}", what, type_name(v)));
}

Value keep_markup(const Value& in, std::string s) {
  return Value::string(std::move(s), in.safe);
}

const std::string& need_str(const Value& v, std::string& tmp) {
  if (v.kind == Kind::String) return v.str();
  tmp = to_str(v);
  return tmp;
}

// make_attrgetter: "a.b.0" walks items with jinja2's getitem rules.
Value get_path(const Value& item, const Value& attribute, const Value* dflt) {
  if (attribute.is_none() || attribute.is_undefined()) return item;
  Value cur = item;
  if (attribute.kind != Kind::String) {
    cur = get_item(cur, attribute);
  } else {
    std::string_view path = attribute.str();
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string_view part = path.substr(start, dot == std::string_view::npos ? dot : dot - start);
      bool digits = !part.empty() && std::all_of(part.begin(), part.end(),
                                                 [](char c) { return c >= '0' && c <= '9'; });
      if (digits) {
        cur = get_item(cur, Value::integer(std::stoll(std::string(part))));
      } else {
        cur = get_item(cur, Value::string(std::string(part)));
      }
      if (dflt != nullptr && cur.is_undefined()) cur = *dflt;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  return cur;
}

Value lower_if_str(const Value& v) {
  if (v.kind == Kind::String) return Value::string(unicode::lower(v.str()));
  return v;
}

std::vector<Value> sorted_values(std::vector<Value> items, const std::vector<Value>& keys,
                                 bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Python's sorted(reverse=True) keeps equal elements in their original order too.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reverse ? less_than(keys[b], keys[a]) : less_than(keys[a], keys[b]);
  });
  std::vector<Value> out;
  out.reserve(items.size());
  for (size_t i : order) out.push_back(std::move(items[i]));
  return out;
}

// select/reject/selectattr/rejectattr share this.
Value select_impl(Interpreter& in, const Value& input, const CallArgs& args, bool with_attr,
                  bool want) {
  // Context data (`messages|selectattr(…)`) is iterated in place: no converted list.
  std::vector<Value> items;
  if (JsonRun run; input.context_run(&run)) {
    items.reserve(run.size);
    for (size_t k = 0; k < run.size; ++k) items.push_back(from_json(run[k]));
  } else {
    items = iterate(input);
  }
  size_t next = 0;
  Value attribute;
  if (with_attr) {
    if (args.pos.empty()) fail("runtime", "TypeError: missing attribute argument");
    attribute = args.pos[next++];
  }
  int test = -1;
  CallArgs test_args;
  if (next < args.pos.size()) {
    Value name = args.pos[next++];
    if (name.kind != Kind::String) fail("runtime", "test name must be a string");
    test = test_id(name.str());
    if (test < 0) fail("runtime", fmt::format("No test named '{}'.", name.str()));
    for (; next < args.pos.size(); ++next) test_args.pos.push_back(args.pos[next]);
    test_args.kw = args.kw;
  }
  // `selectattr('role', 'equalto', 'user')`: an attribute of one part that an item (a dict of
  // context data) has as a key is read in place, without making a key string. Anything else
  // (a missing key, whose lookup falls back to attributes as jinja2's does) takes get_path.
  std::string_view key;
  if (with_attr && attribute.kind == Kind::String && !attribute.str().empty() &&
      attribute.str().find('.') == std::string::npos &&
      !std::all_of(attribute.str().begin(), attribute.str().end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    key = attribute.str();
  }
  std::vector<Value> out;
  for (const auto& item : items) {
    Value v;
    if (const Json* member = nullptr;
        !key.empty() && json_member(item, key, &member) && member != nullptr) {
      v = from_json(*member);
    } else {
      v = with_attr ? get_path(item, attribute, nullptr) : item;
    }
    bool r = test < 0 ? truthy(v) : apply_test(in, test, v, test_args);
    if (r == want) out.push_back(item);
  }
  return Value::generator(std::move(out));
}

Value round_value(const Value& v, int64_t precision, const std::string& method) {
  if (method != "common" && method != "ceil" && method != "floor") {
    fail("runtime", "FilterArgumentError: method must be common, ceil or floor");
  }
  if (method == "common") {
    if (v.kind == Kind::Int || v.kind == Kind::Bool) {
      if (precision >= 0) return Value::integer(v.kind == Kind::Int ? v.i : v.b);
      // Rounding an int to tens/hundreds: half to even.
      double p = std::pow(10.0, static_cast<double>(-precision));
      double x = static_cast<double>(v.i) / p;
      return Value::integer(static_cast<int64_t>(std::nearbyint(x) * p));
    }
    if (v.kind != Kind::Float)
      fail("runtime",
           fmt::format("TypeError: type {} doesn't define __round__ method", type_name(v)));
    if (!std::isfinite(v.f)) return v;
    if (precision > 300) return v;
    if (precision < 0) {
      double p = std::pow(10.0, static_cast<double>(-precision));
      return Value::number(std::nearbyint(v.f / p) * p);
    }
    // printf rounds the exact binary value half-to-even, as Python's round() does.
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), v.f);
    return Value::number(std::strtod(buf, nullptr));
  }
  double x = v.kind == Kind::Float ? v.f : v.kind == Kind::Int ? static_cast<double>(v.i) : v.b;
  double p = std::pow(10.0, static_cast<double>(precision));
  double r = method == "ceil" ? std::ceil(x * p) : std::floor(x * p);
  return Value::number(r / p);
}

// transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False).
JsonDumpsOptions tojson_options(const CallArgs& args) {
  static const Value kFalse = Value::boolean(false);
  static const Value kNone = Value::none();
  JsonDumpsOptions o;
  o.ensure_ascii = truthy(arg_or(args, 0, "ensure_ascii", kFalse));
  const Value& indent = arg_or(args, 1, "indent", kNone);
  if (indent.kind == Kind::String) {
    o.indent = indent.str();
  } else if (indent.kind == Kind::Int || indent.kind == Kind::Bool) {
    int64_t n = indent.kind == Kind::Int ? indent.i : indent.b;
    o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(n, 0, 1000)), ' ');
  } else if (!indent.is_none()) {
    fail("runtime", "TypeError: indent must be an int or a string");
  }
  const Value& seps = arg_or(args, 2, "separators", kNone);
  if (seps.kind == Kind::List || seps.kind == Kind::Tuple) {
    const auto& items = seps.list_obj().items;
    if (items.size() != 2 || !items[0].is_string() || !items[1].is_string()) {
      fail("runtime", "ValueError: separators must be a pair of strings");
    }
    o.item_separator = items[0].str();
    o.key_separator = items[1].str();
  } else if (!seps.is_none()) {
    fail("runtime", "TypeError: separators must be a pair of strings");
  }
  o.sort_keys = truthy(arg_or(args, 3, "sort_keys", kFalse));
  for (const auto& [k, v] : args.kw) {
    if (k != "ensure_ascii" && k != "indent" && k != "separators" && k != "sort_keys") {
      fail("runtime",
           fmt::format("TypeError: tojson() got an unexpected keyword argument '{}'", k));
    }
  }
  return o;
}

}  // namespace

int filter_id(std::string_view name) {
  for (const auto& [n, id] : kFilters) {
    if (n == name) return id;
  }
  return -1;
}

Value apply_filter(Interpreter& in, int id, const Value& input, const CallArgs& args) {
  static const Value kNone = Value::none();
  static const Value kFalse = Value::boolean(false);
  std::string tmp;
  switch (static_cast<FilterId>(id)) {
    case F_abs:
      if (input.kind == Kind::Int) {
        if (input.i == INT64_MIN) fail("runtime", "integer overflow");
        return Value::integer(input.i < 0 ? -input.i : input.i);
      }
      if (input.kind == Kind::Bool) return Value::integer(input.b);
      if (input.kind == Kind::Float) return Value::number(std::fabs(input.f));
      fail("runtime", fmt::format("TypeError: bad operand type for abs(): '{}'", type_name(input)));
    case F_attr: {
      const Value* name = args.get(0, "name");
      if (name == nullptr || name->kind != Kind::String)
        fail("runtime", "attr() needs a string name");
      if (input.kind == Kind::Dict) {
        if (is_method(input, name->str())) return get_attr(input, name->str());
        return Value::undefined(missing_attribute_message("dict object", name->str()));
      }
      return get_attr(input, name->str());
    }
    case F_batch: {
      int64_t n = int_arg(arg_or(args, 0, "linecount", kNone), "linecount");
      if (n <= 0) fail("runtime", "batch size must be positive");
      const Value* fill = args.get(1, "fill_with");
      std::vector<Value> items = iterate(input), out, cur;
      for (auto& v : items) {
        cur.push_back(v);
        if (static_cast<int64_t>(cur.size()) == n) {
          out.push_back(Value::list(std::move(cur)));
          cur.clear();
        }
      }
      if (!cur.empty()) {
        if (fill != nullptr && !fill->is_none()) {
          while (static_cast<int64_t>(cur.size()) < n) cur.push_back(*fill);
        }
        out.push_back(Value::list(std::move(cur)));
      }
      return Value::generator(std::move(out));
    }
    case F_capitalize:
      return keep_markup(input, unicode::capitalize(need_str(input, tmp)));
    case F_center: {
      int64_t w = int_arg(arg_or(args, 0, "width", Value::integer(80)), "width");
      return keep_markup(input, py_center(need_str(input, tmp), w, " "));
    }
    case F_count:
    case F_length:
      return Value::integer(static_cast<int64_t>(py_len(input)));
    case F_d:
    case F_default: {
      static const Value kEmpty = Value::string("");
      const Value& dflt = arg_or(args, 0, "default_value", kEmpty);
      bool boolean = truthy(arg_or(args, 1, "boolean", kFalse));
      if (input.is_undefined() || (boolean && !truthy(input))) return dflt;
      return input;
    }
    case F_dictsort: {
      if (input.kind != Kind::Dict)
        fail("runtime",
             fmt::format("AttributeError: '{}' object has no attribute 'items'", type_name(input)));
      bool case_sensitive = truthy(arg_or(args, 0, "case_sensitive", kFalse));
      static const Value kKey = Value::string("key");
      const Value& by = arg_or(args, 1, "by", kKey);
      bool reverse = truthy(arg_or(args, 2, "reverse", kFalse));
      size_t pos;
      if (by.kind == Kind::String && by.str() == "key") {
        pos = 0;
      } else if (by.kind == Kind::String && by.str() == "value") {
        pos = 1;
      } else {
        fail("runtime", "FilterArgumentError: You can only sort by either \"key\" or \"value\"");
      }
      std::vector<Value> items, keys;
      for (const auto& [k, v] : input.dict_obj().items) {
        items.push_back(Value::tuple({k, v}));
        const Value& key = pos == 0 ? k : v;
        keys.push_back(case_sensitive ? key : lower_if_str(key));
      }
      return Value::list(sorted_values(std::move(items), keys, reverse));
    }
    case F_e:
    case F_escape:
      if (input.kind == Kind::String && input.safe) return input;
      return Value::string(html_escape(to_str(input)), true);
    case F_forceescape:
      return Value::string(html_escape(to_str(input)), true);
    case F_first: {
      if (input.kind == Kind::Dict) {
        if (input.dict_obj().items.empty())
          return Value::undefined("No first item, sequence was empty.");
        return input.dict_obj().items.front().first;
      }
      if (input.kind == Kind::String) {
        std::vector<Value> chars = iterate(input);
        if (chars.empty()) return Value::undefined("No first item, sequence was empty.");
        return chars.front();
      }
      if (input.kind == Kind::List || input.kind == Kind::Tuple) {
        const auto& items = input.list_obj().items;
        if (items.empty()) return Value::undefined("No first item, sequence was empty.");
        return items.front();
      }
      std::vector<Value> items = iterate(input);
      if (items.empty()) return Value::undefined("No first item, sequence was empty.");
      return items.front();
    }
    case F_last: {
      if (input.gen) fail("runtime", "TypeError: 'generator' object is not reversible");
      if (input.kind == Kind::Dict) {
        if (input.dict_obj().items.empty())
          return Value::undefined("No last item, sequence was empty.");
        return input.dict_obj().items.back().first;
      }
      std::vector<Value> items = iterate(input);
      if (items.empty()) return Value::undefined("No last item, sequence was empty.");
      return items.back();
    }
    case F_float: {
      static const Value kZero = Value::number(0.0);
      const Value& dflt = arg_or(args, 0, "default", kZero);
      std::optional<double> d = py_float(input);
      return d ? Value::number(*d) : dflt;
    }
    case F_format: {
      std::string fmt_str = to_str(input);
      if (!args.kw.empty()) {
        Value d = Value::dict();
        for (const auto& [k, v] : args.kw) d.dict_obj().set(Value::string(k), v);
        return Value::string(percent_format(fmt_str, d));
      }
      return Value::string(percent_format(fmt_str, Value::tuple(args.pos)));
    }
    case F_indent: {
      static const Value kFour = Value::integer(4);
      const Value& width = arg_or(args, 0, "width", kFour);
      bool first = truthy(arg_or(args, 1, "first", kFalse));
      bool blank = truthy(arg_or(args, 2, "blank", kFalse));
      std::string indention =
          width.kind == Kind::String
              ? width.str()
              : std::string(static_cast<size_t>(std::max<int64_t>(0, int_arg(width, "width"))),
                            ' ');
      return keep_markup(input, py_indent(need_str(input, tmp) + "\n", indention, first, blank));
    }
    case F_int: {
      static const Value kZero = Value::integer(0);
      const Value& dflt = arg_or(args, 0, "default", kZero);
      int64_t base = int_arg(arg_or(args, 1, "base", Value::integer(10)), "base");
      std::optional<int64_t> r = py_int(input, static_cast<int>(base));
      return r ? Value::integer(*r) : dflt;
    }
    case F_items: {
      if (input.is_undefined()) return Value::generator({});
      if (input.kind != Kind::Dict)
        fail("runtime", fmt::format("TypeError: Can only get item pairs from a mapping."));
      std::vector<Value> out;
      for (const auto& [k, v] : input.dict_obj().items) out.push_back(Value::tuple({k, v}));
      return Value::generator(std::move(out));
    }
    case F_join: {
      static const Value kEmpty = Value::string("");
      const Value& sep = arg_or(args, 0, "d", kEmpty);
      const Value* attribute = args.get(1, "attribute");
      std::vector<Value> items = iterate(input);
      std::string out;
      std::string sep_s = to_str(sep);
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += sep_s;
        append_str(out, attribute != nullptr ? get_path(items[i], *attribute, nullptr) : items[i]);
        if (out.size() > kMaxSequenceSize) fail("limit", "string too large");
      }
      return Value::string(std::move(out));
    }
    case F_list:
      return Value::list(iterate(input));
    case F_lower:
      return keep_markup(input, unicode::lower(need_str(input, tmp)));
    case F_upper:
      return keep_markup(input, unicode::upper(need_str(input, tmp)));
    case F_map: {
      std::vector<Value> items = iterate(input), out;
      out.reserve(items.size());
      if (args.pos.empty()) {
        const Value* attribute = args.kwarg("attribute");
        if (attribute == nullptr) return Value::generator(std::move(items));
        const Value* dflt = args.kwarg("default");
        for (const auto& item : items) out.push_back(get_path(item, *attribute, dflt));
        return Value::generator(std::move(out));
      }
      if (args.pos[0].kind != Kind::String) fail("runtime", "map() needs a filter name");
      int f = filter_id(args.pos[0].str());
      if (f < 0) fail("runtime", fmt::format("No filter named '{}'.", args.pos[0].str()));
      CallArgs rest;
      rest.pos.assign(args.pos.begin() + 1, args.pos.end());
      rest.kw = args.kw;
      for (const auto& item : items) out.push_back(apply_filter(in, f, item, rest));
      return Value::generator(std::move(out));
    }
    case F_max:
    case F_min: {
      bool case_sensitive = truthy(arg_or(args, 0, "case_sensitive", kFalse));
      const Value* attribute = args.get(1, "attribute");
      std::vector<Value> items = iterate(input);
      if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
      size_t best = 0;
      auto key = [&](const Value& v) {
        Value k = attribute != nullptr ? get_path(v, *attribute, nullptr) : v;
        return case_sensitive ? k : lower_if_str(k);
      };
      Value best_key = key(items[0]);
      for (size_t i = 1; i < items.size(); ++i) {
        Value k = key(items[i]);
        bool better = id == F_min ? less_than(k, best_key) : less_than(best_key, k);
        if (better) {
          best = i;
          best_key = k;
        }
      }
      return items[best];
    }
    case F_pprint:
      return Value::string(to_repr(input));
    case F_reject:
      return select_impl(in, input, args, false, false);
    case F_rejectattr:
      return select_impl(in, input, args, true, false);
    case F_select:
      return select_impl(in, input, args, false, true);
    case F_selectattr:
      return select_impl(in, input, args, true, true);
    case F_replace: {
      const Value* old_v = args.get(0, "old");
      const Value* new_v = args.get(1, "new");
      if (old_v == nullptr || new_v == nullptr) fail("runtime", "replace() needs old and new");
      const Value* count = args.get(2, "count");
      int64_t n = (count == nullptr || count->is_none()) ? -1 : int_arg(*count, "count");
      return Value::string(py_replace(to_str(input), to_str(*old_v), to_str(*new_v), n));
    }
    case F_reverse: {
      if (input.kind == Kind::String) {
        std::u32string cps = unicode::decode(input.str());
        std::reverse(cps.begin(), cps.end());
        return keep_markup(input, unicode::encode(cps));
      }
      std::vector<Value> items = iterate(input);
      std::reverse(items.begin(), items.end());
      return Value::generator(std::move(items));
    }
    case F_round: {
      int64_t precision = int_arg(arg_or(args, 0, "precision", Value::integer(0)), "precision");
      static const Value kCommon = Value::string("common");
      return round_value(input, precision, to_str(arg_or(args, 1, "method", kCommon)));
    }
    case F_safe:
      return Value::string(to_str(input), true);
    case F_slice: {
      int64_t slices = int_arg(arg_or(args, 0, "slices", kNone), "slices");
      if (slices <= 0) fail("runtime", "slices must be positive");
      const Value* fill = args.get(1, "fill_with");
      std::vector<Value> seq = iterate(input), out;
      auto length = static_cast<int64_t>(seq.size());
      int64_t per = length / slices, extra = length % slices, offset = 0;
      for (int64_t i = 0; i < slices; ++i) {
        int64_t start = offset + i * per;
        if (i < extra) ++offset;
        int64_t end = offset + (i + 1) * per;
        std::vector<Value> part(seq.begin() + start, seq.begin() + end);
        if (fill != nullptr && !fill->is_none() && i >= extra) part.push_back(*fill);
        out.push_back(Value::list(std::move(part)));
      }
      return Value::generator(std::move(out));
    }
    case F_sort: {
      bool reverse = truthy(arg_or(args, 0, "reverse", kFalse));
      bool case_sensitive = truthy(arg_or(args, 1, "case_sensitive", kFalse));
      const Value* attribute = args.get(2, "attribute");
      std::vector<Value> items = iterate(input), keys;
      for (const auto& item : items) {
        if (attribute != nullptr && attribute->kind == Kind::String &&
            attribute->str().find(',') != std::string::npos) {
          std::vector<Value> parts;
          for (const auto& name : py_split(attribute->str(), ",", -1)) {
            Value k = get_path(item, Value::string(name), nullptr);
            parts.push_back(case_sensitive ? k : lower_if_str(k));
          }
          keys.push_back(Value::list(std::move(parts)));
        } else {
          Value k = attribute != nullptr ? get_path(item, *attribute, nullptr) : item;
          keys.push_back(case_sensitive ? k : lower_if_str(k));
        }
      }
      return Value::list(sorted_values(std::move(items), keys, reverse));
    }
    case F_string:
      if (input.kind == Kind::String) return input;
      return Value::string(to_str(input));
    case F_striptags:
      return Value::string(py_striptags(to_str(input)));
    case F_sum: {
      const Value* attribute = args.get(0, "attribute");
      static const Value kZero = Value::integer(0);
      Value total = arg_or(args, 1, "start", kZero);
      for (const auto& item : iterate(input)) {
        total = binary_op(BinOp::Add, total,
                          attribute != nullptr ? get_path(item, *attribute, nullptr) : item);
      }
      return total;
    }
    case F_title:
      return keep_markup(input, jinja_title(need_str(input, tmp)));
    case F_tojson:
      return Value::string(json_dumps(input, tojson_options(args)));
    case F_trim: {
      const Value* chars = args.get(0, "chars");
      std::string chars_s;
      if (chars != nullptr && !chars->is_none()) chars_s = to_str(*chars);
      bool use_chars = chars != nullptr && !chars->is_none();
      const std::string& text = need_str(input, tmp);
      std::string_view stripped = unicode::strip(text, use_chars ? &chars_s : nullptr, true, true);
      // Nothing to trim (most message contents): the input itself, not a copy.
      if (input.kind == Kind::String && stripped.size() == text.size()) return input;
      return keep_markup(input, std::string(stripped));
    }
    case F_truncate: {
      int64_t length = int_arg(arg_or(args, 0, "length", Value::integer(255)), "length");
      bool killwords = truthy(arg_or(args, 1, "killwords", kFalse));
      static const Value kEnd = Value::string("...");
      std::string end = to_str(arg_or(args, 2, "end", kEnd));
      int64_t leeway = int_arg(arg_or(args, 3, "leeway", Value::integer(5)), "leeway");
      return Value::string(py_truncate(to_str(input), length, killwords, end, leeway));
    }
    case F_unique: {
      bool case_sensitive = truthy(arg_or(args, 0, "case_sensitive", kFalse));
      const Value* attribute = args.get(1, "attribute");
      std::vector<Value> items = iterate(input), out, seen;
      for (const auto& item : items) {
        Value k = attribute != nullptr ? get_path(item, *attribute, nullptr) : item;
        if (!case_sensitive) k = lower_if_str(k);
        bool dup = false;
        for (const auto& s : seen) {
          if (py_equal(s, k)) {
            dup = true;
            break;
          }
        }
        if (!dup) {
          seen.push_back(k);
          out.push_back(item);
        }
      }
      return Value::generator(std::move(out));
    }
    case F_wordcount:
      return Value::integer(py_wordcount(to_str(input)));
    case F_groupby: {
      const Value* attribute = args.get(0, "attribute");
      if (attribute == nullptr) fail("runtime", "groupby() needs an attribute");
      const Value* dflt = args.get(1, "default");
      bool case_sensitive = truthy(arg_or(args, 2, "case_sensitive", kFalse));
      std::vector<Value> items = iterate(input), keys;
      for (const auto& item : items) {
        Value k = get_path(item, *attribute, dflt);
        keys.push_back(case_sensitive ? k : lower_if_str(k));
      }
      std::vector<Value> sorted = sorted_values(items, keys, false);
      std::vector<Value> sorted_keys;
      for (const auto& item : sorted) {
        Value k = get_path(item, *attribute, dflt);
        sorted_keys.push_back(case_sensitive ? k : lower_if_str(k));
      }
      std::vector<Value> groups;
      for (size_t i = 0; i < sorted.size();) {
        size_t j = i;
        std::vector<Value> members;
        while (j < sorted.size() && py_equal(sorted_keys[j], sorted_keys[i]))
          members.push_back(sorted[j++]);
        Value grouper = case_sensitive ? sorted_keys[i] : get_path(sorted[i], *attribute, dflt);
        groups.push_back(Value::tuple({grouper, Value::list(std::move(members))}));
        i = j;
      }
      return Value::list(std::move(groups));
    }
  }
  fail("runtime", "unknown filter");
}

bool print_filter(int id, const Value& input, const CallArgs& args, std::string& out) {
  switch (id) {
    case F_string:  // prints what the input prints
      append_str(out, input);
      return true;
    case F_tojson:
      json_dumps_to(out, input, tojson_options(args));
      return true;
    case F_upper:  // a string's cased copy (Markup or not, it prints the same)
    case F_lower: {
      if (input.kind != Kind::String || !args.pos.empty() || !args.kw.empty()) return false;
      const std::string& s = input.str();
      if (!unicode::is_ascii(s)) {
        out += id == F_upper ? unicode::upper(s) : unicode::lower(s);
        return true;
      }
      const size_t at = out.size();
      out += s;
      for (size_t i = at; i < out.size(); ++i) out[i] = unicode::ascii_cased(out[i], id == F_upper);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace bakeoff::jinja
