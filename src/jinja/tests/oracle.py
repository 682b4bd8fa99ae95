# Renders each case of a JSON array [{"template": ..., "context": {...}}] with Python jinja2
# configured as transformers configures it, printing [{"ok": bool, "out"|"error": str}].
import datetime
import json
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class AssistantTracker(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                      sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def strftime_now(fmt):
    return datetime.datetime(2026, 1, 2, 3, 4, 5).strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[AssistantTracker, loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

results = []
for case in json.load(open(sys.argv[1], encoding="utf-8")):
    try:
        out = env.from_string(case["template"]).render(**case.get("context", {}))
        results.append({"ok": True, "out": out})
    except Exception as e:  # noqa: BLE001 - every error counts as "raised"
        results.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
json.dump(results, sys.stdout, ensure_ascii=False)
