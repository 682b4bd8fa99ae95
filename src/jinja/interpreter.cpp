// The interpreter: a render's scopes and variables, statements, printing and loops.
#include "jinja/interpreter.h"

#include <algorithm>

#include <fmt/format.h>

#include "jinja/error.h"
#include "jinja/unicode.h"
#include "jinja/value_ops.h"

namespace bakeoff::jinja {

namespace {
RenderScratch& take_scratch(std::unique_ptr<RenderScratch>& own) {
  thread_local RenderScratch scratch;
  if (!scratch.in_use) {
    scratch.in_use = true;
    return scratch;
  }
  own = std::make_unique<RenderScratch>();
  return *own;
}
}  // namespace

Interpreter::Interpreter(const Template::Impl& tpl, const Json& context)
    : tpl_(tpl),
      scratch_(take_scratch(own_scratch_)),
      slots_(std::move(scratch_.slots)),
      locals_(std::move(scratch_.locals)),
      args_pool_(scratch_.args_pool) {
  slots_.assign(tpl.initial_slots.begin(), tpl.initial_slots.end());
  locals_.reset(tpl.initial_slots.size());
  if (context.is_object()) {
    // Context names the template never mentions are never converted.
    for (const auto& [key, value] : context.get_ref<const Json::object_t&>()) {
      const int slot = tpl.find_symbol(key);
      if (slot >= 0) slots_[static_cast<size_t>(slot)] = from_json(value);
    }
  }
  check_fuel();
}

Interpreter::~Interpreter() {
  // Nothing of this render may outlive it (values point into its context); capacity stays,
  // unless a hostile render grew it far beyond what chat templates need.
  constexpr size_t kKeepCapacity = 4096;
  slots_.clear();
  locals_.release_memory(kKeepCapacity);
  if (slots_.capacity() > kKeepCapacity) std::vector<Value>().swap(slots_);
  scratch_.slots = std::move(slots_);
  scratch_.locals = std::move(locals_);
  if (args_pool_.size() > 64) args_pool_.resize(64);
  scratch_.in_use = false;
}

std::string Interpreter::run() {
  std::string out;
  const size_t hint = tpl_.output_size_hint.load(std::memory_order_relaxed);
  out.reserve(std::min(std::max<size_t>(512, hint + hint / 8), size_t{1} << 20));
  out_ = &out;
  exec_body(tpl_.parsed.body);
  check_output();
  tpl_.output_size_hint.store(out.size(), std::memory_order_relaxed);
  return out;
}

void Interpreter::check_fuel() {
  const size_t limit = tpl_.options.limits.max_loop_iterations;
  if (fuel_ > limit) {
    fail("limit", fmt::format("loop iteration limit exceeded ({} iterations)", limit));
  }
  if (fuel_ > 0) {
    // The clock starts at the first check, 1024 units in: reading it costs as much as a short
    // render's whole loop, and a render that ends sooner has done too little to matter.
    const auto now = std::chrono::steady_clock::now();
    if (!clock_started_) {
      deadline_ = now + tpl_.options.limits.max_wall_time;
      clock_started_ = true;
    } else if (now > deadline_) {
      fail("limit", fmt::format("render time limit exceeded ({} ms)",
                                tpl_.options.limits.max_wall_time.count()));
    }
  }
  next_check_ = std::min(limit + 1, (fuel_ | 1023) + 1);
}

void Interpreter::check_output() {
  if (out_->size() > tpl_.options.limits.max_output_bytes) {
    fail("limit", fmt::format("output size limit exceeded ({} bytes)",
                              tpl_.options.limits.max_output_bytes));
  }
}

const Value& Interpreter::lookup_outside_frame(int sym) const {
  if (closure_ != nullptr) {
    for (size_t k = closure_->size(); k-- > 0;) {
      if ((*closure_)[k].first != sym) continue;
      const Value& v = (*closure_)[k].second;
      // A macro defined in a loop's body, called after the loop: jinja2's macro reads the
      // variable `loop`, which the loop's end has set to jinja2's `missing` marker (defined,
      // printed as "missing", with no attributes). A loop object that never runs is that.
      if (v.kind == Kind::Loop && static_cast<const LoopObj*>(v.obj.get())->ended) {
        static const Value kMissing = [] {
          Value m;
          m.kind = Kind::Loop;
          m.obj = std::make_shared<LoopObj>();
          return m;
        }();
        return kMissing;
      }
      return v;
    }
  }
  return slots_[static_cast<size_t>(sym)];
}

bool Interpreter::field_in_place(const Expr& e, const Json** out) {
  // The hot path (a loop's item, a message: a local of the current frame, a dict read in place,
  // a short key) calls nothing, so that it saves no registers; the rest is out of line.
  if (e.key == nullptr) return false;
  const int k = locals_.innermost(e.a->sym);
  const size_t n = e.key->size();
  if (k < static_cast<int>(frame_base_) || n > 16) return field_in_place_slow(e, out);
  const Json::object_t* members = locals_[static_cast<size_t>(k)].members;
  if (members == nullptr) return field_in_place_slow(e, out);
  for (const auto& [key, value] : *members) {
    if (same_text(key, *e.key)) {
      *out = &value;
      return true;
    }
  }
  *out = nullptr;
  return true;
}

bool Interpreter::field_in_place_slow(const Expr& e, const Json** out) {
  return json_member(lookup_ref(e.a->sym), *e.key, out);
}

Interpreter::BlockScope::BlockScope(Interpreter& in)
    : in_(in),
      start_(in.locals_.size()),
      saved_scope_(in.scope_base_),
      saved_closure_(in.closure_) {
  // At the top level, an empty closure makes sets bind locals rather than root slots.
  static const std::vector<std::pair<int, Value>> kEmpty;
  if (in.closure_ == nullptr && in.frame_base_ == 0) in.closure_ = &kEmpty;
  in.scope_base_ = start_;
}

Interpreter::BlockScope::~BlockScope() {
  in_.locals_.truncate(start_);
  in_.scope_base_ = saved_scope_;
  in_.closure_ = saved_closure_;
}

void Interpreter::bind_local(int sym, const Value& v) {
  if (const int k = locals_.innermost(sym); k >= static_cast<int>(scope_base_)) {
    locals_[static_cast<size_t>(k)].set(v);
    return;
  }
  locals_.push(sym, v);
}

void Interpreter::assign(const Target& t, const Value& v) {
  switch (t.kind) {
    case Target::Name:
      if (frame_base_ == 0 && scope_base_ == 0 && closure_ == nullptr) {
        slots_[static_cast<size_t>(t.sym)] = v;
      } else {
        bind_local(t.sym, v);
      }
      return;
    case Target::Tuple: {
      if (v.is_undefined()) fail("undefined", "cannot unpack an undefined value");
      std::vector<Value> items = iterate(v);
      if (items.size() > t.items.size()) {
        fail("runtime",
             fmt::format("ValueError: too many values to unpack (expected {})", t.items.size()));
      }
      if (items.size() < t.items.size()) {
        fail("runtime", fmt::format("ValueError: not enough values to unpack (expected {}, got {})",
                                    t.items.size(), items.size()));
      }
      for (size_t i = 0; i < items.size(); ++i) assign(t.items[i], items[i]);
      return;
    }
    case Target::Attr: {
      Value ns = lookup(t.sym);
      if (ns.kind != Kind::Namespace) {
        fail("runtime", "TemplateRuntimeError: cannot assign attribute on non-namespace object");
      }
      static_cast<NamespaceObj*>(ns.obj.get())->set(t.attr, v);
      return;
    }
  }
}

Flow Interpreter::exec_body(const Body& body) {
  for (const auto& s : body) {
    Flow f = exec(*s);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

std::string Interpreter::render_body_to_string(const Body& body) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec_body(body);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return buf;
}

// {{ expr }}. The shapes chat templates print most, `'<|im_start|>' + role + '\n' + content`,
// `a ~ b ~ c` and a macro call, are written straight into the output rather than built as a
// temporary string first. Same bytes and same errors as evaluating the whole expression, then
// printing it (an error ends the render, so a partly written output is never seen).
void Interpreter::print(const Expr& e) {
  std::string& out = *out_;
  try {
    switch (e.kind) {
      case ExprKind::Concat:
        // `~` is str() of each operand (transformers does not autoescape): a plain string read
        // in place is its own str().
        for (const auto& a : e.args) {
          if (std::string_view text; text_in_place(*a, &text)) {
            out.append(text);
          } else {
            append_str(out, eval(*a));
          }
        }
        return;
      case ExprKind::Call: {
        // `{{ format_parameters(...) }}`: the macro renders into `out` itself.
        Sink sink{&out};
        Value v = eval_call(e, nullptr, &sink);
        if (!sink.used) append_str(out, v);
        return;
      }
      case ExprKind::Filter:
        // `{{ tools|tojson }}`, `{{ tool|string }}`: written into `out` by the filter's writer,
        // not made as a string and then copied.
        if (e.a && e.fn >= 0) {
          Value input = eval(*e.a);
          ArgsLease lease(*this);
          eval_args(e, lease.args);
          if (!print_filter(e.fn, input, lease.args, out)) {
            append_str(out, apply_filter(*this, e.fn, input, lease.args));
          }
          return;
        }
        break;
      case ExprKind::Binary:
        if (!e.sum_parts.empty()) {  // a `+` chain
          print_sum(e);
          return;
        }
        break;
      default:
        if (std::string_view text; text_in_place(e, &text)) {  // `{{ message['content'] }}`
          out.append(text);
          return;
        }
        break;
    }
    append_str(out, eval(e));
  } catch (JinjaError& err) {
    if (err.line == 0) {
      err.line = e.line;
      err.column = e.col;
    }
    throw;
  }
}

void Interpreter::print_sum(const Expr& e) {
  std::string& out = *out_;
  const std::vector<const Expr*>& parts = e.sum_parts;
  const size_t n = parts.size();
  // Plain strings so far: their sum is their concatenation, written to `out` from `mark` on.
  const size_t mark = out.size();
  Value sum;
  bool plain = true;
  size_t k = 0;
  const std::string* const* literals = e.sum_texts.data();
  for (; k < n; ++k) {
    if (const std::string* literal = literals[k]) {
      out.append(*literal);
      continue;
    }
    if (std::string_view text; text_in_place(*parts[k], &text)) {
      out.append(text);
      continue;
    }
    Value v = eval(*parts[k]);
    if (v.kind == Kind::String && !v.safe) {
      out += v.str();
      continue;
    }
    plain = false;
    if (k == 0) {
      sum = std::move(v);
    } else {
      // Something else (Markup escapes the left side, a number or list raises): take the sum
      // so far back out of the output and go on as Python would.
      sum = binary_op(BinOp::Add, Value::string(out.substr(mark)), v);
      out.resize(mark);
    }
    ++k;
    break;
  }
  if (plain) return;  // every part was a plain string: written
  for (; k < n; ++k) sum = binary_op(BinOp::Add, sum, eval(*parts[k]));
  append_str(out, sum);
}

Flow Interpreter::exec(const Stmt& s) {
  // The statements a chat template's message loop runs, in a small frame; the rest (and every
  // error's line) in exec_statement.
  switch (s.kind) {
    case StmtKind::Data:
      out_->append(s.text);
      return Flow::Normal;
    case StmtKind::Print:
      print(*s.expr);  // (attributes its errors itself)
      if (out_->size() > tpl_.options.limits.max_output_bytes) check_output();
      return Flow::Normal;
    case StmtKind::If:
      return exec_if(s);
    case StmtKind::Set:
      // `{% set content = message['content'] %}`: the field of context data goes straight
      // into the variable, read in place.
      if (const Json* j = nullptr;
          s.target.kind == Target::Name && field_in_place(*s.expr, &j) && j != nullptr) {
        bind_json(s.target.sym, *j);
        return Flow::Normal;
      }
      break;
    default:
      break;
  }
  return exec_statement(s);
}

Flow Interpreter::exec_if(const Stmt& s) {
  if (const Json* j = nullptr; s.switch_field != nullptr && field_in_place(*s.switch_field, &j)) {
    // A missing key is undefined, which equals no string; a datum that is not a string takes
    // the branches one by one.
    if (j == nullptr) return exec_body(s.else_body);
    if (const auto* text = j->get_ptr<const std::string*>()) {
      const std::string& value = *text;
      for (const Stmt::SwitchCase& c : s.switch_cases) {
        if (!same_text(value, c.text)) continue;
        // `m['role'] == 'system' and m['content']`: the rest decides.
        if (c.rest != nullptr && !test_truth(*c.rest)) continue;
        return exec_body(*c.body);
      }
      return exec_body(s.else_body);
    }
  }
  for (const auto& [cond, body] : s.branches) {
    // `message['role'] == 'user'`: decided here, without a call.
    const int decided = compare_in_place(*cond);
    if (decided > 0 || (decided < 0 && test_truth(*cond))) return exec_body(body);
  }
  return exec_body(s.else_body);
}

bool Interpreter::test_truth(const Expr& test) {
  try {
    return truth(test);
  } catch (JinjaError& e) {
    if (e.line == 0) {  // where the test is (an elif's own line)
      e.line = test.line;
      e.column = test.col;
    }
    throw;
  }
}

void Interpreter::bind_json(int sym, const Json& j) {
  if (frame_base_ == 0 && scope_base_ == 0 && closure_ == nullptr) {
    assign_from_json(slots_[static_cast<size_t>(sym)], j);
  } else if (const int k = locals_.innermost(sym); k >= static_cast<int>(scope_base_)) {
    locals_[static_cast<size_t>(k)].set_json(j);
  } else {
    locals_.push(sym, from_json(j));
  }
}

Flow Interpreter::exec_statement(const Stmt& s) {
  try {
    switch (s.kind) {
      case StmtKind::Data:
      case StmtKind::Print:
      case StmtKind::If:
        break;  // run by exec itself, never passed here
      case StmtKind::For: {
        // `for k, v in d|items` over context data: the pairs read in place. (`d` is a plain
        // path, Stmt::items_of: evaluating it again as part of the iterable changes nothing.)
        if (s.items_of != nullptr && loop_over_items(s, eval(*s.items_of))) return Flow::Normal;
        if (!s.uses_loop) {
          Value iterable = eval(*s.expr);
          if (loop_in_place(s, iterable)) return Flow::Normal;
          exec_for(s, iterable, 0);
          return Flow::Normal;
        }
        exec_for(s, eval(*s.expr), 0);
        return Flow::Normal;
      }
      case StmtKind::Set:
        assign(s.target, eval(*s.expr));
        return Flow::Normal;
      case StmtKind::SetBlock: {
        Value v = Value::string(render_body_to_string(s.body));
        if (s.expr) v = eval_filter(*s.expr, &v);
        assign(s.target, v);
        return Flow::Normal;
      }
      case StmtKind::Macro:
        exec_macro_def(s);
        return Flow::Normal;
      case StmtKind::CallBlock:
        exec_call_block(s);
        return Flow::Normal;
      case StmtKind::FilterBlock: {
        Value v = Value::string(render_body_to_string(s.body));
        append_str(*out_, eval_filter(*s.expr, &v));
        return Flow::Normal;
      }
      case StmtKind::With: {
        std::vector<Value> values;
        for (const auto& [t, e] : s.assigns) values.push_back(eval(*e));
        BlockScope scope(*this);  // a with-scope is a real scope even at the top level
        for (size_t i = 0; i < values.size(); ++i) assign(s.assigns[i].first, values[i]);
        return exec_body(s.body);
      }
      case StmtKind::Scope:
        return exec_body(s.body);
      case StmtKind::Break:
        return Flow::Break;
      case StmtKind::Continue:
        return Flow::Continue;
      case StmtKind::Do:
        eval(*s.expr);
        return Flow::Normal;
    }
  } catch (JinjaError& e) {
    if (e.line == 0) {
      e.line = s.line;
      e.column = s.col;
    }
    throw;
  }
  return Flow::Normal;
}

template <typename Bind>
void Interpreter::run_loop(const Stmt& s, size_t count, Bind bind) {
  // Loop bodies are scopes: a `set` inside does not leak out (hence namespace()).
  BlockScope scope(*this);
  const size_t start = scope.start();
  // The target keeps its place at the scope's start and is overwritten each iteration, rather
  // than dropped and pushed again.
  locals_.push(s.target.sym, Value());
  const size_t body_base = locals_.size();
  // Below this, the entries of the body's leading sets, kept from one iteration to the next
  // once the first iteration has made them (Stmt::leading_sets).
  size_t kept_base = body_base;
  const size_t leading = s.leading_sets.size();
  bool iterated = false;
  for (size_t k = 0; k < count; ++k) {
    spend();
    if (out_->size() > tpl_.options.limits.max_output_bytes) check_output();
    if (kept_base == body_base && leading > 0 && locals_.size() >= body_base + leading) {
      bool in_order = true;
      for (size_t i = 0; i < leading && in_order; ++i) {
        in_order = locals_[body_base + i].sym == s.leading_sets[i];
      }
      if (in_order) kept_base = body_base + leading;
    }
    locals_.truncate(kept_base);  // the last iteration's other sets
    bind(k, &locals_[start]);
    // Without `loop` in the body, an `if` filter can be applied as the loop goes: nothing
    // can see how many items pass it.
    if (s.cond && !truth(*s.cond)) continue;
    iterated = true;
    if (exec_body(s.body) == Flow::Break) break;
  }
  if (!iterated) {
    locals_.truncate(start);
    exec_body(s.else_body);
  }
}

bool Interpreter::loop_in_place(const Stmt& s, const Value& iterable) {
  if (s.target.kind != Target::Name) return false;
  if (JsonRun run; iterable.context_run(&run)) {  // `for message in messages`
    run_loop(s, run.size, [&](size_t k, LocalStack::Entry* name) { name->set_json(run[k]); });
    return true;
  }
  if (const Json* j = iterable.json_source(); j != nullptr && iterable.kind == Kind::Dict) {
    // `for key in dict`: its keys, borrowed.
    const auto& members = j->get_ref<const Json::object_t&>();
    run_loop(s, members.size(), [&](size_t k, LocalStack::Entry* name) {
      name->set(Value::borrowed_string(&(members.begin() + static_cast<ptrdiff_t>(k))->first));
    });
    return true;
  }
  return false;
}

namespace {
// The order `d|dictsort` gives d's pairs: by key, compared as Python compares the keys'
// lower() (code point order, which is UTF-8's byte order), equal ones in the dict's order.
std::vector<uint32_t> dictsort_order(const Json::object_t& members) {
  std::vector<std::string> folded;
  folded.reserve(members.size());
  for (const auto& member : members) folded.push_back(unicode::lower(member.first));
  std::vector<uint32_t> order(members.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<uint32_t>(k);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return folded[a] < folded[b]; });
  return order;
}
}  // namespace

bool Interpreter::loop_over_items(const Stmt& s, const Value& dict) {
  const Target& t = s.target;
  if (t.kind != Target::Tuple || t.items.size() != 2 || t.items[0].kind != Target::Name ||
      t.items[1].kind != Target::Name) {
    return false;
  }
  const Json* j = dict.kind == Kind::Dict ? dict.json_source() : nullptr;
  if (j == nullptr) return false;
  const auto& members = j->get_ref<const Json::object_t&>();
  BlockScope scope(*this);
  const size_t start = scope.start();
  locals_.push(t.items[0].sym, Value());
  locals_.push(t.items[1].sym, Value());
  auto bind = [&](size_t k) {
    const auto& [key, value] = *(members.begin() + static_cast<ptrdiff_t>(k));
    locals_[start].set(Value::borrowed_string(&key));
    locals_[start + 1].set_json(value);
  };
  // The pairs in the loop's order when that is not the dict's own: dictsort's (by key, case
  // folded as Python's str.lower does, ties in the dict's order), and with `loop` in the body
  // and an `if` filter, only those that pass it (applied first: loop.length and loop.last
  // count only them; without `loop` it is applied as the loop goes).
  const bool uses_loop = s.uses_loop && tpl_.loop_sym >= 0;
  const bool prefilter = uses_loop && s.cond;
  const bool indexed = s.items_sorted || prefilter;
  std::vector<uint32_t> order;
  if (s.items_sorted) order = dictsort_order(members);
  if (prefilter) {
    std::vector<uint32_t> picked;
    const size_t all = s.items_sorted ? order.size() : members.size();
    for (size_t i = 0; i < all; ++i) {
      const size_t k = s.items_sorted ? order[i] : i;
      spend();
      locals_.truncate(start + 2);
      bind(k);
      if (truth(*s.cond)) picked.push_back(static_cast<uint32_t>(k));
    }
    order = std::move(picked);
  }
  Value loop;
  LoopObj* lo = nullptr;
  if (uses_loop) {
    auto obj = std::make_shared<LoopObj>();
    obj->pairs = &members;
    obj->pair_index = indexed ? &order : nullptr;
    obj->stmt = &s;
    lo = obj.get();
    loop.kind = Kind::Loop;
    loop.obj = std::move(obj);
    locals_.push(tpl_.loop_sym, loop);
  }
  const size_t body_base = locals_.size();
  const size_t count = indexed ? order.size() : members.size();
  bool iterated = false;
  for (size_t idx = 0; idx < count; ++idx) {
    spend();
    if (out_->size() > tpl_.options.limits.max_output_bytes) check_output();
    locals_.truncate(body_base);  // the last iteration's sets
    bind(indexed ? order[idx] : idx);
    if (!prefilter && s.cond && !truth(*s.cond)) continue;
    iterated = true;
    if (lo != nullptr) lo->index0 = idx;  // (no set in a for body may bind `loop`: the parser)
    if (exec_body(s.body) == Flow::Break) break;
  }
  if (lo != nullptr) {
    locals_.truncate(start);
    lo->finish(loop.obj.use_count() > 1);
  }
  if (!iterated) {
    locals_.truncate(start);
    exec_body(s.else_body);
  }
  return true;
}

void Interpreter::exec_for(const Stmt& s, const Value& iterable, int depth0) {
  // Lists are immutable under the sandbox, so a plain loop iterates them in place.
  Value keep = iterable;
  std::vector<Value> owned;
  const std::vector<Value>* items_ptr = &owned;
  // Context data (`for message in messages`, `in messages[1:]`) is read in place: no converted
  // list at all.
  JsonRun json_run;
  const bool in_json = !s.cond && keep.context_run(&json_run);
  const JsonRun* json_items = in_json ? &json_run : nullptr;
  if (!in_json && (keep.kind == Kind::List || keep.kind == Kind::Tuple) && !s.cond) {
    items_ptr = &keep.list_obj().items;
  } else if (!in_json) {
    owned = iterate(keep);
  }
  // Loop bodies are scopes: a `set` inside does not leak out (hence namespace()).
  BlockScope scope(*this);
  const size_t start = scope.start();
  if (s.cond) {
    std::vector<Value> kept;
    for (const auto& item : owned) {
      spend();
      locals_.truncate(start);
      assign(s.target, item);
      if (truth(*s.cond)) kept.push_back(item);
    }
    owned = std::move(kept);
  }
  const std::vector<Value>& items = *items_ptr;
  const size_t count = json_items != nullptr ? json_items->size : items.size();
  auto item_at = [&](size_t k) {
    return json_items != nullptr ? from_json((*json_items)[k]) : items[k];
  };
  Value loop;
  LoopObj* lo = nullptr;
  if (tpl_.loop_sym >= 0 && s.uses_loop) {
    auto obj = std::make_shared<LoopObj>();
    if (json_items != nullptr) {
      obj->json_items = json_run;
      obj->reads_json = true;
    } else {
      obj->items = items_ptr;
    }
    obj->depth0 = depth0;
    obj->stmt = &s;
    lo = obj.get();
    loop.kind = Kind::Loop;
    loop.obj = std::move(obj);
  }
  // `for x in …` (one name): x keeps its place at the scope's start and is overwritten each
  // iteration, rather than dropped and pushed again; `loop` stays beside it (no set in a for
  // body may bind `loop`: the parser refuses it).
  const bool one_name = s.target.kind == Target::Name;
  locals_.truncate(start);  // (the `if` filter above bound the target)
  if (one_name) {
    locals_.push(s.target.sym, Value());
    if (lo != nullptr) locals_.push(tpl_.loop_sym, loop);
  }
  const size_t body_base = locals_.size();
  for (size_t idx = 0; idx < count; ++idx) {
    spend();
    if (out_->size() > tpl_.options.limits.max_output_bytes) check_output();
    if (lo != nullptr) lo->index0 = idx;
    if (one_name) {
      locals_.truncate(body_base);  // the last iteration's sets
      if (json_items != nullptr) {
        locals_[start].set_json((*json_items)[idx]);
      } else {
        locals_[start].set(items[idx]);
      }
    } else {
      locals_.truncate(start);
      assign(s.target, item_at(idx));
      if (lo != nullptr) locals_.push(tpl_.loop_sym, loop);
    }
    Flow f = exec_body(s.body);
    if (f == Flow::Break) break;
  }
  if (lo != nullptr) {
    locals_.truncate(start);
    lo->finish(loop.obj.use_count() > 1);
  }
  if (count == 0) {
    locals_.truncate(start);
    exec_body(s.else_body);
  }
}

}  // namespace bakeoff::jinja
