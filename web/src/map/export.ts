// The situation picture as a file: the map as shown (basemap, declarations, sites, tracks, labels, grids)
// framed by a classification banner above and below, a title line (party, time in UTC and as a date-time
// group) and a legend, in the page's language (the date-time group as it is in every language); saved as PNG, or as a one-page PDF (jsPDF, loaded only when asked for). The file's name
// carries the date-time group.

import type { PictureMap } from '../map';
import { define, langInfo } from '../i18n';
import { dtg, utcText } from './geo';

const t = define('export', {
  en: {
    title: 'Situation picture — {party} — {time} (DTG {dtg})',
    own: '{party} (own)',
    track: 'track',
    alert: 'alert',
    site: 'protected site',
    pdfTitle: 'Situation picture {party} {dtg}',
  },
  ru: {
    title: 'Обстановка — {party} — {time} (DTG {dtg})',
    own: '{party} (свои)',
    track: 'трек',
    alert: 'тревога',
    site: 'защищённый объект',
    pdfTitle: 'Обстановка {party} {dtg}',
  },
  ar: {
    title: 'صورة الموقف — {party} — {time} (DTG {dtg})',
    own: '{party} (خاص)',
    track: 'مسار',
    alert: 'إنذار',
    site: 'موقع محمي',
    pdfTitle: 'صورة الموقف {party} {dtg}',
  },
  tr: {
    title: 'Durum resmi — {party} — {time} (DTG {dtg})',
    own: '{party} (kendi)',
    track: 'iz',
    alert: 'alarm',
    site: 'korunan tesis',
    pdfTitle: 'Durum resmi {party} {dtg}',
  },
});

export interface Situation {
  party: string;
  /// Every party the picture shows, with its colour.
  parties: { name: string; colour: string }[];
  /// The line's time shown, ms.
  time: number;
  /// The banner: the line's classification, or "UNCLASSIFIED — EXERCISE" on an exercise, in the page's
  /// language.
  classification: string;
  /// A classified picture's banner is red; an unclassified one's green.
  classified: boolean;
  /// A line of counts ("12 declarations · 3 open alerts").
  counts: string;
}

const FONT = 'system-ui, "DejaVu Sans", sans-serif';
const BANNER = 26;
const TITLE = 28;
const LEGEND = 34;

/// The map's own drawing, taken within a frame (the WebGL buffer is only readable while it is drawn).
function mapImage(pm: PictureMap): Promise<HTMLCanvasElement> {
  return new Promise((resolve) => {
    pm.map.once('render', () => {
      const src = pm.map.getCanvas();
      const copy = document.createElement('canvas');
      copy.width = src.width;
      copy.height = src.height;
      copy.getContext('2d')?.drawImage(src, 0, 0);
      resolve(copy);
    });
    pm.map.triggerRepaint();
  });
}

