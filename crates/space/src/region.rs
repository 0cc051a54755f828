//! Footprints on the WGS84 ellipsoid and the exact distance between them.
//!
//! A footprint is a *core* widened by a *buffer*:
//! - a circle is a point core with the radius as buffer (the geodesic disc),
//! - a corridor is a path core with the half-width as buffer,
//! - a polygon is an area core with no buffer.
//!
//! Edges of paths and polygons are **great-elliptic arcs**: the ellipsoid cut by the plane through both ends
//! and the Earth's centre. Radial projection onto the unit sphere maps such an arc exactly onto a great-circle
//! arc, so questions of topology (does an edge cross another, is a point inside) are answered exactly on the
//! sphere of geocentric directions, and in the gnomonic projection, which maps great circles to straight lines.
//! Over 1 000 km a great-elliptic arc strays from the geodesic by metres only.
//!
//! Because the geodesic distance between a widened core and any set is the core's distance minus the buffer,
//! `distance(A, B) = max(0, d(core A, core B) − buffer A − buffer B)`, exactly.
//!
//! The core distance is found in three steps, each cheap unless the previous could not decide:
//! 1. bounding caps give a lower bound on the angle between the cores;
//! 2. topology: crossing edges or containment mean distance 0;
//! 3. the least spherical angle between a vertex of one core and an edge of the other bounds the distance
//!    between `B·θ` and `1.00001·A·θ` (see [`geodesy::MIN_METRES_PER_RADIAN`]); every vertex–edge pair that
//!    could hold the minimum is refined on the ellipsoid by Newton's method along the arc and measured by
//!    [`geodesy::surface_distance`].

use robust::{orient2d, Coord};

use crate::error::{FieldError, Problem};
use crate::geodesy::{self, LonLat, MAX_METRES_PER_RADIAN, MIN_METRES_PER_RADIAN};
use crate::vec3::{self, V3};

/// Largest number of vertices in a polygon or corridor path (a closing vertex equal to the first is not
/// counted).
pub const MAX_VERTICES: usize = 1000;
/// Largest footprint: no two of its points may be further apart than this (m).
pub const MAX_WIDTH_M: f64 = 1_000_000.0;
/// Smallest area a polygon must enclose (m²); less is a line or a point drawn as a polygon.
pub const MIN_AREA_M2: f64 = 1.0;

/// A footprint as given: positions in degrees, lengths in metres.
#[derive(Clone, Debug, PartialEq)]
pub enum Footprint {
    /// A simple polygon, open or closed, either orientation.
    Polygon(Vec<LonLat>),
    /// All points within `radius_m` of `center`.
    Circle { center: LonLat, radius_m: f64 },
    /// All points within `half_width_m` of the path.
    Corridor {
        path: Vec<LonLat>,
        half_width_m: f64,
    },
}

