"""Differential oracle: renders chat templates with Python jinja2 configured as transformers'
apply_chat_template configures it, so the C++ engine can be compared byte for byte.

Run with Debian's /usr/bin/python3 (python3-jinja2), never a pip/pyenv jinja2:
    /usr/bin/python3 oracle.py JOB.json
JOB.json: {"now_epoch_s": int, "templates": [path, ...],
           "fixtures": [{"name": str, "request": {messages, tools?, bos_token, eos_token, extra?}}],
           "generation_prompt": [false, true]}
Writes one JSON line per (template, fixture, add_generation_prompt), in that nesting order:
    {"t": i, "f": j, "g": bool, "output": str}  or  {"t": i, "f": j, "g": bool, "error": {type, message}}
"""
import datetime
import json
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationBlock(Extension):
    """transformers' {% generation %} ... {% endgeneration %}: renders its body unchanged (the
    real extension only records which output spans the assistant produced)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_render_body")
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers replaces jinja2's HTML-safe tojson with plain json.dumps.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def make_environment(now_epoch_s):
    # A naive datetime, as transformers' datetime.now() is; the instant is fixed in UTC.
    now = datetime.datetime.fromtimestamp(now_epoch_s, datetime.timezone.utc).replace(tzinfo=None)

    def strftime_now(fmt):
        return now.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationBlock, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def build_context(request, generation_prompt):
    # transformers' render_jinja_template: render(messages=…, tools=…|None, documents=None,
    # add_generation_prompt=…, **special_tokens, **kwargs). Mirrored by chat::build_context.
    context = {"messages": request.get("messages", []), "tools": request.get("tools"),
               "documents": None}
    context["add_generation_prompt"] = generation_prompt
    context["bos_token"] = request.get("bos_token", "")
    context["eos_token"] = request.get("eos_token", "")
    context.update(request.get("extra") or {})
    return context


def error_record(exc):
    return {"type": type(exc).__name__, "message": str(exc)}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    env = make_environment(job["now_epoch_s"])
    generation_prompts = job.get("generation_prompt", [False, True])
    out = sys.stdout
    for t, path in enumerate(job["templates"]):
        with open(path, encoding="utf-8", newline="") as f:
            source = f.read()
        try:
            template = env.from_string(source)
            compile_error = None
        except Exception as exc:  # noqa: BLE001 - every failure is data for the comparison
            template, compile_error = None, error_record(exc)
        for f_index, fixture in enumerate(job["fixtures"]):
            for g in generation_prompts:
                record = {"t": t, "f": f_index, "g": g}
                if compile_error is not None:
                    record["error"] = compile_error
                else:
                    try:
                        record["output"] = template.render(build_context(fixture["request"], g))
                    except Exception as exc:  # noqa: BLE001
                        record["error"] = error_record(exc)
                out.write(json.dumps(record, ensure_ascii=True))
                out.write("\n")
    out.flush()


if __name__ == "__main__":
    main()
