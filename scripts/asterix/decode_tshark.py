"""Decodes a file of raw concatenated ASTERIX data blocks with tshark (Wireshark's ASTERIX dissector) and
prints one line of the common JSON form (common.py) per record.

Standard library only. The blocks go into a temporary pcap, one UDP datagram per block to port 8600, and
tshark reads it with `-d udp.port==8600,asterix -T json --no-duplicate-keys`, the editions pinned with
`-o asterix.iCCC_version:Version X.Y` (common.EDITIONS). With an edition pinned, Wireshark names fields
`asterix.021_V2_6_010_SAC`; with its default ("latest") `asterix.021_010_SAC`: both are accepted here.
tshark gives I021/160 and I048/200 ground speed in NM/s, addresses as "0x..", SAC/SIC as "0x..".
A frame that tshark marks malformed is reported on stderr, and the exit status is then 1.

Usage: python3 decode_tshark.py FILE
"""

import json
import os
import re
import subprocess
import sys
import tempfile

from common import EDITIONS, address, first, line, split_blocks, write_pcap

FIELD = re.compile(r"^asterix\.(\d{3})_(?:V\d+_\d+_)?(.+)$")


def leaves(node, out):
    """Flattens a tshark JSON message into {"010_SAC": "0x23", "380_ADR_VALUE": "0x54c527", ...}."""
    for key, value in node.items():
        if isinstance(value, dict):
            leaves(value, out)
        elif isinstance(value, list):
            for v in value:
                if isinstance(v, dict):
                    leaves(v, out)
        else:
            m = FIELD.match(key)
            if m:
                out.setdefault(m.group(2), value)
    return out


def num(msg, key, factor=1.0):
    v = msg.get(key)
    if v is None:
        return None
    n = int(v, 16) if v.startswith("0x") else float(v)
    return n * factor if factor != 1.0 else n


def integer(msg, key):
    v = msg.get(key)
    return None if v is None else int(v, 0)


def common(cat, m):
    out = {"sac": integer(m, "010_SAC"), "sic": integer(m, "010_SIC")}
    if cat == 21:
        out.update(
            time_s=first(num(m, "073_VALUE"), num(m, "071_VALUE")),
            lat=first(num(m, "131_LAT"), num(m, "130_LAT")),
            lon=first(num(m, "131_LON"), num(m, "130_LON")),
            fl=num(m, "145_VALUE"),
            geo_alt_ft=num(m, "140_VALUE"),
            gs_kt=num(m, "160_GS", 3600.0),  # NM/s
            track_deg=num(m, "160_TA"),
            vs_ftmin=first(num(m, "155_BVR"), num(m, "157_GVR")),
            address=m.get("080_VALUE"),
            callsign=m.get("170_VALUE"),
            track_number=integer(m, "161_TRNUM"),
        )
    elif cat == 62:
        out.update(
            time_s=num(m, "070_VALUE"),
            lat=num(m, "105_LAT"),
            lon=num(m, "105_LON"),
            fl=num(m, "136_VALUE"),
            geo_alt_ft=num(m, "130_VALUE"),
            vx_mps=num(m, "185_VX"),
            vy_mps=num(m, "185_VY"),
            vs_ftmin=num(m, "220_VALUE"),
            address=m.get("380_ADR_VALUE"),
            callsign=first(m.get("245_CHR"), m.get("380_ID_VALUE")),
            track_number=integer(m, "040_VALUE"),
        )
    elif cat == 48:
        out.update(
            time_s=num(m, "140_VALUE"),
            rho_nm=num(m, "040_RHO"),
            theta_deg=num(m, "040_THETA"),
            fl=num(m, "090_FL"),
            address=m.get("220_VALUE"),
            callsign=m.get("240_VALUE"),
            track_number=integer(m, "161_TRN"),
            gs_kt=num(m, "200_GSP", 3600.0),  # NM/s
            track_deg=num(m, "200_HDG"),
        )
    if out.get("address") is not None:
        out["address"] = address(out["address"])
    if out.get("callsign") is not None:
        out["callsign"] = out["callsign"].strip()
    return out


def main() -> None:
    blocks = [b for _, b in split_blocks(open(sys.argv[1], "rb").read())]
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "blocks.pcap")
        write_pcap(pcap, blocks)
        cmd = ["tshark", "-n", "-r", pcap, "-d", "udp.port==8600,asterix", "-T", "json",
               "--no-duplicate-keys", "-J", "frame asterix"]
        for cat, edition in EDITIONS.items():
            cmd += ["-o", f"asterix.i{cat:03d}_version:Version {edition}"]
        res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"tshark failed ({res.returncode}): {res.stderr.strip()}")
    bad = 0
    packets = json.loads(res.stdout)
    for packet in packets:
        layers = packet["_source"]["layers"]
        i = int(layers["frame"]["frame.number"]) - 1
        if "_ws.malformed" in layers or "_ws.expert" in layers:
            bad += 1
            print(f"decode_tshark: block {i}: tshark marks it malformed", file=sys.stderr)
        ast = layers.get("asterix", {})
        cat = int(ast.get("asterix.category", blocks[i][0]))
        messages = ast.get("asterix.message", [])
        for j, msg in enumerate(messages if isinstance(messages, list) else [messages]):
            out = {"block": i, "record": j, "cat": cat}
            out.update(common(cat, leaves(msg, {})))
            print(line(out))
    if len(packets) != len(blocks):
        sys.exit(f"decode_tshark: tshark gave {len(packets)} packets for {len(blocks)} blocks")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
