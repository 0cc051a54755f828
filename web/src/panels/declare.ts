// The Declare panel: draw a declaration's footprint (polygon, circle or corridor) by clicking the map or
// typing points, fill in its altitudes, times and audience, see the line's preview of its conflicts as one
// types, and submit it. While the panel is open, a click on the map goes to the drawing.
//
// Times may be typed as a bare time of day (`1830Z`), read as the next such time on the line's clock and
// shown in full beside the field (times.ts). A refusal names the field once, in words, beside the field;
// the submit button stays in view (it is pinned to the panel's foot). Once declared, the answer is read out
// in words (conflicts, advice, late notice), the new declaration is framed on the map, and the form is
// reset whole for the next one ("New declaration" resets it at any time).

import type { Feature } from 'geojson';
import type { Api } from '../api';
import { lineNow } from '../clock';
import { $, $as, control, h } from '../dom';
import type { Picture } from '../picture';
import { ApiError } from '../api';
import { declarationLabel, namesOf } from '../describe';
import { define, type Params, plural } from '../i18n';
import { act } from '../shell';
import type { Draft, State, Store } from '../store';
import type { Sync } from '../sync';
import { describeAdvice, durationText, isoMinute, separationText, shortTime } from '../text';
import { readBack, readTime } from '../times';
import { DECLARATION_KINDS, type Declaration, type Declared, field, oneOf, type OutlineVolume, type Preview, text, type Volume } from '../types';

const many = (p: Params) => plural(Number(p.n));

