#include "jinja/pyformat.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "common/python_text.h"
#include "jinja/error.h"
#include "jinja/unicode.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {

void append_float_repr(std::string& out, double v) {
  append_python_float_repr(out, v);
}

std::string float_repr(double v) {
  std::string s;
  append_float_repr(s, v);
  return s;
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

namespace {

struct Spec {
  std::string flags;
  int width = -1;
  int precision = -1;
  char type = 's';
};

double as_double(const Value& v, char type) {
  if (v.kind == Kind::Int) return static_cast<double>(v.i);
  if (v.kind == Kind::Bool) return v.b ? 1 : 0;
  if (v.kind == Kind::Float) return v.f;
  fail("runtime", fmt::format("%{} format: a real number is required, not {}", type, type_name(v)));
}

std::string pad(std::string body, const Spec& s, bool numeric) {
  auto len = static_cast<int>(unicode::length(body));
  if (s.width <= len) return body;
  size_t fill = static_cast<size_t>(s.width - len);
  if (s.flags.find('-') != std::string::npos) return body + std::string(fill, ' ');
  if (numeric && s.flags.find('0') != std::string::npos) {
    size_t sign = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    return body.substr(0, sign) + std::string(fill, '0') + body.substr(sign);
  }
  return std::string(fill, ' ') + body;
}

std::string format_one(const Spec& s, const Value& v) {
  switch (s.type) {
    case 's': {
      std::string body = to_str(v);
      if (s.precision >= 0) {
        std::u32string cps = unicode::decode(body);
        if (cps.size() > static_cast<size_t>(s.precision))
          cps.resize(static_cast<size_t>(s.precision));
        body = unicode::encode(cps);
      }
      return pad(body, s, false);
    }
    case 'r':
      return pad(to_repr(v), s, false);
    case 'd':
    case 'i':
    case 'u': {
      int64_t n;
      if (v.kind == Kind::Int) {
        n = v.i;
      } else if (v.kind == Kind::Bool) {
        n = v.b;
      } else if (v.kind == Kind::Float) {
        if (!std::isfinite(v.f)) fail("runtime", "cannot convert float infinity or NaN to integer");
        n = static_cast<int64_t>(std::trunc(v.f));
      } else {
        fail("runtime", fmt::format("%d format: a real number is required, not {}", type_name(v)));
      }
      std::string body = std::to_string(n);
      if (n >= 0 && s.flags.find('+') != std::string::npos)
        body = "+" + body;
      else if (n >= 0 && s.flags.find(' ') != std::string::npos)
        body = " " + body;
      return pad(body, s, true);
    }
    case 'x':
    case 'X':
    case 'o': {
      if (v.kind != Kind::Int && v.kind != Kind::Bool) {
        fail("runtime",
             fmt::format("%{} format: an integer is required, not {}", s.type, type_name(v)));
      }
      int64_t n = v.kind == Kind::Bool ? v.b : v.i;
      std::string body = s.type == 'o'   ? fmt::format("{:o}", n < 0 ? -n : n)
                         : s.type == 'x' ? fmt::format("{:x}", n < 0 ? -n : n)
                                         : fmt::format("{:X}", n < 0 ? -n : n);
      if (n < 0) body = "-" + body;
      return pad(body, s, true);
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      double d = as_double(v, s.type);
      int prec = s.precision < 0 ? 6 : s.precision;
      std::string f = "%";
      if (s.flags.find('+') != std::string::npos) f += '+';
      if (s.flags.find(' ') != std::string::npos) f += ' ';
      if (s.flags.find('#') != std::string::npos) f += '#';
      f += "." + std::to_string(prec) + s.type;
      char buf[512];
      if (std::isfinite(d) && std::fabs(d) >= 1e300 && (s.type == 'f' || s.type == 'F')) {
        fail("runtime", "formatted float is too long");
      }
      std::snprintf(buf, sizeof buf, f.c_str(), d);  // NOLINT: fixed-size buffer, bounded above
      return pad(buf, s, true);
    }
    default:
      fail("runtime", fmt::format("unsupported format character '{}'", s.type));
  }
}

}  // namespace

std::string percent_format(std::string_view fmt, const Value& args) {
  std::vector<Value> list;
  const DictObj* mapping = nullptr;
  if (args.kind == Kind::Tuple) {
    list = args.list_obj().items;
  } else {
    if (args.kind == Kind::Dict) mapping = &args.dict_obj();
    list.push_back(args);
  }
  std::string out;
  size_t next = 0;
  bool used_mapping = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= fmt.size()) fail("runtime", "incomplete format");
    if (fmt[i] == '%') {
      out += '%';
      continue;
    }
    const Value* key_value = nullptr;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) fail("runtime", "incomplete format key");
      if (mapping == nullptr) fail("runtime", "format requires a mapping");
      key_value = mapping->find_str(fmt.substr(i + 1, close - i - 1));
      if (key_value == nullptr) {
        fail("runtime", fmt::format("KeyError: '{}'", fmt.substr(i + 1, close - i - 1)));
      }
      used_mapping = true;
      i = close + 1;
    }
    Spec s;
    while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) {
      s.flags += fmt[i++];
    }
    auto read_num = [&](int* dst) {
      if (i < fmt.size() && fmt[i] == '*') {
        if (next >= list.size() || list[next].kind != Kind::Int) fail("runtime", "* wants int");
        *dst = static_cast<int>(list[next++].i);
        ++i;
        return;
      }
      int n = -1;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        n = (n < 0 ? 0 : n) * 10 + (fmt[i++] - '0');
        if (n > 100000) fail("limit", "format width too large");
      }
      *dst = n;
    };
    read_num(&s.width);
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      read_num(&s.precision);
      if (s.precision < 0) s.precision = 0;
    }
    while (i < fmt.size() && (fmt[i] == 'l' || fmt[i] == 'h' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) fail("runtime", "incomplete format");
    s.type = fmt[i];
    if (key_value != nullptr) {
      out += format_one(s, *key_value);
      continue;
    }
    if (next >= list.size()) fail("runtime", "not enough arguments for format string");
    out += format_one(s, list[next++]);
  }
  if (!used_mapping && mapping == nullptr && next < list.size()) {
    fail("runtime", "not all arguments converted during string formatting");
  }
  return out;
}

