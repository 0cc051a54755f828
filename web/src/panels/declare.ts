// The Declare panel: draw a declaration's footprint (polygon, circle or corridor) by clicking the map or
// typing points, fill in its altitudes, times and audience, see the line's preview of its conflicts as one
// types, and submit it. While the panel is open, a click on the map goes to the drawing.

import type { Feature } from 'geojson';
import type { Api } from '../api';
import { lineNow } from '../clock';
import { $, $as, control, h } from '../dom';
import type { Picture } from '../picture';
import { act } from '../shell';
import type { Draft, State, Store } from '../store';
import type { Sync } from '../sync';
import { describeAdvice, isoMinute, shortTime } from '../text';
import { DECLARATION_KINDS, type Declaration, type Declared, oneOf, type OutlineVolume, type Preview, type Volume } from '../types';

type Point = Draft['points'][number];
const SHAPES: readonly Draft['shape'][] = ['polygon', 'circle', 'corridor'];

/// Reads the points field: positions separated by `;` or new lines, each `lon lat` (or `lon, lat`) in
/// degrees, or any other text, passed to the line as it is (it names the position if it cannot read it).
export function readPoints(text: string): Point[] {
  return text
    .split(/[;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)$/.exec(p);
      return m ? [Number(m[1]), Number(m[2])] : p;
    });
}

/// An altitude field as the line reads it: `SFC`, `FL150`, or a number and its unit.
export function altitudeText(value: string, unit: string): string {
  const v = value.trim();
  if (unit === 'SFC') return 'SFC';
  if (unit === 'FL') return `FL${v.replace(/^FL/i, '').padStart(3, '0')}`;
  return `${v} ${unit}`;
}

const numeric = (pts: Point[]) => pts.filter((p): p is number[] => typeof p !== 'string');

