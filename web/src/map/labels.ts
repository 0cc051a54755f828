// Label placement with collision management: candidates are tried in order of importance, each at a few
// spots around its anchor (right, left, above, below), and kept only where it overlaps no label kept before.
// Pure: the overlay measures the text and draws what this returns; the unit tests run it under Node.

export interface Candidate {
  /// The anchor, in screen pixels.
  x: number;
  y: number;
  /// The text's box, in pixels.
  w: number;
  h: number;
  /// Lower is more important: placed first.
  priority: number;
  /// Gap between the anchor and the text.
  gap?: number;
  /// Only the spot centred on the anchor (an area's name), not around it.
  centred?: boolean;
}

export interface Spot<C extends Candidate> {
  label: C;
  /// The text's top-left corner.
  left: number;
  top: number;
}

/// Places `candidates` inside a `width` × `height` screen, none overlapping another; returns those kept.
export function placeLabels<C extends Candidate>(candidates: C[], width: number, height: number, margin = 2): Spot<C>[] {
  const kept: Spot<C>[] = [];
  // A coarse grid of the kept boxes, so that each test looks at its neighbours only.
  const cell = 96;
  const cols = Math.max(1, Math.ceil(width / cell));
  const buckets = new Map<number, { l: number; t: number; r: number; b: number }[]>();
  const keys = (l: number, t: number, r: number, b: number) => {
    const out: number[] = [];
    for (let cy = Math.floor(t / cell); cy <= Math.floor(b / cell); cy++) {
      for (let cx = Math.floor(l / cell); cx <= Math.floor(r / cell); cx++) out.push(cy * (cols + 2) + cx);
    }
    return out;
  };
  const free = (l: number, t: number, r: number, b: number) => {
    if (l < 0 || t < 0 || r > width || b > height) return false;
    for (const k of keys(l, t, r, b)) {
      for (const o of buckets.get(k) ?? []) if (l < o.r && r > o.l && t < o.b && b > o.t) return false;
    }
    return true;
  };
  const sorted = candidates.map((c, i) => ({ c, i })).sort((a, z) => a.c.priority - z.c.priority || a.i - z.i);
  for (const { c } of sorted) {
    const g = c.gap ?? 5;
    const spots: [number, number][] = c.centred
      ? [[c.x - c.w / 2, c.y - c.h / 2]]
      : [
          [c.x + g, c.y - c.h / 2],
          [c.x - g - c.w, c.y - c.h / 2],
          [c.x - c.w / 2, c.y - g - c.h],
          [c.x - c.w / 2, c.y + g],
        ];
    for (const [left, top] of spots) {
      const box = { l: left - margin, t: top - margin, r: left + c.w + margin, b: top + c.h + margin };
      if (!free(box.l, box.t, box.r, box.b)) continue;
      for (const k of keys(box.l, box.t, box.r, box.b)) {
        const list = buckets.get(k);
        if (list) list.push(box);
        else buckets.set(k, [box]);
      }
      kept.push({ label: c, left, top });
      break;
    }
  }
  return kept;
}