impl Footprint {
    /// The name of the footprint's field in the input (`polygon`, `circle`, `corridor`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Footprint::Polygon(_) => "polygon",
            Footprint::Circle { .. } => "circle",
            Footprint::Corridor { .. } => "corridor",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Vertex {
    ecef: V3,
    dir: V3,
}

impl Vertex {
    fn new(p: LonLat) -> Self {
        let ecef = geodesy::ecef(p);
        Vertex {
            ecef,
            dir: vec3::normalize(ecef),
        }
    }
}

/// A great-elliptic arc between two vertices of a core.
#[derive(Clone, Copy, Debug)]
struct Edge {
    from: usize,
    to: usize,
    /// Unit normal of the arc's plane, oriented so that `from × to` points along it.
    normal: V3,
    /// The arc's angle at the centre (radians).
    angle: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreKind {
    Point,
    Path,
    Polygon,
}

/// A validated footprint, ready for distance queries.
#[derive(Clone, Debug)]
pub struct Region {
    footprint: Footprint,
    kind: CoreKind,
    vertices: Vec<Vertex>,
    edges: Vec<Edge>,
    buffer_m: f64,
    /// Centre of a cap holding the whole core.
    center: V3,
    /// Angular radius of that cap (radians).
    core_radius: f64,
    width_m: f64,
}

fn check_position(p: LonLat, field: &str) -> Result<(), FieldError> {
    if !p.lat.is_finite() || !p.lon.is_finite() {
        return Err(FieldError::new(field, Problem::NotFinite));
    }
    if !(-90.0..=90.0).contains(&p.lat) {
        return Err(FieldError::new(field, Problem::LatitudeOutOfRange(p.lat)));
    }
    if !(-180.0..=180.0).contains(&p.lon) {
        return Err(FieldError::new(field, Problem::LongitudeOutOfRange(p.lon)));
    }
    Ok(())
}

fn check_length(value: f64, field: &str) -> Result<(), FieldError> {
    if !value.is_finite() {
        return Err(FieldError::new(field, Problem::NotFinite));
    }
    if value <= 0.0 {
        return Err(FieldError::new(field, Problem::NotPositive(value)));
    }
    Ok(())
}

/// Validates the positions of a vertex list and removes repeated consecutive vertices (and, for rings, a
/// closing vertex equal to the first). Returns the distinct vertices with the input index of each.
fn distinct_vertices(
    points: &[LonLat],
    field: &str,
    ring: bool,
) -> Result<(Vec<Vertex>, Vec<LonLat>), FieldError> {
    let mut closing = 0;
    if ring && points.len() > 1 && points.first() == points.last() {
        closing = 1;
    }
    if points.len() - closing > MAX_VERTICES {
        return Err(FieldError::new(
            field,
            Problem::TooManyVertices {
                found: points.len() - closing,
                limit: MAX_VERTICES,
            },
        ));
    }
    let mut vertices: Vec<Vertex> = Vec::with_capacity(points.len());
    let mut kept = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        check_position(*p, &format!("{field}[{i}]"))?;
        let v = Vertex::new(*p);
        let repeated = vertices
            .last()
            .is_some_and(|last| vec3::norm(vec3::sub(last.dir, v.dir)) < 1e-12);
        if !repeated {
            vertices.push(v);
            kept.push(*p);
        }
    }
    if ring {
        while vertices.len() > 1 {
            let (first, last) = (vertices[0].dir, vertices[vertices.len() - 1].dir);
            if vec3::norm(vec3::sub(first, last)) < 1e-12 {
                vertices.pop();
                kept.pop();
            } else {
                break;
            }
        }
    }
    Ok((vertices, kept))
}

/// The centre of a cap around the given directions and its angular radius.
fn bounding_cap(vertices: &[Vertex]) -> Option<(V3, f64)> {
    let sum = vertices
        .iter()
        .fold([0.0; 3], |acc, v| vec3::add(acc, v.dir));
    if vec3::norm(sum) < 1e-9 {
        return None;
    }
    let center = vec3::normalize(sum);
    let radius = vertices
        .iter()
        .map(|v| vec3::angle(center, v.dir))
        .fold(0.0, f64::max);
    Some((center, radius))
}

/// The largest surface distance between two of the vertices (m).
fn diameter(vertices: &[Vertex]) -> f64 {
    let mut least_dot = 2.0;
    let mut pair = (0, 0);
    for i in 0..vertices.len() {
        for j in i + 1..vertices.len() {
            let d = vec3::dot(vertices[i].dir, vertices[j].dir);
            if d < least_dot {
                least_dot = d;
                pair = (i, j);
            }
        }
    }
    geodesy::surface_distance(vertices[pair.0].ecef, vertices[pair.1].ecef)
}

fn make_edges(vertices: &[Vertex], closed: bool) -> Vec<Edge> {
    let n = vertices.len();
    let count = if closed { n } else { n.saturating_sub(1) };
    (0..count)
        .map(|i| {
            let j = (i + 1) % n;
            let (a, b) = (vertices[i].dir, vertices[j].dir);
            Edge {
                from: i,
                to: j,
                normal: vec3::normalize(vec3::cross(a, b)),
                angle: vec3::angle(a, b),
            }
        })
        .collect()
}

fn too_wide(width_m: f64, field: &str) -> FieldError {
    FieldError::new(
        field,
        Problem::TooWide {
            width_km: width_m / 1000.0,
            limit_km: MAX_WIDTH_M / 1000.0,
        },
    )
}

impl Region {
    /// Validates a footprint. Field paths in errors start at the footprint's kind (`polygon[2]`,
    /// `circle.radius_m`, `corridor.path[0]`).
    pub fn new(footprint: &Footprint) -> Result<Region, FieldError> {
        match footprint {
            Footprint::Circle { center, radius_m } => {
                check_position(*center, "circle.center")?;
                check_length(*radius_m, "circle.radius_m")?;
                let width_m = 2.0 * radius_m;
                if width_m > MAX_WIDTH_M {
                    return Err(too_wide(width_m, "circle.radius_m"));
                }
                let v = Vertex::new(*center);
                Ok(Region {
                    footprint: footprint.clone(),
                    kind: CoreKind::Point,
                    vertices: vec![v],
                    edges: Vec::new(),
                    buffer_m: *radius_m,
                    center: v.dir,
                    core_radius: 0.0,
                    width_m,
                })
            }
            Footprint::Corridor { path, half_width_m } => {
                let (vertices, kept) = distinct_vertices(path, "corridor.path", false)?;
                if vertices.len() < 2 {
                    return Err(FieldError::new(
                        "corridor.path",
                        Problem::TooFewVertices {
                            found: vertices.len(),
                            needed: 2,
                        },
                    ));
                }
                check_length(*half_width_m, "corridor.half_width_m")?;
                let width_m = diameter(&vertices) + 2.0 * half_width_m;
                if width_m > MAX_WIDTH_M {
                    return Err(too_wide(width_m, "corridor"));
                }
                let (center, core_radius) =
                    bounding_cap(&vertices).ok_or_else(|| too_wide(f64::INFINITY, "corridor"))?;
                Ok(Region {
                    footprint: Footprint::Corridor {
                        path: kept,
                        half_width_m: *half_width_m,
                    },
                    kind: CoreKind::Path,
                    edges: make_edges(&vertices, false),
                    vertices,
                    buffer_m: *half_width_m,
                    center,
                    core_radius,
                    width_m,
                })
            }
            Footprint::Polygon(points) => {
                let (vertices, kept) = distinct_vertices(points, "polygon", true)?;
                if vertices.len() < 3 {
                    return Err(FieldError::new(
                        "polygon",
                        Problem::TooFewVertices {
                            found: vertices.len(),
                            needed: 3,
                        },
                    ));
                }
                let width_m = diameter(&vertices);
                if width_m > MAX_WIDTH_M {
                    return Err(too_wide(width_m, "polygon"));
                }
                let (center, core_radius) =
                    bounding_cap(&vertices).ok_or_else(|| too_wide(f64::INFINITY, "polygon"))?;
                let plane = Gnomonic::new(center);
                let projected: Vec<Coord<f64>> =
                    vertices.iter().map(|v| plane.project(v.dir)).collect();
                check_simple(&projected).map_err(|p| FieldError::new("polygon", p))?;
                Ok(Region {
                    footprint: Footprint::Polygon(kept),
                    kind: CoreKind::Polygon,
                    edges: make_edges(&vertices, true),
                    vertices,
                    buffer_m: 0.0,
                    center,
                    core_radius,
                    width_m,
                })
            }
        }
    }