const t = define('declare', {
  en: {
    start: 'Start',
    end: 'End',
    lower: 'Lower',
    upper: 'Upper',
    radius: 'Radius',
    halfWidth: 'Half width',
    points: 'Points',
    sharedWith: 'Shared with',
    id: 'Id',
    name: 'Name',
    kind: 'Kind',
    howTime: 'write 1830Z, 2017-06-18T18:30Z or 181830ZJUN17',
    howAltitude: 'write SFC, FL150, 3000 ft or 900 m',
    howPosition: 'write lon lat in degrees, DMS such as 353700N0384500E, or MGRS',
    cannotTime: 'cannot read “{text}” as a time — {how}',
    cannotAltitude: 'cannot read “{text}” as an altitude — {how}',
    cannotPosition: 'cannot read “{text}” as a position — {how}',
    fieldSays: '{field}: {said}',
    nPoints: (p) => (many(p) === 'one' ? '{n} point' : '{n} points'),
    clickToDraw: 'Click on the map to draw.',
    nConflictsBefore: (p) => (many(p) === 'one' ? '{n} conflict before submitting:' : '{n} conflicts before submitting:'),
    noConflictShared: 'No conflict with what is shared with you.',
    checkedShared: 'Checked against the declarations shared with you; conflicts with any others are found, notified and recorded when you submit.',
    checked: 'Checked {checked}.',
    declared: 'Declared {id} v{version} (log entry {seq}).',
    nConflictsNotified: (p) => (many(p) === 'one' ? '{n} conflict, notified to the other side: {others}.' : '{n} conflicts, notified to the other side: {others}.'),
    noConflict: 'No conflict.',
    lateNotice: 'Late notice: given {given} before its start; {agreements} asks for {required}.',
    theAgreement: 'the agreement',
    outlined: '{label} is outlined on the map. ',
    outlinedFrom: '{label} is outlined on the map; it is in force from {start}. ',
    showAt: 'Show it at {start}',
    ready: 'The form is ready for a new declaration.',
  },
  ru: {
    start: 'Начало',
    end: 'Конец',
    lower: 'Нижняя граница',
    upper: 'Верхняя граница',
    radius: 'Радиус',
    halfWidth: 'Полуширина',
    points: 'Точки',
    sharedWith: 'Кому доступно',
    id: 'Идентификатор',
    name: 'Название',
    kind: 'Вид',
    howTime: 'пишите 1830Z, 2017-06-18T18:30Z или 181830ZJUN17',
    howAltitude: 'пишите SFC, FL150, 3000 ft или 900 m',
    howPosition: 'пишите долготу и широту в градусах, DMS вида 353700N0384500E или MGRS',
    cannotTime: 'не удаётся прочитать «{text}» как время — {how}',
    cannotAltitude: 'не удаётся прочитать «{text}» как высоту — {how}',
    cannotPosition: 'не удаётся прочитать «{text}» как координаты — {how}',
    fieldSays: '{field}: {said}',
    nPoints: (p) => ({ one: '{n} точка', few: '{n} точки' })[many(p) as string] ?? '{n} точек',
    clickToDraw: 'Щёлкните по карте, чтобы начертить.',
    nConflictsBefore: (p) => ({ one: '{n} конфликт до подачи:', few: '{n} конфликта до подачи:' })[many(p) as string] ?? '{n} конфликтов до подачи:',
    noConflictShared: 'Конфликтов с тем, что вам доступно, нет.',
    checkedShared: 'Проверено по заявкам, доступным вам; конфликты с остальными будут найдены, сообщены и записаны при подаче.',
    checked: 'Проверено: {checked}.',
    declared: 'Заявлено: {id} v{version} (запись журнала {seq}).',
    nConflictsNotified: (p) =>
      ({ one: '{n} конфликт, другая сторона уведомлена: {others}.', few: '{n} конфликта, другая сторона уведомлена: {others}.' })[many(p) as string] ??
      '{n} конфликтов, другая сторона уведомлена: {others}.',
    noConflict: 'Конфликтов нет.',
    lateNotice: 'Позднее уведомление: подано за {given} до начала; {agreements} требует {required}.',
    theAgreement: 'соглашение',
    outlined: '{label} обведена на карте. ',
    outlinedFrom: '{label} обведена на карте; действует с {start}. ',
    showAt: 'Показать на {start}',
    ready: 'Форма готова для новой заявки.',
  },
  ar: {
    start: 'البداية',
    end: 'النهاية',
    lower: 'الحد الأدنى',
    upper: 'الحد الأعلى',
    radius: 'نصف القطر',
    halfWidth: 'نصف العرض',
    points: 'النقاط',
    sharedWith: 'مُشارَك مع',
    id: 'المعرّف',
    name: 'الاسم',
    kind: 'النوع',
    howTime: 'اكتب 1830Z أو 2017-06-18T18:30Z أو 181830ZJUN17',
    howAltitude: 'اكتب SFC أو FL150 أو 3000 ft أو 900 m',
    howPosition: 'اكتب خط الطول وخط العرض بالدرجات، أو DMS مثل 353700N0384500E، أو MGRS',
    cannotTime: 'تعذّرت قراءة «{text}» كوقت — {how}',
    cannotAltitude: 'تعذّرت قراءة «{text}» كارتفاع — {how}',
    cannotPosition: 'تعذّرت قراءة «{text}» كموقع — {how}',
    fieldSays: '{field}: {said}',
    nPoints: (p) => ({ zero: '{n} نقطة', one: 'نقطة واحدة ({n})', two: 'نقطتان ({n})', few: '{n} نقاط' })[many(p) as string] ?? '{n} نقطة',
    clickToDraw: 'انقر على الخريطة للرسم.',
    nConflictsBefore: (p) => ({ one: 'تعارض واحد ({n}) قبل الإرسال:', two: 'تعارضان ({n}) قبل الإرسال:', few: '{n} تعارضات قبل الإرسال:' })[many(p) as string] ?? '{n} تعارضاً قبل الإرسال:',
    noConflictShared: 'لا تعارض مع ما هو مُشارَك معك.',
    checkedShared: 'تم التحقق مقابل الإعلانات المُشارَكة معك؛ التعارضات مع غيرها تُكتشف وتُبلَّغ وتُسجَّل عند الإرسال.',
    checked: 'تم التحقق: {checked}.',
    declared: 'أُعلن {id} v{version} (قيد السجل {seq}).',
    nConflictsNotified: (p) =>
      ({ one: 'تعارض واحد ({n})، أُبلغ به الطرف الآخر: {others}.', two: 'تعارضان ({n})، أُبلغ بهما الطرف الآخر: {others}.', few: '{n} تعارضات، أُبلغ بها الطرف الآخر: {others}.' })[many(p) as string] ??
      '{n} تعارضاً، أُبلغ بها الطرف الآخر: {others}.',
    noConflict: 'لا تعارض.',
    lateNotice: 'إشعار متأخر: قُدّم قبل {given} من بدايته؛ {agreements} يطلب {required}.',
    theAgreement: 'الاتفاق',
    outlined: '{label} محدد على الخريطة. ',
    outlinedFrom: '{label} محدد على الخريطة؛ يسري من {start}. ',
    showAt: 'اعرضه عند {start}',
    ready: 'النموذج جاهز لإعلان جديد.',
  },
  tr: {
    start: 'Başlangıç',
    end: 'Bitiş',
    lower: 'Alt sınır',
    upper: 'Üst sınır',
    radius: 'Yarıçap',
    halfWidth: 'Yarı genişlik',
    points: 'Noktalar',
    sharedWith: 'Paylaşılan taraflar',
    id: 'Kimlik',
    name: 'Ad',
    kind: 'Tür',
    howTime: '1830Z, 2017-06-18T18:30Z ya da 181830ZJUN17 yazın',
    howAltitude: 'SFC, FL150, 3000 ft ya da 900 m yazın',
    howPosition: 'derece olarak boylam enlem, 353700N0384500E gibi DMS ya da MGRS yazın',
    cannotTime: '“{text}” zaman olarak okunamıyor — {how}',
    cannotAltitude: '“{text}” irtifa olarak okunamıyor — {how}',
    cannotPosition: '“{text}” konum olarak okunamıyor — {how}',
    fieldSays: '{field}: {said}',
    nPoints: () => '{n} nokta',
    clickToDraw: 'Çizmek için haritaya tıklayın.',
    nConflictsBefore: () => 'Göndermeden önce {n} çatışma:',
    noConflictShared: 'Sizinle paylaşılanlarla çatışma yok.',
    checkedShared: 'Sizinle paylaşılan beyanlara göre denetlendi; diğerleriyle çatışmalar gönderdiğinizde bulunur, bildirilir ve kaydedilir.',
    checked: 'Denetlendi: {checked}.',
    declared: '{id} v{version} beyan edildi (kayıt {seq}).',
    nConflictsNotified: () => '{n} çatışma, diğer tarafa bildirildi: {others}.',
    noConflict: 'Çatışma yok.',
    lateNotice: 'Geç beyan: başlangıcından {given} önce verildi; {agreements} {required} istiyor.',
    theAgreement: 'anlaşma',
    outlined: '{label} haritada çizildi. ',
    outlinedFrom: '{label} haritada çizildi; {start} itibarıyla geçerli. ',
    showAt: '{start} anında göster',
    ready: 'Form yeni bir beyan için hazır.',
  },
});

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

