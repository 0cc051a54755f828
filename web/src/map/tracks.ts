// Live tracks as a MapLibre custom layer: every track a point and every trail a few line segments, drawn by
// WebGL inside the map's own frame from buffers uploaded once per track update (about once a second). A frame
// — panning included — costs two draw calls whatever the number of tracks: no per-frame projection in
// JavaScript and no second full-size canvas to composite. Positions are Web Mercator [0, 1] coordinates; the
// map's view matrix places them.

import type { CustomLayerInterface, CustomRenderMethodInput, Map as MapLibre } from 'maplibre-gl';

/// A track as the layer draws it: Web Mercator x, y, its colour, and its trail (x, y pairs, oldest first).
export interface TrackPoint {
  x: number;
  y: number;
  colour: string;
  trail: Float64Array;
}

const VERTEX = `#version 300 es
uniform mat4 u_matrix;
uniform float u_size;
in vec2 a_pos;
in vec3 a_colour;
out vec3 v_colour;
void main() {
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
  gl_PointSize = u_size;
  v_colour = a_colour;
}`;

const POINT = `#version 300 es
precision mediump float;
in vec3 v_colour;
out vec4 colour;
void main() {
  float d = length(gl_PointCoord * 2.0 - 1.0);
  if (d > 1.0) discard;
  colour = d > 0.7 ? vec4(0.0, 0.0, 0.0, 1.0) : vec4(v_colour, 1.0);
}`;

const LINE = `#version 300 es
precision mediump float;
in vec3 v_colour;
out vec4 colour;
void main() {
  colour = vec4(v_colour * 0.6, 0.6);
}`;

/// "#rrggbb" as three numbers 0–1.
export function rgb(colour: string): [number, number, number] {
  const n = Number.parseInt(colour.slice(1, 7), 16);
  if (Number.isNaN(n)) return [1, 1, 1];
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

export class TrackLayer implements CustomLayerInterface {
  readonly id = 'tracks';
  readonly type = 'custom' as const;
  readonly renderingMode = '2d' as const;
  private map?: MapLibre;
  private points?: WebGLProgram;
  private lines?: WebGLProgram;
  private pointBuf?: WebGLBuffer;
  private lineBuf?: WebGLBuffer;
  /// Our own vertex array object: the map's are never touched.
  private vao?: WebGLVertexArrayObject;
  private pointData = new Float32Array(0);
  private lineData = new Float32Array(0);
  private dirty = false;
  /// Trails are left out while the map moves (they come back when it stops).
  trailsWhileMoving = false;

  onAdd(map: MapLibre, gl: WebGL2RenderingContext): void {
    this.map = map;
    this.points = program(gl, VERTEX, POINT);
    this.lines = program(gl, VERTEX, LINE);
    this.pointBuf = gl.createBuffer() ?? undefined;
    this.lineBuf = gl.createBuffer() ?? undefined;
    this.vao = gl.createVertexArray() ?? undefined;
    this.dirty = true;
  }

  onRemove(_map: MapLibre, gl: WebGL2RenderingContext): void {
    for (const p of [this.points, this.lines]) if (p) gl.deleteProgram(p);
    for (const b of [this.pointBuf, this.lineBuf]) if (b) gl.deleteBuffer(b);
    if (this.vao) gl.deleteVertexArray(this.vao);
  }

  /// Replaces the tracks drawn, and asks the map for a frame.
  set(tracks: TrackPoint[]): void {
    const pts = new Float32Array(tracks.length * 5);
    let segments = 0;
    for (const t of tracks) segments += t.trail.length / 2;
    const lns = new Float32Array(segments * 10);
    let i = 0;
    let j = 0;
    for (const t of tracks) {
      const [r, g, b] = rgb(t.colour);
      pts.set([t.x, t.y, r, g, b], i);
      i += 5;
      const n = t.trail.length / 2;
      for (let k = 0; k < n; k++) {
        const x1 = k + 1 < n ? t.trail[2 * k + 2] : t.x;
        const y1 = k + 1 < n ? t.trail[2 * k + 3] : t.y;
        lns.set([t.trail[2 * k], t.trail[2 * k + 1], r, g, b, x1, y1, r, g, b], j);
        j += 10;
      }
    }
    this.pointData = pts;
    this.lineData = lns;
    this.dirty = true;
    this.map?.triggerRepaint();
  }

  render(gl: WebGL2RenderingContext, options: CustomRenderMethodInput): void {
    if (!this.points || !this.lines || !this.pointBuf || !this.lineBuf || !this.vao) return;
    gl.bindVertexArray(this.vao);
    if (this.dirty) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.lineBuf);
      gl.bufferData(gl.ARRAY_BUFFER, this.lineData, gl.DYNAMIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.pointBuf);
      gl.bufferData(gl.ARRAY_BUFFER, this.pointData, gl.DYNAMIC_DRAW);
      this.dirty = false;
    }
    const ratio = this.map?.getPixelRatio() ?? 1;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    const moving = this.map?.isMoving() ?? false;
    if (this.lineData.length && (!moving || this.trailsWhileMoving)) {
      this.draw(gl, this.lines, this.lineBuf, options, ratio);
      gl.drawArrays(gl.LINES, 0, this.lineData.length / 5);
    }
    if (this.pointData.length) {
      this.draw(gl, this.points, this.pointBuf, options, ratio);
      gl.drawArrays(gl.POINTS, 0, this.pointData.length / 5);
    }
    gl.bindVertexArray(null);
  }

  private draw(gl: WebGL2RenderingContext, p: WebGLProgram, buf: WebGLBuffer, o: CustomRenderMethodInput, ratio: number) {
    gl.useProgram(p);
    gl.uniformMatrix4fv(gl.getUniformLocation(p, 'u_matrix'), false, o.modelViewProjectionMatrix);
    gl.uniform1f(gl.getUniformLocation(p, 'u_size'), 9 * ratio);
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    const pos = gl.getAttribLocation(p, 'a_pos');
    const col = gl.getAttribLocation(p, 'a_colour');
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, 20, 0);
    gl.enableVertexAttribArray(col);
    gl.vertexAttribPointer(col, 3, gl.FLOAT, false, 20, 8);
  }
}

function program(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const p = gl.createProgram();
  for (const [type, src] of [
    [gl.VERTEX_SHADER, vs],
    [gl.FRAGMENT_SHADER, fs],
  ] as const) {
    const s = gl.createShader(type);
    if (!s) throw new Error('WebGL: cannot create a shader');
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`WebGL: ${gl.getShaderInfoLog(s)}`);
    gl.attachShader(p, s);
  }
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`WebGL: ${gl.getProgramInfoLog(p)}`);
  return p;
}