    /// The footprint as validated (repeated vertices removed).
    pub fn footprint(&self) -> &Footprint {
        &self.footprint
    }

    /// The largest distance between two points of the footprint (m), an upper bound for polygons whose
    /// widest extent lies along an edge.
    pub fn width_m(&self) -> f64 {
        self.width_m
    }

    /// Centre (unit vector) and angular radius (radians) of a cap holding the whole footprint, with its buffer
    /// and a margin of `margin_m` around it.
    pub fn cap(&self, margin_m: f64) -> (V3, f64) {
        (
            self.center,
            self.core_radius + (self.buffer_m + margin_m) / MIN_METRES_PER_RADIAN,
        )
    }

    /// An axis-aligned box in the space of geocentric unit vectors holding the footprint widened by
    /// `margin_m`. Two footprints closer than `m` metres have intersecting boxes when one is widened by `m`.
    pub fn unit_box(&self, margin_m: f64) -> ([f64; 3], [f64; 3]) {
        let (c, r) = self.cap(margin_m);
        let mut lo = [0.0; 3];
        let mut hi = [0.0; 3];
        for i in 0..3 {
            let to_axis = c[i].clamp(-1.0, 1.0).acos();
            hi[i] = (to_axis - r).max(0.0).cos();
            lo[i] = (to_axis + r).min(std::f64::consts::PI).cos();
        }
        (lo, hi)
    }

    /// The geodesic distance between the two footprints (m); 0 when they touch or overlap.
    pub fn distance_m(&self, other: &Region) -> f64 {
        self.distance_below(other, f64::INFINITY)
            .unwrap_or(f64::INFINITY)
    }