/// The situation picture on one canvas.
export async function situationCanvas(pm: PictureMap, s: Situation): Promise<HTMLCanvasElement> {
  const box = pm.map.getContainer();
  const w = box.clientWidth;
  const mh = box.clientHeight;
  const ratio = window.devicePixelRatio || 1;
  const map = await mapImage(pm);
  pm.overlay.paintNow();
  const c = document.createElement('canvas');
  const total = BANNER + TITLE + mh + LEGEND + BANNER;
  c.width = Math.round(w * ratio);
  c.height = Math.round(total * ratio);
  const g = c.getContext('2d');
  if (!g) throw new Error('this browser cannot draw on a 2D canvas');
  g.scale(ratio, ratio);
  // Words in Arabic run right to left within each text; the layout stays as it is.
  g.direction = langInfo().dir;
  g.fillStyle = '#0d1117';
  g.fillRect(0, 0, w, total);
  const banner = (y: number) => {
    g.fillStyle = s.classified ? '#c8102e' : '#007a33';
    g.fillRect(0, y, w, BANNER);
    g.fillStyle = '#ffffff';
    g.font = `bold 14px ${FONT}`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(s.classification, w / 2, y + BANNER / 2 + 1);
  };
  banner(0);
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  g.fillStyle = '#f0f3f6';
  g.font = `bold 13px ${FONT}`;
  const title = t('title', { party: s.party, time: utcText(s.time), dtg: dtg(s.time) });
  g.fillText(title, 10, BANNER + TITLE / 2);
  g.textAlign = 'right';
  g.font = `12px ${FONT}`;
  g.fillStyle = '#b3bcc6';
  g.fillText(s.counts, w - 10, BANNER + TITLE / 2);
  const top = BANNER + TITLE;
  g.drawImage(map, 0, top, w, mh);
  g.drawImage(pm.overlay.canvas, 0, top, w, mh);
  g.strokeStyle = '#3a4350';
  g.strokeRect(0.5, top + 0.5, w - 1, mh - 1);
  // The legend: parties, then symbols.
  let x = 10;
  const y = top + mh + LEGEND / 2;
  g.textAlign = 'left';
  g.font = `12px ${FONT}`;
  for (const p of s.parties) {
    g.fillStyle = p.colour;
    g.beginPath();
    g.arc(x + 5, y, 5, 0, 2 * Math.PI);
    g.fill();
    g.fillStyle = '#f0f3f6';
    const text = p.name === s.party ? t('own', { party: p.name }) : p.name;
    g.fillText(text, x + 14, y + 1);
    x += 24 + g.measureText(text).width;
  }
  // A filled and outlined dot of the legend.
  const dot = (cx: number, r: number, fill: string, stroke: string) => {
    g.fillStyle = fill;
    g.strokeStyle = stroke;
    g.beginPath();
    g.arc(cx, y, r, 0, 2 * Math.PI);
    g.fill();
    g.stroke();
  };
  const symbols: [string, (cx: number) => void][] = [
    [t('track'), (cx) => dot(cx, 4, '#4cc9f0', '#000')],
    [t('alert'), (cx) => dot(cx, 5, '#ff3b30', '#fff')],
    [t('site'), (cx) => {
      g.fillStyle = '#fff';
      g.beginPath();
      g.arc(cx, y, 6, 0, 2 * Math.PI);
      g.fill();
      g.fillStyle = '#e0262b';
      g.fillRect(cx - 1.5, y - 4, 3, 8);
      g.fillRect(cx - 4, y - 1.5, 8, 3);
    }],
  ];
  x += 12;
  for (const [name, draw] of symbols) {
    draw(x + 5);
    g.fillStyle = '#f0f3f6';
    g.fillText(name, x + 14, y + 1);
    x += 30 + g.measureText(name).width;
  }
  banner(top + mh + LEGEND);
  return c;
}

function save(blob: Blob, name: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/// The export's file name: "situation-us-cjtf-181530ZJUN17.png".
export function exportName(s: Situation, ext: string): string {
  return `situation-${s.party.replace(/[^\w-]/g, '_')}-${dtg(s.time)}.${ext}`;
}

export async function exportPng(pm: PictureMap, s: Situation): Promise<void> {
  const c = await situationCanvas(pm, s);
  const blob = await new Promise<Blob | null>((r) => c.toBlob(r, 'image/png'));
  if (!blob) throw new Error('the picture could not be encoded as PNG');
  save(blob, exportName(s, 'png'));
}

export async function exportPdf(pm: PictureMap, s: Situation): Promise<void> {
  const c = await situationCanvas(pm, s);
  const { jsPDF } = await import('jspdf');
  // A4, turned to suit the picture, which is fitted inside a 10 mm margin.
  const landscape = c.width >= c.height;
  const doc = new jsPDF({ orientation: landscape ? 'landscape' : 'portrait', unit: 'mm', format: 'a4', compress: true });
  doc.setProperties({ title: t('pdfTitle', { party: s.party, dtg: dtg(s.time) }), subject: s.classification, creator: 'deconflict' });
  const pw = (landscape ? 297 : 210) - 20;
  const ph = (landscape ? 210 : 297) - 20;
  const k = Math.min(pw / c.width, ph / c.height);
  doc.addImage(c, 'PNG', 10 + (pw - c.width * k) / 2, 10 + (ph - c.height * k) / 2, c.width * k, c.height * k);
  save(doc.output('blob'), exportName(s, 'pdf'));
}
