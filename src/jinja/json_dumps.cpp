#include "jinja/json_dumps.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "common/python_text.h"
#include "common/text_writer.h"
#include "jinja/error.h"
#include "jinja/pyformat.h"

namespace bakeoff::jinja {
namespace {

void dump_float(std::string& out, double f) {
  if (std::isnan(f)) {
    out += "NaN";
  } else if (std::isinf(f)) {
    out += f < 0 ? "-Infinity" : "Infinity";
  } else {
    append_float_repr(out, f);
  }
}

struct Dumper {
  const JsonDumpsOptions& opt;
  std::string_view item_sep;
  std::string_view key_sep;
  TextWriter out;
  std::vector<const void*> stack;
  std::string scratch;  // numbers and escaped strings are formatted here, then written

  Dumper(const JsonDumpsOptions& options, std::string& to)
      : opt(options),
        item_sep(options.item_separator ? std::string_view(*options.item_separator)
                                        : std::string_view(options.indent ? "," : ", ")),
        key_sep(options.key_separator ? std::string_view(*options.key_separator)
                                      : std::string_view(": ")),
        out(to) {}

  void newline(int level) {
    out.put('\n');
    for (int i = 0; i < level; ++i) out.put(*opt.indent);
  }

  void put_string(std::string_view s) {
    // Most strings (keys, names, descriptions) need no escape: scanned and copied in one pass.
    if (const size_t n = copy_json_plain(out.room(s.size() + kPlainCopyRoom), s, opt.ensure_ascii);
        n > 0) {
      out.advance(n);
      return;
    }
    scratch.clear();
    append_json_string(scratch, s, opt.ensure_ascii);
    out.put(scratch);
  }

  std::string key_string(const Value& k) {
    switch (k.kind) {
      case Kind::String:
        return k.str();
      case Kind::Float: {
        std::string s;
        dump_float(s, k.f);
        return s;
      }
      case Kind::Bool:
        return k.b ? "true" : "false";
      case Kind::Int:
        return std::to_string(k.i);
      case Kind::None:
        return "null";
      default:
        fail("runtime", fmt::format("TypeError: keys must be str, int, float, bool or None, not {}",
                                    type_name(k)));
    }
  }

  void enter(const Value& v) {
    if (std::find(stack.begin(), stack.end(), v.identity()) != stack.end()) {
      fail("runtime", "ValueError: Circular reference detected");
    }
    if (stack.size() > 500) fail("limit", "maximum recursion depth exceeded in tojson");
    stack.push_back(v.identity());
  }

  // A list or (unsorted) dict of the context, written straight from the Json without
  // converting it to values: `tools | tojson`. Same bytes as dump() of the converted data: items
  // in order, keys are strings, numbers as from_json() reads them. Json cannot contain itself,
  // so only the depth is checked.
  void dump_json_container(const Value& v, const Json& j, int level) {
    enter(v);
    dump_json(j, level);
    stack.pop_back();
  }

  void dump_json(const Json& j, int level) {
    switch (j.type()) {
      case Json::value_t::string:
        put_string(j.get_ref<const std::string&>());
        return;
      case Json::value_t::array:
      case Json::value_t::object:
        break;
      default:
        dump(from_json(j), level);  // a scalar: converts without allocating
        return;
    }
    const bool array = j.is_array();
    if (j.empty()) {
      out.put(array ? "[]" : "{}");
      return;
    }
    if (stack.size() + static_cast<size_t>(level) > 500) {
      fail("limit", "maximum recursion depth exceeded in tojson");
    }
    out.put(array ? '[' : '{');
    if (opt.indent) newline(level + 1);
    bool first = true;
    auto separate = [&] {
      if (!first) {
        out.put(item_sep);
        if (opt.indent) newline(level + 1);
      }
      first = false;
    };
    if (array) {
      for (const auto& item : j) {
        separate();
        dump_json(item, level + 1);
      }
    } else if (!opt.indent) {
      // `, "key": ` in one piece when the key needs no escape (keys almost never do).
      for (const auto& [key, item] : j.get_ref<const Json::object_t&>()) {
        const size_t comma = first ? 0 : item_sep.size();
        char* to = out.room(comma + key.size() + kPlainCopyRoom + key_sep.size());
        copy_text(to, item_sep.substr(0, comma));
        first = false;
        if (const size_t n = copy_json_plain(to + comma, key, opt.ensure_ascii); n > 0) {
          copy_text(to + comma + n, key_sep);
          out.advance(comma + n + key_sep.size());
        } else {
          out.advance(comma);
          put_string(key);
          out.put(key_sep);
        }
        if (const auto* text = item.get_ptr<const std::string*>()) {
          put_string(*text);  // most values are strings: no recursion for them
        } else {
          dump_json(item, level + 1);
        }
      }
    } else {
      for (const auto& [key, item] : j.get_ref<const Json::object_t&>()) {
        separate();
        put_string(key);
        out.put(key_sep);
        dump_json(item, level + 1);
      }
    }
    if (opt.indent) newline(level);
    out.put(array ? ']' : '}');
  }

