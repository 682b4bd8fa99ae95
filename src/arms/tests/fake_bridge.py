"""A stand-in for bridges/hf_reference.py speaking the same JSON-lines protocol (no torch)."""
import json
import sys

print(json.dumps({"event": "ready", "model": sys.argv[-1], "transformers": "fake", "torch": "none",
                  "device": "cpu", "dtype": "bfloat16", "chat_template_sha256": "f" * 64}),
      flush=True)
for line in sys.stdin:
    req = json.loads(line)
    rid = req.get("id")
    if req["op"] == "shutdown":
        print(json.dumps({"id": rid, "ok": True}), flush=True)
        break
    if req["op"] == "render":
        last = req["messages"][-1].get("content", "")
        if last == "raise":
            print(json.dumps({"id": rid, "error": {"kind": "render", "message": "TemplateError: no"}}), flush=True)
            continue
        think = req.get("extra", {}).get("enable_thinking")
        prompt = "<bos><|turn>user\n%s<turn|>\n<|turn>model\n" % last
        if think is False:
            prompt += "<|channel>thought\n<channel|>"
        print(json.dumps({"id": rid, "prompt": prompt + "n=%d" % len(req["messages"])}), flush=True)
    elif req["op"] == "complete":
        assert req["stop"] == ["<turn|>", "<|tool_response>"], req["stop"]
        if req["prompt"].endswith("n=1"):
            text = '<|tool_call>call:memory_recall{query:<|"|>home automation<|"|>}<tool_call|>'
        else:
            text = "Zigbee is on channel 15."
        print(json.dumps({"id": rid, "completion": text, "prompt_tokens": 11,
                          "completion_tokens": 7, "stop_reason": "stop",
                          "durations_ns": {"prompt_eval": 5, "eval": 6, "total": 11}}), flush=True)
