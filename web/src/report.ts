// The after-action report's download: a small dialog opened by the Record panel's "Report…" button. The
// window (from, to; by default the last 24 hours of the line's clock, read back as date-time groups) and a
// format — a readable HTML page, a PDF, or the proof bundle they are made from — are asked of the line
// (GET /v1/report, the token in a header, never in a link) and saved as a file whose name says the party
// and the window. A refusal (a window too long, too many entries) is said in words beside the field it
// concerns, and nothing is saved.

import type { Api } from './api';
import { lineNow } from './clock';
import { $, h } from './dom';
import { define } from './i18n';
import { ltr } from './panels/notifications';
import type { Store } from './store';
import { dtg, fullTime, readTime } from './times';
import { isRecord, text } from './types';

const t = define('report', {
  en: {
    open: 'Report…',
    openTitle: 'Download your after-action record of a window: HTML, PDF or proof bundle',
    title: 'After-action report',
    intro: 'Everything of the log you may read in the window, each line with its entry’s number. Only entries under the latest signed checkpoint are included.',
    from: 'From (UTC: 181830ZJUN17, 1830Z or RFC 3339)',
    to: 'To (excluded)',
    format: 'Format',
    html: 'HTML (readable, printable)',
    pdf: 'PDF',
    bundle: 'Proof bundle (JSON, verifiable offline)',
    bundleNote: 'Verify the bundle offline: deconflict log verify-proof --policy POLICY --bundle FILE',
    download: 'Download',
    close: 'Close',
    asking: 'Asking the line…',
    saved: 'Saved {file}',
    readAs: '= {dtg}',
    unread: 'cannot read “{text}” as a time: write 181830ZJUN17, 1830Z or 2017-06-18T18:30:00Z',
    order: 'the end must come after the start',
    refused: 'The line refused: {detail}',
    tooLong: 'The window is too long: a report covers at most 31 days. Narrow it, or ask for several.',
    tooMany: 'The window holds too many entries (at most 10 000 you may read, 200 000 of the log). Narrow it.',
  },
  ru: {
    open: 'Отчёт…',
    openTitle: 'Скачать ваш итоговый отчёт за период: HTML, PDF или пакет доказательств',
    title: 'Итоговый отчёт',
    intro: 'Все записи журнала за период, доступные вам, каждая строка с номером записи. Включаются только записи, покрытые последней подписанной контрольной точкой.',
    from: 'С (UTC: 181830ZJUN17, 1830Z или RFC 3339)',
    to: 'По (не включая)',
    format: 'Формат',
    html: 'HTML (для чтения и печати)',
    pdf: 'PDF',
    bundle: 'Пакет доказательств (JSON, проверяется без подключения)',
    bundleNote: 'Проверка пакета без подключения: deconflict log verify-proof --policy POLICY --bundle FILE',
    download: 'Скачать',
    close: 'Закрыть',
    asking: 'Запрос к линии…',
    saved: 'Сохранено: {file}',
    readAs: '= {dtg}',
    unread: 'не удаётся прочитать «{text}» как время: укажите 181830ZJUN17, 1830Z или 2017-06-18T18:30:00Z',
    order: 'конец должен быть позже начала',
    refused: 'Линия отказала: {detail}',
    tooLong: 'Слишком длинный период: отчёт охватывает не более 31 суток. Сократите его или запросите несколько.',
    tooMany: 'В периоде слишком много записей (не более 10 000 доступных вам и 200 000 в журнале). Сократите его.',
  },
  ar: {
    open: 'تقرير…',
    openTitle: 'تنزيل سجلّك لما بعد العمليات عن فترة: HTML أو PDF أو حزمة إثبات',
    title: 'تقرير ما بعد العمليات',
    intro: 'كل ما يحق لك قراءته من السجلّ خلال الفترة، كل سطر برقم قيده. لا تُدرج إلا القيود المشمولة بآخر نقطة تحقق موقّعة.',
    from: 'من (UTC: \u2066181830ZJUN17\u2069 أو \u20661830Z\u2069 أو \u2066RFC 3339\u2069)',
    to: 'إلى (غير مشمول)',
    format: 'الصيغة',
    html: 'HTML (للقراءة والطباعة)',
    pdf: 'PDF',
    bundle: 'حزمة إثبات (JSON، يُتحقق منها دون اتصال)',
    bundleNote: 'تحقّق من الحزمة دون اتصال: \u2066deconflict log verify-proof --policy POLICY --bundle FILE\u2069',
    download: 'تنزيل',
    close: 'إغلاق',
    asking: 'جارٍ سؤال الخط…',
    saved: 'حُفظ {file}',
    readAs: '= {dtg}',
    unread: 'تعذّرت قراءة «{text}» كوقت: اكتب \u2066181830ZJUN17\u2069 أو \u20661830Z\u2069 أو \u20662017-06-18T18:30:00Z\u2069',
    order: 'يجب أن تأتي النهاية بعد البداية',
    refused: 'رفض الخط: {detail}',
    tooLong: 'الفترة طويلة جدًا: يغطي التقرير 31 يومًا على الأكثر. ضيّقها، أو اطلب عدة تقارير.',
    tooMany: 'تحوي الفترة قيودًا كثيرة جدًا (10 000 على الأكثر مما يحق لك قراءته، و200 000 من السجلّ). ضيّقها.',
  },
  tr: {
    open: 'Rapor…',
    openTitle: 'Bir zaman aralığının harekât sonrası kaydını indirin: HTML, PDF veya kanıt paketi',
    title: 'Harekât sonrası rapor',
    intro: 'Aralıkta okuyabildiğiniz tüm kayıtlar, her satır kayıt numarasıyla. Yalnızca son imzalı kontrol noktasının kapsadığı kayıtlar dahildir.',
    from: 'Başlangıç (UTC: 181830ZJUN17, 1830Z veya RFC 3339)',
    to: 'Bitiş (hariç)',
    format: 'Biçim',
    html: 'HTML (okunabilir, yazdırılabilir)',
    pdf: 'PDF',
    bundle: 'Kanıt paketi (JSON, çevrimdışı doğrulanabilir)',
    bundleNote: 'Paketi çevrimdışı doğrulayın: deconflict log verify-proof --policy POLICY --bundle FILE',
    download: 'İndir',
    close: 'Kapat',
    asking: 'Hatta soruluyor…',
    saved: '{file} kaydedildi',
    readAs: '= {dtg}',
    unread: '“{text}” zaman olarak okunamıyor: 181830ZJUN17, 1830Z veya 2017-06-18T18:30:00Z yazın',
    order: 'bitiş başlangıçtan sonra olmalı',
    refused: 'Hat reddetti: {detail}',
    tooLong: 'Aralık çok uzun: bir rapor en çok 31 günü kapsar. Daraltın veya birkaç rapor isteyin.',
    tooMany: 'Aralıkta çok fazla kayıt var (okuyabildiğiniz en çok 10 000, kayıt defterinin en çok 200 000). Daraltın.',
  },
});

