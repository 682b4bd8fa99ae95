#!/usr/bin/env python3
"""Bakeoff reference bridge: Hugging Face transformers in bf16 with the model's canonical chat
template (the `reference-hf` arm, path C of DESIGN.md).

No Ollama, no llama.cpp, no GGUF quantization: the prompt is rendered by transformers'
apply_chat_template (or given raw by the harness), tokenized by the model's own tokenizer and
completed by the HF modelling code, token by token, greedy unless sampling is asked for.

Protocol: JSON lines. The bridge writes one `{"event":"ready",…}` line when the model is
loaded, then answers each request line with exactly one response line carrying the same "id".

  {"id":1,"op":"render","messages":[…],"tools":[…]|null,"add_generation_prompt":true,
   "extra":{"enable_thinking":false}}
      -> {"id":1,"prompt":"<bos><|turn>system\n…"}
  {"id":2,"op":"complete","prompt":"…","max_new_tokens":2048,"stop":["<turn|>","<|tool_response>"],
   "temperature":0,"top_k":null,"top_p":null,"seed":0}
      -> {"id":2,"completion":"…","prompt_tokens":N,"completion_tokens":M,
          "stop_reason":"stop"|"eos"|"length","durations_ns":{"prompt_eval":…,"eval":…}}
  {"id":3,"op":"tokenize","text":"…"} -> {"id":3,"count":N,"ids":[…]}
  {"id":4,"op":"shutdown"} -> {"id":4,"ok":true} and exit 0
  any failure -> {"id":…,"error":{"kind":"bad_request"|"render"|"generate","message":"…"}}

The completion keeps special-token text (`<|tool_call>`, `<|"|>`, …): the harness parses the
native syntax itself. A stop string ends the completion *before* it, as Ollama's `stop` does.

`--make-tiny DIR --template FILE` writes a tiny randomly initialised Gemma-4-architecture
model with a byte-level tokenizer that knows Gemma 4's special tokens, so the bridge can be run
end to end on a GPU machine with no weights (its text is noise, its plumbing is real).
"""
import argparse
import json
import os
import sys
import time

# Gemma 4 special tokens at their real ids (reference/gemma4-format.md §1.1).
GEMMA4_SPECIALS = {
    0: "<pad>", 1: "<eos>", 2: "<bos>", 3: "<unk>", 4: "<mask>",
    46: "<|tool>", 47: "<tool|>", 48: "<|tool_call>", 49: "<tool_call|>",
    50: "<|tool_response>", 51: "<tool_response|>", 52: '<|"|>', 98: "<|think|>",
    100: "<|channel>", 101: "<channel|>", 105: "<|turn>", 106: "<turn|>",
}
BYTE_BASE = 256  # byte b is token BYTE_BASE + b
TINY_VOCAB = BYTE_BASE + 256


def make_tiny(out_dir, template_path):
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import Gemma4ForCausalLM, Gemma4TextConfig, PreTrainedTokenizerFast

    os.makedirs(out_dir, exist_ok=True)
    byte_chars = pre_tokenizers.ByteLevel.alphabet()
    # ByteLevel maps each byte to a printable char; order them by byte value.
    from tokenizers.pre_tokenizers import ByteLevel  # noqa: F401
    mapping = _bytes_to_unicode()
    vocab = {}
    for i in range(BYTE_BASE):
        vocab[GEMMA4_SPECIALS.get(i, f"<unused{i}>")] = i
    for b in range(256):
        vocab[mapping[b]] = BYTE_BASE + b
    assert len(byte_chars) == 256
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    specials = [GEMMA4_SPECIALS[i] for i in sorted(GEMMA4_SPECIALS)]
    tok.add_special_tokens(specials)
    with open(template_path, encoding="utf-8") as f:
        template = f.read()
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
        unk_token="<unk>", mask_token="<mask>")
    hf_tok.chat_template = template
    hf_tok.save_pretrained(out_dir)

    config = Gemma4TextConfig(
        vocab_size=TINY_VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32,
        layer_types=["sliding_attention", "full_attention"], sliding_window=64,
        hidden_size_per_layer_input=16, vocab_size_per_layer_input=TINY_VOCAB,
        per_layer_config={}, max_position_embeddings=16384,
        bos_token_id=2, eos_token_id=[1, 106, 50], pad_token_id=0)
    torch.manual_seed(0)
    model = Gemma4ForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out_dir)
    return out_dir


def _bytes_to_unicode():
    # The byte -> printable-character table byte-level BPE uses (GPT-2's construction).
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


class BadRequest(ValueError):
    """A request the bridge cannot act on (unknown op, wrong field type)."""