export class DeclarePanel {
  private form = $as('#declare-form', HTMLFormElement);
  private previewTimer = 0;

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
    private picture: Picture,
  ) {
    const form = this.form;
    form.addEventListener('submit', (ev) => this.submit(ev));
    form.addEventListener('input', (e) => {
      if (e.target instanceof HTMLTextAreaElement && e.target.name === 'points') {
        store.dispatch({ type: 'draft/points', points: readPoints(e.target.value) });
        this.drawDraft();
      }
      this.schedulePreview();
    });
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-shape]')) {
      b.addEventListener('click', () => {
        const shape = SHAPES.find((s) => s === b.dataset.shape) ?? 'polygon';
        store.dispatch({ type: 'draft/shape', shape });
        this.writePoints();
        for (const o of document.querySelectorAll('[data-shape]')) o.setAttribute('aria-pressed', String(o === b));
        $('#circle-fields').hidden = shape !== 'circle';
        $('#corridor-fields').hidden = shape !== 'corridor';
        this.drawDraft();
        this.schedulePreview();
      });
    }
    $('#clear-draft').addEventListener('click', () => this.setPoints([]));
  }

  /// A click on the map: a point of the drawing while the panel is open (true), else not taken (false).
  onMapClick(at: { lng: number; lat: number }): boolean {
    if ($('#panel-declare').hidden) return false;
    const { shape, points } = this.store.state.draft;
    this.setPoints(shape === 'circle' ? [[at.lng, at.lat]] : [...points, [at.lng, at.lat]]);
    return true;
  }

  /// The form as new: the audience from the parties, a fresh id, and a start in an hour.
  reset(s: State): void {
    $('#audience').replaceChildren(
      ...s.parties
        .filter((p) => p !== s.who.party)
        .map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'audience', value: p, checked: true }), p)),
    );
    const now = lineNow(s.clock);
    control(this.form, 'id').value = `${s.who.party}-${Math.floor(now / 60_000) % 100000}`;
    control(this.form, 'start').value = isoMinute(now + 3_600_000);
    control(this.form, 'end').value = isoMinute(now + 3 * 3_600_000);
  }

  private setPoints(points: Point[]): void {
    this.store.dispatch({ type: 'draft/points', points });
    this.writePoints();
    this.drawDraft();
    this.schedulePreview();
  }

  private writePoints(): void {
    const field = this.form.querySelector<HTMLTextAreaElement>('textarea[name=points]');
    if (field) {
      field.value = this.store.state.draft.points
        .map((p) => (typeof p === 'string' ? p : `${p[0].toFixed(5)} ${p[1].toFixed(5)}`))
        .join('; ');
    }
  }

  /// The declaration the form describes.
  private body(): Declaration {
    const get = (n: string) => control(this.form, n).value;
    const { shape, points } = this.store.state.draft;
    const pts = points.map((p) => (typeof p === 'string' ? p : [Number(p[0].toFixed(5)), Number(p[1].toFixed(5))]));
    const footprint: Volume['footprint'] =
      shape === 'circle'
        ? { circle: { center: pts[0], radius_m: Number(get('radius_km')) * 1000 } }
        : shape === 'corridor'
          ? { corridor: { path: pts, half_width_m: Number(get('half_width_m')) } }
          : { polygon: pts };
    return {
      id: get('id'),
      name: get('name') || undefined,
      // The form offers only the kinds the line takes (a party declares no line's side here).
      kind: oneOf(get('kind'), DECLARATION_KINDS) ?? 'air_operation',
      audience: [...this.form.querySelectorAll<HTMLInputElement>('input[name=audience]:checked')].map((i) => i.value),
      volumes: [
        {
          footprint,
          altitude: { lower: altitudeText(get('lower'), get('lower_unit')), upper: altitudeText(get('upper'), get('upper_unit')) },
          time: { start: get('start'), end: get('end') },
        },
      ],
    };
  }

  /// The draft on the map: the line's outline of it once previewed, else the points as they are.
  private drawDraft(outline?: OutlineVolume[]): void {
    const points = this.store.state.draft.points;
    const features: Feature[] = [];
    const pts = numeric(points);
    if (outline?.length) {
      for (const v of outline) features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [v.ring] }, properties: {} });
    } else if (pts.length) {
      features.push({
        type: 'Feature',
        geometry: pts.length > 1 ? { type: 'LineString', coordinates: pts } : { type: 'Point', coordinates: pts[0] },
        properties: {},
      });
    }
    this.picture.map.set('draft', features);
    $('#draft-points').textContent = `${points.length} point${points.length === 1 ? '' : 's'}`;
  }

  private schedulePreview(): void {
    clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(() => this.preview(), 350);
  }

  /// Asks the line what the draft would conflict with (nothing is stored).
  private async preview(): Promise<void> {
    const out = $('#preview');
    if (!this.store.state.draft.points.length) {
      out.replaceChildren(h('p', { class: 'muted' }, 'Click on the map to draw.'));
      this.drawDraft();
      return;
    }
    try {
      const p = await this.api.post<Preview>('/v1/declarations/preview', this.body());
      const n = p.conflicts.length;
      this.drawDraft(p.outline);
      out.replaceChildren(
        h('p', { class: n ? 'warn' : 'ok' }, n ? `${n} conflict${n > 1 ? 's' : ''} before submitting:` : 'No conflict with what is shared with you.'),
        ...p.conflicts.map((c) =>
          h(
            'p',
            { class: 'preview-conflict' },
            `${c.other.name ?? c.other.id} (${c.other.party}) · ${shortTime(c.start)}–${shortTime(c.end)} · ${Math.round(c.distance_m)} m, gap ${Math.round(c.vertical_gap_m)} m`,
          ),
        ),
        h('p', { class: 'muted' }, `Checked ${p.checked}.`),
      );
    } catch (e) {
      this.drawDraft();
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, e instanceof Error ? e.message : String(e)));
    }
  }

  private async submit(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    await act(async () => {
      const d = await this.api.post<Declared>('/v1/declarations', this.body());
      const n = d.conflicts?.length ?? 0;
      const lines = [
        h('p', { class: n ? 'warn' : 'ok' }, `Declared ${d.id} v${d.version} (log entry ${d.seq}); ${n} conflict${n === 1 ? '' : 's'} notified.`),
      ];
      if (d.advice) lines.push(h('p', { class: 'advice' }, describeAdvice(d.advice)));
      if (d.late_notice) lines.push(h('p', { class: 'warn' }, `Late notice: ${d.late_notice.given_s} s given, ${d.late_notice.required_s} s required.`));
      $('#preview').replaceChildren(...lines);
      this.store.dispatch({ type: 'draft/points', points: [] });
      this.writePoints();
      this.drawDraft();
      await this.sync.declarations();
      this.reset(this.store.state);
    });
  }
}
