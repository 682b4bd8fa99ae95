// Macros, call blocks and calls: defining a macro (its closure), calling one (binding its
// arguments in a new frame), calling any callable value, and evaluating call and filter
// expressions with pooled argument lists.
#include <algorithm>

#include <fmt/format.h>

#include "jinja/error.h"
#include "jinja/interpreter.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {

Value Interpreter::make_macro(const std::shared_ptr<MacroDef>& def, std::string name) const {
  auto m = std::make_shared<CallableObj>();
  m->type = CallableObj::Macro;
  m->def = def;
  m->name = std::move(name);
  if (closure_ != nullptr) m->closure = *closure_;
  for (size_t k = frame_base_; k < locals_.size(); ++k)
    m->closure.emplace_back(locals_[k].sym, locals_[k].value);
  Value v;
  v.kind = Kind::Callable;
  v.obj = std::move(m);
  return v;
}

void Interpreter::exec_macro_def(const Stmt& s) {
  Target t;
  t.kind = Target::Name;
  t.sym = s.sym;
  assign(t, make_macro(s.macro, s.macro->name));
}

void Interpreter::exec_call_block(const Stmt& s) {
  const Value caller = make_macro(s.macro, "caller");
  append_str(*out_, eval_call(*s.expr, &caller));
}

namespace {
CallArgs& lease_args(std::vector<std::unique_ptr<CallArgs>>& pool, size_t& in_use) {
  if (in_use == pool.size()) pool.push_back(std::make_unique<CallArgs>());
  return *pool[in_use++];
}
}  // namespace

Interpreter::ArgsLease::ArgsLease(Interpreter& in)
    : args(lease_args(in.args_pool_, in.args_in_use_)), in_(in) {}

Interpreter::ArgsLease::~ArgsLease() {
  args.pos.clear();
  args.kw.clear();
  --in_.args_in_use_;
}

Value Interpreter::call_macro(const CallableObj& m, CallArgs& args, Sink* sink) {
  const MacroDef& def = *m.def;
  if (++depth_ > tpl_.options.limits.max_recursion_depth) {
    --depth_;
    fail("limit", fmt::format("maximum recursion depth exceeded ({} nested calls)",
                              tpl_.options.limits.max_recursion_depth));
  }
  spend();
  size_t saved_frame = frame_base_, saved_scope = scope_base_;
  const auto* saved_closure = closure_;
  std::string* saved_out = out_;
  size_t start = locals_.size();
  std::string buf;
  auto restore = [&] {
    locals_.truncate(start);
    frame_base_ = saved_frame;
    scope_base_ = saved_scope;
    closure_ = saved_closure;
    out_ = saved_out;
    --depth_;
  };
  try {
    // Arguments are bound in the new frame; defaults may refer to earlier parameters.
    frame_base_ = scope_base_ = start;
    closure_ = &m.closure;
    size_t np = def.params.size();
    char given_small[32] = {};
    std::vector<char> given_big(np > 32 ? np : 0, 0);
    char* given = np > 32 ? given_big.data() : given_small;
    for (size_t i = 0; i < args.pos.size() && i < np; ++i) {
      locals_.push(def.params[i], args.pos[i]);
      given[i] = true;
    }
    Value caller_value;
    Value kwargs = def.uses_kwargs ? Value::dict() : Value();
    for (auto& [k, v] : args.kw) {
      bool matched = false;
      for (size_t i = 0; i < np; ++i) {
        if (def.param_names[i] == k) {
          if (given[i])
            fail("runtime",
                 fmt::format("macro '{}' got multiple values for argument '{}'", def.name, k));
          locals_.push(def.params[i], v);
          given[i] = true;
          matched = true;
        }
      }
      if (matched) continue;
      if (k == "caller" && def.uses_caller) {
        caller_value = v;
      } else if (def.uses_kwargs) {
        kwargs.dict_obj().set(Value::string(k), v);
      } else {
        fail("runtime", fmt::format("macro '{}' takes no keyword argument '{}'", def.name, k));
      }
    }
    for (size_t i = 0; i < np; ++i) {
      if (given[i]) continue;
      if (def.defaults[i]) {
        locals_.push(def.params[i], eval(*def.defaults[i]));
      } else {
        locals_.push(def.params[i],
                     Value::undefined_lazy("parameter '{}' was not provided", def.param_names[i]));
      }
    }
    if (args.pos.size() > np) {
      if (!def.uses_varargs) {
        fail("runtime", fmt::format("macro '{}' takes not more than {} argument(s)", def.name, np));
      }
    }
    if (def.uses_varargs) {
      std::vector<Value> extra;
      for (size_t i = np; i < args.pos.size(); ++i) extra.push_back(args.pos[i]);
      locals_.push(tpl_.varargs_sym, Value::tuple(std::move(extra)));
    }
    if (def.uses_kwargs) locals_.push(tpl_.kwargs_sym, kwargs);
    if (def.uses_caller) {
      locals_.push(tpl_.caller_sym, caller_value.is_undefined()
                                        ? Value::undefined("'caller' is undefined")
                                        : caller_value);
    }
    if (sink != nullptr) {
      sink->used = true;
      out_ = sink->out;
    } else {
      out_ = &buf;
    }
    exec_body(def.body);
  } catch (...) {
    restore();
    throw;
  }
  restore();
  if (sink != nullptr) return Value();
  return Value::string(std::move(buf));
}

