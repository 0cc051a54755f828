// The line's clock and the time slider: the line's time (which may run faster than real time, in an
// exercise), read again from the line every 15 s; the header's clock; the slider, its play and now buttons
// and its label; and every deadline's countdown on the page, all redrawn four times a second.

import type { Api } from './api';
import { $, $as } from './dom';
import type { LineClock, State, Store } from './store';
import { define, ltr } from './i18n';
import { countdown, isoMinute, shortTime } from './text';
import { dtg } from './times';
import type { Whoami } from './types';

const t = define('clock', {
  en: {
    acknowledged: 'acknowledged',
    overdue: 'OVERDUE {t}',
    pause: '❚❚ pause',
    play: '▶ play',
    lineTime: 'line time {time} ({dtg})',
    rate: ' (×{rate})',
    now: 'now · {time}',
    ahead: '+{h} h · {time}',
  },
  ru: {
    acknowledged: 'подтверждено',
    overdue: 'ПРОСРОЧЕНО {t}',
    pause: '❚❚ пауза',
    play: '▶ пуск',
    lineTime: 'время линии {time} ({dtg})',
    rate: ' (×{rate})',
    now: 'сейчас · {time}',
    ahead: '+{h} ч · {time}',
  },
  ar: {
    acknowledged: 'تم تأكيد الاستلام',
    overdue: 'متأخر {t}',
    pause: '❚❚ إيقاف مؤقت',
    play: '▶ تشغيل',
    lineTime: 'وقت الخط {time} ({dtg})',
    rate: ' (×{rate})',
    now: 'الآن · {time}',
    ahead: '+{h} ساعة · {time}',
  },
  tr: {
    acknowledged: 'alındı',
    overdue: 'GECİKTİ {t}',
    pause: '❚❚ duraklat',
    play: '▶ oynat',
    lineTime: 'hat saati {time} ({dtg})',
    rate: ' (×{rate})',
    now: 'şimdi · {time}',
    ahead: '+{h} sa · {time}',
  },
});

/// How far ahead the slider reaches.
export const HOURS_AHEAD = 96;
const STEP_MIN = 15;

/// The line's time now (ms).
export function lineNow(c: LineClock): number {
  return c.line + (Date.now() - c.real) * c.rate;
}

/// The time the slider shows (ms): the line's time plus the slider's minutes.
export function sliderTime(s: State): number {
  return lineNow(s.clock) + s.slider.minutes * 60_000;
}

/// A deadline's countdown (the element's data-deadline) in the line's time; red once overdue.
export function showCountdown(el: HTMLElement, now: number): HTMLElement {
  const left = Date.parse(el.dataset.deadline ?? '') - now;
  const done = el.dataset.done === 'true';
  el.textContent = done ? t('acknowledged') : left < 0 ? t('overdue', { t: ltr(countdown(-left)) }) : ltr(countdown(left));
  el.classList.toggle('overdue', !done && left < 0);
  return el;
}

export class Clock {
  private timers: number[] = [];
  private slider = $as('#slider', HTMLInputElement);

  /// `onTime` is told the slider's time on every tick (the map shows what is in force then).
  constructor(
    private store: Store,
    private api: Api,
    private onTime: (t: number) => void,
  ) {
    this.slider.max = String(HOURS_AHEAD * 60);
    this.slider.addEventListener('input', () => {
      store.dispatch({ type: 'slider/set', minutes: Number(this.slider.value) });
      this.tick();
    });
    $('#play').addEventListener('click', () => store.dispatch({ type: 'slider/playing', playing: !store.state.slider.playing }));
    $('#now').addEventListener('click', () => {
      store.dispatch({ type: 'slider/set', minutes: 0 });
      this.slider.value = '0';
      store.dispatch({ type: 'slider/playing', playing: false });
      this.tick();
    });
    store.watch(
      (s) => s.slider.playing,
      (s) => {
        const b = $('#play');
        b.textContent = s.slider.playing ? t('pause') : t('play');
        b.setAttribute('aria-pressed', String(s.slider.playing));
      },
    );
  }

  start(): void {
    this.timers.push(window.setInterval(() => this.tick(), 250));
    this.timers.push(window.setInterval(() => this.sync().catch(() => {}), 15_000));
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  /// Reads the line's time again.
  async sync(): Promise<void> {
    const who = await this.api.get<Whoami>('/v1/credentials');
    this.store.dispatch({ type: 'clock/synced', now: who.now, rate: who.clock_rate, real: Date.now() });
  }

  tick(): void {
    const { clock, slider } = this.store.state;
    const line = lineNow(clock);
    const time = ltr(isoMinute(line).replace('T', ' ').replace(':00Z', 'Z'));
    $('#clock').textContent = t('lineTime', { time, dtg: ltr(dtg(line)) }) + (clock.rate !== 1 ? t('rate', { rate: clock.rate }) : '');
    if (slider.playing) {
      const minutes = Math.min(slider.minutes + STEP_MIN, HOURS_AHEAD * 60);
      this.store.dispatch({ type: 'slider/set', minutes });
      if (minutes >= HOURS_AHEAD * 60) this.store.dispatch({ type: 'slider/playing', playing: false });
      this.slider.value = String(minutes);
    }
    const s = this.store.state;
    const at = sliderTime(s);
    const m = s.slider.minutes;
    $('#slider-label').textContent = m === 0 ? t('now', { time: shortTime(at) }) : t('ahead', { h: m / 60, time: shortTime(at) });
    this.onTime(at);
    const now = lineNow(s.clock);
    for (const el of document.querySelectorAll<HTMLElement>('[data-deadline]')) showCountdown(el, now);
  }
}
