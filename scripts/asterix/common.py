"""Shared by the decoders' adapters: the common JSON form, block splitting, and a pcap writer.

Standard library only: imported by decode_cro.py (in asterix_decoder's venv), decode_tshark.py and
compare.py (any python3).
"""

import json
import struct

# Keys of the common form, in output order. A key is left out when the record does not carry it.
KEYS = ["block", "record", "cat", "sac", "sic", "time_s", "lat", "lon", "fl", "geo_alt_ft", "gs_kt",
        "track_deg", "vx_mps", "vy_mps", "vs_ftmin", "address", "callsign", "track_number", "rho_nm",
        "theta_deg"]

EDITIONS = {21: "2.6", 62: "1.18", 48: "1.27"}  # what random writes; see NOTES.md (CAT048)


def first(*values):
    """The first value that is not None (the preferred item first)."""
    return next((v for v in values if v is not None), None)


def line(rec: dict) -> str:
    """One output line: keys in KEYS order, None left out."""
    return json.dumps({k: rec[k] for k in KEYS if rec.get(k) is not None})


def address(value) -> str:
    """24-bit address as 6 upper-case hex digits, from an int or a hex string with or without 0x."""
    if isinstance(value, str):
        value = int(value, 16)
    return "%06X" % value


def split_blocks(data: bytes):
    """Yields (category, block bytes) for each data block; raises ValueError on a bad length."""
    off = 0
    while off < len(data):
        if len(data) - off < 3:
            raise ValueError(f"truncated data block header at byte {off}")
        cat, length = data[off], int.from_bytes(data[off + 1:off + 3], "big")
        if length < 3 or off + length > len(data):
            raise ValueError(f"bad data block length {length} at byte {off}")
        yield cat, data[off:off + length]
        off += length


def _checksum(header: bytes) -> int:
    s = sum(struct.unpack("!10H", header))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def write_pcap(path: str, blocks, port: int = 8600) -> None:
    """Writes each block as one UDP datagram 127.0.0.1:port -> 127.0.0.1:port (Ethernet link type),
    one packet a second from t=0, so that frame number = block index + 1."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, block in enumerate(blocks):
            udp = struct.pack("!HHHH", port, port, 8 + len(block), 0) + block
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
            ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
            frame = b"\x00" * 12 + b"\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", i, 0, len(frame), len(frame)))
            f.write(frame)
