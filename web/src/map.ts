// The map: an offline basemap (land, coastlines, borders, rivers, and the Euphrates, Tigris and Khabur drawn
// as continuous lines) under the party's picture — declarations, sites, zones and sides of lines in force at
// the slider's time, protected sites as fixed-size markers — with live tracks in a WebGL layer and labels,
// grids, the measure tool and flashing alerts over it (see overlay.ts). No tile server: every layer is
// GeoJSON. What is drawn comes from picture.ts; this module owns MapLibre: its style, sources, layers, clicks,
// framing, and how finely it draws while moving (map/motion.ts).

import * as maplibregl from 'maplibre-gl';
import type { FeatureCollection, Feature } from 'geojson';
import { define } from './i18n';
import { Motion } from './map/motion';
import { RIVERS } from './map/places';
import { siteImages } from './map/sites';
import { Overlay, type Props } from './overlay';

export const PALETTE = ['#4cc9f0', '#f72585', '#ffd166', '#06d6a0', '#f8961e', '#b892ff', '#ef476f', '#90be6d'];

export function partyColour(party: string, parties: string[]): string {
  const i = parties.indexOf(party);
  if (i >= 0) return PALETTE[i % PALETTE.length];
  let h = 0;
  for (const ch of party) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

const SEA = '#0b1a2b';
const LAND = '#1d2a1f';

/// The basemap's tile buffer, in pixels of a 512-pixel tile (see addBasemap).
const BUFFER = 8;

const empty = (): FeatureCollection => ({ type: 'FeatureCollection', features: [] });

export type Picked = (props: Props, layer: string, lngLat: maplibregl.LngLat) => void;

const t = define('map', {
  en: {
    toggleAttribution: 'Show or hide the map’s sources',
    zoomIn: 'Zoom in',
    zoomOut: 'Zoom out',
    attribution: 'Natural Earth (world-atlas); rivers: geo-maps, great rivers hand-drawn through public places',
  },
  ru: {
    toggleAttribution: 'Показать или скрыть источники карты',
    zoomIn: 'Приблизить',
    zoomOut: 'Отдалить',
    attribution: 'Natural Earth (world-atlas); реки: geo-maps, крупные реки проведены вручную через общедоступные пункты',
  },
  ar: {
    toggleAttribution: 'إظهار مصادر الخريطة أو إخفاؤها',
    zoomIn: 'تكبير',
    zoomOut: 'تصغير',
    attribution: 'Natural Earth (world-atlas)؛ الأنهار: geo-maps، والأنهار الكبرى مرسومة يدويًا عبر أماكن عامة',
  },
  tr: {
    toggleAttribution: 'Haritanın kaynaklarını göster veya gizle',
    zoomIn: 'Yakınlaştır',
    zoomOut: 'Uzaklaştır',
    attribution: 'Natural Earth (world-atlas); nehirler: geo-maps, büyük nehirler kamuya açık yerlerden elle çizildi',
  },
});

export class PictureMap {
  map: maplibregl.Map;
  ready: Promise<void>;
  overlay: Overlay;
  readonly motion: Motion;
  private shownTime = -Infinity;
  /// Who takes a click before anything else (the measure tool, while it measures).
  clickFirst: (at: maplibregl.LngLat) => boolean = () => false;

  constructor(container: HTMLElement, onPick: Picked, onClick: (at: maplibregl.LngLat) => boolean) {
    this.map = new maplibregl.Map({
      container,
      center: [38.8, 35.8],
      zoom: 6.3,
      attributionControl: false,
      // MapLibre's own controls' words in the page's language.
      locale: {
        'AttributionControl.ToggleAttribution': t('toggleAttribution'),
        'NavigationControl.ZoomIn': t('zoomIn'),
        'NavigationControl.ZoomOut': t('zoomOut'),
      },
      // Draw what is there at once: no fading in of tiles and symbols.
      fadeDuration: 0,
      // North up and flat: the tracks' overlay places points with a scale and an offset.
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      style: {
        version: 8,
        sources: {},
        // The ground: the sea's colour until the basemap is drawn, then the land's (see addBasemap).
        layers: [{ id: 'ground', type: 'background', paint: { 'background-color': SEA } }],
      },
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.overlay = new Overlay(this.map);
    this.motion = new Motion(this.map);
    // While the map moves its ground is not drawn: the canvas stays transparent there and the container's
    // background, of the same colour, shows through it (a full-screen pass less in every frame of a pan, which
    // without a GPU is CPU time). Drawn again once the map is still, so that the canvas alone (a PNG or PDF
    // export of the situation picture) holds the whole map.
    this.motion.whileMoving((moving) => {
      const m = this.map;
      if (!m.getLayer('ground')) return;
      if (moving) m.getContainer().style.backgroundColor = String(m.getPaintProperty('ground', 'background-color'));
      m.setLayoutProperty('ground', 'visibility', moving ? 'none' : 'visible');
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.map.addControl(
      new maplibregl.AttributionControl({
        compact: true,
        customAttribution: t('attribution'),
      }),
    );
    this.ready = new Promise((resolve) => {
      this.map.on('load', () => {
        this.addPictureLayers();
        resolve();
      });
    });
    const pickable = ['decl-fill', 'site-marks'];
    this.map.on('click', (e: maplibregl.MapMouseEvent) => {
      if (this.clickFirst(e.lngLat) || onClick(e.lngLat)) return;
      const dot = this.overlay.hit(e.point.x, e.point.y);
      if (dot) {
        onPick(dot, 'overlay', e.lngLat);
        return;
      }
      // A declaration's area first; a site's marker (drawn larger than the site) only where no area is.
      for (const layer of pickable) {
        if (!this.map.getLayer(layer)) continue;
        const found = this.map.queryRenderedFeatures(e.point, { layers: [layer] });
        if (found.length) {
          onPick(found[0].properties ?? {}, found[0].layer.id, e.lngLat);
          return;
        }
      }
    });
    for (const l of pickable) {
      this.map.on('mouseenter', l, () => (this.map.getCanvas().style.cursor = 'pointer'));
      this.map.on('mouseleave', l, () => (this.map.getCanvas().style.cursor = ''));
    }
  }

  /// Land, coastlines, rivers and borders, under the picture's layers.
  /// (Served beside the page; the map's worker fetches and parses them.) Added once the party's picture is
  /// drawn, so that the worker tiles the picture first.
  ///
  /// Without a GPU, every pixel a layer covers costs CPU in every frame of a pan, so the basemap covers as few
  /// as it can: the ground takes the land's colour and the sea is drawn over it (over the theatre most of the
  /// screen is land), and the sources' tiles carry a buffer of a few pixels instead of MapLibre's default 128
  /// (a quarter of a tile on each side, which a fill rasterises and the tile's stencil then throws away).
  /// The buffer must still cover the widest line's half width and its antialiasing (rivers-main, 4 px).
  addBasemap() {
    if (this.map.getSource('land')) return;
    const m = this.map;
    const under = 'decl-fill';
    const url = (name: string) => new URL(`basemap-${name}.json`, location.href).href;
    const tiles = { buffer: BUFFER } as const;
    // The sea: the world less the land (made by build.mjs), in cells of 30°.
    m.addSource('sea', { type: 'geojson', data: url('sea'), ...tiles });
    // The land: its coastline as lines (the layer keeps the name `land`: the browser tests wait for its
    // features as the sign that the basemap is drawn).
    m.addSource('land', { type: 'geojson', data: url('land'), ...tiles });
    m.addSource('borders', { type: 'geojson', data: url('borders'), ...tiles });
    m.addSource('rivers', { type: 'geojson', data: url('rivers'), ...tiles });
    m.addLayer({ id: 'sea', type: 'fill', source: 'sea', paint: { 'fill-color': SEA, 'fill-antialias': false } }, under);
    m.addLayer({ id: 'land', type: 'line', source: 'land', paint: { 'line-color': '#5d7a8c', 'line-width': 0.8 } }, under);
    // The ground turns the land's colour once the sea is drawn over it (until then the map shows sea, as it
    // did before the basemap came).
    const drawn = (e: maplibregl.MapSourceDataEvent) => {
      if (e.sourceId !== 'sea' || !m.isSourceLoaded('sea')) return;
      m.off('sourcedata', drawn);
      m.setPaintProperty('ground', 'background-color', LAND);
      m.getContainer().style.backgroundColor = LAND;
    };
    m.on('sourcedata', drawn);
    // earth-rivers' 1 km polygons from zoom 7 in: further out they are specks (the great rivers are drawn as
    // lines below), and each is a polygon to fill and outline in every frame.
    // Fills without their antialiased outlines (a shader program less to set up, and cheaper frames without a
    // GPU): the line layers draw the edges.
    m.addLayer({ id: 'rivers', type: 'fill', source: 'rivers', minzoom: 7, paint: { 'fill-color': '#3f88c5', 'fill-antialias': false } }, under);
    m.addLayer({
      id: 'rivers-line',
      type: 'line',
      source: 'rivers',
      minzoom: 7,
      paint: { 'line-color': '#3f88c5', 'line-width': 1.2 },
    }, under);
    // The great rivers as continuous lines, wider as the map zooms in.
    m.addSource('rivers-main', {
      type: 'geojson',
      ...tiles,
      data: {
        type: 'FeatureCollection',
        features: RIVERS.map((r) => ({ type: 'Feature', properties: { name: r.name.en }, geometry: { type: 'LineString', coordinates: r.line } })),
      },
    });
    m.addLayer({
      id: 'rivers-main',
      type: 'line',
      source: 'rivers-main',
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': '#4a98d8', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 1.4, 7, 2.4, 10, 4] },
    }, under);
    m.addLayer({
      id: 'borders',
      type: 'line',
      source: 'borders',
      paint: { 'line-color': '#9aa5b1', 'line-width': 1, 'line-dasharray': [3, 2] },
    }, under);
  }

  private addPictureLayers() {
    const m = this.map;
    for (const s of ['decl', 'draft', 'focus']) {
      m.addSource(s, { type: 'geojson', data: empty() });
    }
    // Declarations: one feature per volume, with start/end (ms) for the time slider's filter.
    m.addLayer({
      id: 'decl-fill',
      type: 'fill',
      source: 'decl',
      paint: {
        'fill-color': ['get', 'colour'],
        'fill-opacity': ['match', ['get', 'kind'], 'line', 0.28, 'zone', 0.18, 'site', 0.45, 0.14],
        'fill-antialias': false,
      },
    });
    m.addLayer({
      id: 'decl-edge',
      type: 'line',
      source: 'decl',
      paint: {
        'line-color': ['get', 'colour'],
        'line-width': ['case', ['get', 'own'], 2.4, 1.4],
        'line-dasharray': ['case', ['==', ['get', 'status'], 'planned'], ['literal', [2, 1]], ['literal', [1, 0]]],
      },
    });
    m.addLayer({
      id: 'focus',
      type: 'line',
      source: 'focus',
      paint: { 'line-color': '#ffffff', 'line-width': 3 },
    });
    // Protected sites: a marker of fixed size on screen at every zoom (a 300 m hospital is a speck at theatre
    // zoom), red-ringed while an open alert concerns it.
    m.addSource('sites', { type: 'geojson', data: empty() });
    for (const [name, image] of Object.entries(siteImages())) m.addImage(name, image, { pixelRatio: 2 });
    m.addLayer({
      id: 'site-marks',
      type: 'symbol',
      source: 'sites',
      layout: {
        'icon-image': ['case', ['get', 'alerted'], ['concat', ['get', 'icon'], '-alert'], ['get', 'icon']],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
        'symbol-sort-key': ['case', ['get', 'alerted'], 1, 0],
      },
    });
    m.addLayer(this.overlay.layer);
    m.addLayer({ id: 'draft-fill', type: 'fill', source: 'draft', paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.15, 'fill-antialias': false } });
    m.addLayer({
      id: 'draft-edge',
      type: 'line',
      source: 'draft',
      paint: { 'line-color': '#ffffff', 'line-width': 2, 'line-dasharray': [2, 1] },
    });
  }

  set(source: string, features: Feature[]) {
    const s = this.map.getSource(source) as maplibregl.GeoJSONSource | undefined;
    s?.setData({ type: 'FeatureCollection', features });
  }

  /// Shows only the declarations' volumes in force at `t` (ms).
  setTime(t: number) {
    // A filter change redraws the map: change it once a minute of the line's time at most.
    if (!this.map.getLayer('decl-fill') || Math.abs(t - this.shownTime) < 60_000) return;
    this.shownTime = t;
    const filter: maplibregl.FilterSpecification = ['all', ['<=', ['get', 'start'], t], ['>', ['get', 'end'], t]];
    this.map.setFilter('decl-fill', filter);
    this.map.setFilter('decl-edge', filter);
    this.map.setFilter('site-marks', filter);
    this.overlay.setTime(t);
  }

  fit(rings: number[][][], duration = 600) {
    const pts = rings.flat();
    if (!pts.length) return;
    const lons = pts.map((p) => p[0]);
    const lats = pts.map((p) => p[1]);
    this.map.fitBounds(
      [
        [Math.min(...lons), Math.min(...lats)],
        [Math.max(...lons), Math.max(...lats)],
      ],
      { padding: 60, maxZoom: 10, duration },
    );
  }
}
