// What is drawn over the map's WebGL layers. Live tracks go to a WebGL custom layer inside the map's frame
// (map/tracks.ts: two draw calls a frame, however many tracks). The rest is few and changes with the view,
// so it is drawn on a 2D canvas over the map: flashing alerts and alerted sites, the grids (map/grid.ts), the
// measure tool's line, and the labels — place names (map/places.ts), declarations' names and, where the zoom
// allows, tracks' callsigns — placed without overlapping (map/labels.ts). While the map moves, the canvas's
// last drawing is moved and scaled with it by the compositor (a CSS transform) and drawn anew a few times a
// second. The map is kept north-up and flat, so a Web Mercator point is placed with a scale and an offset.

import type { Map as MapLibre } from 'maplibre-gl';
import { gridStep } from './map/geo';
import { type Bounds, type Grid, graticule, type LonLat, mgrsGrid } from './map/grid';
import { type Candidate, placeLabels } from './map/labels';
import { PLACES, type Place, placeName } from './map/places';
import { TrackLayer } from './map/tracks';

/// What a dot is, for the details shown when it is clicked.
export type Props = Record<string, unknown>;

export interface Dot {
  lon: number;
  lat: number;
  colour: string;
  /// Earlier positions, oldest first, as [lon, lat].
  trail?: number[][];
  props: Props;
}

/// A declaration's name, placed at the middle of its volume, shown while the volume is in force.
export interface DeclLabel {
  id: string;
  name: string;
  lon: number;
  lat: number;
  start: number;
  end: number;
  colour: string;
  /// A protected site's name: written beside its marker, not over it.
  site?: boolean;
}

interface Placed {
  x: number;
  y: number;
  trail: Float64Array;
  colour: string;
  props: Props;
}

/// The overlay's layers that can be turned on and off.
export interface Shown {
  graticule: boolean;
  mgrs: boolean;
  labels: boolean;
}

/// What the overlay last drew, for the browser tests and the export's legend.
export interface Drawn {
  labels: { text: string; kind: string; x: number; y: number }[];
  graticuleLines: number;
  graticuleStep: number;
  mgrsSquares: string[];
  mgrsLines: number;
  alertSites: number;
  measure: string;
}

