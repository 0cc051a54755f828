// How finely the map draws while it moves. Without a GPU (software WebGL), a frame's cost is mostly its
// pixels: when frames come slower than 30 a second while the map moves, the map draws at a lower pixel ratio
// (down to half the screen's) until it stops, then draws sharp again. The ratio while moving is kept from one
// move to the next, and raised again when the frames show there is room. With a GPU it stays at full.

import type { Map as MapLibre } from 'maplibre-gl';

/// The frame time aimed at while moving, ms.
const TARGET = 1000 / 36;
const STEPS = [1, 0.75, 0.6, 0.5];

export class Motion {
  /// Which of STEPS is used while moving.
  private step = 0;
  private moving = false;
  private last = 0;
  private intervals: number[] = [];

  constructor(private map: MapLibre) {
    map.on('movestart', () => {
      this.moving = true;
      this.restart();
      this.apply(STEPS[this.step]);
    });
    map.on('render', () => {
      if (!this.moving) return;
      const now = performance.now();
      if (this.last) this.intervals.push(now - this.last);
      this.last = now;
      if (this.intervals.length >= 10) this.judge();
    });
    map.on('moveend', () => {
      this.moving = false;
      this.apply(1);
    });
  }

  /// The fraction of the screen's pixel ratio drawn at while moving.
  get scale(): number {
    return STEPS[this.step];
  }

  private restart() {
    this.last = 0;
    this.intervals = [];
  }

  private judge() {
    const sorted = [...this.intervals].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1];
    this.restart();
    if (median > TARGET && this.step < STEPS.length - 1) {
      this.step++;
      this.apply(STEPS[this.step]);
    } else if (this.step > 0) {
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
    if (Math.abs(this.map.getPixelRatio() - ratio) > 1e-6) {
      this.map.setPixelRatio(ratio);
      this.restart();
    }
  }
}
