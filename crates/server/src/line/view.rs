//! The line's views: list filters and pages, the outlines drawn on the map, and a conflict as each of its
//! parties sees it (its own side whole, of the other side only the conflicting volumes).

use super::*;

impl ListFilter {
    pub(super) fn keeps(&self, d: &Declaration) -> bool {
        d.volumes.iter().any(|v| {
            self.from_ms.is_none_or(|f| v.time.end_ms > f)
                && self.to_ms.is_none_or(|t| v.time.start_ms < t)
                && self.bbox.is_none_or(|b| bounds_meet(&v.footprint, b))
        })
    }
}

/// The first `limit` of `items` (keyed, in key order), within `bytes` of JSON (always at least one item), and
/// the key of the last one taken when more follow.
pub(super) fn take_page<'a>(
    items: impl Iterator<Item = (&'a String, Value)>,
    limit: usize,
    bytes: usize,
) -> (Vec<Value>, Option<String>) {
    /// Counts the bytes written to it.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Vec::new();
    let mut last: Option<&String> = None;
    let mut size = 0;
    for (key, item) in items {
        let mut count = Count(0);
        // Writing a `Value` to a counter cannot fail.
        let _ = serde_json::to_writer(&mut count, &item);
        if out.len() == limit || (!out.is_empty() && size + count.0 > bytes) {
            return (out, last.cloned());
        }
        size += count.0;
        out.push(item);
        last = Some(key);
    }
    (out, None)
}

/// Whether a footprint's longitude/latitude bounds (its vertices widened by its radius or half-width and by
/// 1 km for the bulge of long edges) meet a box. Approximate, erring towards inclusion; a footprint whose
/// vertices spread over more than 180° of longitude (one across the antimeridian) is taken to span them all.
pub(super) fn bounds_meet(region: &deconflict_space::Region, b: [f64; 4]) -> bool {
    use deconflict_space::Footprint;
    let (points, reach_m) = match region.footprint() {
        Footprint::Polygon(p) => (p.as_slice(), 0.0),
        Footprint::Circle { center, radius_m } => (std::slice::from_ref(center), *radius_m),
        Footprint::Corridor { path, half_width_m } => (path.as_slice(), *half_width_m),
    };
    let pad_deg = (reach_m + 1_000.0) / 111_000.0;
    let (mut lo_lat, mut hi_lat, mut lo_lon, mut hi_lon) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for p in points {
        let lon_pad = pad_deg / p.lat.to_radians().cos().max(0.01);
        lo_lat = lo_lat.min(p.lat - pad_deg);
        hi_lat = hi_lat.max(p.lat + pad_deg);
        lo_lon = lo_lon.min(p.lon - lon_pad);
        hi_lon = hi_lon.max(p.lon + lon_pad);
    }
    if hi_lat < b[1] || lo_lat > b[3] {
        return false;
    }
    if hi_lon - lo_lon >= 180.0 {
        return true;
    }
    let meets = |lo: f64, hi: f64| hi_lon >= lo && lo_lon <= hi;
    let shifted = |lo: f64, hi: f64| {
        meets(lo, hi) || meets(lo - 360.0, hi - 360.0) || meets(lo + 360.0, hi + 360.0)
    };
    if b[0] <= b[2] {
        shifted(b[0], b[2])
    } else {
        shifted(b[0], b[2] + 360.0)
    }
}

/// Each volume of `d` for drawing, in the line's units: `{ring: [[lon, lat], …] (closed), lower_m, upper_m,
/// start, end}`. Circles and corridors are drawn as rings of points on them (see
/// [`deconflict_space::geodesy::corridor_ring`]); sides of lines as the strip the line checks against.
pub fn outline(d: &Declaration) -> Value {
    use deconflict_space::geodesy::{circle_ring, corridor_ring};
    use deconflict_space::region::Footprint;
    let volumes: Vec<Value> = d
        .volumes
        .iter()
        .map(|v| {
            let mut ring = match v.footprint.footprint() {
                Footprint::Polygon(points) => points.clone(),
                Footprint::Circle { center, radius_m } => circle_ring(*center, *radius_m, 72),
                Footprint::Corridor { path, half_width_m } => corridor_ring(path, *half_width_m),
            };
            if ring.len() > 1 && ring.first() != ring.last() {
                ring.push(ring[0]);
            }
            let round = |x: f64| (x * 1e6).round() / 1e6;
            json!({
                "ring": ring.iter().map(|p| [round(p.lon), round(p.lat)]).collect::<Vec<_>>(),
                "lower_m": v.altitude.lower_m,
                "upper_m": v.altitude.upper_m,
                "start": format_time(v.time.start_ms),
                "end": format_time(v.time.end_ms),
            })
        })
        .collect();
    Value::Array(volumes)
}

/// A conflict as one of its parties sees it: its own declaration, and of the other side only the id, party,
/// version and the conflicting volumes.
pub(super) fn conflict_view(record: &ConflictRecord, party: &str) -> Value {
    let c = &record.content;
    let (own, other) = if c["a"]["party"] == json!(party) {
        ("a", "b")
    } else {
        ("b", "a")
    };
    let per_party = |p: &String| {
        json!({
            "acknowledged": record.acknowledged.get(p).map(|t| format_time(*t)),
            "accepted": record.accepted.get(p).map(|t| format_time(*t)),
            "disputed": record.disputed.get(p).map(|(t, why)| json!({"at": format_time(*t), "reason": why})),
        })
    };
    let parties: serde_json::Map<String, Value> = record
        .parties
        .iter()
        .map(|p| (p.clone(), per_party(p)))
        .collect();
    json!({
        "id": c["id"],
        "status": if record.resolved_by.is_some() { "resolved" } else if record.acknowledged.contains_key(party) { "acknowledged" } else { "open" },
        "outcome": record.outcome(),
        "parties": parties,
        "declaration": {"id": c[own]["id"], "version": c[own]["version"]},
        "other": c[other],
        "distance_m": c["distance_m"],
        "vertical_gap_m": c["vertical_gap_m"],
        "start": c["start"],
        "end": c["end"],
    })
}

impl Line {
    /// One page of `items` (keyed, in key order, already cut to what the caller may read): at most `limit` of
    /// them and the line's `page_bytes`, reflecting the log at `cursor`.
    pub(super) fn listed<'a>(
        &self,
        items: impl Iterator<Item = (&'a String, Value)>,
        limit: usize,
        cursor: u64,
    ) -> Listed {
        let (items, next) = take_page(items, limit, self.limits.page_bytes);
        Listed {
            items,
            next,
            cursor,
        }
    }
}
