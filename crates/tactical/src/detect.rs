//! Detection in close to linear time: boxes hashed into a grid, only pairs whose boxes meet decided, in
//! parallel, within a budget per track (so that tracks stacked in one place cost a bounded amount).

use crate::*;

/// Scans started, for the stamps of [`SEEN`].
pub(crate) static SCANS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Per worker thread: the stamp of the query that last met each position.
    static SEEN: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// How cells are numbered: densely over the occupied window, or hashed into `mask + 1` buckets.
pub(crate) struct Grid {
    dense: bool,
    row0: i64,
    layer0: i64,
    columns: i64,
    layers: i64,
    mask: u64,
}

impl Grid {
    #[inline]
    fn bucket(&self, r: i64, c: i64, l: i64) -> usize {
        let c = c.rem_euclid(self.columns);
        if self.dense {
            (((r - self.row0) * self.columns + c) * self.layers + (l - self.layer0)) as usize
        } else {
            let mut h = (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            h ^= (c as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
            h ^= (l as u64).wrapping_mul(0x1656_67B1_9E37_79F9);
            h ^= h >> 29;
            (h & self.mask) as usize
        }
    }

    /// Calls `f` with the bucket of every cell of a span (rows, unwrapped columns, layers).
    #[inline]
    fn cells(&self, s: &[i64; 6], mut f: impl FnMut(usize)) {
        for r in s[0]..=s[1] {
            for c in s[2]..=s[3] {
                for l in s[4]..=s[5] {
                    f(self.bucket(r, c, l));
                }
            }
        }
    }

    /// Compressed buckets: the positions in bucket `k` are `members[start[k]..start[k + 1]]`, in order.
    fn fill(
        &self,
        buckets: usize,
        spans: impl Iterator<Item = (usize, [i64; 6])> + Clone,
        start: &mut Vec<u32>,
        fill: &mut Vec<u32>,
        members: &mut Vec<u32>,
    ) {
        start.clear();
        start.resize(buckets + 1, 0);
        for (_, s) in spans.clone() {
            self.cells(&s, |k| start[k + 1] += 1);
        }
        for k in 0..buckets {
            start[k + 1] += start[k];
        }
        fill.clear();
        fill.extend_from_slice(start);
        members.clear();
        members.resize(start[buckets] as usize, 0);
        for (q, s) in spans {
            self.cells(&s, |k| {
                members[fill[k] as usize] = q as u32;
                fill[k] += 1;
            });
        }
    }
}

/// A box whose span covers more grid cells than this (a track near a pole, where longitude boxes degenerate,
/// or one reported far faster or steeper than the rest) is not put in the grid: it is queried instead through a
/// coarse grid of squares on the plane of the equator (see `polar_square`), whose cells are at least a
/// sixteenth of the largest square. No reported value can make a track cover an unbounded number of cells.
pub const MAX_BOX_CELLS: f64 = 512.0;

/// How much one query may spend on one other group (party) in [`Detector::detect_between`]: tracks of that
/// group looked at, candidates (boxes that meet) decided, and conflicts kept. Past any of them the rest of that
/// group is skipped for this track and counted in a [`Saturation`]: one party's stack of tracks costs every
/// other track a bounded amount, and its pairs with the other party are reported as a storm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub examined: usize,
    pub decided: usize,
    pub kept: usize,
}

impl Budget {
    /// No bound (the result is then exactly [`brute_force_between`]'s).
    pub const UNLIMITED: Budget = Budget {
        examined: usize::MAX,
        decided: usize::MAX,
        kept: usize::MAX,
    };
}

impl Default for Budget {
    /// Well above what real traffic needs (10 000 tracks per 1 000 km square meet ~100 boxes each), far below
    /// what a stack of tracks on one point costs: 40 000 tracks packed at a pole take about 0.1 s a scan on
    /// two cores (four times that with the budget four times larger).
    fn default() -> Self {
        Budget {
            examined: 512,
            decided: 64,
            kept: 8,
        }
    }
}

/// How [`Detector::detect_between`] pairs tracks.
pub struct Between<'a> {
    /// Each track's group (its party). Tracks of one group are never paired.
    pub groups: &'a [u32],
    /// Whether two groups (the lower first) are paired at all.
    pub linked: &'a (dyn Fn(u32, u32) -> bool + Sync),
    /// Each track's vertical state (empty: all known rates, MSL).
    pub vertical: &'a [Vertical],
    /// What one track may spend on each other group.
    pub budget: Budget,
}

