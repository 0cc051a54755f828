// The markers of protected sites, drawn once on a canvas and given to MapLibre as images: a hospital's red
// cross on white, any other protected site's blue diamond; each with an "-alert" variant, larger and
// ringed in red, for a site that an open alert concerns. Fixed size on screen at every zoom.

/// Which marker a site gets, from its name or description, in any of the page's languages (parties name
/// their sites in their own).
export function siteIcon(text: string): 'hospital' | 'site' {
  return /hosp|clinic|medical|health|مستشفى|مستوصف|عيادة|طبي|госпиталь|больниц|поликлиник|медицин|hastane|klinik|sağlık|tıp/i.test(text) ? 'hospital' : 'site';
}

/// Images drawn at twice their size on screen (added with pixelRatio 2).
export function siteImages(): Record<string, ImageData> {
  const out: Record<string, ImageData> = {};
  for (const icon of ['hospital', 'site'] as const) {
    for (const alert of [false, true]) {
      const size = alert ? 64 : 44;
      const c = document.createElement('canvas');
      c.width = c.height = size;
      const g = c.getContext('2d');
      if (!g) continue;
      const m = size / 2;
      if (alert) {
        g.fillStyle = 'rgba(255, 59, 48, 0.35)';
        g.strokeStyle = '#ff3b30';
        g.lineWidth = 5;
        g.beginPath();
        g.arc(m, m, m - 3, 0, 2 * Math.PI);
        g.fill();
        g.stroke();
      }
      g.lineWidth = 3;
      g.strokeStyle = '#0b1a2b';
      if (icon === 'hospital') {
        g.fillStyle = '#ffffff';
        g.beginPath();
        g.arc(m, m, 18, 0, 2 * Math.PI);
        g.fill();
        g.stroke();
        g.fillStyle = '#e0262b';
        g.fillRect(m - 4.5, m - 12.5, 9, 25);
        g.fillRect(m - 12.5, m - 4.5, 25, 9);
      } else {
        g.fillStyle = '#2f80ed';
        g.beginPath();
        g.moveTo(m, m - 16);
        g.lineTo(m + 16, m);
        g.lineTo(m, m + 16);
        g.lineTo(m - 16, m);
        g.closePath();
        g.fill();
        g.strokeStyle = '#ffffff';
        g.stroke();
      }
      out[alert ? `${icon}-alert` : icon] = g.getImageData(0, 0, size, size);
    }
  }
  return out;
}
