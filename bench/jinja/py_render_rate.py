"""Measures Python jinja2's cached-template render rate (what transformers does: compile once,
render many times) for the Jinja benchmark. Called by bench_jinja; run with /usr/bin/python3.

    /usr/bin/python3 py_render_rate.py JOB.json
JOB.json: {"oracle_dir": path of tests/jinja_diff (for its transformers environment),
           "now_epoch_s": int, "contexts": [context, ...],
           "templates": [{"name": str, "path": str}, ...], "min_seconds": float}
For each template, every context is timed. One JSON line per template:
    {"name", "contexts": [{"renders_per_s", "output_bytes"} or {"error"}, ...]}  or  {"name", "error"}
"""
import json
import sys
import time


def renders_per_second(template, context, min_seconds):
    # CPU time of this process, so a busy machine slows neither side's count. Grow the batch until one batch takes min_seconds, then keep the best of five batches (a batch can only be slowed by noise, not sped up).
    n = 1
    while True:
        start = time.process_time()
        for _ in range(n):
            template.render(context)
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            break
        n = n * 10 if elapsed < min_seconds / 10 else int(n * 1.2 * min_seconds / elapsed) + 1
    best = elapsed
    for _ in range(4):
        start = time.process_time()
        for _ in range(n):
            template.render(context)
        best = min(best, time.process_time() - start)
    return n / best


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    sys.path.insert(0, job["oracle_dir"])
    import oracle  # the differential suite's transformers-configured environment

    env = oracle.make_environment(job["now_epoch_s"])
    for entry in job["templates"]:
        record = {"name": entry["name"]}
        try:
            with open(entry["path"], encoding="utf-8", newline="") as f:
                template = env.from_string(f.read())
            record["contexts"] = []
            for context in job["contexts"]:
                try:
                    output = template.render(context)
                except Exception as exc:  # noqa: BLE001 - this context is refused; time the others
                    record["contexts"].append({"error": f"{type(exc).__name__}: {exc}"})
                    continue
                record["contexts"].append({
                    "output_bytes": len(output.encode("utf-8")),
                    "renders_per_s": renders_per_second(template, context, job["min_seconds"]),
                })
        except Exception as exc:  # noqa: BLE001
            record["error"] = f"{type(exc).__name__}: {exc}"
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
