// Live tracks, their trails and flashing alerts, drawn on a 2D canvas over the map. Tracks change every
// second and may be tens of thousands: drawing them here costs one projection and one small shape each per
// frame, and leaves the map's own (WebGL) layers untouched — no re-tiling, no repaint of the basemap when
// only tracks move. The map is kept north-up and flat, so a Web Mercator point is placed with a scale and an
// offset.

import type { Map as MapLibre } from 'maplibre-gl';

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

interface Placed {
  x: number;
  y: number;
  trail: Float64Array;
  colour: string;
  props: Props;
}

const mercX = (lon: number) => (lon + 180) / 360;
const mercY = (lat: number) => {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
};

function place(d: Dot): Placed {
  const trail = new Float64Array((d.trail?.length ?? 0) * 2);
  (d.trail ?? []).forEach(([lon, lat], i) => {
    trail[2 * i] = mercX(lon);
    trail[2 * i + 1] = mercY(lat);
  });
  return { x: mercX(d.lon), y: mercY(d.lat), trail, colour: d.colour, props: d.props };
}

export class Overlay {
  private canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private tracks: Placed[] = [];
  private alerts: Placed[] = [];
  private flashOn = true;
  private queued = false;

  constructor(private map: MapLibre) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'overlay';
    this.canvas.setAttribute('aria-hidden', 'true');
    // Over the map's canvas, under its controls.
    map.getCanvasContainer().after(this.canvas);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('this browser cannot draw on a 2D canvas');
    this.ctx = ctx;
    // While the map moves, the last drawing is moved and scaled with it by the compositor (a CSS
    // transform), and drawn anew only a few times a second, to fill in what comes into view.
    map.on('move', () => this.follow());
    map.on('moveend', () => this.draw());
    map.on('resize', () => this.draw());
    setInterval(() => {
      this.flashOn = !this.flashOn;
      if (this.alerts.length) this.draw();
    }, 500);
  }

  setTracks(dots: Dot[]) {
    this.tracks = dots.map(place);
    this.draw();
  }

  setAlerts(dots: Dot[]) {
    this.alerts = dots.map(place);
    this.draw();
  }

  /// The track or alert drawn nearest to a point of the map (pixels), within 8 px.
  hit(px: number, py: number): Props | undefined {
    const t = this.transform();
    let best: Placed | undefined;
    let bestD = 64;
    for (const p of [...this.alerts, ...this.tracks]) {
      const dx = (p.x - t.cx) * t.world + t.w / 2 - px;
      const dy = (p.y - t.cy) * t.world + t.h / 2 - py;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = p;
      }
    }
    return best?.props;
  }

  private sprites = new Map<string, HTMLCanvasElement>();

  /// A track's dot, drawn once per colour and then copied: far cheaper than a path per dot.
  private sprite(colour: string, ratio: number): HTMLCanvasElement {
    const key = `${colour}@${ratio}`;
    let s = this.sprites.get(key);
    if (!s) {
      s = document.createElement('canvas');
      s.width = s.height = Math.ceil(10 * ratio);
      const g = s.getContext('2d');
      if (g) {
        g.scale(ratio, ratio);
        g.fillStyle = colour;
        g.strokeStyle = '#000';
        g.beginPath();
        g.arc(5, 5, 3.8, 0, 2 * Math.PI);
        g.fill();
        g.stroke();
      }
      this.sprites.set(key, s);
    }
    return s;
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
    const inside = (x: number, y: number) => x > -20 && y > -20 && x < t.w + 20 && y < t.h + 20;
    // Trails, then dots, each in one path per colour.
    const byColour = new Map<string, Placed[]>();
    for (const p of this.tracks) {
      const x = sx(p.x);
      const y = sy(p.y);
      if (!inside(x, y)) continue;
      const list = byColour.get(p.colour);
      if (list) list.push(p);
      else byColour.set(p.colour, [p]);
    }
    g.lineWidth = 1.5;
    g.globalAlpha = 0.6;
    // While the map moves, only the dots: the trails come back when it stops.
    const moving = this.map.isMoving();
    for (const [colour, list] of moving ? [] : byColour) {
      g.strokeStyle = colour;
      g.beginPath();
      for (const p of list) {
        const n = p.trail.length / 2;
        if (n < 1) continue;
        g.moveTo(sx(p.trail[0]), sy(p.trail[1]));
        for (let i = 1; i < n; i++) g.lineTo(sx(p.trail[2 * i]), sy(p.trail[2 * i + 1]));
        g.lineTo(sx(p.x), sy(p.y));
      }
      g.stroke();
    }
    g.globalAlpha = 1;
    for (const [colour, list] of byColour) {
      const sprite = this.sprite(colour, ratio);
      for (const p of list) g.drawImage(sprite, sx(p.x) - 5, sy(p.y) - 5, 10, 10);
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
  }
}
