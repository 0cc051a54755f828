// The map's toolbar, built here rather than in the page: the grids and names turned on and off, the measure
// tool (click two points: geodesic distance in km and NM, true bearing; Esc clears), the export of the
// situation picture to PNG or PDF, and the cursor's position in decimal degrees, DMS and MGRS.

import type { LngLat, MapMouseEvent } from 'maplibre-gl';
import { h } from '../dom';
import type { PictureMap } from '../map';
import type { Shown } from '../overlay';
import { define, fixed } from '../i18n';
import { formatDecimal, formatDMS, geodesicPath, type Measure, measure, mgrsOf, spaceMgrs } from './geo';
import type { LonLat } from './grid';

const t = define('tools', {
  en: {
    mapTools: 'map tools',
    names: 'Names',
    namesTitle: 'Place, declaration and track names',
    latLon: 'Lat/lon',
    latLonTitle: 'Latitude/longitude grid',
    mgrsTitle: 'MGRS grid: 100 km squares, 10 km lines closer in',
    measure: 'Measure',
    measureTitle: 'Measure: click two points (Esc clears)',
    exportTitle: 'Export the situation picture as {kind}',
    cursor: 'cursor: —',
    first: 'Measure: click the first point',
    second: 'Measure: click the second point',
    measured: '{km} km · {nm} NM · {brg}° T',
    back: '{text} (back {brg}° T)',
  },
  ru: {
    mapTools: 'инструменты карты',
    names: 'Названия',
    namesTitle: 'Названия мест, заявок и треков',
    latLon: 'Шир./долг.',
    latLonTitle: 'Сетка широт и долгот',
    mgrsTitle: 'Сетка MGRS: квадраты 100 км, ближе — линии через 10 км',
    measure: 'Измерить',
    measureTitle: 'Измерение: щёлкните две точки (Esc — сброс)',
    exportTitle: 'Экспортировать обстановку в {kind}',
    cursor: 'курсор: —',
    first: 'Измерение: щёлкните первую точку',
    second: 'Измерение: щёлкните вторую точку',
    measured: '{km} км · {nm} NM · {brg}° T',
    back: '{text} (обратный {brg}° T)',
  },
  ar: {
    mapTools: 'أدوات الخريطة',
    names: 'الأسماء',
    namesTitle: 'أسماء الأماكن والإعلانات والمسارات',
    latLon: 'عرض/طول',
    latLonTitle: 'شبكة خطوط العرض والطول',
    mgrsTitle: 'شبكة MGRS: مربعات 100 كم، وخطوط كل 10 كم عند التقريب',
    measure: 'قياس',
    measureTitle: 'القياس: انقر نقطتين (Esc للمسح)',
    exportTitle: 'تصدير صورة الموقف بصيغة {kind}',
    cursor: 'المؤشر: —',
    first: 'القياس: انقر النقطة الأولى',
    second: 'القياس: انقر النقطة الثانية',
    measured: '{km} كم · {nm} NM · {brg}° T',
    back: '{text} (العكسي {brg}° T)',
  },
  tr: {
    mapTools: 'harita araçları',
    names: 'Adlar',
    namesTitle: 'Yer, beyan ve iz adları',
    latLon: 'Enl./boyl.',
    latLonTitle: 'Enlem/boylam ızgarası',
    mgrsTitle: 'MGRS ızgarası: 100 km kareler, yakında 10 km çizgiler',
    measure: 'Ölç',
    measureTitle: 'Ölçüm: iki noktaya tıklayın (Esc temizler)',
    exportTitle: 'Durum resmini {kind} olarak dışa aktar',
    cursor: 'imleç: —',
    first: 'Ölçüm: ilk noktaya tıklayın',
    second: 'Ölçüm: ikinci noktaya tıklayın',
    measured: '{km} km · {nm} NM · {brg}° T',
    back: '{text} (ters {brg}° T)',
  },
});

/// A measurement in words: `12.34 km · 6.66 NM · 045.0° T` (kilometres in the page's language).
function measureText(m: Measure): string {
  const km = fixed(m.km, m.km < 10 ? 2 : 1);
  const nm = fixed(m.nm, m.nm < 10 ? 2 : 1);
  return t('measured', { km, nm, brg: m.bearing.toFixed(1).padStart(5, '0') });
}

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
    this.measureButton = h('button', { type: 'button', 'aria-pressed': 'false', title: t('measureTitle'), dataset: { tool: 'measure' } }, t('measure'));
    this.measureButton.addEventListener('click', () => (this.measuring ? this.clear() : this.start()));
    const exporter = (kind: ExportKind) => {
      const b = h('button', { type: 'button', title: t('exportTitle', { kind: kind.toUpperCase() }), dataset: { export: kind } }, kind.toUpperCase());
      b.addEventListener('click', () => {
        b.disabled = true;
        onExport(kind).finally(() => (b.disabled = false));
      });
      return b;
    };
    // Positions read left to right in every language.
    this.readout = h('div', { class: 'readout', id: 'cursor-readout', 'aria-live': 'off', dir: 'ltr' }, t('cursor'));
    this.result = h('div', { class: 'measure-out', id: 'measure-out', 'aria-live': 'polite' });
    this.element = h(
      'div',
      { class: 'maptools', role: 'toolbar', 'aria-label': t('mapTools') },
      h(
        'div',
        { class: 'row' },
        toggle('labels', t('names'), t('namesTitle')),
        toggle('graticule', t('latLon'), t('latLonTitle')),
        toggle('mgrs', 'MGRS', t('mgrsTitle')),
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
    this.result.textContent = t('first');
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
      this.result.textContent = t('second');
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
    const text = measureText(m);
    if (this.points.length === 2) {
      this.last = { from: pts[0], to: pts[1], km: m.km, nm: m.nm, bearing: m.bearing, text };
      this.result.textContent = t('back', { text, brg: m.back.toFixed(1).padStart(5, '0') });
    } else {
      this.result.textContent = text;
    }
    this.pm.overlay.setMeasure(geodesicPath(pts[0], pts[1]), text);
  }
}
