// How finely the map draws while it moves. Without a GPU (software WebGL), a frame's cost is mostly its
// pixels: when frames come slower than about 36 a second while the map moves, the map draws at a lower pixel
// ratio (down to half the screen's), and sharp again once it has stayed still for a moment (a pan made of
// many short moves is not resized between them). The ratio while moving is kept from one move to the next,
// and raised again when the frames show there is room; with a GPU it stays at full. The overlay's labels and
// grids are on their own canvas and stay sharp throughout. Others can change how they draw over the same span
// (from the first move to sharp again): see `whileMoving`.

import type { Map as MapLibre } from 'maplibre-gl';

/// The frame time aimed at while moving, ms.
const TARGET = 1000 / 36;
const STEPS = [1, 0.75, 0.6, 0.5];
/// How long the map stays still before it is drawn sharp again, ms.
const SHARP_AFTER = 800;

export class Motion {
  /// Which of STEPS is used while moving.
  private step = 0;
  private moving = false;
  private last = 0;
  private intervals: number[] = [];
  /// Set while the map is resized from here: MapLibre's resize fires movestart and moveend of its own.
  private resizing = false;
  private sharp?: ReturnType<typeof setTimeout>;
  /// Whether the map draws as it does while moving (from the first move until sharp again).
  private coarse = false;
  private listeners: ((moving: boolean) => void)[] = [];

  constructor(private map: MapLibre) {
    map.on('movestart', () => {
      if (this.resizing) return;
      clearTimeout(this.sharp);
      this.moving = true;
      // The frames of earlier moves still count (a short pan has few); the pause between moves does not.
      this.last = 0;
      this.apply(STEPS[this.step]);
      this.setCoarse(true);
    });
    map.on('render', () => {
      if (!this.moving || this.resizing) return;
      const now = performance.now();
      if (this.last) this.intervals.push(now - this.last);
      this.last = now;
      if (this.intervals.length >= 8) this.judge();
    });
    map.on('moveend', () => {
      if (this.resizing) return;
      this.moving = false;
      clearTimeout(this.sharp);
      this.sharp = setTimeout(() => {
        this.apply(1);
        this.setCoarse(false);
      }, SHARP_AFTER);
    });
  }

  /// The fraction of the screen's pixel ratio drawn at while moving.
  get scale(): number {
    return STEPS[this.step];
  }

  /// Calls `f(true)` when the map starts moving and `f(false)` once it is drawn sharp again after it stops.
  whileMoving(f: (moving: boolean) => void) {
    this.listeners.push(f);
  }

  private setCoarse(coarse: boolean) {
    if (this.coarse === coarse) return;
    this.coarse = coarse;
    for (const f of this.listeners) f(coarse);
  }

  private judge() {
    const sorted = [...this.intervals].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    this.intervals = [];
    if (median > TARGET && this.step < STEPS.length - 1) {
      this.step++;
      this.apply(STEPS[this.step]);
    } else if (median <= TARGET && this.step > 0) {
      // What a frame would cost one step finer: its pixels grow with the square of the ratio.
      const finer = median * (STEPS[this.step - 1] / STEPS[this.step]) ** 2;
      if (finer < TARGET * 0.8) {
        this.step--;
        this.apply(STEPS[this.step]);
      }
    }
  }

  private apply(scale: number) {
    const ratio = (window.devicePixelRatio || 1) * scale;
    if (Math.abs(this.map.getPixelRatio() - ratio) < 1e-6) return;
    this.resizing = true;
    try {
      this.map.setPixelRatio(ratio);
    } finally {
      this.resizing = false;
    }
    // The frame that resizes the canvas is not a measure of the others.
    this.last = 0;
  }
}
