"""Measures Python jinja2's cached-template render rate (what transformers does: compile once,
render many times) for the Jinja benchmark. Called by bench_jinja; run with /usr/bin/python3.

    /usr/bin/python3 py_render_rate.py JOB.json
JOB.json: {"oracle_dir": path of tests/jinja_diff (for its transformers environment),
           "now_epoch_s": int, "contexts": [context, ...],
           "templates": [{"name": str, "path": str}, ...], "min_seconds": float}
For each template, the first context that renders is timed. One JSON line per template:
    {"name", "context": index, "renders_per_s", "output_bytes"}  or  {"name", "error"}
"""
import json
import sys
import time


def renders_per_second(template, context, min_seconds):
    # CPU time of this process, so a busy machine slows neither side's count. Grow the batch until one batch takes min_seconds, then keep the best of three batches.
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
    for _ in range(2):
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
            for index, context in enumerate(job["contexts"]):
                try:
                    output = template.render(context)
                except Exception:  # noqa: BLE001 - try the next context
                    continue
                record["context"] = index
                record["output_bytes"] = len(output.encode("utf-8"))
                record["renders_per_s"] = renders_per_second(template, context, job["min_seconds"])
                break
            else:
                record["error"] = "no context renders"
        except Exception as exc:  # noqa: BLE001
            record["error"] = f"{type(exc).__name__}: {exc}"
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
