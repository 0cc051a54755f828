// A declaration's status as the picture shows it: the line's own status (planned, active, ended, cancelled)
// read against the line's time and the declaration's window, so that a planned declaration whose window has
// begun is never shown as plainly "planned", and the lifecycle actions valid for it (the line takes
// planned → active, planned or active → ended, and cancels what is not yet ended or cancelled).

import { durationText, shortTime } from './text';

export type LifecycleAction = 'activate' | 'end' | 'cancel';

export interface StatusShown {
  /// The status in a few words: `active`, `in its window — not yet active`, `planned`, …
  label: string;
  /// When, in words: `since 1 Jun 00:00Z, until 1 Jul 00:00Z`.
  detail: string;
  /// A class for its colour: `active`, `due` (planned and in its window, or past it), `planned`, `closed`.
  tone: 'active' | 'due' | 'planned' | 'closed';
  /// What its own party may do with it now.
  actions: LifecycleAction[];
}

/// The status of a declaration whose line status is `status`, with its window from `start` to `end` (ms;
/// the earliest start and latest end of its volumes), at the line's time `now` (ms).
export function statusShown(status: string, start: number, end: number, now: number): StatusShown {
  const window = Number.isFinite(start) && Number.isFinite(end);
  const until = window ? `until ${shortTime(end)}` : '';
  switch (status) {
    case 'active':
      if (window && now >= end) return { label: 'active — past its window', detail: `its window ended ${shortTime(end)}; end it`, tone: 'due', actions: ['end', 'cancel'] };
      return { label: 'active', detail: until, tone: 'active', actions: ['end', 'cancel'] };
    case 'planned':
      if (!window) return { label: 'planned', detail: '', tone: 'planned', actions: ['activate', 'cancel'] };
      if (now < start) {
        return { label: 'planned', detail: `starts ${shortTime(start)} (in ${durationText((start - now) / 1000)}), ${until}`, tone: 'planned', actions: ['activate', 'cancel'] };
      }
      if (now < end) {
        return { label: 'in its window — not yet active', detail: `since ${shortTime(start)}, ${until}`, tone: 'due', actions: ['activate', 'cancel'] };
      }
      return { label: 'planned — its window has passed', detail: `never activated; its window ended ${shortTime(end)}`, tone: 'due', actions: ['end', 'cancel'] };
    case 'ended':
    case 'cancelled':
      return { label: status, detail: window ? `window ${shortTime(start)} – ${shortTime(end)}` : '', tone: 'closed', actions: [] };
    default:
      // A status this picture does not know: shown as the line gives it, with nothing offered.
      return { label: status || 'unknown', detail: until, tone: 'planned', actions: [] };
  }
}

/// The window of a declaration: the earliest start and the latest end of its volumes (ms, NaN when none).
export function windowOf(volumes: { start: string; end: string }[] | undefined): [number, number] {
  const starts = (volumes ?? []).map((v) => Date.parse(v.start)).filter(Number.isFinite);
  const ends = (volumes ?? []).map((v) => Date.parse(v.end)).filter(Number.isFinite);
  return [starts.length ? Math.min(...starts) : Number.NaN, ends.length ? Math.max(...ends) : Number.NaN];
}