impl std::fmt::Debug for Between<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Between")
            .field("groups", &self.groups.len())
            .field("vertical", &self.vertical.len())
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// A track whose query ran out of [`Budget`] on another group: conflicts it may have with that group's tracks
/// are unknown (`skipped` tracks not looked at or not decided) or found but not kept (`unkept`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saturation {
    pub track: usize,
    pub group: u32,
    pub skipped: u64,
    pub unkept: u64,
}

/// What [`Detector::detect_between`] found: the pairs in conflict (ordered by `(a, b)`) and the tracks whose
/// budget ran out (ordered by track, then group).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detection {
    pub encounters: Vec<Encounter>,
    pub saturated: Vec<Saturation>,
    /// Steps the queries took over bucket members (what the detection cost, whatever the machine).
    pub steps: u64,
}

/// Every conflicting pair, the same as [`brute_force`], ordered by `(a, b)`; uses every core.
pub fn detect(tracks: &[Track], p: &Params) -> Vec<Encounter> {
    Detector::default().detect(tracks, p)
}

/// [`detect`] with its grid's buffers kept from one scan to the next (a periodic scan allocates nothing large).
#[derive(Debug, Default)]
pub struct Detector {
    start: Vec<u32>,
    fill: Vec<u32>,
    members: Vec<u32>,
}

impl Detector {
    /// As [`detect`].
    pub fn detect(&mut self, tracks: &[Track], p: &Params) -> Vec<Encounter> {
        detect_with(self, tracks, p, &Spec::all()).encounters
    }

    /// Pairs of tracks of different, linked groups only, each decided with its tracks' [`Vertical`] states,
    /// within `between.budget` per track and other group. Without a budget reached, the same pairs as
    /// [`brute_force_between`]. Tracks with a value that is not finite are never paired.
    pub fn detect_between(
        &mut self,
        tracks: &[Track],
        between: &Between<'_>,
        p: &Params,
    ) -> Detection {
        let spec = Spec {
            groups: Some(between.groups),
            linked: Some(between.linked),
            vertical: between.vertical,
            budget: between.budget,
        };
        detect_with(self, tracks, p, &spec)
    }
}

pub(crate) struct Spec<'a> {
    groups: Option<&'a [u32]>,
    linked: Option<&'a (dyn Fn(u32, u32) -> bool + Sync)>,
    vertical: &'a [Vertical],
    budget: Budget,
}

impl Spec<'_> {
    fn all() -> Self {
        Spec {
            groups: None,
            linked: None,
            vertical: &[],
            budget: Budget::UNLIMITED,
        }
    }
}

/// A query's spending on one other group.
#[derive(Clone, Copy, Default)]
pub(crate) struct Spent {
    group: u32,
    examined: usize,
    decided: usize,
    kept: usize,
    skipped: u64,
    unkept: u64,
}

/// Where a track goes: the grid, the coarse plane (see [`MAX_BOX_CELLS`]), or nowhere (not finite).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Grid,
    Wide,
    Out,
}

pub(crate) fn finite(t: &Track) -> bool {
    [t.lat_deg, t.lon_deg, t.alt_m, t.gs_mps, t.trk_deg, t.vs_mps]
        .iter()
        .all(|v| v.is_finite())
}