  void dump(const Value& v, int level) {
    switch (v.kind) {
      case Kind::None:
        out.put("null");
        return;
      case Kind::Bool:
        out.put(v.b ? "true" : "false");
        return;
      case Kind::Int:
        scratch.clear();
        append_int(scratch, v.i);
        out.put(scratch);
        return;
      case Kind::Float:
        scratch.clear();
        dump_float(scratch, v.f);
        out.put(scratch);
        return;
      case Kind::String:
        put_string(v.str());
        return;
      case Kind::List:
      case Kind::Tuple: {
        if (v.gen || v.view != 0) {
          fail("runtime",
               fmt::format("TypeError: Object of type {} is not JSON serializable", type_name(v)));
        }
        if (const Json* j = v.json_source()) {
          dump_json_container(v, *j, level);
          return;
        }
        const auto& items = v.list_obj().items;
        if (items.empty()) {
          out.put("[]");
          return;
        }
        enter(v);
        out.put('[');
        if (opt.indent) newline(level + 1);
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) {
            out.put(item_sep);
            if (opt.indent) newline(level + 1);
          }
          dump(items[i], level + 1);
        }
        if (opt.indent) newline(level);
        out.put(']');
        stack.pop_back();
        return;
      }
      case Kind::Dict: {
        if (const Json* j = v.json_source(); j != nullptr && !opt.sort_keys) {
          dump_json_container(v, *j, level);
          return;
        }
        const auto& items = v.dict_obj().items;
        if (items.empty()) {
          out.put("{}");
          return;
        }
        enter(v);
        std::vector<std::pair<std::string, const Value*>> entries;
        entries.reserve(items.size());
        for (const auto& [k, val] : items) entries.emplace_back(key_string(k), &val);
        if (opt.sort_keys) {
          for (const auto& [k, val] : items) {
            if (k.kind != items.front().first.kind &&
                !(k.is_number() && items.front().first.is_number())) {
              fail("runtime", "TypeError: '<' not supported between instances of dict keys");
            }
          }
          std::stable_sort(entries.begin(), entries.end(),
                           [](const auto& a, const auto& b) { return a.first < b.first; });
        }
        out.put('{');
        if (opt.indent) newline(level + 1);
        bool first = true;
        for (const auto& [k, val] : entries) {
          if (!first) {
            out.put(item_sep);
            if (opt.indent) newline(level + 1);
          }
          first = false;
          put_string(k);
          out.put(key_sep);
          dump(*val, level + 1);
        }
        if (opt.indent) newline(level);
        out.put('}');
        stack.pop_back();
        return;
      }
      default:
        fail("runtime",
             fmt::format("TypeError: Object of type {} is not JSON serializable", type_name(v)));
    }
  }
};

}  // namespace

void json_dumps_to(std::string& out, const Value& v, const JsonDumpsOptions& options) {
  Dumper d(options, out);
  d.dump(v, 0);
}  // (the writer cuts `out` to what was written)

std::string json_dumps(const Value& v, const JsonDumpsOptions& options) {
  std::string out;
  json_dumps_to(out, v, options);
  return out;
}

}  // namespace bakeoff::jinja