/// The form's fields by the paths the line names in a refusal, with the words the form labels them by.
const FIELDS: [RegExp, string, Parameters<typeof t>[0]][] = [
  [/time\.start$/, 'start', 'start'],
  [/time\.end$/, 'end', 'end'],
  [/altitude\.lower/, 'lower', 'lower'],
  [/altitude\.upper/, 'upper', 'upper'],
  [/radius_m$/, 'radius_km', 'radius'],
  [/half_width_m$/, 'half_width_m', 'halfWidth'],
  [/footprint|center|path|polygon/, 'points', 'points'],
  [/^audience/, 'audience', 'sharedWith'],
  [/^id$/, 'id', 'id'],
  [/^name$/, 'name', 'name'],
  [/^kind$/, 'kind', 'kind'],
];

/// What the line could not read, and how to write it.
const CANNOT = {
  time: ['cannotTime', 'howTime'],
  altitude: ['cannotAltitude', 'howAltitude'],
  position: ['cannotPosition', 'howPosition'],
} as const;

/// A refusal of the line in plain words, naming the form's field once: `End: cannot read “yesterday” as a
/// time — write 1830Z, …`. Returns the form's field name (for the note beside it) and the words.
export function plainRefusal(path: string | undefined, detail: string): { control?: string; words: string } {
  const hit = path ? FIELDS.find(([re]) => re.test(path)) : undefined;
  // The line's detail repeats what and which field: `declaration "x" (declaration), field volumes[0].time.end: …`.
  let said = detail.replace(/^declaration "[^"]*" \([^)]*\),\s*/, '').replace(/^field \S+:\s*/, '');
  // What the line could not read is said in the page's language; any other refusal is the line's own words.
  const unreadable = /^cannot read "(.*)" as (?:an? )?(time|altitude|position)\b/.exec(said);
  if (unreadable) {
    const [cannot, how] = CANNOT[unreadable[2] as keyof typeof CANNOT];
    said = t(cannot, { text: unreadable[1], how: t(how) });
  }
  if (!hit) return { words: said.charAt(0).toUpperCase() + said.slice(1) };
  return { control: hit[1], words: t('fieldSays', { field: t(hit[2]), said }) };
}

