#!/usr/bin/env python3
"""Screening: `bienphong screen` against the obvious peer, side by side on one list and one set of
queries.

The peer is brute-force fuzzy matching with rapidfuzz: Jaro-Winkler over ASCII-folded names and
aliases, every query against every name, single-threaded. Both answer the same sample of labelled
queries from `bienphong screen-eval generate`; the script prints queries per second, recall of the
listed person and the share of queries about people not on the list that get any hit, for both,
and the ratio of speeds.

    pip install rapidfuzz==3.14.6 unidecode==1.4.0
    cargo build --release
    target/release/bienphong screen-eval generate --out /tmp/screen-eval
    python3 bench/screen_vs_rapidfuzz.py --dir /tmp/screen-eval --sample 400
"""

import argparse
import csv
import json
import random
import subprocess
import time

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler
from unidecode import unidecode


def fold(name: str) -> str:
    """ASCII upper case: diacritics dropped, other scripts romanised (Cyrillic, Chinese), anything
    but a letter a single space."""
    name = unidecode(name.replace("'", ""))
    out = "".join(c.upper() if c.isascii() and c.isalpha() else " " for c in name)
    return " ".join(out.split())


def load_list(path):
    names, ids = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for n in [row["name"], *[a for a in row["aliases"].split("|") if a]]:
                names.append(fold(n))
                ids.append(row["id"])
    return names, ids


def quality(results):
    pos = [r for r in results if r[0] is not None]
    neg = [r for r in results if r[0] is None]
    recall = sum(1 for expect, hits in pos if expect in hits) / max(1, len(pos))
    alarms = sum(1 for _, hits in neg if hits) / max(1, len(neg))
    return recall, alarms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--binary", default="target/release/bienphong")
    ap.add_argument("--sample", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cutoffs", default="0.85,0.9,0.95")
    args = ap.parse_args()

    queries = [json.loads(l) for l in open(f"{args.dir}/queries.jsonl", encoding="utf-8")]
    random.Random(args.seed).shuffle(queries)
    sample = queries[: args.sample]
    print(f"{len(sample)} queries ({sum(q['expect'] is not None for q in sample)} about listed people)")

    # Ours: the command as a desk would drive it, one query at a time, waiting for each answer.
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [args.binary, "screen", "--watchlist", f"{args.dir}/watchlist.csv"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
    )
    ours, times = [], []
    for q in sample:
        t = time.perf_counter()
        proc.stdin.write(json.dumps(q) + "\n")
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        times.append(time.perf_counter() - t)
        if len(times) == 1:
            load_and_first = time.perf_counter() - t0
        ours.append((q["expect"], {h["id"] for h in answer["hits"]}))
    proc.stdin.close()
    proc.wait()
    serving = times[1:]  # the first answer waited for the list to load
    serving.sort()
    ours_qps = len(serving) / sum(serving)
    p99 = serving[int(0.99 * (len(serving) - 1))] * 1e3
    r, a = quality(ours)
    print(f"bienphong screen: {ours_qps:8.1f} queries/s (p99 {p99:.2f} ms round trip, list loaded in {load_and_first:.1f} s)"
          f"  recall {r:.4f}  false alarms {a:.4f}")

    # The peer: every query against every folded name and alias.
    t = time.perf_counter()
    names, ids = load_list(f"{args.dir}/watchlist.csv")
    print(f"rapidfuzz: {len(names)} names and aliases folded in {time.perf_counter() - t:.1f} s")
    cutoffs = [float(c) for c in args.cutoffs.split(",")]
    lowest = min(cutoffs)
    scored = []
    t = time.perf_counter()
    for q in sample:
        hits = process.extract(fold(q["name"]), names, scorer=JaroWinkler.normalized_similarity,
                               limit=10, score_cutoff=lowest)
        scored.append((q["expect"], [(ids[i], s) for _, s, i in hits]))
    peer_seconds = time.perf_counter() - t
    peer_qps = len(sample) / peer_seconds
    best_peer_recall = 0.0
    for c in cutoffs:
        r, a = quality([(e, {i for i, s in hits if s >= c}) for e, hits in scored])
        best_peer_recall = max(best_peer_recall, r)
        print(f"rapidfuzz Jaro-Winkler >= {c:.2f}: {peer_qps:8.1f} queries/s  recall {r:.4f}  false alarms {a:.4f}")
    print(f"speed ratio bienphong / rapidfuzz: {ours_qps / peer_qps:.0f}x")
    print(f"recall bienphong {quality(ours)[0]:.4f} against the peer's best {best_peer_recall:.4f}")


if __name__ == "__main__":
    main()
