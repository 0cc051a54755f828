"""Encodes chosen targets as ASTERIX with libasterix, one data block a target, written to OUT back to back.

Run in the libasterix venv: `python encode_targets.py IN.jsonl OUT`. Each input line is one target:
  {"cat": 21, "sac": 25, "sic": 1, "time_s": 43200.5, "lat": 36.2, "lon": 37.1, "fl": 350,
   "gs_kt": 450, "track_deg": 90, "vs_ftmin": -1000, "address": "4BA912", "callsign": "THY4AB"}
  {"cat": 62, ..., "vx_mps": 100, "vy_mps": -50, "track_number": 4321}   (address and callsign in I062/380)
  {"cat": 48, ..., "rho_nm": 60, "theta_deg": 45, "gs_kt": 350, "track_deg": 45, "track_number": 77}
Editions as in common.EDITIONS (CAT021 2.6, CAT062 1.18, CAT048 1.27). Keys a target leaves out are not
encoded.
"""
import json
import sys

import asterix.generated as gen


def cat021(t):
    items = {'010': (('SAC', t['sac']), ('SIC', t['sic']))}
    # I021/040: an ICAO address, no flags: a real, airborne target.
    items['040'] = (0b000_01_0_0,)  # ATP 0, ARC 1 (25 ft), RC 0, RAB 0; no extension
    if 'time_s' in t: items['073'] = (t['time_s'], 's')
    if 'lat' in t: items['131'] = (('LAT', (t['lat'], '°')), ('LON', (t['lon'], '°')))
    if 'address' in t: items['080'] = int(t['address'], 16)
    if 'fl' in t: items['145'] = (t['fl'], 'FL')
    if 'vs_ftmin' in t: items['155'] = (('RE', 0), ('BVR', (t['vs_ftmin'], 'ft/min')))
    if 'gs_kt' in t:
        items['160'] = (('RE', 0), ('GS', (t['gs_kt'] / 3600.0, 'NM/s')), ('TA', (t['track_deg'], '°')))
    if 'callsign' in t: items['170'] = t['callsign']
    if 'track_number' in t: items['161'] = (0, ('TRNUM', t['track_number']))
    return gen.Cat_021_2_6, items


def cat062(t):
    items = {'010': (('SAC', t['sac']), ('SIC', t['sic']))}
    if 'time_s' in t: items['070'] = (t['time_s'], 's')
    if 'lat' in t: items['105'] = (('LAT', (t['lat'], '°')), ('LON', (t['lon'], '°')))
    if 'vx_mps' in t: items['185'] = (('VX', (t['vx_mps'], 'm/s')), ('VY', (t['vy_mps'], 'm/s')))
    if 'fl' in t: items['136'] = (t['fl'], 'FL')
    if 'vs_ftmin' in t: items['220'] = (t['vs_ftmin'], 'ft/min')
    if 'track_number' in t: items['040'] = t['track_number']
    adr = {}
    if 'address' in t: adr['ADR'] = int(t['address'], 16)
    if 'callsign' in t: adr['ID'] = t['callsign']
    if adr: items['380'] = adr
    return gen.Cat_062_1_18, items


def cat048(t):
    items = {'010': (('SAC', t['sac']), ('SIC', t['sic']))}
    if 'time_s' in t: items['140'] = (t['time_s'], 's')
    if 'rho_nm' in t: items['040'] = (('RHO', (t['rho_nm'], 'NM')), ('THETA', (t['theta_deg'], '°')))
    if 'fl' in t: items['090'] = (('V', 0), ('G', 0), ('FL', (t['fl'], 'FL')))
    if 'address' in t: items['220'] = int(t['address'], 16)
    if 'callsign' in t: items['240'] = t['callsign']
    if 'track_number' in t: items['161'] = (0, ('TRN', t['track_number']))
    if 'gs_kt' in t:
        items['200'] = (('GSP', (t['gs_kt'] / 3600.0, 'NM/s')), ('HDG', (t['track_deg'], '°')))
    return gen.Cat_048_1_27, items


def main():
    src, out = sys.argv[1], sys.argv[2]
    blocks = []
    with open(src) as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            cat, items = {21: cat021, 62: cat062, 48: cat048}[t['cat']](t)
            rec = cat.cv_record.create(items)
            blocks.append(cat.create([rec]).unparse().to_bytes())
    with open(out, 'wb') as f:
        for b in blocks:
            f.write(b)
    print(f'encoded {len(blocks)} targets', file=sys.stderr)


if __name__ == '__main__':
    main()