export type ReportFormat = 'html' | 'pdf' | 'bundle';
const FORMATS: readonly ReportFormat[] = ['html', 'pdf', 'bundle'];
const DAY_MS = 86_400_000;

/// The file's name: the party and the window, as the line names it (`report-ru-gs-180400ZJUN17-182300ZJUN17.pdf`).
export function reportFileName(party: string, from: number, to: number, format: ReportFormat): string {
  const ext = format === 'bundle' ? 'bundle.json' : format;
  return `report-${party}-${dtg(from)}-${dtg(to)}.${ext}`;
}

/// A refusal as the line gives it (RFC 9457): the field it names, the bound, its words.
interface Refusal {
  field?: string;
  limit?: string;
  detail: string;
}

export class ReportDialog {
  private dialog: HTMLDialogElement;
  private from = h('input', { name: 'from', required: true, autocomplete: 'off', spellcheck: 'false', dir: 'ltr' });
  private to = h('input', { name: 'to', required: true, autocomplete: 'off', spellcheck: 'false', dir: 'ltr' });
  private notes: Record<'from' | 'to' | 'format', HTMLElement> = {
    from: h('p', { class: 'field-note', 'data-for': 'from', 'aria-live': 'polite' }),
    to: h('p', { class: 'field-note', 'data-for': 'to', 'aria-live': 'polite' }),
    format: h('p', { class: 'field-note', 'data-for': 'format', 'aria-live': 'polite' }),
  };
  private status = h('p', { class: 'muted report-status', 'aria-live': 'polite' });
  private button = h('button', { type: 'submit', class: 'primary' }, t('download'));