    /// The distance between the footprints if it is less than `limit_m`, else `None`; much cheaper than
    /// [`Region::distance_m`] when the answer is `None`.
    pub fn distance_below(&self, other: &Region, limit_m: f64) -> Option<f64> {
        let buffers = self.buffer_m + other.buffer_m;
        let core_limit = limit_m + buffers;
        let core = core_distance_below(self, other, core_limit)?;
        let d = (core - buffers).max(0.0);
        (d < limit_m).then_some(d)
    }
}

/// The gnomonic projection at a centre: great circles become straight lines.
struct Gnomonic {
    c: V3,
    e1: V3,
    e2: V3,
}

impl Gnomonic {
    fn new(c: V3) -> Self {
        let helper = if c[0].abs() < 0.9 {
            [1.0, 0.0, 0.0]
        } else {
            [0.0, 1.0, 0.0]
        };
        let e1 = vec3::normalize(vec3::cross(c, helper));
        let e2 = vec3::cross(c, e1);
        Gnomonic { c, e1, e2 }
    }

    fn project(&self, d: V3) -> Coord<f64> {
        let k = vec3::dot(d, self.c);
        Coord {
            x: vec3::dot(d, self.e1) / k,
            y: vec3::dot(d, self.e2) / k,
        }
    }
}

fn within_box(a: Coord<f64>, b: Coord<f64>, p: Coord<f64>) -> bool {
    p.x >= a.x.min(b.x) && p.x <= a.x.max(b.x) && p.y >= a.y.min(b.y) && p.y <= a.y.max(b.y)
}

/// Whether two closed segments share a point (robust orientation tests).
fn segments_meet(p1: Coord<f64>, p2: Coord<f64>, q1: Coord<f64>, q2: Coord<f64>) -> bool {
    let d1 = orient2d(q1, q2, p1);
    let d2 = orient2d(q1, q2, p2);
    let d3 = orient2d(p1, p2, q1);
    let d4 = orient2d(p1, p2, q2);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && within_box(q1, q2, p1))
        || (d2 == 0.0 && within_box(q1, q2, p2))
        || (d3 == 0.0 && within_box(p1, p2, q1))
        || (d4 == 0.0 && within_box(p1, p2, q2))
}

/// Whether a planar polygon contains a point; points on the boundary count as inside.
fn polygon_contains(ring: &[Coord<f64>], p: Coord<f64>) -> bool {
    let mut inside = false;
    for i in 0..ring.len() {
        let a = ring[i];
        let b = ring[(i + 1) % ring.len()];
        let o = orient2d(a, b, p);
        if o == 0.0 && within_box(a, b, p) {
            return true;
        }
        if (a.y > p.y) != (b.y > p.y) && (b.y > a.y) == (o > 0.0) {
            inside = !inside;
        }
    }
    inside
}