export const mercX = (lon: number) => (lon + 180) / 360;
export const mercY = (lat: number) => {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
};
const lonOf = (x: number) => x * 360 - 180;
const latOf = (y: number) => (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;

function place(d: Dot): Placed {
  const trail = new Float64Array((d.trail?.length ?? 0) * 2);
  (d.trail ?? []).forEach(([lon, lat], i) => {
    trail[2 * i] = mercX(lon);
    trail[2 * i + 1] = mercY(lat);
  });
  return { x: mercX(d.lon), y: mercY(d.lat), trail, colour: d.colour, props: d.props };
}

/// Zoom from which a place of each rank is named.
const RANK_ZOOM = { 1: 0, 2: 5.5, 3: 7 };
/// Callsigns are written when the view holds at most this many tracks, or from CALLSIGN_ZOOM in.
const CALLSIGNS_AT_MOST = 250;
const CALLSIGN_ZOOM = 9;
const FONT = 'system-ui, "DejaVu Sans", sans-serif';

interface Label extends Candidate {
  text: string;
  kind: 'place' | 'declaration' | 'callsign' | 'mgrs' | 'marker';
  font: string;
  colour: string;
  place?: Place;
}

export class Overlay {
  readonly canvas: HTMLCanvasElement;
  readonly layer = new TrackLayer();
  private ctx: CanvasRenderingContext2D;
  private tracks: Placed[] = [];
  private alerts: Placed[] = [];
  private alertSites: Placed[] = [];
  private siteMarks: Placed[] = [];
  private decls: DeclLabel[] = [];
  private time = Date.now();
  private measurePts: LonLat[] = [];
  private measureText = '';
  private flashOn = true;
  private queued = false;
  readonly shown: Shown = { graticule: true, mgrs: false, labels: true };
  drawn: Drawn = { labels: [], graticuleLines: 0, graticuleStep: 0, mgrsSquares: [], mgrsLines: 0, alertSites: 0, measure: '' };

  constructor(private map: MapLibre) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'overlay';
    this.canvas.setAttribute('aria-hidden', 'true');
    // Over the map's canvas, under its controls.
    map.getCanvasContainer().after(this.canvas);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('this browser cannot draw on a 2D canvas');
    this.ctx = ctx;
    map.on('move', () => this.follow());
    map.on('moveend', () => this.draw());
    map.on('resize', () => this.draw());
    setInterval(() => {
      this.flashOn = !this.flashOn;
      if (this.alerts.length || this.alertSites.length) this.draw();
    }, 500);
  }

  setTracks(dots: Dot[]) {
    this.tracks = dots.map(place);
    this.layer.set(this.tracks);
    this.draw();
  }

  setAlerts(dots: Dot[]) {
    this.alerts = dots.map(place);
    this.draw();
  }

  /// Protected sites that an open alert concerns: a flashing ring around each.
  setAlertSites(dots: Dot[]) {
    this.alertSites = dots.map(place);
    this.draw();
  }

  /// Where the map draws protected sites' markers: labels keep clear of them.
  setSiteMarks(dots: Dot[]) {
    this.siteMarks = dots.map(place);
    this.draw();
  }

  setDeclarations(labels: DeclLabel[]) {
    this.decls = labels;
    this.draw();
  }

  /// The time the declarations' names are shown at (ms).
  setTime(t: number) {
    this.time = t;
    this.draw();
  }

  /// The measure tool's points ([lon, lat]) and what it says.
  setMeasure(points: LonLat[], text: string) {
    this.measurePts = points;
    this.measureText = text;
    this.draw();
  }

  show(what: Partial<Shown>) {
    Object.assign(this.shown, what);
    this.draw();
  }

  /// The track or alert drawn nearest to a point of the map (pixels), within 8 px.
  hit(px: number, py: number): Props | undefined {
    const t = this.transform();
    let best: Placed | undefined;
    let bestD = 64;
    for (const list of [this.alerts, this.tracks]) {
      for (const p of list) {
        const dx = (p.x - t.cx) * t.world + t.w / 2 - px;
        const dy = (p.y - t.cy) * t.world + t.h / 2 - py;
        const d = dx * dx + dy * dy;
        if (d < bestD) {
          bestD = d;
          best = p;
        }
      }
    }
    return best?.props;
  }

  private transform() {
    const c = this.map.getCenter();
    const box = this.map.getContainer();
    return {
      cx: mercX(c.lng),
      cy: mercY(c.lat),
      world: 512 * 2 ** this.map.getZoom(),
      w: box.clientWidth,
      h: box.clientHeight,
    };
  }

  draw() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.paint();
    });
  }

  /// Draws now (for an export, which needs what is shown this instant).
  paintNow() {
    this.paint();
  }

  /// The transform the canvas was last drawn at.
  private drawnAt?: { cx: number; cy: number; world: number };
  private drawnTime = 0;

  private follow() {
    const at = this.drawnAt;
    if (!at || performance.now() - this.drawnTime > 250) {
      this.draw();
      return;
    }
    const t = this.transform();
    const k = t.world / at.world;
    const tx = (at.cx - t.cx) * t.world;
    const ty = (at.cy - t.cy) * t.world;
    this.canvas.style.transform = `translate(${tx}px, ${ty}px) scale(${k})`;
  }

  private mgrsCache?: { around: Bounds; span: number; tens: boolean; grid: ReturnType<typeof mgrsGrid> };

  /// The MGRS grid over a view, worked out for a larger area around it and kept while the view stays inside
  /// that area at about the same scale (a pan redraws it without sampling the squares again).
  private mgrs(b: Bounds, tens: boolean): ReturnType<typeof mgrsGrid> {
    const span = b.east - b.west;
    const c = this.mgrsCache;
    if (c && c.tens === tens && span <= c.span && span > c.span / 2 && b.west >= c.around.west && b.east <= c.around.east && b.south >= c.around.south && b.north <= c.around.north) {
      return c.grid;
    }
    const dx = span / 2;
    const dy = (b.north - b.south) / 2;
    const around = { west: b.west - dx, east: b.east + dx, south: b.south - dy, north: b.north + dy };
    const grid = mgrsGrid(around, tens);
    this.mgrsCache = { around, span, tens, grid };
    return grid;
  }

  private widths = new Map<string, number>();

  private width(font: string, text: string): number {
    const key = `${font}|${text}`;
    let w = this.widths.get(key);
    if (w === undefined) {
      this.ctx.font = font;
      w = this.ctx.measureText(text).width;
      if (this.widths.size > 5000) this.widths.clear();
      this.widths.set(key, w);
    }
    return w;
  }

  private paint() {
    const t = this.transform();
    this.drawnAt = { cx: t.cx, cy: t.cy, world: t.world };
    this.drawnTime = performance.now();
    this.canvas.style.transform = '';
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(t.w * ratio) || this.canvas.height !== Math.round(t.h * ratio)) {
      this.canvas.width = Math.round(t.w * ratio);
      this.canvas.height = Math.round(t.h * ratio);
      this.canvas.style.width = `${t.w}px`;
      this.canvas.style.height = `${t.h}px`;
    }
    const g = this.ctx;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, t.w, t.h);
    const sx = (x: number) => (x - t.cx) * t.world + t.w / 2;
    const sy = (y: number) => (y - t.cy) * t.world + t.h / 2;
    const px = (p: LonLat): [number, number] => [sx(mercX(p[0])), sy(mercY(p[1]))];
    const inside = (x: number, y: number) => x > -20 && y > -20 && x < t.w + 20 && y < t.h + 20;
    const zoom = this.map.getZoom();
    const bounds: Bounds = {
      west: lonOf(t.cx - t.w / 2 / t.world),
      east: lonOf(t.cx + t.w / 2 / t.world),
      north: latOf(t.cy - t.h / 2 / t.world),
      south: latOf(t.cy + t.h / 2 / t.world),
    };
    const labels: Label[] = [];
    const drawn: Drawn = { labels: [], graticuleLines: 0, graticuleStep: 0, mgrsSquares: [], mgrsLines: 0, alertSites: 0, measure: this.measureText };

    // The grids, under everything else.
    const strokeGrid = (grid: Grid, colour: string, major: string) => {
      for (const strong of [false, true]) {
        g.strokeStyle = strong ? major : colour;
        g.lineWidth = strong ? 1.1 : 0.7;
        g.beginPath();
        for (const l of grid.lines) {
          if (l.major !== strong) continue;
          l.points.forEach((p, i) => {
            const [x, y] = px(p);
            if (i) g.lineTo(x, y);
            else g.moveTo(x, y);
          });
        }
        g.stroke();
      }
    };
    if (this.shown.mgrs && zoom >= 5) {
      const grid = this.mgrs(bounds, zoom >= 8);
      strokeGrid(grid, 'rgba(255, 200, 87, 0.35)', 'rgba(255, 200, 87, 0.7)');
      drawn.mgrsSquares = grid.squares;
      drawn.mgrsLines = grid.lines.length;
      const font = `bold 11px ${FONT}`;
      for (const l of grid.labels) {
        const [x, y] = px(l.at);
        labels.push({ x, y, w: this.width(font, l.text), h: 12, priority: 90, centred: true, text: l.text, kind: 'mgrs', font, colour: '#ffc857' });
      }
    }
    if (this.shown.graticule) {
      const step = gridStep(bounds.east - bounds.west, Math.max(4, Math.round(t.w / 110)));
      const grid = graticule(bounds, step);
      strokeGrid(grid, 'rgba(200, 220, 240, 0.22)', 'rgba(200, 220, 240, 0.4)');
      drawn.graticuleLines = grid.lines.length;
      drawn.graticuleStep = step;
      g.font = `10px ${FONT}`;
      g.fillStyle = 'rgba(220, 232, 245, 0.85)';
      for (const l of grid.labels) {
        const [x, y] = px(l.at);
        if (l.edge === 'top') {
          g.textAlign = 'left';
          g.textBaseline = 'top';
          if (x > 60 && x < t.w - 40) g.fillText(l.text, x + 3, 3);
        } else {
          g.textAlign = 'left';
          g.textBaseline = 'bottom';
          if (y > 50 && y < t.h - 70) g.fillText(l.text, 3, y - 2);
        }
      }
    }

    // The measure tool's line and its end points.
    if (this.measurePts.length) {
      g.strokeStyle = '#ffffff';
      g.lineWidth = 2;
      g.setLineDash([6, 4]);
      g.beginPath();
      this.measurePts.forEach((p, i) => {
        const [x, y] = px(p);
        if (i) g.lineTo(x, y);
        else g.moveTo(x, y);
      });
      g.stroke();
      g.setLineDash([]);
      for (const p of [this.measurePts[0], this.measurePts[this.measurePts.length - 1]]) {
        const [x, y] = px(p);
        g.fillStyle = '#ffffff';
        g.beginPath();
        g.arc(x, y, 4, 0, 2 * Math.PI);
        g.fill();
      }
    }

    // Alerted sites: a ring that pulses with the alerts.
    for (const p of this.alertSites) {
      const x = sx(p.x);
      const y = sy(p.y);
      if (!inside(x, y)) continue;
      drawn.alertSites++;
      g.strokeStyle = '#ff3b30';
      g.globalAlpha = this.flashOn ? 1 : 0.45;
      g.lineWidth = 3;
      g.beginPath();
      g.arc(x, y, this.flashOn ? 20 : 15, 0, 2 * Math.PI);
      g.stroke();
      g.globalAlpha = 1;
    }

    // Alerts flash: a red ring that grows and fades twice a second.
    const r = this.flashOn ? 10 : 6;
    g.lineWidth = 2.5;
    for (const p of this.alerts) {
      const x = sx(p.x);
      const y = sy(p.y);
      if (!inside(x, y)) continue;
      g.globalAlpha = this.flashOn ? 0.95 : 0.35;
      g.fillStyle = '#ff3b30';
      g.strokeStyle = '#ffffff';
      g.beginPath();
      g.arc(x, y, r, 0, 2 * Math.PI);
      g.fill();
      g.stroke();
    }
    g.globalAlpha = 1;

    // The labels: places by rank, declarations in force, then callsigns where there is room.
    if (this.shown.labels) {
      for (const p of this.siteMarks) {
        const x = sx(p.x);
        const y = sy(p.y);
        if (inside(x, y)) labels.push({ x, y, w: 22, h: 22, priority: -1, centred: true, text: '', kind: 'marker', font: '', colour: '' });
      }
      for (const p of PLACES) {
        if (zoom < RANK_ZOOM[p.rank]) continue;
        const x = sx(mercX(p.lon));
        const y = sy(mercY(p.lat));
        if (!inside(x, y)) continue;
        const big = p.rank === 1 && p.kind !== 'airbase';
        const font = `${big ? 'bold 13px' : p.rank === 3 ? '11px' : '12px'} ${FONT}`;
        const text = placeName(p);
        labels.push({ x, y, w: this.width(font, text), h: big ? 15 : 13, priority: p.rank * 20, gap: 6, text, kind: 'place', font, colour: p.kind === 'airbase' ? '#cfe3ff' : '#f3f0e6', place: p });
      }
      const seen = new Set<string>();
      for (const d of this.decls) {
        if (seen.has(d.id) || d.start > this.time || d.end <= this.time) continue;
        const x = sx(mercX(d.lon));
        const y = sy(mercY(d.lat));
        if (!inside(x, y)) continue;
        seen.add(d.id);
        const font = `italic 12px ${FONT}`;
        labels.push({ x, y, w: this.width(font, d.name), h: 13, priority: 30, centred: !d.site, gap: 16, text: d.name, kind: 'declaration', font, colour: d.colour });
      }
      const inView: Placed[] = [];
      for (const p of this.tracks) {
        const x = sx(p.x);
        const y = sy(p.y);
        if (x >= 0 && y >= 0 && x <= t.w && y <= t.h) inView.push(p);
      }
      if (inView.length <= CALLSIGNS_AT_MOST || zoom >= CALLSIGN_ZOOM) {
        const font = `10px ${FONT}`;
        for (const p of inView.slice(0, 2000)) {
          const text = String(p.props.callsign || p.props.id || '');
          if (!text) continue;
          labels.push({ x: sx(p.x), y: sy(p.y), w: this.width(font, text), h: 11, priority: 70, gap: 7, text, kind: 'callsign', font, colour: '#e8eef5' });
        }
      }
    }
    const spots = placeLabels(labels, t.w, t.h);
    g.textAlign = 'left';
    g.textBaseline = 'top';
    g.lineJoin = 'round';
    for (const { label: l, left, top } of spots) {
      if (l.kind === 'marker') continue;
      if (l.place) this.anchor(g, l.place, l.x, l.y);
      g.font = l.font;
      if (l.kind !== 'mgrs') {
        g.strokeStyle = 'rgba(8, 12, 18, 0.9)';
        g.lineWidth = 3;
        g.strokeText(l.text, left, top + 1);
      }
      g.fillStyle = l.colour;
      g.fillText(l.text, left, top + 1);
      drawn.labels.push({ text: l.text, kind: l.kind, x: Math.round(left), y: Math.round(top) });
    }
    drawn.alertSites = this.alertSites.length ? drawn.alertSites : 0;
    this.drawn = drawn;
  }

  /// A place's mark: a dot for a town, a larger ringed dot for a city, a diamond for an air base, a bar for a
  /// crossing, a square for a garrison.
  private anchor(g: CanvasRenderingContext2D, p: Place, x: number, y: number) {
    g.fillStyle = '#f3f0e6';
    g.strokeStyle = '#0b1a2b';
    g.lineWidth = 1.5;
    g.beginPath();
    switch (p.kind) {
      case 'airbase':
        g.moveTo(x, y - 5);
        g.lineTo(x + 5, y);
        g.lineTo(x, y + 5);
        g.lineTo(x - 5, y);
        g.closePath();
        g.fillStyle = '#cfe3ff';
        break;
      case 'crossing':
        g.rect(x - 5, y - 2, 10, 4);
        g.fillStyle = '#8ecae6';
        break;
      case 'garrison':
        g.rect(x - 4, y - 4, 8, 8);
        break;
      default:
        g.arc(x, y, p.kind === 'town' ? 2.5 : 4, 0, 2 * Math.PI);
    }
    g.stroke();
    g.fill();
  }
}
