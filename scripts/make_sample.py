#!/usr/bin/env python3
"""Builds the bundled sample in index-data/sample/ from ../shared/corpus (deterministic).

usage: scripts/make_sample.py [SHARED_DIR]

Takes every 16th law by id (a spread of categories, regions, dates and lengths, capped in
length so the repository stays small), every 6th work report, and writes them unchanged as
gzip JSON Lines. Run it again and the output is byte-identical.
"""
import gzip, json, os, sys

shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared")
out_dir = os.path.join(os.path.dirname(__file__), "..", "index-data", "sample")
picked = []
for name, every, cap in (("lawrefbook_laws.jsonl.gz", 16, 30000), ("gov_work_reports.jsonl.gz", 6, 40000)):
    with gzip.open(os.path.join(shared, "corpus", name), "rt", encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    docs.sort(key=lambda d: d["id"])
    for i, d in enumerate(docs):
        if i % every == 0 and len(d["body"]) <= cap:
            picked.append(d)
path = os.path.join(out_dir, "corpus-sample.jsonl.gz")
with open(path, "wb") as raw:
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        for d in picked:
            gz.write((json.dumps(d, ensure_ascii=False) + "\n").encode("utf-8"))
print(f"{len(picked)} documents -> {path} ({os.path.getsize(path)} bytes)")
