"""Decodes a file of raw concatenated ASTERIX data blocks with asterix_decoder (CroatiaControl's C++
decoder, PyPI asterix_decoder) and prints one line of the common JSON form (common.py) per record.

Runs in asterix_decoder's virtual environment. Each block is handed to asterix.parse() on its own, so
that block and record indices are known. asterix_decoder 0.7.11 carries one edition per category:
CAT021 2.6, CAT062 1.18, CAT048 1.21. Its units differ from the common form in two places:
I062/136 is given in feet (FL x 100) and I048/200 ground speed in knots (I021/160 stays in NM/s).

Usage: python decode_cro.py FILE
"""

import sys

import asterix

from common import address, first, line, split_blocks


def val(rec, item, *path):
    """rec['I'+item][path...]['val'], or None when the item or subfield is absent."""
    node = rec.get("I" + item)
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node.get("val") if isinstance(node, dict) else None


def mul(value, factor):
    return None if value is None else value * factor


def common(cat, rec):
    out = {"sac": val(rec, "010", "SAC"), "sic": val(rec, "010", "SIC")}
    if cat == 21:
        out.update(
            time_s=first(val(rec, "073", "time_reception_position"),
                         val(rec, "071", "time_applicability_position")),
            lat=first(val(rec, "131", "Lat"), val(rec, "130", "Lat")),
            lon=first(val(rec, "131", "Lon"), val(rec, "130", "Lon")),
            fl=val(rec, "145", "FL"),
            geo_alt_ft=val(rec, "140", "geometric_height"),
            gs_kt=mul(val(rec, "160", "GS"), 3600.0),  # NM/s
            track_deg=val(rec, "160", "TA"),
            vs_ftmin=first(val(rec, "155", "BVR"), val(rec, "157", "GVR")),
            address=val(rec, "080", "TAddr"),
            callsign=val(rec, "170", "TId"),
            track_number=val(rec, "161", "TrackN"),
        )
    elif cat == 62:
        out.update(
            time_s=val(rec, "070", "ToT"),
            lat=val(rec, "105", "Lat"),
            lon=val(rec, "105", "Lon"),
            fl=mul(val(rec, "136", "MFL"), 0.01),  # feet
            geo_alt_ft=val(rec, "130", "Alt"),
            vx_mps=val(rec, "185", "Vx"),
            vy_mps=val(rec, "185", "Vy"),
            vs_ftmin=val(rec, "220", "RoC"),
            address=val(rec, "380", "ADR", "ADR"),
            callsign=first(val(rec, "245", "TId"), val(rec, "380", "ID", "ACID")),
            track_number=val(rec, "040", "TrkN"),
        )
    elif cat == 48:
        out.update(
            time_s=val(rec, "140", "ToD"),
            rho_nm=val(rec, "040", "RHO"),
            theta_deg=val(rec, "040", "THETA"),
            fl=val(rec, "090", "FL"),
            address=val(rec, "220", "ACAddr"),
            callsign=val(rec, "240", "TId"),
            track_number=val(rec, "161", "Tn"),
            gs_kt=val(rec, "200", "CGS"),  # kt
            track_deg=val(rec, "200", "CHdg"),
        )
    if out.get("address") is not None:
        out["address"] = address(out["address"])
    if out.get("callsign") is not None:
        out["callsign"] = out["callsign"].strip()
    return out


def main() -> None:
    data = open(sys.argv[1], "rb").read()
    for i, (cat, block) in enumerate(split_blocks(data)):
        for j, rec in enumerate(asterix.parse(block, verbose=False)):
            out = {"block": i, "record": j, "cat": rec["category"]}
            out.update(common(cat, rec))
            print(line(out))


if __name__ == "__main__":
    main()
