#!/usr/bin/env python3
"""Request paths for the HTTP load benchmark, from the search-quality cases.

usage: urls.py dev.json > paths.txt

One GET path a line: every case of dev.json as the public page would ask it (10 hits,
highlights on, department/category/year facets), plus the facet endpoint for dropdowns and a
few document views. The order is shuffled with a fixed seed so runs are comparable.
"""
import json
import random
import sys
import urllib.parse


def main():
    cases = json.load(open(sys.argv[1]))["cases"]
    paths = []
    for case in cases:
        if case["kind"] in ("filter", "facet"):
            params = dict(case["params"])
        else:
            params = {"q": case["q"]}
        params.setdefault("facets", "department,category,year")
        params["size"] = 10
        paths.append("/api/v1/search?" + urllib.parse.urlencode(params, doseq=True))
    for field in ("department", "category", "year", "doc_type"):
        paths.append("/api/v1/facets/" + field)
    for case in cases:
        if case["kind"] == "docnum":
            for doc_id in case["relevant"][:1]:
                paths.append("/api/v1/documents/" + urllib.parse.quote(doc_id, safe=""))
        if sum(p.startswith("/api/v1/documents/") for p in paths) >= 40:
            break
    random.Random(7).shuffle(paths)
    sys.stdout.write("\n".join(paths) + "\n")


if __name__ == "__main__":
    main()
