#!/usr/bin/env python3
"""End-to-end check of the reference bridge on a GPU machine (no weights needed).

    python3 bridges/test_hf_reference.py --template TEMPLATE.jinja [--workdir DIR]

Builds a tiny random Gemma-4-architecture model, starts `hf_reference.py` as a subprocess and
speaks its JSON-lines protocol exactly as the harness does. Checks:
  1. render: transformers' apply_chat_template equals plain jinja2 configured as transformers
     configures it (the oracle Bakeoff's own engine is tested against), on a tool conversation;
  2. complete: greedy completions are deterministic, stop strings cut before the stop, token
     counts match the tokenizer, special-token text survives decoding;
  3. errors: a malformed line and an unknown op get error responses and the bridge lives on.
Prints one line per check and "N passed, M failed".
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

TOOLS = [{"type": "function", "function": {
    "name": "movie_search", "description": "Search the catalogue.",
    "parameters": {"type": "object", "properties": {
        "title": {"type": "string", "description": "Title substring"},
        "year": {"type": "integer", "description": "Release year"}}}}}]
MESSAGES = [
    {"role": "system", "content": "You are a homelab assistant. Quote \"paths\" exactly."},
    {"role": "user", "content": "Is Arrival on the server? The 2016 one."},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
     "function": {"name": "movie_search", "arguments": {"title": "Arrival", "year": 2016}}}]},
    {"role": "tool", "tool_call_id": "call_1", "name": "movie_search",
     "content": "{\"results\":[{\"movie_id\":\"mv-0101\",\"title\":\"Arrival\",\"year\":2016}]}"},
]


def oracle_render(template, messages, tools, add_generation_prompt, **extra):
    # jinja2 as transformers configures it (transformers/utils/chat_template_utils.py).
    import jinja2
    from jinja2.ext import Extension
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
            return jinja2.nodes.CallBlock(self.call_method("_passthrough"), [], [], body).set_lineno(lineno)

        def _passthrough(self, caller):
            return caller()

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    ctx = dict(messages=messages, add_generation_prompt=add_generation_prompt,
               bos_token="<bos>", eos_token="<eos>", **extra)
    if tools is not None:
        ctx["tools"] = tools
    return env.from_string(template).render(**ctx)


class BridgeProc:
    def __init__(self, model_dir):
        self.p = subprocess.Popen([sys.executable, os.path.join(HERE, "hf_reference.py"),
                                   "--model", model_dir], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)
        self.ready = json.loads(self.p.stdout.readline())
        self.next_id = 0

    def raw(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return json.loads(self.p.stdout.readline())

    def call(self, op, **kw):
        self.next_id += 1
        return self.raw(json.dumps(dict(id=self.next_id, op=op, **kw)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--template", required=True)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="bakeoff-bridge-")
    model_dir = os.path.join(work, "tiny-gemma4")
    subprocess.run([sys.executable, os.path.join(HERE, "hf_reference.py"), "--make-tiny", model_dir,
                    "--template", args.template], check=True)
    template = open(args.template, encoding="utf-8").read()
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail else ""), flush=True)

    b = BridgeProc(model_dir)
    check("ready line", b.ready.get("event") == "ready", json.dumps(b.ready))

    for agp in (True, False):
        for think in (False, True):
            r = b.call("render", messages=MESSAGES, tools=TOOLS, add_generation_prompt=agp,
                       extra={"enable_thinking": think})
            want = oracle_render(template, MESSAGES, TOOLS, agp, enable_thinking=think)
            got = r.get("prompt", "")
            off = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
            check(f"render agp={agp} think={think} == jinja2 oracle", got == want,
                  f"{len(got)} bytes" if got == want else f"first difference at {off}: {got[off:off+40]!r} vs {want[off:off+40]!r}")

    prompt = b.call("render", messages=MESSAGES, tools=TOOLS, add_generation_prompt=True,
                    extra={"enable_thinking": False})["prompt"]
    c1 = b.call("complete", prompt=prompt, max_new_tokens=48, stop=[], temperature=0, seed=0)
    c2 = b.call("complete", prompt=prompt, max_new_tokens=48, stop=[], temperature=0, seed=0)
    check("greedy completion is deterministic", c1.get("completion") == c2.get("completion")
          and c1.get("completion_tokens") == c2.get("completion_tokens"), repr(c1)[:200])
    tok = b.call("tokenize", text=prompt)
    check("prompt_tokens equals the tokenizer's count", tok["count"] == c1["prompt_tokens"],
          f"{tok['count']} vs {c1['prompt_tokens']}")
    special = b.call("tokenize", text="<|tool_call>call:f{a:<|\"|>x<|\"|>}<tool_call|>")
    # 4 special tokens + one byte token for each of the 11 bytes "call:f{a:", "x" and "}".
    check("each special token is one token", special["count"] == 4 + len("call:f{a:") + 2,
          str(special["ids"]))
    text = c1.get("completion", "")
    if len(text) >= 4:
        stop = text[2:4]
        c3 = b.call("complete", prompt=prompt, max_new_tokens=48, stop=[stop], temperature=0, seed=0)
        check("stop string cuts before the stop", c3.get("stop_reason") == "stop"
              and stop not in c3.get("completion", "") and text.startswith(c3.get("completion", "\0")),
              repr(c3)[:200])
    s1 = b.call("complete", prompt=prompt, max_new_tokens=16, stop=[], temperature=1.0, seed=7)
    s2 = b.call("complete", prompt=prompt, max_new_tokens=16, stop=[], temperature=1.0, seed=7)
    check("seeded sampling is reproducible", s1.get("completion") == s2.get("completion"))
    bad = b.raw("{not json")
    check("malformed line gets an error", bad.get("error", {}).get("kind") == "bad_request", json.dumps(bad))
    unk = b.call("frobnicate")
    check("unknown op gets an error", unk.get("error", {}).get("kind") == "bad_request", json.dumps(unk))
    check("bridge still answers after errors", b.call("tokenize", text="ok")["count"] == 2)
    bye = b.call("shutdown")
    b.p.wait(timeout=60)
    check("shutdown", bye.get("ok") is True and b.p.returncode == 0)

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