  constructor(
    private store: Store,
    private api: Api,
  ) {
    const open = $('#report-open');
    open.textContent = t('open');
    open.title = t('openTitle');
    open.addEventListener('click', () => this.open());
    const formats = h(
      'fieldset',
      { class: 'report-formats' },
      h('legend', {}, t('format')),
      ...FORMATS.map((f) => h('label', { class: 'check' }, h('input', { type: 'radio', name: 'format', value: f, checked: f === 'html' }), t(f))),
    );
    const form = h(
      'form',
      { method: 'dialog', class: 'report-form', onsubmit: (ev: Event) => this.submit(ev) },
      h('h3', {}, t('title')),
      h('p', { class: 'muted' }, t('intro')),
      h('label', {}, t('from'), this.from),
      this.notes.from,
      h('label', {}, t('to'), this.to),
      this.notes.to,
      formats,
      this.notes.format,
      h('p', { class: 'muted' }, t('bundleNote')),
      h('div', { class: 'actions' }, this.button, h('button', { type: 'button', onclick: () => this.dialog.close() }, t('close'))),
      this.status,
    );
    this.dialog = h('dialog', { class: 'report-dialog', 'aria-label': t('title') }, form);
    document.body.append(this.dialog);
    for (const [input, note] of [
      [this.from, this.notes.from],
      [this.to, this.notes.to],
    ] as const) {
      input.addEventListener('input', () => this.readBack(input, note));
    }
  }

  private now(): number {
    return lineNow(this.store.state.clock);
  }

  /// Opens the dialog with the last 24 hours of the line's clock (to the minute).
  open(): void {
    const now = Math.floor(this.now() / 60_000) * 60_000;
    this.from.value = dtg(now - DAY_MS);
    this.to.value = dtg(now);
    this.readBack(this.from, this.notes.from);
    this.readBack(this.to, this.notes.to);
    this.notes.format.textContent = '';
    this.status.textContent = '';
    if (!this.dialog.open) this.dialog.showModal();
  }

  private read(input: HTMLInputElement, after?: number) {
    return readTime(input.value, this.now(), after);
  }

  /// The time a field was read as, beside it (or why it cannot be read).
  private readBack(input: HTMLInputElement, note: HTMLElement): void {
    const r = this.read(input, input === this.to ? this.read(this.from).ms : undefined);
    note.classList.remove('error');
    note.textContent = r.ms !== undefined ? t('readAs', { dtg: ltr(fullTime(r.ms)) }) : '';
  }

  private refuse(where: 'from' | 'to' | 'format', words: string): void {
    const note = this.notes[where];
    note.textContent = words;
    note.classList.add('error');
  }

  private async submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const format = FORMATS.find((f) => f === new FormData(this.dialog.querySelector('form') ?? undefined).get('format')) ?? 'html';
    const from = this.read(this.from);
    const to = this.read(this.to, from.ms);
    this.readBack(this.from, this.notes.from);
    this.readBack(this.to, this.notes.to);
    this.notes.format.textContent = '';
    if (from.ms === undefined) return this.refuse('from', t('unread', { text: this.from.value }));
    if (to.ms === undefined) return this.refuse('to', t('unread', { text: this.to.value }));
    if (to.ms <= from.ms) return this.refuse('to', t('order'));
    const q = new URLSearchParams({ from: new Date(from.ms).toISOString().replace('.000Z', 'Z'), to: new Date(to.ms).toISOString().replace('.000Z', 'Z'), format });
    this.button.disabled = true;
    this.status.textContent = t('asking');
    try {
      const res = await fetch(`/v1/report?${q}`, { headers: { Authorization: `Bearer ${this.api.token}` } });
      if (!res.ok) {
        this.status.textContent = '';
        this.showRefusal(await refusalOf(res));
        return;
      }
      const name = reportFileName(this.store.state.who.party, from.ms, to.ms, format);
      save(await res.blob(), name);
      this.status.textContent = t('saved', { file: name });
    } catch (e) {
      this.status.textContent = t('refused', { detail: String(e) });
    } finally {
      this.button.disabled = false;
    }
  }

  /// A refusal beside the field it concerns: the window's bounds beside "To", a field the line names beside
  /// that field.
  private showRefusal(r: Refusal): void {
    const where = r.field === 'from' || r.field === 'format' ? r.field : 'to';
    if (r.limit === 'report_window') this.refuse('to', t('tooLong'));
    else if (r.limit === 'report_entries' || r.limit === 'report_scan') this.refuse('to', t('tooMany'));
    else this.refuse(where, t('refused', { detail: r.detail }));
  }
}

async function refusalOf(res: Response): Promise<Refusal> {
  const raw = await res.text();
  try {
    const v: unknown = JSON.parse(raw);
    if (isRecord(v)) return { field: text(v, 'field'), limit: text(v, 'limit'), detail: text(v, 'detail') ?? text(v, 'title') ?? res.statusText };
  } catch {
    /* not a problem document */
  }
  return { detail: raw || res.statusText };
}

/// Saves `blob` as a file named `name`, through an object URL released soon after.
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
