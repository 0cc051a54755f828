"""Random ASTERIX data blocks from `ast-tool-py random`, written as raw concatenated blocks.

Runs in the libasterix/ast-tool-py virtual environment. It starts
`ast-tool-py --empty-selection --cat CAT EDITION --simple random --max-datablocks 1 --max-records R --seed SEED`
(one data block per output line, in hex), reads lines until it has N blocks, then stops the tool.

ast-tool-py fills each item with uniformly random bits, so values are structurally valid but physically
arbitrary (latitudes past 90 degrees, times past 24 h, ...). Items listed in DROP (items that the other two
decoders cannot read: see NOTES.md) are removed from each record with libasterix and
the record re-encoded; a record left empty is skipped, and so is a block left empty.

Usage: python random_blocks.py CAT EDITION N OUT SEED MAX_RECORDS [--keep I1,I2,...]
       (--keep: keep only these items, used to probe the decoders item by item)
"""

import os
import subprocess
import sys

from asterix.base import Bits, RawDatablock

# Items removed from the random records, per category (see NOTES.md for why).
DROP = {
    21: [],
    # I062/390: asterix_decoder 0.7.11 segfaults on a byte >= 0x80 in its 8-bit ASCII subfields (CS, TAC,
    #   DEP, DST, RDS, AST, STD, STA, PEC), which random bits nearly always hold.
    # I062/510: Wireshark 4.0's dissector mis-aligns the extension after the first 3-octet part and marks
    #   the packet malformed.
    62: ["390", "510"],
    48: [],
}


def spec_for(cat: int, edition: str):
    import asterix.generated as gen  # slow (a 190,000-line module): only when items are removed
    for spec in gen.manifest["CATS"][cat]:
        if "%d.%d" % spec.cv_edition == edition:
            return spec
    raise SystemExit(f"libasterix has no CAT{cat:03d} edition {edition}")


def strip(spec, raw, keep, drop, dropped):
    """The block without the items in drop (or not in keep); None when no record is left."""
    recs = spec.cv_uap.parse(raw.get_raw_records())
    assert not isinstance(recs, ValueError), recs
    kept, changed = [], False
    for rec in recs:
        items = {k: v for k, v in rec.items_regular.items()
                 if (keep is None or k in keep) and k not in drop}
        if len(items) != len(rec.items_regular):
            changed = True
            for k in set(rec.items_regular) - set(items):
                dropped[k] = dropped.get(k, 0) + 1
            rec = type(rec).create(items)
        if items:
            kept.append(rec)
    if not kept:
        return None
    # a block left whole is written exactly as ast-tool-py made it
    return spec.create(kept).unparse().to_bytes() if changed else raw.unparse().to_bytes()


def main() -> None:
    args = sys.argv[1:]
    keep = None
    if "--keep" in args:
        i = args.index("--keep")
        keep = set(args[i + 1].split(","))
        del args[i:i + 2]
    cat, edition, n, out, seed, max_records = int(args[0]), args[1], int(args[2]), args[3], args[4], args[5]
    drop = DROP[cat]
    spec = spec_for(cat, edition) if keep is not None or drop else None
    tool = os.path.join(os.path.dirname(sys.executable), "ast-tool-py")
    cmd = [tool, "--empty-selection", "--cat", str(cat), edition, "--simple", "random",
           "--seed", seed, "--max-datablocks", "1", "--max-records", max_records]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    blocks, dropped = [], {}
    try:
        for line in proc.stdout:
            for raw in RawDatablock.parse(Bits.from_bytes(bytes.fromhex(line.strip()))):
                assert raw.get_category() == cat
                block = strip(spec, raw, keep, drop, dropped) if spec else raw.unparse().to_bytes()
                if block:
                    blocks.append(block)
            if len(blocks) >= n:
                break
    finally:
        proc.terminate()
        proc.wait()
    with open(out, "wb") as f:
        f.write(b"".join(blocks[:n]))
    print(f"CAT{cat:03d} edition {edition}: {min(n, len(blocks))} blocks, seed {seed}, "
          f"1..{max_records} records a block"
          + (f"; items removed (records): {dropped}" if spec else "; no item removed"), file=sys.stderr)


if __name__ == "__main__":
    main()