class Bridge:
    def __init__(self, model_dir, device, dtype):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        self.torch = torch
        self.tok = AutoTokenizer.from_pretrained(model_dir)
        self.device = device if (device != "cuda" or torch.cuda.is_available()) else "cpu"
        self.model = AutoModelForCausalLM.from_pretrained(
            model_dir, dtype=getattr(torch, dtype)).to(self.device).eval()
        eos = self.model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos]) if eos is not None else set()
        import transformers
        self.info = {
            "event": "ready", "model": os.path.abspath(model_dir), "dtype": dtype,
            "device": str(self.device), "transformers": transformers.__version__,
            "torch": torch.__version__,
            "chat_template_sha256": _sha256(self.tok.chat_template or ""),
            "eos_token_ids": sorted(self.eos_ids),
        }

    def render(self, req):
        kwargs = dict(req.get("extra") or {})
        tools = req.get("tools")
        return {"prompt": self.tok.apply_chat_template(
            req["messages"], tools=tools, add_generation_prompt=bool(req.get("add_generation_prompt")),
            tokenize=False, **kwargs)}

    def tokenize(self, req):
        ids = self.tok.encode(req["text"], add_special_tokens=False)
        return {"count": len(ids), "ids": ids}

    def complete(self, req):
        torch = self.torch
        prompt = req["prompt"]
        stops = [s for s in (req.get("stop") or []) if s]
        max_new = int(req.get("max_new_tokens", 2048))
        temperature = float(req.get("temperature") or 0)
        top_k = req.get("top_k")
        top_p = req.get("top_p")
        gen = torch.Generator(device=self.device)
        gen.manual_seed(int(req.get("seed") or 0))
        ids = self.tok.encode(prompt, add_special_tokens=False)  # the prompt carries <bos> itself
        t0 = time.monotonic_ns()
        with torch.no_grad():
            out = self.model(torch.tensor([ids], device=self.device), use_cache=True)
            t1 = time.monotonic_ns()
            past = out.past_key_values
            logits = out.logits[0, -1]
            new_ids, text, stop_reason = [], "", "length"
            for _ in range(max_new):
                nxt = _pick(torch, logits.float(), temperature, top_k, top_p, gen)
                if nxt in self.eos_ids and not stops_contain_token(self.tok, nxt, stops):
                    stop_reason = "eos"
                    break
                new_ids.append(nxt)
                text = self.tok.decode(new_ids, skip_special_tokens=False)
                hit = _first_stop(text, stops)
                if hit is not None:
                    text = text[:hit]
                    stop_reason = "stop"
                    break
                if nxt in self.eos_ids:
                    stop_reason = "eos"
                    break
                out = self.model(torch.tensor([[nxt]], device=self.device),
                                 past_key_values=past, use_cache=True)
                past = out.past_key_values
                logits = out.logits[0, -1]
            t2 = time.monotonic_ns()
        return {"completion": text, "prompt_tokens": len(ids), "completion_tokens": len(new_ids),
                "stop_reason": stop_reason,
                "durations_ns": {"prompt_eval": t1 - t0, "eval": t2 - t1, "total": t2 - t0}}


def stops_contain_token(tok, token_id, stops):
    # An EOS id that is also a stop string (e.g. <|tool_response>) ends as "stop", cut before it.
    return tok.decode([token_id], skip_special_tokens=False) in stops


def _first_stop(text, stops):
    hits = [text.find(s) for s in stops if s in text]
    return min(hits) if hits else None


def _pick(torch, logits, temperature, top_k, top_p, gen):
    if temperature <= 0:
        return int(torch.argmax(logits).item())
    logits = logits / temperature
    if top_k:
        kth = torch.topk(logits, int(top_k)).values[-1]
        logits = torch.where(logits < kth, torch.full_like(logits, float("-inf")), logits)
    probs = torch.softmax(logits, dim=-1)
    if top_p:
        sorted_p, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_p, dim=-1) - sorted_p < float(top_p)
        mask = torch.zeros_like(probs, dtype=torch.bool)
        mask[order[keep]] = True
        probs = torch.where(mask, probs, torch.zeros_like(probs))
        probs = probs / probs.sum()
    return int(torch.multinomial(probs, 1, generator=gen).item())


def _sha256(s):
    import hashlib
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def serve(bridge, inp, out):
    out.write(json.dumps(bridge.info) + "\n")
    out.flush()
    for lineno, line in enumerate(inp, 1):
        if not line.strip():
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req.get("id")
            op = req.get("op")
            if op == "shutdown":
                out.write(json.dumps({"id": rid, "ok": True}) + "\n")
                out.flush()
                return 0
            handler = {"render": bridge.render, "complete": bridge.complete,
                       "tokenize": bridge.tokenize}.get(op)
            if handler is None:
                raise BadRequest(f"line {lineno}: unknown op {op!r}")
            resp = handler(req)
        except json.JSONDecodeError as e:
            resp = {"error": {"kind": "bad_request", "message": f"line {lineno}: {e}"}}
        except BadRequest as e:
            resp = {"error": {"kind": "bad_request", "message": str(e)}}
        except KeyError as e:
            resp = {"error": {"kind": "bad_request", "message": f"line {lineno}: missing field {e}"}}
        except Exception as e:  # noqa: BLE001 - every failure is reported, the bridge lives on
            kind = "render" if "template" in type(e).__name__.lower() else "generate"
            resp = {"error": {"kind": kind, "message": f"{type(e).__name__}: {e}"}}
        resp["id"] = rid
        out.write(json.dumps(resp, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="HF snapshot directory (config, weights, tokenizer)")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--make-tiny", metavar="DIR", help="write a tiny random Gemma 4 model and exit")
    ap.add_argument("--template", help="chat template for --make-tiny")
    args = ap.parse_args()
    if args.make_tiny:
        if not args.template:
            ap.error("--make-tiny needs --template")
        print(make_tiny(args.make_tiny, args.template))
        return 0
    if not args.model:
        ap.error("--model is required")
    return serve(Bridge(args.model, args.device, args.dtype), sys.stdin, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
