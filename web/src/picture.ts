// The party's picture on the map, drawn from the store: declarations' volumes (coloured by party, shown at
// the slider's time) and their names, protected sites' markers (ringed while an open alert concerns them),
// live tracks with short trails, open alerts, the parties' legend and the header's counts; framing the map on
// a declaration (a conflict's "Map" button); and the map's tools (map/tools.ts) with the situation picture's
// export (map/export.ts), which takes its party, time and banner from here. MapLibre itself is in map.ts.

import type { Feature } from 'geojson';
import { lineNow, sliderTime } from './clock';
import { $, h } from './dom';
import { PictureMap, type Picked, partyColour } from './map';
import { exportPdf, exportPng, type Situation } from './map/export';
import { siteIcon } from './map/sites';
import { type ExportKind, MapTools } from './map/tools';
import type { DeclLabel, Dot } from './overlay';
import { define } from './i18n';
import type { State, Store } from './store';

const t = define('picture', {
  en: {
    unclassified: 'UNCLASSIFIED',
    unclassifiedExercise: 'UNCLASSIFIED — EXERCISE',
    counts: '{d} declarations · {t} own tracks · {a} open alerts',
    you: '{party} (you)',
  },
  ru: {
    unclassified: 'НЕСЕКРЕТНО',
    unclassifiedExercise: 'НЕСЕКРЕТНО — УЧЕНИЯ',
    counts: 'заявки: {d} · свои треки: {t} · открытые тревоги: {a}',
    you: '{party} (вы)',
  },
  ar: {
    unclassified: 'غير مصنف',
    unclassifiedExercise: 'غير مصنف — تمرين',
    counts: 'الإعلانات: {d} · المسارات الخاصة: {t} · الإنذارات المفتوحة: {a}',
    you: '{party} (أنت)',
  },
  tr: {
    unclassified: 'TASNİF DIŞI',
    unclassifiedExercise: 'TASNİF DIŞI — TATBİKAT',
    counts: 'beyanlar: {d} · kendi izler: {t} · açık alarmlar: {a}',
    you: '{party} (siz)',
  },
});

/// Positions kept in a track's trail.
const TRAIL_POINTS = 8;

export class Picture {
  readonly map: PictureMap;
  readonly tools: MapTools;
  /// Each track's last positions, oldest first, [lon, lat]: what the overlay has drawn, not the line's.
  private trails = new Map<string, number[][]>();

  /// Who takes a click on the map first (the drawing of a declaration); when it does not, the click picks.
  private clicks: (at: { lng: number; lat: number }) => boolean = () => false;

  constructor(
    private store: Store,
    onPick: Picked,
  ) {
    this.map = new PictureMap($('#map'), onPick, (at) => this.clicks(at));
    this.tools = new MapTools(this.map, (kind) => this.exportPicture(kind));
    store.watch((s) => s.parties, (s) => this.legend(s), true);
  }

  /// Gives clicks on the map to `take` first: it returns true when it took the click.
  takeClicks(take: (at: { lng: number; lat: number }) => boolean): void {
    this.clicks = take;
  }

  /// Draws the picture (once the map is ready), framed on everything the party may see, and keeps it drawn
  /// as the store changes; the basemap comes under it once it is drawn.
  show(): void {
    const s = this.store.state;
    this.declarations(s);
    this.alerts(s);
    this.sites(s);
    this.map.fit(s.declarations.flatMap((d) => (d.outline ?? []).map((v) => v.ring)), 0);
    this.map.map.once('idle', () => this.map.addBasemap());
    this.store.subscribe((next, prev) => {
      if (next.declarations !== prev.declarations || next.parties !== prev.parties) this.declarations(next);
      if (next.alerts !== prev.alerts) this.alerts(next);
      if (next.alerts !== prev.alerts || next.declarations !== prev.declarations) this.sites(next);
      if (next.tracks !== prev.tracks) this.tracks(next);
    });
  }

  /// Shows what is in force at `t` (ms).
  setTime(t: number): void {
    this.map.setTime(t);
  }