/// The bounding box of a planar segment.
#[derive(Clone, Copy, Debug)]
struct SegmentBox {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl SegmentBox {
    fn of(p: Coord<f64>, q: Coord<f64>) -> Self {
        SegmentBox {
            x0: p.x.min(q.x),
            x1: p.x.max(q.x),
            y0: p.y.min(q.y),
            y1: p.y.max(q.y),
        }
    }
}

/// Visits every pair `(i, j)` of a box from `a` and a box from `b` whose boxes meet (touching counts), by a
/// sweep along x; stops and returns true as soon as `visit` does. Near-linear for the footprints people draw,
/// where the plain double loop would be quadratic.
fn any_box_pair(
    a: &[SegmentBox],
    b: &[SegmentBox],
    mut visit: impl FnMut(usize, usize) -> bool,
) -> bool {
    let mut events: Vec<(f64, bool, usize)> = a
        .iter()
        .enumerate()
        .map(|(i, bx)| (bx.x0, true, i))
        .chain(b.iter().enumerate().map(|(j, bx)| (bx.x0, false, j)))
        .collect();
    events.sort_by(|p, q| p.0.total_cmp(&q.0));
    let (mut active_a, mut active_b): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    for (x, from_a, k) in events {
        active_a.retain(|&i| a[i].x1 >= x);
        active_b.retain(|&j| b[j].x1 >= x);
        if from_a {
            let me = a[k];
            for &j in &active_b {
                if me.y0 <= b[j].y1 && b[j].y0 <= me.y1 && visit(k, j) {
                    return true;
                }
            }
            active_a.push(k);
        } else {
            let me = b[k];
            for &i in &active_a {
                if me.y0 <= a[i].y1 && a[i].y0 <= me.y1 && visit(i, k) {
                    return true;
                }
            }
            active_b.push(k);
        }
    }
    false
}

/// Rejects rings with crossing or touching non-adjacent edges, adjacent edges that fold back on each other,
/// and (once the ring is known to be simple) rings enclosing less than [`MIN_AREA_M2`].
fn check_simple(ring: &[Coord<f64>]) -> Result<(), Problem> {
    let n = ring.len();
    let edge = |i: usize| (ring[i], ring[(i + 1) % n]);
    let boxes: Vec<SegmentBox> = (0..n)
        .map(|i| {
            let (p, q) = edge(i);
            SegmentBox::of(p, q)
        })
        .collect();
    let mut crossing = None;
    any_box_pair(&boxes, &boxes, |i, j| {
        if i >= j {
            return false;
        }
        let ((a1, a2), (b1, b2)) = (edge(i), edge(j));
        let adjacent = j == i + 1 || (i == 0 && j == n - 1);
        let bad = if adjacent {
            // The shared vertex, and the far ends of the two edges.
            let (shared, p, q) = if j == i + 1 {
                (a2, a1, b2)
            } else {
                (a1, a2, b1)
            };
            orient2d(p, shared, q) == 0.0
                && (p.x - shared.x) * (q.x - shared.x) + (p.y - shared.y) * (q.y - shared.y) > 0.0
        } else {
            segments_meet(a1, a2, b1, b2)
        };
        if bad {
            crossing = Some((i, j));
        }
        bad
    });
    if let Some((i, j)) = crossing {
        return Err(Problem::SelfIntersecting(i, j));
    }
    // Gnomonic units are radians near the centre: scale by the Earth's radius to get square metres.
    let twice_area: f64 = (0..n)
        .map(|i| {
            let (p, q) = (ring[i], ring[(i + 1) % n]);
            p.x * q.y - q.x * p.y
        })
        .sum();
    if (twice_area / 2.0).abs() * geodesy::A * geodesy::A < MIN_AREA_M2 {
        return Err(Problem::NoArea);
    }
    Ok(())
}

/// Whether two cores share a point that a vertex-to-edge distance would not find: crossing edges, or one core
/// inside a polygon.
fn cores_meet(a: &Region, b: &Region) -> bool {
    use CoreKind::*;
    let needs_topology = matches!((a.kind, b.kind), (Polygon, _) | (_, Polygon) | (Path, Path));
    if !needs_topology {
        return false;
    }
    let plane = Gnomonic::new(vec3::normalize(vec3::add(a.center, b.center)));
    let pa: Vec<Coord<f64>> = a.vertices.iter().map(|v| plane.project(v.dir)).collect();
    let pb: Vec<Coord<f64>> = b.vertices.iter().map(|v| plane.project(v.dir)).collect();
    let boxes = |p: &[Coord<f64>], edges: &[Edge]| -> Vec<SegmentBox> {
        edges
            .iter()
            .map(|e| SegmentBox::of(p[e.from], p[e.to]))
            .collect()
    };
    let crossing = any_box_pair(&boxes(&pa, &a.edges), &boxes(&pb, &b.edges), |i, j| {
        let (ea, eb) = (&a.edges[i], &b.edges[j]);
        segments_meet(pa[ea.from], pa[ea.to], pb[eb.from], pb[eb.to])
    });
    if crossing {
        return true;
    }
    (a.kind == Polygon && polygon_contains(&pa, pb[0]))
        || (b.kind == Polygon && polygon_contains(&pb, pa[0]))
}

/// The angle from a direction to an arc, and the angle along the arc (from its start) of the nearest point.
fn angle_to_arc(p: V3, from: V3, to: V3, edge: &Edge) -> (f64, f64) {
    let n = edge.normal;
    let within =
        vec3::dot(vec3::cross(from, p), n) >= 0.0 && vec3::dot(vec3::cross(p, to), n) >= 0.0;
    if within {
        let off = vec3::dot(p, n);
        let foot = vec3::sub(p, vec3::scale(n, off));
        let along = vec3::angle(from, vec3::normalize(foot));
        (off.abs().min(1.0).asin(), along.min(edge.angle))
    } else {
        let (to_from, to_to) = (vec3::angle(p, from), vec3::angle(p, to));
        if to_from <= to_to {
            (to_from, 0.0)
        } else {
            (to_to, edge.angle)
        }
    }
}

/// The surface distance from a point to a great-elliptic arc, by Newton's method on the squared chord along
/// the arc starting from the spherical foot `along0`.
fn refine_to_arc(p: &Vertex, from: &Vertex, edge: &Edge, along0: f64) -> f64 {
    let a_hat = from.dir;
    let t_hat = vec3::cross(edge.normal, a_hat);
    let point_at = |phi: f64| {
        let (s, c) = phi.sin_cos();
        geodesy::surface_point(vec3::add(vec3::scale(a_hat, c), vec3::scale(t_hat, s)))
    };
    let mut phi = along0.clamp(0.0, edge.angle);
    for _ in 0..32 {
        let (s, c) = phi.sin_cos();
        let u = vec3::add(vec3::scale(a_hat, c), vec3::scale(t_hat, s));
        let du = vec3::add(vec3::scale(a_hat, -s), vec3::scale(t_hat, c));
        let k = (u[0] * u[0] + u[1] * u[1]) / (geodesy::A * geodesy::A)
            + u[2] * u[2] / (geodesy::B * geodesy::B);
        let dk = 2.0 * (u[0] * du[0] + u[1] * du[1]) / (geodesy::A * geodesy::A)
            + 2.0 * u[2] * du[2] / (geodesy::B * geodesy::B);
        let r = 1.0 / k.sqrt();
        let dr = -0.5 * r * r * r * dk;
        let x = vec3::scale(u, r);
        let dx = vec3::add(vec3::scale(u, dr), vec3::scale(du, r));
        let diff = vec3::sub(x, p.ecef);
        let slope = vec3::dot(diff, dx);
        let curvature = vec3::dot(dx, dx) - r * vec3::dot(diff, u);
        if curvature <= 0.0 {
            break;
        }
        let next = (phi - slope / curvature).clamp(0.0, edge.angle);
        let moved = (next - phi).abs() * r;
        phi = next;
        if moved < 1e-4 {
            break;
        }
    }
    geodesy::surface_distance(p.ecef, point_at(phi))
}

/// Visits every vertex–edge pair (and vertex–vertex pair when neither core has edges) with its spherical
/// angle; `visit(angle, point, arc start, edge, along)` with `edge = None` for vertex–vertex pairs.
fn for_each_feature(
    a: &Region,
    b: &Region,
    mut visit: impl FnMut(f64, &Vertex, &Vertex, Option<(&Edge, f64)>),
) {
    if a.edges.is_empty() && b.edges.is_empty() {
        for p in &a.vertices {
            for q in &b.vertices {
                visit(vec3::angle(p.dir, q.dir), p, q, None);
            }
        }
        return;
    }
    for (points, arcs) in [(a, b), (b, a)] {
        for p in &points.vertices {
            for e in &arcs.edges {
                let (from, to) = (&arcs.vertices[e.from], &arcs.vertices[e.to]);
                let (angle, along) = angle_to_arc(p.dir, from.dir, to.dir, e);
                visit(angle, p, from, Some((e, along)));
            }
        }
    }
}

/// The surface distance between the cores of two regions if it is less than `limit_m`.
fn core_distance_below(a: &Region, b: &Region, limit_m: f64) -> Option<f64> {
    let gap = vec3::angle(a.center, b.center) - a.core_radius - b.core_radius;
    if gap * MIN_METRES_PER_RADIAN >= limit_m {
        return None;
    }
    if cores_meet(a, b) {
        return Some(0.0);
    }
    let mut least = f64::INFINITY;
    for_each_feature(a, b, |angle, _, _, _| least = least.min(angle));
    if least * MIN_METRES_PER_RADIAN >= limit_m {
        return None;
    }
    // Any pair whose spherical angle exceeds this cannot be nearer on the ellipsoid than the least one.
    let candidate_limit = least * (MAX_METRES_PER_RADIAN / MIN_METRES_PER_RADIAN) + 1e-15;
    let mut best = f64::INFINITY;
    for_each_feature(a, b, |angle, p, from, arc| {
        if angle <= candidate_limit {
            let d = match arc {
                Some((edge, along)) => refine_to_arc(p, from, edge, along),
                None => geodesy::surface_distance(p.ecef, from.ecef),
            };
            best = best.min(d);
        }
    });
    (best < limit_m).then_some(best)
}

#[cfg(test)]
#[path = "region_tests.rs"]
mod tests;