namespace {

// A small subset of the format-spec mini-language: [[fill]align][sign][0][width][.precision][type].
std::string apply_format_spec(const Value& v, std::string_view spec) {
  if (spec.empty()) return to_str(v);
  size_t i = 0;
  char fill = ' ', align = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (spec.size() >= 2 && is_align(spec[1])) {
    fill = spec[0];
    align = spec[1];
    i = 2;
  } else if (is_align(spec[0])) {
    align = spec[0];
    i = 1;
  }
  std::string sign;
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) sign = spec[i++];
  if (i < spec.size() && spec[i] == '0') {
    if (align == 0) {
      fill = '0';
      align = '=';
    }
    ++i;
  }
  int width = 0;
  while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9') {
    width = width * 10 + (spec[i++] - '0');
    if (width > 100000) fail("limit", "format width too large");
  }
  int precision = -1;
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    precision = 0;
    while (i < spec.size() && spec[i] >= '0' && spec[i] <= '9')
      precision = precision * 10 + (spec[i++] - '0');
  }
  char type = i < spec.size() ? spec[i++] : '\0';
  if (i != spec.size()) fail("runtime", "Invalid format specifier");
  std::string body;
  bool numeric = v.kind == Kind::Int || v.kind == Kind::Float || v.kind == Kind::Bool;
  if (type == 0 || type == 's') {
    if (type == 's' && !v.is_string()) fail("runtime", "Unknown format code 's'");
    body = to_str(v);
    if (precision >= 0 && v.is_string()) {
      std::u32string cps = unicode::decode(body);
      if (cps.size() > static_cast<size_t>(precision)) cps.resize(static_cast<size_t>(precision));
      body = unicode::encode(cps);
    }
    if (!sign.empty() && numeric && sign == "+" && body[0] != '-') body = "+" + body;
  } else {
    Spec s;
    s.type = type;
    s.precision = precision;
    if (sign == "+") s.flags += '+';
    if (sign == " ") s.flags += ' ';
    if (!numeric)
      fail("runtime",
           fmt::format("Unknown format code '{}' for object of type '{}'", type, type_name(v)));
    body = format_one(s, v);
  }
  auto len = static_cast<int>(unicode::length(body));
  if (width <= len) return body;
  size_t n = static_cast<size_t>(width - len);
  if (align == 0) align = numeric ? '>' : '<';
  std::string f(1, fill);
  auto rep = [&](size_t k) {
    std::string r;
    for (size_t j = 0; j < k; ++j) r += f;
    return r;
  };
  switch (align) {
    case '<':
      return body + rep(n);
    case '^':
      return rep(n / 2) + body + rep(n - n / 2);
    case '=': {
      size_t sgn = (!body.empty() && (body[0] == '-' || body[0] == '+')) ? 1 : 0;
      return body.substr(0, sgn) + rep(n) + body.substr(sgn);
    }
    default:
      return rep(n) + body;
  }
}

}  // namespace