Value Interpreter::call_value(const Value& callee, CallArgs& args, Sink* sink) {
  switch (callee.kind) {
    case Kind::Callable: {
      if (!callee.obj) return call_global(*this, static_cast<int>(callee.i), args);
      const auto& c = *static_cast<const CallableObj*>(callee.obj.get());
      switch (c.type) {
        case CallableObj::Macro:
          return call_macro(c, args, sink);
        case CallableObj::Method:
          return call_method(*this, c.self, c.name, args);
      }
      break;
    }
    case Kind::Loop: {
      const auto& lo = *static_cast<const LoopObj*>(callee.obj.get());
      if (lo.stmt == nullptr || !lo.stmt->recursive)
        fail("runtime", "TypeError: 'LoopContext' object is not callable");
      if (args.pos.size() != 1) fail("runtime", "loop() takes exactly one argument");
      std::string buf;
      std::string* saved = out_;
      out_ = &buf;
      try {
        exec_for(*lo.stmt, args.pos[0], lo.depth0 + 1);
      } catch (...) {
        out_ = saved;
        throw;
      }
      out_ = saved;
      return Value::string(std::move(buf));
    }
    case Kind::Undefined: {
      fail(callee.undefined_is_security() ? "security" : "undefined",
           callee.obj || callee.sref != nullptr ? callee.undefined_message()
                                                : "undefined is not callable");
    }
    default:
      break;
  }
  fail("runtime", fmt::format("TypeError: '{}' object is not callable", type_name(callee)));
}

void Interpreter::eval_args(const Expr& e, CallArgs& args) {
  args.pos.reserve(e.args.size());
  for (const auto& a : e.args) args.pos.push_back(eval(*a));
  for (const auto& [k, v] : e.kwargs) args.kw.emplace_back(k, eval(*v));
  if (e.dyn_args) {
    Value extra = eval(*e.dyn_args);
    for (auto& v : iterate(extra)) args.pos.push_back(std::move(v));
  }
  if (e.dyn_kwargs) {
    Value extra = eval(*e.dyn_kwargs);
    if (extra.kind != Kind::Dict) fail("runtime", "TypeError: argument after ** must be a mapping");
    for (const auto& [k, v] : extra.dict_obj().items) args.kw.emplace_back(to_str(k), v);
  }
}

Value Interpreter::eval_call(const Expr& e, const Value* extra_caller, Sink* sink) {
  ArgsLease lease(*this);
  CallArgs& args = lease.args;
  const Expr& callee = *e.a;
  if (callee.kind == ExprKind::Getattr) {
    Value obj = eval(*callee.a);
    if (obj.kind == Kind::Loop) {
      eval_args(e, args);
      return call_loop_method(obj, callee.name, args);
    }
    if ((obj.kind == Kind::String || obj.kind == Kind::List || obj.kind == Kind::Tuple ||
         obj.kind == Kind::Dict) &&
        is_method(obj, callee.name)) {
      eval_args(e, args);
      return call_method(*this, obj, callee.name, args);
    }
    Value fn = get_attr(obj, callee.name);
    eval_args(e, args);
    if (extra_caller != nullptr) args.kw.emplace_back("caller", *extra_caller);
    return call_value(fn, args, sink);
  }
  Value fn = eval(callee);
  eval_args(e, args);
  if (extra_caller != nullptr) args.kw.emplace_back("caller", *extra_caller);
  return call_value(fn, args, sink);
}

Value Interpreter::eval_filter(const Expr& e, const Value* input) {
  // A filter chain: e.a is the previous stage (null at the chain's start inside filter blocks).
  Value in;
  if (!e.a) {
    in = *input;
  } else if (input != nullptr && e.a->kind == ExprKind::Filter) {
    in = eval_filter(*e.a, input);
  } else {
    in = eval(*e.a);
  }
  if (e.fn < 0) fail("syntax", fmt::format("No filter named '{}'.", e.name));
  ArgsLease lease(*this);
  CallArgs& args = lease.args;
  eval_args(e, args);
  return apply_filter(*this, e.fn, in, args);
}

}  // namespace bakeoff::jinja
