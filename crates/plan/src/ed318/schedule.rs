//! ED-318 applicability: time periods (`startDateTime`, `endDateTime`) and their daily schedules (`day`,
//! `startTime`, `endTime`), read into the fixed UTC windows the line holds.
//!
//! A schedule is expanded, day by day, into one window per day it names within its period. Nothing is
//! widened: daylight events (sunrise, sunset, BMCT, EECT) need an almanac the line does not have, and are
//! refused; so is a schedule longer than [`MAX_SCHEDULE_DAYS`] (give its period an end, or import a horizon).

use deconflict_space::TimeWindow;

use crate::wire::{fail, Fail, Given, Raw};

/// A day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// Most days one period's schedule is expanded over. A daily window over a longer period makes more volumes
/// than any line takes (its volumes per declaration); give the period an end, or a horizon.
pub const MAX_SCHEDULE_DAYS: i64 = 1_000;

/// Most volumes one feature is expanded into (footprints × windows), whatever the limits: a few bytes of
/// schedule must not become an unbounded plan.
pub const MAX_EXPANDED_VOLUMES: usize = 20_000;

/// The names ED-318 gives the days, Monday first (as `(day + 3) mod 7` counts from 1970-01-01, a Thursday).
pub(crate) const WEEK_DAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/// The daylight events ED-318 names, which the line cannot place in time.
const DAYLIGHT_EVENTS: [&str; 4] = ["BMCT", "SR", "SS", "EECT"];

/// One daily period of a schedule, read: on which days, and from when to when (each a time of day and its
/// offset from UTC, as given).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Daily {
    /// Monday first.
    pub days: [bool; 7],
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

/// A time of day with its zone: milliseconds since local midnight, and the offset east of UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeOfDay {
    pub ms: i64,
    pub offset_ms: i64,
}

/// Reads RFC 3339's `full-time`: `HH:MM:SS`, an optional fraction, and a zone (`Z` or `±HH:MM`).
pub(crate) fn time_of_day(text: &str, field: &str) -> Result<TimeOfDay, Fail> {
    let bad = |why: &str| {
        fail(
            field,
            format!(
                "cannot read {text:?} as a time of day (HH:MM:SS and a zone, Z or ±HH:MM): {why}"
            ),
        )
    };
    let b = text.as_bytes();
    let two = |i: usize| -> Option<i64> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| i64::from((x - b'0') * 10 + (y - b'0')))
    };
    let (Some(h), Some(m), Some(s)) = (two(0), two(3), two(6)) else {
        return Err(bad("expected HH:MM:SS"));
    };
    if b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return Err(bad("expected HH:MM:SS"));
    }
    if h > 23 || m > 59 || s > 59 {
        return Err(bad("hours are 00–23, minutes and seconds 00–59"));
    }
    let mut i = 8;
    let mut frac_ms = 0;
    if b.get(i) == Some(&b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad("a fraction needs digits"));
        }
        let first3: String = text[i + 1..i + 1 + digits.min(3)].to_string();
        frac_ms = format!("{first3:0<3}").parse::<i64>().unwrap_or(0);
        i += 1 + digits;
    }
    let offset_ms = match &text[i..] {
        "Z" | "z" => 0,
        "" => {
            return Err(bad(
                "the zone is missing (Z for UTC, or ±HH:MM); local times are never guessed",
            ))
        }
        zone => {
            let zb = zone.as_bytes();
            let sign = match zb.first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(bad("the zone is Z or ±HH:MM")),
            };
            let zh = two(i + 1).filter(|_| zb.len() == 6 && zb[3] == b':');
            let zm = two(i + 4);
            match (zh, zm) {
                (Some(zh), Some(zm)) if zh <= 23 && zm <= 59 => {
                    sign * (zh * 3_600_000 + zm * 60_000)
                }
                _ => return Err(bad("the zone is Z or ±HH:MM")),
            }
        }
    };
    Ok(TimeOfDay {
        ms: ((h * 60 + m) * 60 + s) * 1000 + frac_ms,
        offset_ms,
    })
}

/// The models of a daily period, as given (`deny_unknown_fields`: the schema allows no others).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DailyModel {
    day: Given<crate::wire::Arr<Raw>>,
    start_time: Given<Raw>,
    start_event: Given<Raw>,
    end_time: Given<Raw>,
    end_event: Given<Raw>,
}

/// Reads a daily period at `field` (`…schedule[0]`).
pub(crate) fn daily(m: &DailyModel, field: &str) -> Result<Daily, Fail> {
    let f = |key: &str| format!("{field}.{key}");
    let list = &m.day.required(field, "day")?.0;
    if list.is_empty() {
        return Err(fail(f("day"), "is empty; name at least one day (or ANY)"));
    }
    let mut days = [false; 7];
    for (i, d) in list.iter().enumerate() {
        let name = d.text(&format!("{field}.day[{i}]"))?;
        if name == "ANY" {
            days = [true; 7];
        } else if let Some(k) = WEEK_DAYS.iter().position(|w| *w == name) {
            days[k] = true;
        } else {
            return Err(fail(
                format!("{field}.day[{i}]"),
                format!("unknown value {name:?}; expected MON, TUE, WED, THU, FRI, SAT, SUN, ANY"),
            ));
        }
    }
    let end_of = |time: &Given<Raw>, event: &Given<Raw>, which: &str| -> Result<TimeOfDay, Fail> {
        let time_key = format!("{which}Time");
        let event_key = format!("{which}Event");
        if let Some(e) = &event.0 {
            let name = e.text(&f(&event_key))?;
            return Err(fail(
                f(&event_key),
                if DAYLIGHT_EVENTS.contains(&name.as_str()) {
                    format!(
                        "{name}: daylight events are not supported (the line holds fixed UTC windows and has \
                         no almanac to place sunrise or sunset); give {time_key} instead"
                    )
                } else {
                    format!("unknown value {name:?}; expected BMCT, SR, SS, EECT")
                },
            ));
        }
        let text = time.required(field, &time_key)?.text(&f(&time_key))?;
        time_of_day(&text, &f(&time_key))
    };
    let start = end_of(&m.start_time, &m.start_event, "start")?;
    let end = end_of(&m.end_time, &m.end_event, "end")?;
    if start.ms - start.offset_ms == end.ms - end.offset_ms {
        return Err(fail(
            f("endTime"),
            "is the same time as startTime; a daily window needs a length",
        ));
    }
    Ok(Daily { days, start, end })
}