  /// Frames one's own declaration `id` and the rings `extra` (the other side of a conflict), outlined.
  focus(id: string, extra: number[][][] = []): void {
    const { declarations, who } = this.store.state;
    const d = declarations.find((x) => x.id === id && x.party === who.party);
    const all = (d?.outline ?? []).map((v) => v.ring).concat(extra);
    this.map.set(
      'focus',
      all.map((r) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: r }, properties: {} })),
    );
    this.map.fit(all);
  }

  private declarations(s: State): void {
    const features: Feature[] = [];
    const labels: DeclLabel[] = [];
    for (const d of s.declarations) {
      const decl = d.declaration;
      (d.outline ?? []).forEach((v, i) => {
        const [lon, lat] = middle(v.ring);
        labels.push({ id: d.id, name: decl.name ?? d.id, lon, lat, start: Date.parse(v.start), end: Date.parse(v.end), colour: partyColour(d.party, s.parties), site: decl.kind === 'site' });
        features.push({
          type: 'Feature',
          geometry: { type: 'Polygon', coordinates: [v.ring] },
          properties: {
            what: 'declaration',
            id: d.id,
            volume: i,
            name: decl.name ?? d.id,
            party: d.party,
            kind: decl.kind,
            status: d.status,
            own: d.party === s.who.party,
            colour: partyColour(d.party, s.parties),
            start: Date.parse(v.start),
            end: Date.parse(v.end),
            startText: v.start,
            endText: v.end,
            lower_m: v.lower_m,
            upper_m: v.upper_m,
          },
        });
      });
    }
    this.map.set('decl', features);
    this.map.overlay.setDeclarations(labels);
    this.map.setTime(sliderTime(s));
    $('#decl-count').textContent = String(s.declarations.length);
  }

  private tracks(s: State): void {
    const seen = new Set<string>();
    const colour = partyColour(s.who.party, s.parties);
    const dots: Dot[] = s.tracks.map((t) => {
      seen.add(t.id);
      let trail = this.trails.get(t.id);
      if (!trail) {
        trail = [];
        this.trails.set(t.id, trail);
      }
      const last = trail[trail.length - 1];
      if (!last || last[0] !== t.lon || last[1] !== t.lat) trail.push([t.lon, t.lat]);
      if (trail.length > TRAIL_POINTS) trail.shift();
      return {
        lon: t.lon,
        lat: t.lat,
        colour,
        trail: trail.slice(0, -1),
        props: { what: 'track', id: t.id, callsign: t.callsign, party: t.party, alt_m: t.alt_m, gs_mps: t.gs_mps, trk_deg: t.trk_deg, reported: t.reported },
      };
    });
    for (const k of [...this.trails.keys()]) if (!seen.has(k)) this.trails.delete(k);
    this.map.overlay.setTracks(dots);
    $('#track-count').textContent = String(s.tracks.length);
  }

  private alerts(s: State): void {
    const dots: Dot[] = [];
    const open = s.alerts.filter((a) => a.status === 'open');
    for (const a of open) {
      for (const t of a.tracks ?? []) {
        dots.push({
          lon: t.lon,
          lat: t.lat,
          colour: '#ff3b30',
          props: { what: 'alert', alert: a.id, kind: a.kind, id: t.id, callsign: t.callsign, party: t.party, alt_m: t.alt_m, parties: (a.parties ?? []).join(', '), declaration: a.declaration?.name ?? '' },
        });
      }
    }
    this.map.overlay.setAlerts(dots);
    $('#alert-count').textContent = String(open.length);
  }

  /// Protected sites as markers of fixed size at their middle; those an open alert concerns are ringed.
  private sites(s: State): void {
    const alerted = new Set(s.alerts.filter((a) => a.status === 'open' && a.declaration?.id).map((a) => a.declaration?.id));
    const features: Feature[] = [];
    const rings: Dot[] = [];
    const marks: Dot[] = [];
    for (const d of s.declarations) {
      const decl = d.declaration;
      if (decl.kind !== 'site') continue;
      for (const v of d.outline ?? []) {
        const [lon, lat] = middle(v.ring);
        const on = alerted.has(d.id);
        features.push({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [lon, lat] },
          properties: {
            what: 'declaration', id: d.id, name: decl.name ?? d.id, party: d.party, kind: decl.kind, status: d.status,
            own: d.party === s.who.party, colour: partyColour(d.party, s.parties), start: Date.parse(v.start), end: Date.parse(v.end),
            startText: v.start, endText: v.end, lower_m: v.lower_m, upper_m: v.upper_m,
            icon: siteIcon(`${d.id} ${decl.name ?? ''} ${decl.description ?? ''}`), alerted: on,
          },
        });
        marks.push({ lon, lat, colour: '', props: {} });
        if (on) rings.push({ lon, lat, colour: '#ff3b30', props: { what: 'site', id: d.id } });
      }
    }
    this.map.set('sites', features);
    this.map.overlay.setAlertSites(rings);
    this.map.overlay.setSiteMarks(marks);
  }

  /// The situation picture for the export: party, the line's time, the banner, the legend.
  private situation(): Situation {
    const s = this.store.state;
    const open = s.alerts.filter((a) => a.status === 'open').length;
    return {
      party: s.who.party,
      parties: s.parties.map((p) => ({ name: p, colour: partyColour(p, s.parties) })),
      time: lineNow(s.clock),
      // The line names no classification of its own: an exercise says so, as its every screen does.
      classification: s.who.exercise ? t('unclassifiedExercise') : t('unclassified'),
      classified: false,
      counts: t('counts', { d: s.declarations.length, t: s.tracks.length, a: open }),
    };
  }

  private async exportPicture(kind: ExportKind): Promise<void> {
    const s = this.situation();
    await (kind === 'pdf' ? exportPdf(this.map, s) : exportPng(this.map, s));
  }

  private legend(s: State): void {
    $('#legend').replaceChildren(
      ...s.parties.map((p) =>
        h('span', { class: 'chip' }, h('i', { style: `background:${partyColour(p, s.parties)}` }), h('bdi', {}, p === s.who.party ? t('you', { party: p }) : p)),
      ),
    );
  }
}

/// The middle of a ring (the mean of its vertices, the closing one left out): where its name goes.
function middle(ring: number[][]): [number, number] {
  const pts = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.slice(0, -1) : ring;
  let x = 0;
  let y = 0;
  for (const p of pts) {
    x += p[0];
    y += p[1];
  }
  return pts.length ? [x / pts.length, y / pts.length] : [0, 0];
}