pub(crate) fn detect_with(
    buffers: &mut Detector,
    tracks: &[Track],
    p: &Params,
    spec: &Spec,
) -> Detection {
    let usable: Vec<bool> = tracks.iter().map(finite).collect();
    if usable.iter().filter(|u| **u).count() < 2 {
        return Detection::default();
    }
    let vertical = |i: usize| spec.vertical.get(i).copied().unwrap_or_default();
    let group = |i: usize| spec.groups.map_or(0, |g| g.get(i).copied().unwrap_or(0));
    // How far apart in latitude two tracks whose boxes meet can be: both sweeps plus rpz.
    let max_north = tracks
        .iter()
        .zip(&usable)
        .filter(|(_, u)| **u)
        .map(|(t, _)| t.velocity().1.abs())
        .fold(0.0f64, f64::max);
    let to_deg = 180.0 / (std::f64::consts::PI * EARTH_RADIUS_M);
    let reach_deg = (p.rpz_m + 2.0 * max_north * p.lookahead_s) * to_deg;
    let boxes: Vec<SweptBox> = tracks
        .par_iter()
        .enumerate()
        .map(|(i, t)| swept_box_vertical(t, vertical(i), p, reach_deg))
        .collect();

    // Cells about the size of a typical box in latitude (its median extent) and four times its median extent in
    // altitude (measured best on the benchmark traffic); columns divide
    // 360° exactly, so a longitude and the same longitude ± 360° fall in the same column. Cells are hashed
    // into buckets: two cells sharing a bucket only add candidates, which the box test then drops.
    let median = |mut x: Vec<f64>| {
        let mid = x.len() / 2;
        x.select_nth_unstable_by(mid, f64::total_cmp);
        x[mid]
    };
    let usable_boxes = || {
        boxes
            .iter()
            .zip(&usable)
            .filter(|(_, u)| **u)
            .map(|(b, _)| b)
    };
    let cell = median(usable_boxes().map(|b| b.lat.1 - b.lat.0).collect()).clamp(0.01, 360.0);
    let layer = 4.0 * median(usable_boxes().map(|b| b.alt.1 - b.alt.0).collect()).max(10.0);
    let columns = (360.0 / cell).ceil() as i64;
    let column_width = 360.0 / columns as f64;
    let row = |lat: f64| (lat / cell).floor() as i64;
    let column = |lon: f64| ((lon + 180.0) / column_width).floor() as i64;
    let level = |alt: f64| (alt / layer).floor() as i64;
    // Each box's rows, (unwrapped) columns and layers, and where it goes.
    let (spans, class): (Vec<[i64; 6]>, Vec<Class>) = boxes
        .iter()
        .zip(&usable)
        .map(|(b, &u)| {
            if !u {
                return ([0; 6], Class::Out);
            }
            let Some((lo, hi)) = b.lon else {
                return ([0; 6], Class::Wide);
            };
            let (c0, c1) = if column(hi) - column(lo) < columns {
                (column(lo), column(hi))
            } else {
                (0, columns - 1)
            };
            let s = [
                row(b.lat.0),
                row(b.lat.1),
                c0,
                c1,
                level(b.alt.0),
                level(b.alt.1),
            ];
            let count = |k: usize| (s[k + 1] as f64 - s[k] as f64) + 1.0;
            if count(0) * count(2) * count(4) > MAX_BOX_CELLS {
                (s, Class::Wide)
            } else {
                (s, Class::Grid)
            }
        })
        .unzip();
    let cell_count =
        |s: &[i64; 6]| ((s[1] - s[0] + 1) * (s[3] - s[2] + 1) * (s[5] - s[4] + 1)) as usize;
    let in_grid = |i: &usize| class[*i] == Class::Grid;
    let memberships: usize = (0..tracks.len())
        .filter(in_grid)
        .map(|i| cell_count(&spans[i]))
        .sum();
    let lo = |k: usize| {
        (0..tracks.len())
            .filter(in_grid)
            .map(|i| spans[i][k])
            .min()
            .unwrap_or(0)
    };
    let hi = |k: usize| {
        (0..tracks.len())
            .filter(in_grid)
            .map(|i| spans[i][k + 1])
            .max()
            .unwrap_or(0)
    };
    let (row0, rows) = (lo(0), (hi(0) - lo(0) + 1) as u64);
    let (layer0, layers) = (lo(4), (hi(4) - lo(4) + 1) as u64);
    let dense_cells = rows.saturating_mul(columns as u64).saturating_mul(layers);
    let dense = dense_cells <= (8 * memberships as u64).max(1 << 20);
    let buckets = if dense {
        dense_cells as usize
    } else {
        (2 * memberships).next_power_of_two().max(16)
    };
    let grid = Grid {
        dense,
        row0,
        layer0,
        columns,
        layers: layers as i64,
        mask: (buckets as u64).wrapping_sub(1),
    };
    // Tracks by group, then in cell order, so that neighbours are filled and queried together (memory
    // locality) and every bucket lists each group's tracks together (a query skips a group in one step).
    let mut keyed: Vec<(u32, usize, u32)> = (0..tracks.len())
        .filter(|&i| class[i] != Class::Out)
        .map(|i| {
            let s = &spans[i];
            let k = if class[i] == Class::Grid {
                grid.bucket(s[0], s[2], s[4])
            } else {
                usize::MAX
            };
            (group(i), k, i as u32)
        })
        .collect();
    keyed.sort_unstable();
    let order: Vec<u32> = keyed.iter().map(|&(_, _, i)| i).collect();
    // From here on tracks are numbered in that order (position `q` is track `order[q]`), so that the boxes and
    // states a query reads lie close together in memory.
    let n = order.len();
    let pgroup: Vec<u32> = keyed.iter().map(|&(g, _, _)| g).collect();
    // The first position after each position's group.
    let mut group_end = vec![n as u32; n];
    for q in (0..n.saturating_sub(1)).rev() {
        group_end[q] = if pgroup[q + 1] == pgroup[q] {
            group_end[q + 1]
        } else {
            q as u32 + 1
        };
    }
    let sboxes: Vec<SweptBox> = order.iter().map(|&i| boxes[i as usize]).collect();
    let sspans: Vec<[i64; 6]> = order.iter().map(|&i| spans[i as usize]).collect();
    let sclass: Vec<Class> = order.iter().map(|&i| class[i as usize]).collect();
    let svertical: Vec<Vertical> = order.iter().map(|&i| vertical(i as usize)).collect();
    let velocities: Vec<(f64, f64)> = tracks.iter().map(Track::velocity).collect();
    buffers_fill(buffers, &grid, buckets, &sspans, &sclass);
    let (start, members) = (&*buffers.start, &*buffers.members);

    // The coarse plane, for the wide boxes: every track's square, in cells of at least a sixteenth of the
    // largest square.
    let any_wide = sclass.contains(&Class::Wide);
    let squares: Vec<(f64, f64, f64)> = if any_wide {
        order
            .iter()
            .map(|&i| polar_square(&tracks[i as usize], p))
            .collect()
    } else {
        Vec::new()
    };
    let side = if any_wide {
        let largest = squares.iter().map(|s| 2.0 * s.2).fold(0.0f64, f64::max);
        median(squares.iter().map(|s| 2.0 * s.2).collect()).max(largest / 16.0)
    } else {
        1.0
    };
    let square_span = |s: &(f64, f64, f64)| {
        let at = |v: f64| (v / side).floor() as i64;
        [
            at(s.0 - s.2),
            at(s.0 + s.2),
            at(s.1 - s.2),
            at(s.1 + s.2),
            0,
            0,
        ]
    };
    let plane_spans: Vec<[i64; 6]> = squares.iter().map(square_span).collect();
    let plane_memberships: usize = plane_spans.iter().map(cell_count).sum();
    let plane_buckets = (2 * plane_memberships).next_power_of_two().max(16);
    let plane = Grid {
        dense: false,
        row0: 0,
        layer0: 0,
        columns: i64::MAX,
        layers: 1,
        mask: plane_buckets as u64 - 1,
    };
    let (mut pstart, mut pfill, mut pmembers) = (Vec::new(), Vec::new(), Vec::new());
    if any_wide {
        plane.fill(
            plane_buckets,
            plane_spans.iter().copied().enumerate(),
            &mut pstart,
            &mut pfill,
            &mut pmembers,
        );
    }

    let grouped = spec.groups.is_some();
    let budget = spec.budget;
    let linked = |a: u32, b: u32| spec.linked.is_none_or(|f| f(a.min(b), a.max(b)));
    // Each query marks the positions it has seen with its own stamp (unique across scans), so a partner met
    // in several cells is decided once, without sorting.
    let scan = SCANS.fetch_add(1, Ordering::Relaxed);
    let query = |q: usize, out: &mut Vec<Encounter>, saturated: &mut Vec<Saturation>| -> u64 {
        let mut steps = 0u64;
        let b = &sboxes[q];
        let g = pgroup[q];
        let wide = sclass[q] == Class::Wide;
        let stamp = (scan << 32) | q as u64;
        // Grid queries meet each pair once, from its lower position (the lower groups' queries met it
        // already, and a group is never paired with itself); wide queries meet every grid track and the wide
        // tracks after them.
        let lower = if grouped { group_end[q] } else { q as u32 + 1 };
        let mut spent: Vec<Spent> = Vec::new();
        SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            if seen.len() < n {
                seen.resize(n, u64::MAX);
            }
            let mut bucket = |ms: &[u32]| {
                let mut i = if wide {
                    0
                } else {
                    ms.partition_point(|&r| r < lower)
                };
                while i < ms.len() {
                    let g2 = pgroup[ms[i] as usize];
                    let run = i + ms[i..].partition_point(|&r| pgroup[r as usize] == g2);
                    if (grouped && g2 == g) || !linked(g, g2) {
                        i = run;
                        continue;
                    }
                    let k = match spent.iter().position(|s| s.group == g2) {
                        Some(k) => k,
                        None => {
                            spent.push(Spent {
                                group: g2,
                                ..Spent::default()
                            });
                            spent.len() - 1
                        }
                    };
                    let s = &mut spent[k];
                    let mut at = i;
                    while at < run {
                        steps += 1;
                        if s.examined >= budget.examined || s.decided >= budget.decided {
                            s.skipped += (run - at) as u64;
                            break;
                        }
                        let r = ms[at] as usize;
                        if wide && sclass[r] == Class::Wide && r < q {
                            // A wide track before q met q in its own query. A run lists its group's grid
                            // tracks first, then its wide ones by position, so all those before q are
                            // passed in one step (one by one, tracks packed at a pole cost n² steps).
                            at += ms[at..run].partition_point(|&x| (x as usize) < q);
                            continue;
                        }
                        at += 1;
                        if r == q || seen[r] == stamp {
                            continue;
                        }
                        seen[r] = stamp;
                        s.examined += 1;
                        let o = &sboxes[r];
                        if !(meets(b.lat, o.lat) && meets(b.alt, o.alt) && lon_meets(b.lon, o.lon))
                        {
                            continue;
                        }
                        if wide {
                            let (x, y) = (squares[q], squares[r]);
                            if (x.0 - y.0).abs() > x.2 + y.2 || (x.1 - y.1).abs() > x.2 + y.2 {
                                continue;
                            }
                        }
                        s.decided += 1;
                        // Decided as the reference does: the lower input index first.
                        let (x, y) = (order[q] as usize, order[r] as usize);
                        let (i, j) = (x.min(y), x.max(y));
                        let (vi, vj) = if i == x {
                            (svertical[q], svertical[r])
                        } else {
                            (svertical[r], svertical[q])
                        };
                        if let Some(e) = pair_moving(
                            &tracks[i],
                            velocities[i],
                            &tracks[j],
                            velocities[j],
                            vertical_terms(vi, vj),
                            p,
                        ) {
                            if s.kept < budget.kept {
                                s.kept += 1;
                                out.push(Encounter { a: i, b: j, ..e });
                            } else {
                                s.unkept += 1;
                            }
                        }
                    }
                    i = run;
                }
            };
            if wide {
                plane.cells(&plane_spans[q], |k| {
                    bucket(&pmembers[pstart[k] as usize..pstart[k + 1] as usize])
                });
            } else {
                grid.cells(&sspans[q], |k| {
                    bucket(&members[start[k] as usize..start[k + 1] as usize])
                });
            }
        });
        for s in spent {
            if s.skipped > 0 || s.unkept > 0 {
                saturated.push(Saturation {
                    track: order[q] as usize,
                    group: s.group,
                    skipped: s.skipped,
                    unkept: s.unkept,
                });
            }
        }
        steps
    };
    let (mut encounters, mut saturated, steps) = (0..n)
        .into_par_iter()
        .fold(
            || (Vec::new(), Vec::new(), 0u64),
            |(mut out, mut sat, steps), q| {
                let more = query(q, &mut out, &mut sat);
                (out, sat, steps + more)
            },
        )
        .reduce(
            || (Vec::new(), Vec::new(), 0u64),
            |(mut a, mut sa, x), (b, sb, y)| {
                a.extend(b);
                sa.extend(sb);
                (a, sa, x + y)
            },
        );
    encounters.sort_by_key(|e| (e.a, e.b));
    saturated.sort_by_key(|s| (s.track, s.group));
    Detection {
        encounters,
        saturated,
        steps,
    }
}

/// Fills the grid's buckets with the positions whose boxes are in it.
pub(crate) fn buffers_fill(
    buffers: &mut Detector,
    grid: &Grid,
    buckets: usize,
    spans: &[[i64; 6]],
    class: &[Class],
) {
    let Detector {
        start,
        fill,
        members,
    } = buffers;
    grid.fill(
        buckets,
        spans
            .iter()
            .copied()
            .enumerate()
            .filter(|(q, _)| class[*q] == Class::Grid),
        start,
        fill,
        members,
    );
}
