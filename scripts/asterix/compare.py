"""Compares two decoders' outputs in the common JSON form (decode_cro.py, decode_tshark.py) record by record.

A numeric field agrees when the two values differ by at most half of the finest resolution (LSB) that
any of the items mapped to it has; strings and integers must be equal; a key present in one output and
not the other is a disagreement. Prints one JSON line per disagreeing record field, then a per-category,
per-field table (both / agree / differ / only in A / only in B). Exit status 1 when anything disagrees.

Usage: python3 compare.py A.jsonl B.jsonl [NAME_A NAME_B]
"""

import json
import sys
from collections import defaultdict

# Half the finest LSB among the items mapped to each numeric field.
TOLERANCE = {
    "time_s": 2 ** -7 / 2,                 # I021/073, I062/070, I048/140: 1/128 s
    "lat": 180 / 2 ** 30 / 2,              # I021/131 (I021/130: 180/2^23, I062/105: 180/2^25)
    "lon": 180 / 2 ** 30 / 2,
    "fl": 0.25 / 2,                        # 1/4 FL
    "geo_alt_ft": 6.25 / 2,
    "gs_kt": 2 ** -14 * 3600 / 2,          # I021/160, I048/200: 2^-14 NM/s
    "track_deg": 360 / 2 ** 16 / 2,
    "vx_mps": 0.25 / 2,
    "vy_mps": 0.25 / 2,
    "vs_ftmin": 6.25 / 2,
    "rho_nm": 1 / 256 / 2,
    "theta_deg": 360 / 2 ** 16 / 2,
}
IDS = ("block", "record", "cat")


def load(path):
    recs = {}
    for text in open(path):
        r = json.loads(text)
        recs[(r["block"], r["record"])] = r
    return recs


def same(key, a, b):
    if key in TOLERANCE:
        return abs(a - b) <= TOLERANCE[key] * (1 + 1e-9)
    return a == b


def main() -> None:
    a, b = load(sys.argv[1]), load(sys.argv[2])
    na, nb = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("A", "B")
    table = defaultdict(lambda: [0, 0, 0, 0, 0])  # (cat, key) -> both, agree, differ, only A, only B
    bad = 0
    for rid in sorted(set(a) | set(b)):
        ra, rb = a.get(rid), b.get(rid)
        if ra is None or rb is None:
            bad += 1
            print(json.dumps({"block": rid[0], "record": rid[1], "missing_in": nb if rb is None else na}))
            continue
        cat = ra["cat"]
        for key in sorted((set(ra) | set(rb)) - set(IDS)):
            row = table[(cat, key)]
            if key in ra and key in rb:
                row[0] += 1
                if same(key, ra[key], rb[key]):
                    row[1] += 1
                    continue
                row[2] += 1
            else:
                row[3 if key in ra else 4] += 1
            bad += 1
            print(json.dumps({"block": rid[0], "record": rid[1], "cat": cat, "field": key,
                              na: ra.get(key), nb: rb.get(key)}))
    print(f"# records: {na} {len(a)}, {nb} {len(b)}; disagreements: {bad}")
    print(f"# cat field        both  agree differ only-{na} only-{nb}")
    for (cat, key), (both, agree, differ, only_a, only_b) in sorted(table.items()):
        print(f"# {cat:3d} {key:12s} {both:5d} {agree:6d} {differ:6d} {only_a:6d} {only_b:6d}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