/// What the preview was checked against: the line's words, said in the page's language when they are the
/// usual ones.
function checkedText(checked: string): string {
  return /^against the declarations shared with you\b/.test(checked) ? t('checkedShared') : t('checked', { checked });
}

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
      if (e.target instanceof HTMLInputElement && (e.target.name === 'start' || e.target.name === 'end')) this.readTimes();
      this.schedulePreview();
    });
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-shape]')) {
      b.addEventListener('click', () => {
        this.selectShape(SHAPES.find((s) => s === b.dataset.shape) ?? 'polygon');
        this.writePoints();
        this.drawDraft();
        this.schedulePreview();
      });
    }
    $('#new-declaration').addEventListener('click', () => {
      this.reset(this.store.state);
      $('#preview').replaceChildren();
      control(this.form, 'name').focus();
    });
    $('#clear-draft').addEventListener('click', () => this.setPoints([]));
  }

  /// A click on the map: a point of the drawing while the panel is open (true), else not taken (false).
  onMapClick(at: { lng: number; lat: number }): boolean {
    if ($('#panel-declare').hidden) return false;
    const { shape, points } = this.store.state.draft;
    this.setPoints(shape === 'circle' ? [[at.lng, at.lat]] : [...points, [at.lng, at.lat]]);
    return true;
  }

  /// The form as new, every field: a polygon with no points, a fresh id, no name, an air operation from
  /// the surface to FL300, starting in an hour for two hours, shared with every party one has an agreement
  /// with.
  reset(s: State): void {
    this.form.reset();
    $('#audience').replaceChildren(
      ...s.parties
        .filter((p) => p !== s.who.party)
        .map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'audience', value: p, checked: true }), h('bdi', {}, p))),
    );
    const now = lineNow(s.clock);
    control(this.form, 'id').value = `${s.who.party}-${Math.floor(now / 60_000) % 100000}`;
    control(this.form, 'start').value = isoMinute(now + 3_600_000);
    control(this.form, 'end').value = isoMinute(now + 3 * 3_600_000);
    this.selectShape('polygon');
    this.store.dispatch({ type: 'draft/points', points: [] });
    this.writePoints();
    this.drawDraft();
    for (const el of this.form.querySelectorAll<HTMLElement>('.field-note')) {
      el.textContent = '';
      el.classList.remove('error');
    }
    this.readTimes();
  }

  /// Shows what each time field was read as, beside it.
  private readTimes(): void {
    const [start, end] = this.times();
    const note = (name: string, words: string) => {
      const el = this.note(name);
      if (el && !el.classList.contains('error')) el.textContent = words;
    };
    note('start', readBack(start));
    note('end', readBack(end));
  }

  /// The start and end fields as read at the line's time (an end's bare time of day: the first after the
  /// start).
  private times() {
    const now = lineNow(this.store.state.clock);
    const start = readTime(control(this.form, 'start').value, now);
    const end = readTime(control(this.form, 'end').value, now, start.ms);
    return [start, end] as const;
  }

  /// The note beside the field `name`.
  private note(name: string): HTMLElement | null {
    return this.form.querySelector<HTMLElement>(`.field-note[data-for="${name}"]`);
  }

  /// Shows a refusal beside its field (and clears every other field's), or clears them all.
  private showRefusal(e: unknown): string {
    for (const el of this.form.querySelectorAll<HTMLElement>('.field-note.error')) {
      el.classList.remove('error');
      el.textContent = '';
    }
    this.readTimes();
    if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
    const { control: name, words } = plainRefusal(e.field, e.detail);
    const el = name ? this.note(name) : null;
    if (el) {
      el.textContent = words;
      el.classList.add('error');
    }
    return words;
  }

  private selectShape(shape: Draft['shape']): void {
    this.store.dispatch({ type: 'draft/shape', shape });
    for (const o of document.querySelectorAll('[data-shape]')) o.setAttribute('aria-pressed', String(o.getAttribute('data-shape') === shape));
    $('#circle-fields').hidden = shape !== 'circle';
    $('#corridor-fields').hidden = shape !== 'corridor';
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
    const [start, end] = this.times();
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
          time: { start: start.send, end: end.send },
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
    $('#draft-points').textContent = t('nPoints', { n: points.length });
  }

  private schedulePreview(): void {
    clearTimeout(this.previewTimer);
    this.previewTimer = window.setTimeout(() => this.preview(), 350);
  }

  /// Asks the line what the draft would conflict with (nothing is stored).
  private async preview(): Promise<void> {
    const out = $('#preview');
    if (!this.store.state.draft.points.length) {
      out.replaceChildren(h('p', { class: 'muted' }, t('clickToDraw')));
      this.drawDraft();
      return;
    }
    try {
      const p = await this.api.post<Preview>('/v1/declarations/preview', this.body());
      this.showRefusal(undefined);
      const n = p.conflicts.length;
      this.drawDraft(p.outline);
      const names = namesOf(this.store.state);
      out.replaceChildren(
        h('p', { class: n ? 'warn' : 'ok' }, n ? t('nConflictsBefore', { n }) : t('noConflictShared')),
        ...p.conflicts.map((c) =>
          h(
            'p',
            { class: 'preview-conflict' },
            h('bdi', {}, declarationLabel(names, c.other.party, c.other.id)),
            ` · ${shortTime(c.start)} – ${shortTime(c.end)} · ${separationText(c.distance_m, c.vertical_gap_m)}`,
          ),
        ),
        h('p', { class: 'muted' }, checkedText(p.checked)),
      );
    } catch (e) {
      this.drawDraft();
      out.replaceChildren(h('p', { class: 'error', role: 'alert' }, this.showRefusal(e)));
    }
  }

  private async submit(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const body = this.body();
    try {
      const d = await this.api.post<Declared>('/v1/declarations', body);
      this.showRefusal(undefined);
      await this.declared(d, body);
    } catch (e) {
      $('#preview').replaceChildren(h('p', { class: 'error', role: 'alert' }, this.showRefusal(e)));
    }
  }

  /// The line took the declaration: its answer in words, the declaration on the map, the form new.
  private async declared(d: Declared, body: Declaration): Promise<void> {
    const id = d.id ?? body.id;
    // The list again, so that the map draws it (its outline is the line's), then framed.
    await act(() => this.sync.declarations());
    this.reset(this.store.state);
    const s = this.store.state;
    const names = namesOf(s);
    const label = declarationLabel(names, s.who.party, id, false);
    const conflicts = d.conflicts ?? [];
    const n = conflicts.length;
    const others = conflicts.map((c) => {
      const o = field(c, 'other');
      const oid = text(o, 'id') ?? '?';
      return declarationLabel(names, text(o, 'party'), oid);
    });
    const mine = s.declarations.find((x) => x.id === id && x.party === s.who.party);
    const starts = (mine?.outline ?? []).map((v) => Date.parse(v.start)).filter(Number.isFinite);
    const start = starts.length ? Math.min(...starts) : Number.NaN;
    const lines: HTMLElement[] = [
      h('p', { class: n ? 'warn' : 'ok' }, `${t('declared', { id, version: String(d.version), seq: String(d.seq) })} ${n ? t('nConflictsNotified', { n, others: others.join('; ') }) : t('noConflict')}`),
    ];
    if (n) lines.push(h('p', { class: 'advice' }, describeAdvice(d.advice)));
    const late = d.late_notice;
    if (late?.required_s !== undefined && late.given_s !== undefined) {
      lines.push(
        h(
          'p',
          { class: 'warn' },
          t('lateNotice', { given: durationText(late.given_s), agreements: late.agreements?.length ? late.agreements.join(', ') : t('theAgreement'), required: durationText(late.required_s) }),
        ),
      );
    }
    if (mine) {
      this.picture.focus(id);
      lines.push(
        h(
          'p',
          { class: 'muted' },
          Number.isFinite(start) ? t('outlinedFrom', { label, start: shortTime(start) }) : t('outlined', { label }),
          Number.isFinite(start) ? h('button', { type: 'button', onclick: () => this.showAt(id, start) }, t('showAt', { start: shortTime(start) })) : null,
        ),
      );
    }
    lines.push(h('p', { class: 'muted' }, t('ready')));
    $('#preview').replaceChildren(...lines);
  }

  /// Moves the time slider to `t` (ms; at the slider's 15 min steps) and frames the declaration `id`.
  private showAt(id: string, t: number): void {
    const slider = $as('#slider', HTMLInputElement);
    const ahead = Math.max(0, Math.ceil((t - lineNow(this.store.state.clock)) / 900_000) * 15);
    slider.value = String(Math.min(ahead, Number(slider.max)));
    // The clock listens to the slider as if it were moved by hand.
    slider.dispatchEvent(new Event('input'));
    this.picture.focus(id);
  }
}
