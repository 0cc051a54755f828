#!/usr/bin/env python3
"""A pytak-based TAK client for testing the deconflict TAK/CoT bridge against a real TAK server.

Run it with the cache venv's python (`scripts/tak-peer client ...` does that for you):

    client.py --port PORT --certs DIR/certs --name client --listen 10
    client.py --port PORT --certs DIR/certs --name bridge --send-pli bridge-1,BRIDGE,52.0,4.0,10 \
              --send events.xml --listen 5

It connects to the server's TLS CoT port with a client certificate (DIR/certs/NAME.pem + NAME.key,
server verified against DIR/certs/ca.pem), using pytak's own TLS setup (pytak.protocol_factory with
the PYTAK_TLS_* settings) and pytak's TXWorker/RXWorker for sending and stream framing.

On connecting it first sends ONE position report (PLI, type a-f-G-U-C): the one given by
--send-pli UID,CALLSIGN,LAT,LON,HAE, or else a default one (uid "deconflict-NAME", callsign NAME, at
0,0). FreeTAKServer needs this: it reads the first event of every connection as the client's
identity and drops the connection if none comes within 30 s (and it does NOT relay that first event).

--send FILE sends the CoT XML events in FILE (concatenated or one per line) in order, 0.5 s apart
(--gap). Before sending, the placeholders {{now}}, {{now+N}} and {{now-N}} (N seconds) are replaced
by CoT timestamps (YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC).

--listen SECONDS collects every CoT event received during that time (counted from the connection)
and prints each as one JSON line on stdout. Each event is parsed with takproto (takproto.xml2message,
which turns CoT XML into a TAK protocol v1 TakMessage: uid, type, how, times in ms, point, contact,
__group, takv, and the other <detail> children as the xmlDetail string); the attribute strings
time/start/stale and the <remarks> text and <link> elements are read with Python's
xml.etree.ElementTree from the raw XML (a second, independent parser). Fields:
  uid type how time start stale (strings as sent)  time_ms start_ms stale_ms (takproto)
  lat lon hae ce le  callsign endpoint group_name group_role  remarks (text of detail/remarks, or
  the detail@remarks attribute FreeTAKServer turns it into)  links [{uid,type,relation,point}]
  xml_detail (takproto's xmlDetail)  xml (the raw event exactly as received)  recv_at (local time).
Diagnostics go to stderr. Exit status: 0 ok; 2 cannot connect (refused, TLS handshake or
certificate failure); 3 the server closed the connection before --listen ran out.
"""
import argparse
import asyncio
import configparser
import datetime as dt
import json
import os
import re
import ssl
import sys
import time
import warnings
import xml.etree.ElementTree as ET

warnings.filterwarnings("ignore")  # pytak warns at import that its optional extras are missing

import pytak  # noqa: E402
import takproto  # noqa: E402
from takproto.functions import xml2message  # noqa: E402  (CoT XML -> TakMessage; not re-exported by takproto 3.0.1)


def cot_time(offset: float = 0.0) -> str:
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fill_times(text: str) -> str:
    def sub(m):
        sign, n = m.group(1), m.group(2)
        off = float(n) if n else 0.0
        return cot_time(-off if sign == "-" else off)
    return re.sub(r"\{\{now(?:([+-])(\d+(?:\.\d+)?))?\}\}", sub, text)


def split_events(text: str) -> list:
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    return [m.group(0) for m in re.finditer(r"<event\b.*?</event>", text, re.S)]


def pli_event(uid: str, callsign: str, lat: float, lon: float, hae: float) -> bytes:
    now = cot_time()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" time="{now}" start="{now}" '
        f'stale="{cot_time(300)}"><point lat="{lat}" lon="{lon}" hae="{hae}" ce="9999999.0" '
        f'le="9999999.0"/><detail><contact callsign="{callsign}" endpoint="*:-1:stcp"/>'
        f'<__group name="Cyan" role="Team Member"/>'
        f'<takv device="deconflict-test" platform="pytak" os="linux" version="{pytak.__version__ if hasattr(pytak, "__version__") else "7"}"/>'
        f"</detail></event>"
    ).encode()


def to_json(raw: bytes) -> dict:
    text = raw.decode("utf-8", errors="replace").strip()
    # the stream may carry an XML declaration before an event: strip it for the parsers
    body = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", text)
    out = {"recv_at": cot_time(), "xml": text}
    try:
        msg = xml2message(body.encode())
        ev = msg.cotEvent
        d = ev.detail
        out.update({
            "uid": ev.uid, "type": ev.type, "how": ev.how,
            "time_ms": ev.sendTime, "start_ms": ev.startTime, "stale_ms": ev.staleTime,
            "lat": ev.lat, "lon": ev.lon, "hae": ev.hae, "ce": ev.ce, "le": ev.le,
            "callsign": d.contact.callsign or None, "endpoint": d.contact.endpoint or None,
            "group_name": d.group.name or None, "group_role": d.group.role or None,
            "xml_detail": d.xmlDetail,
        })
    except Exception as exc:  # report, keep the raw XML
        out["takproto_error"] = f"{type(exc).__name__}: {exc}"
    try:
        root = ET.fromstring(body)
        out["time"], out["start"], out["stale"] = (root.get(k) for k in ("time", "start", "stale"))
        for k in ("uid", "type", "how"):
            out.setdefault(k, root.get(k))
        detail = root.find("detail")
        remarks = None
        links = []
        if detail is not None:
            r = detail.find("remarks")
            if r is not None:
                remarks = r.text or ""
            elif detail.get("remarks") is not None:
                remarks = detail.get("remarks")
            for ln in detail.findall("link"):
                links.append({k: ln.get(k) for k in ("uid", "type", "relation", "point") if ln.get(k) is not None})
            if out.get("callsign") is None and detail.find("contact") is not None:
                out["callsign"] = detail.find("contact").get("callsign")
        out["remarks"] = remarks
        out["links"] = links
    except ET.ParseError as exc:
        out["xml_error"] = str(exc)
    return out


