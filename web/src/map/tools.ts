// The map's toolbar, built here rather than in the page: the grids and names turned on and off, the measure
// tool (click two points: geodesic distance in km and NM, true bearing; Esc clears), the export of the
// situation picture to PNG or PDF, and the cursor's position in decimal degrees, DMS and MGRS.

import type { LngLat, MapMouseEvent } from 'maplibre-gl';
import { h } from '../dom';
import type { PictureMap } from '../map';
import type { Shown } from '../overlay';
import { formatDecimal, formatDMS, formatMeasure, geodesicPath, measure, mgrsOf, spaceMgrs } from './geo';
import type { LonLat } from './grid';

export type ExportKind = 'png' | 'pdf';

export class MapTools {
  readonly element: HTMLElement;
  private readout: HTMLElement;
  private result: HTMLElement;
  private measuring = false;
  private points: LonLat[] = [];
  private measureButton: HTMLButtonElement;
  /// The last measurement, for the browser tests.
  last?: { from: LonLat; to: LonLat; km: number; nm: number; bearing: number; text: string };

  constructor(
    private pm: PictureMap,
    onExport: (kind: ExportKind) => Promise<void>,
  ) {
    const overlay = pm.overlay;
    const toggle = (what: keyof Shown, label: string, title: string) => {
      const b = h('button', { type: 'button', 'aria-pressed': String(overlay.shown[what]), title, dataset: { tool: what } }, label);
      b.addEventListener('click', () => {
        overlay.show({ [what]: !overlay.shown[what] });
        b.setAttribute('aria-pressed', String(overlay.shown[what]));
      });
      return b;
    };
    this.measureButton = h('button', { type: 'button', 'aria-pressed': 'false', title: 'Measure: click two points (Esc clears)', dataset: { tool: 'measure' } }, 'Measure');
    this.measureButton.addEventListener('click', () => (this.measuring ? this.clear() : this.start()));
    const exporter = (kind: ExportKind) => {
      const b = h('button', { type: 'button', title: `Export the situation picture as ${kind.toUpperCase()}`, dataset: { export: kind } }, kind.toUpperCase());
      b.addEventListener('click', () => {
        b.disabled = true;
        onExport(kind).finally(() => (b.disabled = false));
      });
      return b;
    };
    this.readout = h('div', { class: 'readout', id: 'cursor-readout', 'aria-live': 'off' }, 'cursor: —');
    this.result = h('div', { class: 'measure-out', id: 'measure-out', 'aria-live': 'polite' });
    this.element = h(
      'div',
      { class: 'maptools', role: 'toolbar', 'aria-label': 'map tools' },
      h(
        'div',
        { class: 'row' },
        toggle('labels', 'Names', 'Place, declaration and track names'),
        toggle('graticule', 'Lat/lon', 'Latitude/longitude grid'),
        toggle('mgrs', 'MGRS', 'MGRS grid: 100 km squares, 10 km lines closer in'),
        this.measureButton,
        exporter('png'),
        exporter('pdf'),
      ),
      this.readout,
      this.result,
    );
    pm.map.getContainer().parentElement?.append(this.element);

    let queued: LngLat | undefined;
    pm.map.on('mousemove', (e: MapMouseEvent) => {
      if (!queued) requestAnimationFrame(() => this.cursor());
      queued = e.lngLat;
    });
    this.cursor = () => {
      const at = queued;
      queued = undefined;
      if (!at) return;
      this.showCursor(at.lng, at.lat);
      if (this.measuring && this.points.length === 1) this.draw([this.points[0], [at.lng, at.lat]]);
    };
    pm.clickFirst = (at) => {
      if (!this.measuring) return false;
      this.click([at.lng, at.lat]);
      return true;
    };
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && (this.measuring || this.points.length)) this.clear();
    });
  }

  private cursor: () => void;

  /// Writes the position (lon, lat) in the readout.
  showCursor(lon: number, lat: number) {
    const ref = mgrsOf(lon, lat);
    this.readout.replaceChildren(
      h('span', { dataset: { format: 'decimal' } }, formatDecimal(lon, lat)),
      h('span', { dataset: { format: 'dms' } }, formatDMS(lon, lat)),
      h('span', { dataset: { format: 'mgrs' } }, ref ? `MGRS ${spaceMgrs(ref)}` : 'MGRS —'),
    );
  }

  start() {
    this.measuring = true;
    this.points = [];
    this.measureButton.setAttribute('aria-pressed', 'true');
    this.result.textContent = 'Measure: click the first point';
    this.pm.map.getCanvas().style.cursor = 'crosshair';
  }

  clear() {
    this.measuring = false;
    this.points = [];
    this.measureButton.setAttribute('aria-pressed', 'false');
    this.result.textContent = '';
    this.pm.map.getCanvas().style.cursor = '';
    this.pm.overlay.setMeasure([], '');
  }

  private click(p: LonLat) {
    if (this.points.length !== 1) {
      this.points = [p];
      this.result.textContent = 'Measure: click the second point';
      this.draw([p]);
      return;
    }
    const [a] = this.points;
    this.points = [a, p];
    this.draw([a, p]);
  }

  private draw(pts: LonLat[]) {
    if (pts.length < 2) {
      this.pm.overlay.setMeasure(pts, '');
      return;
    }
    const m = measure(pts[0], pts[1]);
    const text = formatMeasure(m);
    if (this.points.length === 2) {
      this.last = { from: pts[0], to: pts[1], km: m.km, nm: m.nm, bearing: m.bearing, text };
      this.result.textContent = `${text} (back ${m.back.toFixed(1).padStart(5, '0')}° T)`;
    } else {
      this.result.textContent = text;
    }
    this.pm.overlay.setMeasure(geodesicPath(pts[0], pts[1]), text);
  }
}