std::string str_format(std::string_view fmt, const std::vector<Value>& args,
                       const std::vector<std::pair<std::string, Value>>& kwargs) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      fail("runtime", "Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = fmt.find('}', i);
    if (close == std::string_view::npos) fail("runtime", "Single '{' encountered in format string");
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    i = close;
    std::string_view spec;
    size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    bool repr_conversion = false;
    if (field.find('!') != std::string_view::npos) {
      std::string_view conv = field.substr(field.find('!') + 1);
      field = field.substr(0, field.find('!'));
      if (conv != "r" && conv != "s") fail("runtime", "Unknown conversion specifier");
      repr_conversion = conv == "r";
    }
    // Attribute and index lookups in fields go through the sandbox's rules ({0.__class__} is
    // undefined and prints as nothing), as jinja2's SandboxedFormatter does.
    size_t path_start = std::min(field.find('.'), field.find('['));
    std::string_view path;
    if (path_start != std::string_view::npos) {
      path = field.substr(path_start);
      field = field.substr(0, path_start);
    }
    const Value* v = nullptr;
    if (field.empty()) {
      if (auto_index >= args.size()) fail("runtime", "IndexError: Replacement index out of range");
      v = &args[auto_index++];
    } else if (field[0] >= '0' && field[0] <= '9') {
      size_t idx = std::stoul(std::string(field));
      if (idx >= args.size()) fail("runtime", "IndexError: Replacement index out of range");
      v = &args[idx];
    } else {
      for (const auto& kv : kwargs) {
        if (kv.first == field) v = &kv.second;
      }
      if (v == nullptr) fail("runtime", fmt::format("KeyError: '{}'", field));
    }
    Value walked;
    if (!path.empty()) {
      walked = *v;
      size_t k = 0;
      while (k < path.size()) {
        if (path[k] == '.') {
          size_t e = std::min(path.find('.', k + 1), path.find('[', k + 1));
          if (e == std::string_view::npos) e = path.size();
          walked = get_attr(walked, std::string(path.substr(k + 1, e - k - 1)));
          k = e;
        } else if (path[k] == '[') {
          size_t e = path.find(']', k);
          if (e == std::string_view::npos)
            fail("runtime", "ValueError: Missing ']' in format string");
          std::string key(path.substr(k + 1, e - k - 1));
          bool digits = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
          walked = get_item(walked, digits ? Value::integer(std::stoll(key)) : Value::string(key));
          k = e + 1;
        } else {
          fail("runtime", "ValueError: Only '.' or '[' may follow ']' in format field specifier");
        }
      }
      v = &walked;
    }
    if (repr_conversion) {
      Value r = Value::string(to_repr(*v));
      out += apply_format_spec(r, spec);
      continue;
    }
    out += apply_format_spec(*v, spec);
  }
  return out;
}

}  // namespace bakeoff::jinja