class Collector(pytak.RXWorker):
    """pytak's RXWorker (reads up to each </event>) that prints JSON and notices end of stream."""

    def __init__(self, queue, config, reader):
        super().__init__(queue, config, reader)
        self.count = 0
        self.closed = False

    async def handle_data(self, data):
        self.count += 1
        print(json.dumps(to_json(data)), flush=True)

    async def run(self, _=-1):
        while True:
            data = await self.readcot()
            if data:
                await self.handle_data(data)
            if self.reader.at_eof():
                self.closed = True
                return


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True, help="the server's TLS CoT port")
    ap.add_argument("--certs", help="directory with ca.pem and NAME.pem/NAME.key (DIR/certs of scripts/tak-peer)")
    ap.add_argument("--name", default="client", help="client certificate name in --certs (default: client)")
    ap.add_argument("--cert"), ap.add_argument("--key"), ap.add_argument("--ca")
    ap.add_argument("--send-pli", metavar="UID,CALLSIGN,LAT,LON,HAE")
    ap.add_argument("--send", metavar="FILE", action="append", default=[], help="CoT XML events to send after the PLI")
    ap.add_argument("--gap", type=float, default=0.5, help="seconds between sent events (default 0.5)")
    ap.add_argument("--wait", type=float, default=1.0, help="seconds to wait after the first PLI before --send (default 1)")
    ap.add_argument("--listen", type=float, default=0.0, metavar="SECONDS")
    a = ap.parse_args()

    cert = a.cert or (a.certs and os.path.join(a.certs, f"{a.name}.pem"))
    key = a.key or (a.certs and os.path.join(a.certs, f"{a.name}.key"))
    ca = a.ca or (a.certs and os.path.join(a.certs, "ca.pem"))
    for label, path in (("client certificate", cert), ("client key", key), ("CA certificate", ca)):
        if not path or not os.path.exists(path):
            print(f"client.py: {label} not found: {path} (give --certs DIR --name NAME, or --cert/--key/--ca)", file=sys.stderr)
            return 2

    url = f"tls://{a.host}:{a.port}"
    cp = configparser.ConfigParser()
    cp["client"] = {
        "COT_URL": url,
        "PYTAK_TLS_CLIENT_CERT": cert,
        "PYTAK_TLS_CLIENT_KEY": key,
        "PYTAK_TLS_CLIENT_CAFILE": ca,
        # the server certificate has SAN IP:127.0.0.1 and DNS:localhost; pytak checks it against this name
        "PYTAK_TLS_SERVER_EXPECTED_HOSTNAME": a.host,
        "PYTAK_NO_HELLO": "1",  # pytak's hello is a t-x-d-d "takPing"; FreeTAKServer wants a PLI first
        "TAK_PROTO": "0",  # XML CoT on the stream; FreeTAKServer 2.2.1 speaks no TAK protocol v1
    }
    config = cp["client"]
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(pytak.protocol_factory(config), timeout=10)
    except Exception as exc:
        cause = exc.__cause__ or exc
        print(f"client.py: cannot connect to {url} as '{os.path.basename(cert)}': {type(cause).__name__}: {cause}", file=sys.stderr)
        return 2
    print(f"client.py: connected to {url} as {os.path.basename(cert)}", file=sys.stderr)

    tx = pytak.TXWorker(asyncio.Queue(), config, writer)
    rx = Collector(asyncio.Queue(), config, reader)
    rx_task = asyncio.ensure_future(rx.run())

    if a.send_pli:
        try:
            uid, cs, lat, lon, hae = a.send_pli.split(",")
            first = pli_event(uid, cs, float(lat), float(lon), float(hae))
        except ValueError:
            print("client.py: --send-pli wants UID,CALLSIGN,LAT,LON,HAE", file=sys.stderr)
            return 2
    else:
        first = pli_event(f"deconflict-{a.name}", a.name, 0.0, 0.0, 0.0)
    try:
        await tx.send_data(first)
        events = []
        for f in a.send:
            with open(f, encoding="utf-8") as fh:
                events += split_events(fh.read())
        if events:
            await asyncio.sleep(a.wait)
        for ev in events:
            await tx.send_data(fill_times(ev).encode())
            print(f"client.py: sent {ev[:90]}...", file=sys.stderr)
            await asyncio.sleep(a.gap)
    except (ConnectionError, ssl.SSLError) as exc:
        # TLS 1.3: a rejected client certificate shows up as an alert on the next read or write
        await asyncio.sleep(0.2)
        if rx_task.done() and not rx_task.cancelled() and rx_task.exception() is not None:
            exc = rx_task.exception()
        print(f"client.py: {url} dropped the connection: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if rx.count == 0 else 3

    remaining = start + a.listen - time.monotonic()
    try:
        await asyncio.wait_for(asyncio.shield(rx_task), timeout=max(remaining, 0.05))
    except asyncio.TimeoutError:
        pass
    except (ConnectionError, ssl.SSLError) as exc:
        # TLS 1.3: a server that rejects the client certificate says so only after the handshake
        print(f"client.py: {url} dropped the connection: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if rx.count == 0 else 3
    rx_task.cancel()
    print(f"client.py: received {rx.count} events", file=sys.stderr)
    if rx.closed:
        print(f"client.py: the server closed the connection after {time.monotonic() - start:.1f}s", file=sys.stderr)
        return 3
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), timeout=2)
    except Exception:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
