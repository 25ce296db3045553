"""How long torch's idle threads spin after a forward pass, and what that costs the Chroma query after it.

    .venv/bin/python -m scripts.dev.bench_threads --data-dir DIR [--spins 300000,10000,1000] [--questions 60]

DIR is an index written by `newsbot ingest` (the bench used the whole German corpus). For each
GOMP_SPINCOUNT (libgomp's busy-wait before an idle thread sleeps; 300,000 is its default) a new
process loads the model, then per question times the query's forward pass, the store's top-30
query right after it, and the same query 10 ms later, when the threads have gone to sleep.
Prints a Markdown table (medians, ms). index/__init__.py sets the chosen value.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, statistics, sys, time
from pathlib import Path
from index import bootstrap
from index.settings import Settings
services = bootstrap.build(Settings(_env_file=None, data_dir=Path(sys.argv[1])), write=False)
questions = [json.loads(line)["title"] for line in Path(sys.argv[2]).read_text(encoding="utf-8").splitlines()][: int(sys.argv[3])]
embedder = services.query_embedder()
embedder = getattr(embedder, "inner", embedder)  # no cache: every question is encoded
vectors = [embedder.embed_query(q) for q in questions[:5]]
for vector in vectors:
    services.store.query(vector, 30)
times = {"forward": [], "after": [], "later": []}
for question in questions:
    started = time.perf_counter()
    vector = embedder.embed_query(question)
    times["forward"].append(time.perf_counter() - started)
    started = time.perf_counter()
    services.store.query(vector, 30)
    times["after"].append(time.perf_counter() - started)
    time.sleep(0.01)
    started = time.perf_counter()
    services.store.query(vector, 30)
    times["later"].append(time.perf_counter() - started)
print(json.dumps({name: statistics.median(values) * 1000 for name, values in times.items()}))
services.close()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus/derstandard.jsonl"))
    parser.add_argument("--spins", default="300000,10000,1000")
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    print("| GOMP_SPINCOUNT | query encode | store query right after it | the same query 10 ms later |")
    print("|---|---|---|---|")
    for spins in args.spins.split(","):
        environment = {**os.environ, "GOMP_SPINCOUNT": spins}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(args.data_dir), str(args.corpus), str(args.questions)],
            capture_output=True, text=True, check=True, env=environment,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {int(spins):,} | {row['forward']:.1f} ms | {row['after']:.1f} ms | {row['later']:.1f} ms |")


if __name__ == "__main__":
    main()
