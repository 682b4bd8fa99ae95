# Renders each case of a JSON array [{"template": ..., "context": {...}}] with Python jinja2
# configured as transformers configures it, printing [{"ok": bool, "out"|"error": str}].
# The environment is the differential suite's (tests/jinja_diff/oracle.py), with its clock
# pinned at 2026-01-02 03:04:05 UTC.
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "tests", "jinja_diff"))
import oracle  # noqa: E402 - the shared transformers-configured environment

env = oracle.make_environment(1767323045)

results = []
for case in json.load(open(sys.argv[1], encoding="utf-8")):
    try:
        out = env.from_string(case["template"]).render(**case.get("context", {}))
        results.append({"ok": True, "out": out})
    except Exception as e:  # noqa: BLE001 - every error counts as "raised"
        results.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
json.dump(results, sys.stdout, ensure_ascii=False)
