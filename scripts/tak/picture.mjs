// Draws what a TAK client received, as a TAK client's map would show it: each CoT event (one JSON line of
// scripts/tak/client.py, its `xml` as received) read by @tak-ps/node-cot, an independent CoT parser, into
// GeoJSON; the latest event of each uid kept, withdrawn ones (t-x-d-d) and stale ones dropped; shapes with
// their stroke and fill, markers with their callsigns, and the chat messages beside the map, over the web
// picture's offline basemap. Writes one self-contained HTML page (SVG).
//
//   node scripts/tak/picture.mjs RECEIVED.jsonl BASEMAP_DIR OUT.html [TITLE]
import fs from 'node:fs';
import { CoTParser } from '@tak-ps/node-cot';

const [input, basemapDir, out, title = 'TAK client'] = process.argv.slice(2);
if (!input || !basemapDir || !out) {
  console.error('usage: picture.mjs RECEIVED.jsonl BASEMAP_DIR OUT.html [TITLE]');
  process.exit(2);
}
const features = new Map();
const chats = [];
let unreadable = 0;
for (const line of fs.readFileSync(input, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  // FreeTAKServer adds empty elements without attributes to what it relays (<marti><dest></dest></marti>,
  // <usericon></usericon>, <contact></contact>), which node-cot's schema refuses; they carry nothing.
  const xml = JSON.parse(line).xml
    .replace(/<marti>\s*(<dest\s*\/>|<dest\s*><\/dest>)?\s*<\/marti>/g, '')
    .replace(/<(usericon|contact)\s*(\/>|><\/\1>)/g, '');
  let f;
  try {
    f = await CoTParser.to_geojson(CoTParser.from_xml(xml));
  } catch (e) {
    // Only the bridge's events must read; the server's own (its welcome chat lacks a sender) are skipped.
    if (/uid="(GeoChat\.)?deconflict\./.test(xml)) {
      unreadable += 1;
      console.error(`picture: the bridge's event not read by node-cot: ${e.message.slice(0, 160)}`);
    }
    continue;
  }
  const type = f.properties.type;
  if (type === 't-x-d-d') {
    for (const l of f.properties.links ?? []) features.delete(l.uid);
    // node-cot keeps the forced delete's target in the event's link.
    const m = xml.match(/<link[^>]*uid="([^"]+)"/);
    if (m) features.delete(m[1]);
  } else if (type === 'b-t-f') {
    chats.push({ time: f.properties.time, text: f.properties.remarks ?? '' });
  } else if (!f.id.startsWith('SERVER-UID')) {
    features.set(f.id, f);
  }
}
// What the bridge sent (other clients' units and markers are not part of the line's picture).
const shown = [...features.values()].filter((f) => f.id.startsWith('deconflict.') && (f.geometry.type !== 'Point' || f.properties.type.startsWith('b-m-p')));
// The frame: every shape's vertices (points may be anywhere, such as a unit at 0,0 with no position).
let [w, s, e, n] = [180, 90, -180, -90];
for (const f of shown) {
  const rings = f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.type === 'LineString' ? [f.geometry.coordinates] : [];
  for (const r of rings) for (const [x, y] of r) { w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y); }
}
const pad = 0.15 * Math.max(e - w, n - s);
[w, s, e, n] = [w - pad, s - pad, e + pad, n + pad];
const W = 1100, k = Math.cos(((s + n) / 2) * Math.PI / 180);
const H = Math.round(W * (n - s) / ((e - w) * k));
const px = ([x, y]) => [((x - w) / (e - w)) * W, ((n - y) / (n - s)) * H];
const path = (rings) => rings.map((r) => 'M' + r.map((p) => px(p).map((v) => v.toFixed(1)).join(',')).join('L')).join(' ');
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const layer = (name, style) => {
  // Without the web picture's build (scripts/web-build), the events are drawn without a basemap.
  const file = `${basemapDir}/basemap-${name}.json`;
  if (!fs.existsSync(file)) return '';
  const g = JSON.parse(fs.readFileSync(file, 'utf8')).geometry;
  const lines = g.type === 'MultiLineString' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : g.coordinates;
  const inside = lines.filter((l) => l.some(([x, y]) => x > w - 5 && x < e + 5 && y > s - 5 && y < n + 5));
  return `<path d="${path(inside)}" ${style}/>`;
};
let svg = `<rect width="${W}" height="${H}" fill="#eef1e6"/>`;
svg += layer('rivers', 'fill="none" stroke="#7fa7d6" stroke-width="1.2"');
svg += layer('borders', 'fill="none" stroke="#8a8a8a" stroke-width="1" stroke-dasharray="5,3"');
// Lines and zones first, conflicts and sites above them, markers on top.
const order = (f) => (f.properties.type.startsWith('b-m') ? 3 : f.id.includes('.conflict.') ? 2 : f.id.includes('.decl.') && f.properties.stroke === '#00FF00' ? 2 : 1);
for (const f of shown.sort((a, b) => order(a) - order(b))) {
  const p = f.properties;
  if (f.geometry.type === 'Polygon') {
    // A shape smaller than a few pixels (a hospital's 500 m circle) is drawn as a ring of at least 5 pixels.
    const xs = f.geometry.coordinates[0].map(px);
    const span = Math.max(...xs.map((q) => q[0])) - Math.min(...xs.map((q) => q[0]));
    if (span < 10) {
      const [cx, cy] = px(p.center ?? f.geometry.coordinates[0][0]);
      svg += `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5" fill="${p.stroke ?? '#000'}" fill-opacity="0.35" stroke="${p.stroke ?? '#000'}" stroke-width="2"/>`;
    }
    svg += `<path d="${path(f.geometry.coordinates)}Z" fill="${p.fill ?? p.stroke ?? '#000'}" fill-opacity="${p['fill-opacity'] ?? 0.12}" stroke="${p.stroke ?? '#000'}" stroke-width="2"><title>${esc(p.remarks ?? '')}</title></path>`;
    const [cx, cy] = px(p.center ?? f.geometry.coordinates[0][0]);
    svg += `<text x="${cx.toFixed(1)}" y="${cy.toFixed(1)}" font-size="12" text-anchor="middle" fill="#222" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(p.callsign ?? '')}</text>`;
  } else if (f.geometry.type === 'Point') {
    const [cx, cy] = px(f.geometry.coordinates);
    svg += `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="7" fill="${p['marker-color'] ?? '#f00'}" stroke="#000" stroke-width="1.5"/>`;
    svg += `<text x="${(cx + 10).toFixed(1)}" y="${(cy + 4).toFixed(1)}" font-size="13" font-weight="bold" fill="#a00" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(p.callsign ?? '')}</text>`;
  }
}
const chatHtml = chats.map((c) => `<li><time>${esc(c.time.slice(11, 19))}Z</time> ${esc(c.text)}</li>`).join('');
fs.writeFileSync(out, `<!doctype html><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{margin:0;font:13px sans-serif;display:flex;background:#222;color:#eee}#map{flex:none}aside{width:380px;padding:10px}
h1{font-size:15px;margin:4px 0 8px}ul{list-style:none;padding:0;margin:0}li{background:#333;margin:0 0 8px;padding:8px;border-left:4px solid #e33}
time{color:#aaa;display:block}.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 10px;vertical-align:middle}</style>
<svg id="map" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${svg}</svg>
<aside><h1>${esc(title)}</h1><p>${shown.length} shapes and markers received, read by @tak-ps/node-cot${unreadable ? `, ${unreadable} unreadable` : ''}</p>
<p class="legend"><span style="background:#00f"></span>own operation or side of a line <span style="background:#808080"></span>the other side of a line <span style="background:#0f0"></span>protected site <span style="background:#ffa500"></span>zone, incursion alert <span style="background:#f00"></span>conflicting volume, separation alert</p>
<h1>Chat (All Chat Rooms)</h1><ul>${chatHtml}</ul></aside>`);
console.error(`picture: ${shown.length} shapes and markers, ${chats.length} chat messages, ${unreadable} unreadable → ${out}`);
if (unreadable) process.exit(1);
