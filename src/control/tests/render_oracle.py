"""Renders chat templates with Python jinja2 configured as transformers' apply_chat_template
configures it (the differential oracle for Bakeoff's template tests).

usage: render_oracle.py CASES.json TEMPLATE...   (Debian's /usr/bin/python3 with python3-jinja2)
CASES.json: [{"messages": [...], "tools": [...]|null, "extra": {...}}, ...]
Prints a JSON list: one entry per case, one rendering (or {"error": ...}) per template.
"""
import json
import sys

from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # transformers' tojson: no HTML escaping, unicode kept.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def main():
    cases = json.load(open(sys.argv[1], encoding="utf-8"))
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    templates = [env.from_string(open(p, encoding="utf-8").read()) for p in sys.argv[2:]]
    out = []
    for case in cases:
        row = []
        for t in templates:
            ctx = dict(case.get("extra") or {})
            ctx["messages"] = case["messages"]
            if case.get("tools") is not None:
                ctx["tools"] = case["tools"]
            ctx.setdefault("bos_token", "<bos>")
            ctx.setdefault("add_generation_prompt", True)
            try:
                row.append(t.render(**ctx))
            except Exception as e:  # noqa: BLE001 - reported as data
                row.append({"error": f"{type(e).__name__}: {e}"})
        out.append(row)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