/// The day number (days since 1970-01-01) of a time, in a zone `offset_ms` east of UTC.
fn local_day(ms: i64, offset_ms: i64) -> i64 {
    (ms + offset_ms).div_euclid(DAY_MS)
}

/// The windows a schedule gives within `[start, end]` (ms), sorted and merged where they meet; each window
/// cut to the period. `field` names the schedule for the refusal of a too long period.
pub(crate) fn expand(
    schedule: &[Daily],
    start: i64,
    end: i64,
    field: &str,
) -> Result<Vec<(i64, i64)>, Fail> {
    let days = (end - start) / DAY_MS;
    if days > MAX_SCHEDULE_DAYS {
        return Err(fail(
            field,
            format!(
                "the schedule runs over {days} days; a schedule is expanded into daily windows over at most \
                 {MAX_SCHEDULE_DAYS} days: give the period an endDateTime, or import a horizon (--from, --until)"
            ),
        ));
    }
    let mut out = Vec::new();
    for d in schedule {
        let first = local_day(start, d.start.offset_ms) - 1;
        let last = local_day(end, d.start.offset_ms) + 1;
        for day in first..=last {
            if !d.days[(day + 3).rem_euclid(7) as usize] {
                continue;
            }
            let s = day * DAY_MS + d.start.ms - d.start.offset_ms;
            let mut e = day * DAY_MS + d.end.ms - d.end.offset_ms;
            while e <= s {
                e += DAY_MS;
            }
            let (s, e) = (s.max(start), e.min(end));
            if s < e {
                out.push((s, e));
            }
            if out.len() > MAX_EXPANDED_VOLUMES {
                return Err(fail(
                    field,
                    format!(
                        "the schedule gives more than {MAX_EXPANDED_VOLUMES} windows; at most \
                         {MAX_EXPANDED_VOLUMES} volumes per zone"
                    ),
                ));
            }
        }
    }
    Ok(merge(out))
}

/// Windows sorted, those that overlap or meet made one.
pub(crate) fn merge(mut windows: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    windows.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(windows.len());
    for (s, e) in windows {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// A window cut to a horizon, if anything of it is left.
pub(crate) fn within(window: (i64, i64), horizon: Option<TimeWindow>) -> Option<(i64, i64)> {
    let (s, e) = match horizon {
        None => window,
        Some(h) => (window.0.max(h.start_ms), window.1.min(h.end_ms)),
    };
    (s < e).then_some((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use deconflict_space::units::parse_time;

    fn t(s: &str) -> i64 {
        parse_time(s).expect("time")
    }

    #[test]
    fn times_of_day_keep_their_zone() {
        assert_eq!(
            time_of_day("16:00:00Z", "f"),
            Ok(TimeOfDay {
                ms: 57_600_000,
                offset_ms: 0
            })
        );
        assert_eq!(
            time_of_day("16:00:00.5+01:30", "f").map(|t| (t.ms, t.offset_ms)),
            Ok((57_600_500, 5_400_000))
        );
        for bad in ["16:00:00", "16:00Z", "24:00:00Z", "16:00:00+1:00", "x"] {
            let (field, problem) = time_of_day(bad, "f").expect_err(bad);
            assert_eq!(field, "f");
            assert!(problem.contains(bad), "{problem}");
        }
    }

    #[test]
    fn a_schedule_is_expanded_day_by_day() {
        let daily = |days: [bool; 7], s: &str, e: &str| Daily {
            days,
            start: time_of_day(s, "s").expect("start"),
            end: time_of_day(e, "e").expect("end"),
        };
        let mut sunday = [false; 7];
        sunday[6] = true;
        // 2024-06-02 is a Sunday.
        let schedule = [
            daily([true; 7], "16:00:00Z", "17:00:00Z"),
            daily(sunday, "10:00:00Z", "12:00:00Z"),
        ];
        let w = expand(
            &schedule,
            t("2024-06-01T16:30:00Z"),
            t("2024-06-03T00:00:00Z"),
            "s",
        )
        .expect("expanded");
        assert_eq!(
            w,
            vec![
                (t("2024-06-01T16:30:00Z"), t("2024-06-01T17:00:00Z")),
                (t("2024-06-02T10:00:00Z"), t("2024-06-02T12:00:00Z")),
                (t("2024-06-02T16:00:00Z"), t("2024-06-02T17:00:00Z")),
            ]
        );
        // Across midnight, and in a zone east of UTC: Monday 23:00+02:00 is Monday 21:00Z.
        let mut monday = [false; 7];
        monday[0] = true;
        let w = expand(
            &[daily(monday, "23:00:00+02:00", "01:00:00+02:00")],
            t("2024-06-01T00:00:00Z"),
            t("2024-06-08T00:00:00Z"),
            "s",
        )
        .expect("expanded");
        assert_eq!(
            w,
            vec![(t("2024-06-03T21:00:00Z"), t("2024-06-03T23:00:00Z"))]
        );
        assert!(expand(&schedule, 0, 2_000 * DAY_MS, "s").is_err());
    }
}
