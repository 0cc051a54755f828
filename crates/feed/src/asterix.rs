//! ASTERIX (EUROCONTROL's surveillance data exchange format) read into track reports: CAT021 (ADS-B target
//! reports), CAT062 (SDPS system tracks) and CAT048 (monoradar target reports).
//!
//! A *data block* is one category octet, a two-octet length (the block's own three octets included) and
//! records; a UDP datagram or a recording holds blocks back to back. A *record* opens with its FSPEC (octets
//! whose low bit says another follows), each other bit saying whether the item of that field reference
//! number (FRN) is present, items following in FRN order. Nothing in a record gives its length: the decoder
//! must know the size of every item the FSPEC names, which is what the tables below are (the category's
//! *user application profile*, UAP). A problem inside a record therefore ends its block: the rest cannot be
//! found.
//!
//! The tables follow the public category definitions (asterix-specs): CAT021 editions 2.1 to 2.7, CAT062
//! 1.16 to 1.21 and CAT048 1.27 to 1.32 share their UAPs and item sizes, editions differing only in how many
//! extensions an extended item may have, and extended items are read octet by octet while their FX bit is
//! set. CAT021 editions before 2.0 (0.x) have another UAP and are not read.
//!
//! [`decode_block`] gives each record's [`Record`]: the values a picture needs, as coded (no range checks,
//! so tests can compare them with other decoders). [`Tracker`] turns records into the line's [`Report`]s:
//! position, pressure altitude, velocity, validated against the line's ranges, with what earlier records of
//! the same target said filling what a record leaves out (for at most [`MAX_ALTITUDE_AGE_MS`] /
//! [`MAX_VELOCITY_AGE_MS`], as for SBS-1). A CAT048 position is a slant range and azimuth from the radar: it
//! becomes a position only where the radar's site is configured ([`RadarSite`]) and the record has a
//! validated flight level.
//!
//! What is taken, and no more: flight levels are pressure altitude on the standard setting, so reports are
//! labelled `pressure`; geometric heights (I021/140, I062/130) are heights above the WGS-84 ellipsoid, not
//! mean sea level, and are not used as altitudes. Simulated and test targets, fixed transponders (field
//! monitors) and targets on the ground are not reported.
//!
//! Architecture invariant: pure, as the rest of this crate — bytes in, records and reports out; no IO, no
//! clock; no input makes it panic, loop without consuming input or allocate beyond the input's size.

use std::collections::HashMap;

use deconflict_space::geodesy::{destination, gaussian_radius, LonLat};

use crate::{Report, Track, MAX_ALTITUDE_AGE_MS, MAX_VELOCITY_AGE_MS, MPS_PER_KT, M_PER_FT};

/// The size of an item (or of a compound item's subfield), as its category defines it.
#[derive(Debug, Clone, Copy)]
enum Size {
    /// This many octets.
    Fixed(usize),
    /// Octets while the low bit (FX) of the last is set.
    Extended,
    /// A repetition count (one octet), then that many elements of this many octets.
    Repetitive(usize),
    /// Elements of this many octets while the low bit of an element's last octet is set.
    RepetitiveFx(usize),
    /// A length octet (counting itself) and that many octets less one.
    Explicit,
    /// A primary subfield (extended, seven presence bits an octet) and the subfields it names.
    Compound(&'static [Option<Size>]),
}

use Size::{Compound as C, Explicit as X, Extended as E, Fixed as F, Repetitive as R};

/// One FRN of a UAP: the item's number (`"010"`, or `"RE"`/`"SP"`) and its size; `None` is a spare FRN.
type Uap = &'static [Option<(&'static str, Size)>];

/// CAT021 (ADS-B target reports), editions 2.1–2.7.
const UAP_021: Uap = &[
    Some(("010", F(2))),
    Some(("040", E)),
    Some(("161", F(2))),
    Some(("015", F(1))),
    Some(("071", F(3))),
    Some(("130", F(6))),
    Some(("131", F(8))),
    Some(("072", F(3))),
    Some(("150", F(2))),
    Some(("151", F(2))),
    Some(("080", F(3))),
    Some(("073", F(3))),
    Some(("074", F(4))),
    Some(("075", F(3))),
    Some(("076", F(4))),
    Some(("140", F(2))),
    Some(("090", E)),
    Some(("210", F(1))),
    Some(("070", F(2))),
    Some(("230", F(2))),
    Some(("145", F(2))),
    Some(("152", F(2))),
    Some(("200", F(1))),
    Some(("155", F(2))),
    Some(("157", F(2))),
    Some(("160", F(4))),
    Some(("165", F(2))),
    Some(("077", F(3))),
    Some(("170", F(6))),
    Some(("020", F(1))),
    Some(("220", C(&[Some(F(2)), Some(F(2)), Some(F(2)), Some(F(1))]))),
    Some(("146", F(2))),
    Some(("148", F(2))),
    Some(("110", C(&[Some(E), Some(R(15))]))),
    Some(("016", F(1))),
    Some(("008", F(1))),
    Some(("271", E)),
    Some(("132", F(1))),
    Some(("250", R(8))),
    Some(("260", F(7))),
    Some(("400", F(1))),
    Some(("295", C(&[Some(F(1)); 23]))),
    None,
    None,
    None,
    None,
    None,
    Some(("RE", X)),
    Some(("SP", X)),
];

/// I062/380 (aircraft derived data): ADR, the target address, and ID, its identification, come first.
const SUBFIELDS_062_380: &[Option<Size>] = &[
    Some(F(3)),
    Some(F(6)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
    Some(E),
    Some(R(15)),
    Some(F(2)),
    Some(F(2)),
    Some(F(7)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
    Some(F(1)),
    Some(F(8)),
    Some(F(1)),
    Some(F(6)),
    Some(F(2)),
    Some(F(1)),
    Some(R(8)),
    Some(F(2)),
    Some(F(2)),
    Some(F(2)),
];

/// CAT062 (SDPS system tracks), editions 1.16–1.21.
const UAP_062: Uap = &[
    Some(("010", F(2))),
    None,
    Some(("015", F(1))),
    Some(("070", F(3))),
    Some(("105", F(8))),
    Some(("100", F(6))),
    Some(("185", F(4))),
    Some(("210", F(2))),
    Some(("060", F(2))),
    Some(("245", F(7))),
    Some(("380", C(SUBFIELDS_062_380))),
    Some(("040", F(2))),
    Some(("080", E)),
    Some((
        "290",
        C(&[
            Some(F(1)),
            Some(F(1)),
            Some(F(1)),
            Some(F(1)),
            Some(F(2)),
            Some(F(1)),
            Some(F(1)),
            Some(F(1)),
            Some(F(1)),
            Some(F(1)),
        ]),
    )),
    Some(("200", F(1))),
    Some(("295", C(&[Some(F(1)); 31]))),
    Some(("136", F(2))),
    Some(("130", F(2))),
    Some(("135", F(2))),
    Some(("220", F(2))),
    Some((
        "390",
        C(&[
            Some(F(2)),
            Some(F(7)),
            Some(F(4)),
            Some(F(1)),
            Some(F(4)),
            Some(F(1)),
            Some(F(4)),
            Some(F(4)),
            Some(F(3)),
            Some(F(2)),
            Some(F(2)),
            Some(R(4)),
            Some(F(6)),
            Some(F(1)),
            Some(F(7)),
            Some(F(7)),
            Some(F(2)),
            Some(F(7)),
        ]),
    )),
    Some(("270", E)),
    Some(("300", F(1))),
    Some((
        "110",
        C(&[
            Some(F(1)),
            Some(F(4)),
            Some(F(6)),
            Some(F(2)),
            Some(F(2)),
            Some(F(1)),
            Some(F(1)),
        ]),
    )),
    Some(("120", F(2))),
    Some(("510", Size::RepetitiveFx(3))),
    Some((
        "500",
        C(&[
            Some(F(4)),
            Some(F(2)),
            Some(F(4)),
            Some(F(1)),
            Some(F(1)),
            Some(F(2)),
            Some(F(2)),
            Some(F(1)),
        ]),
    )),
    Some((
        "340",
        C(&[
            Some(F(2)),
            Some(F(4)),
            Some(F(2)),
            Some(F(2)),
            Some(F(2)),
            Some(F(1)),
        ]),
    )),
    None,
    None,
    None,
    None,
    None,
    Some(("RE", X)),
    Some(("SP", X)),
];

/// CAT048 (monoradar target reports), editions 1.27–1.32.
const UAP_048: Uap = &[
    Some(("010", F(2))),
    Some(("140", F(3))),
    Some(("020", E)),
    Some(("040", F(4))),
    Some(("070", F(2))),
    Some(("090", F(2))),
    Some(("130", C(&[Some(F(1)); 7]))),
    Some(("220", F(3))),
    Some(("240", F(6))),
    Some(("250", R(8))),
    Some(("161", F(2))),
    Some(("042", F(4))),
    Some(("200", F(4))),
    Some(("170", E)),
    Some(("210", F(4))),
    Some(("030", Size::RepetitiveFx(1))),
    Some(("080", F(2))),
    Some(("100", F(4))),
    Some(("110", F(2))),
    Some(("120", C(&[Some(F(2)), Some(R(6))]))),
    Some(("230", F(2))),
    Some(("260", F(7))),
    Some(("055", F(1))),
    Some(("050", F(2))),
    Some(("065", F(1))),
    Some(("060", F(2))),
    Some(("SP", X)),
    Some(("RE", X)),
];

/// The categories read, with their UAPs.
pub const CATEGORIES: [u8; 3] = [21, 62, 48];

fn uap(cat: u8) -> Option<Uap> {
    match cat {
        21 => Some(UAP_021),
        62 => Some(UAP_062),
        48 => Some(UAP_048),
        _ => None,
    }
}

/// The most FRNs of any UAP read (CAT021's 49).
const MAX_FRN: usize = 49;

/// Why a block, or a record in it, could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsterixError {
    pub cat: u8,
    /// The record (0-based) in its block, if the problem is inside one.
    pub record: Option<usize>,
    /// The item (`"131"`, `"RE"`), if the problem is inside one.
    pub item: Option<&'static str>,
    pub detail: String,
}

impl std::fmt::Display for AsterixError {
    /// `CAT021 record 3, I021/131: runs past the end of the block (2 octets left)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CAT{:03} ", self.cat)?;
        match self.record {
            Some(r) => write!(f, "record {}", r + 1)?,
            None => write!(f, "block")?,
        }
        if let Some(i) = self.item {
            write!(f, ", I{:03}/{i}", self.cat)?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for AsterixError {}

/// One record's values, as coded; `None` where the record does not carry the item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub cat: u8,
    /// Data source (I0xx/010): system area code and system identification code.
    pub sac_sic: Option<(u8, u8)>,
    /// Time of day (s since midnight UTC): I021/073 (else /071), I062/070, I048/140.
    pub time_of_day_s: Option<f64>,
    /// WGS-84 latitude and longitude (degrees): I021/131 (else /130), I062/105.
    pub lat_lon: Option<(f64, f64)>,
    /// Flight level (hundreds of feet, pressure altitude on the standard setting): I021/145, I062/136,
    /// I048/090.
    pub flight_level: Option<f64>,
    /// I048/090: the code was validated and not garbled (always true elsewhere).
    pub flight_level_valid: bool,
    /// I062/135, calculated barometric altitude (flight level), and whether it is QNH-corrected.
    pub barometric_fl: Option<(f64, bool)>,
    /// Geometric height above the WGS-84 ellipsoid (ft): I021/140, I062/130.
    pub geometric_height_ft: Option<f64>,
    /// Ground speed (kt) and track (degrees from true north): I021/160, I048/200.
    pub ground_vector: Option<(f64, f64)>,
    /// Velocity east and north (m/s): I062/185.
    pub velocity_xy_mps: Option<(f64, f64)>,
    /// Vertical rate (ft/min): I021/155 (else /157), I062/220.
    pub vertical_rate_ftmin: Option<f64>,
    /// 24-bit target address: I021/080, I062/380 ADR, I048/220.
    pub address: Option<u32>,
    /// The address is not an ICAO one (I021/040 ATP other than 0).
    pub non_icao: bool,
    /// Target identification, trailing spaces removed: I021/170, I062/245 (else /380 ID), I048/240. Characters
    /// outside the ICAO alphabet are `?`.
    pub callsign: Option<String>,
    /// Track number: I021/161, I062/040, I048/161.
    pub track_number: Option<u16>,
    /// Slant range (NM) and azimuth (degrees) from the radar: I048/040.
    pub polar: Option<(f64, f64)>,
    /// On the ground (I021/040 GBS).
    pub on_ground: bool,
    /// Simulated, test or fixed-transponder target (I021/040 SIM, TST, RAB; I062/080 SIM; I048/020 SIM, TST,
    /// RAB).
    pub not_real: bool,
    /// I062/080 TSE: the last report of this track.
    pub track_ended: bool,
}

/// A block read in part: the records before the problem, the block's length, and the problem.
pub type BlockFail = (Vec<Record>, usize, AsterixError);

/// Reads every record of the data block at the start of `bytes`; returns the records and the block's length.
/// A block of another category is skipped (no records). A problem in a record ends the block: the records
/// before it are kept and the error says which record and item.
pub fn decode_block(bytes: &[u8]) -> Result<(Vec<Record>, usize), BlockFail> {
    let block_err = |cat: u8, detail: String| AsterixError {
        cat,
        record: None,
        item: None,
        detail,
    };
    if bytes.len() < 3 {
        let cat = bytes.first().copied().unwrap_or(0);
        return Err((
            Vec::new(),
            bytes.len(),
            block_err(
                cat,
                format!("{} octets, less than a block header (3)", bytes.len()),
            ),
        ));
    }
    let cat = bytes[0];
    let len = usize::from(u16::from_be_bytes([bytes[1], bytes[2]]));
    if len < 3 || len > bytes.len() {
        return Err((
            Vec::new(),
            bytes.len(),
            block_err(
                cat,
                format!("length {len} does not fit: {} octets remain", bytes.len()),
            ),
        ));
    }
    let Some(uap) = uap(cat) else {
        return Ok((Vec::new(), len));
    };
    let body = &bytes[3..len];
    let mut at = 0;
    let mut records = Vec::new();
    while at < body.len() {
        match decode_record(cat, uap, &body[at..]) {
            Ok((record, used)) => {
                records.push(record);
                at += used;
            }
            Err((item, detail)) => {
                let n = records.len();
                return Err((
                    records,
                    len,
                    AsterixError {
                        cat,
                        record: Some(n),
                        item,
                        detail,
                    },
                ));
            }
        }
    }
    Ok((records, len))
}

/// Octets of an extended field at the start of `b` (FX bits), or `None` if it runs off the end.
fn extended_len(b: &[u8]) -> Option<usize> {
    b.iter().position(|o| o & 1 == 0).map(|i| i + 1)
}

/// Octets taken by an item or subfield of `size` at the start of `b`.
fn size_of(size: Size, b: &[u8]) -> Result<usize, String> {
    let short = || format!("runs past the end of the block ({} octets left)", b.len());
    let n = match size {
        Size::Fixed(n) => n,
        Size::Extended => extended_len(b).ok_or_else(short)?,
        Size::Repetitive(n) => 1 + usize::from(*b.first().ok_or_else(short)?) * n,
        Size::RepetitiveFx(n) => {
            let mut at = 0;
            loop {
                let last = b.get(at + n - 1).ok_or_else(short)?;
                at += n;
                if last & 1 == 0 {
                    break at;
                }
            }
        }
        Size::Explicit => {
            let n = usize::from(*b.first().ok_or_else(short)?);
            if n == 0 {
                return Err("explicit length 0 (it counts its own octet)".into());
            }
            n
        }
        Size::Compound(subs) => {
            let primary = extended_len(b).ok_or_else(short)?;
            let mut at = primary;
            for i in presence(&b[..primary]) {
                let Some(sub) = subs.get(i).copied().flatten() else {
                    return Err(format!("subfield {} is not defined", i + 1));
                };
                at += size_of(sub, b.get(at..).ok_or_else(short)?)?;
            }
            at
        }
    };
    if n > b.len() {
        return Err(short());
    }
    Ok(n)
}

/// The indexes (0-based) whose presence bits are set in an FSPEC-like field (seven bits an octet).
fn presence(field: &[u8]) -> impl Iterator<Item = usize> + '_ {
    field.iter().enumerate().flat_map(|(k, o)| {
        (0..7).filter_map(move |bit| (o & (0x80 >> bit) != 0).then_some(k * 7 + bit))
    })
}

type RecordFail = (Option<&'static str>, String);

/// One record at the start of `b`: its values and its length.
fn decode_record(cat: u8, uap: Uap, b: &[u8]) -> Result<(Record, usize), RecordFail> {
    let fspec =
        extended_len(b).ok_or((None, "its FSPEC runs past the end of the block".to_string()))?;
    let mut items: [Option<(usize, usize)>; MAX_FRN] = [None; MAX_FRN];
    let mut at = fspec;
    let mut any = false;
    for frn in presence(&b[..fspec]) {
        let Some(Some((name, size))) = uap.get(frn).copied() else {
            return Err((
                None,
                format!(
                    "its FSPEC names FRN {}, which CAT{cat:03} does not define",
                    frn + 1
                ),
            ));
        };
        let n = size_of(size, &b[at..]).map_err(|e| (Some(name), e))?;
        items[frn] = Some((at, n));
        at += n;
        any = true;
    }
    if !any {
        return Err((None, "its FSPEC names no item".into()));
    }
    let items = Items { uap, items, b };
    let record = match cat {
        21 => cat021(&items),
        62 => cat062(&items).map_err(|(i, e)| (Some(i), e))?,
        _ => cat048(&items),
    };
    Ok((Record { cat, ..record }, at))
}

/// A record's items, found: each present FRN's octets in the record.
struct Items<'a> {
    uap: Uap,
    items: [Option<(usize, usize)>; MAX_FRN],
    b: &'a [u8],
}

impl<'a> Items<'a> {
    /// The octets of item `name` (`"131"`), if the record has it.
    fn get(&self, name: &str) -> Option<&'a [u8]> {
        let frn = self
            .uap
            .iter()
            .position(|e| matches!(e, Some((n, _)) if *n == name))?;
        let (s, n) = self.items.get(frn).copied().flatten()?;
        self.b.get(s..s + n)
    }
}

fn u24(b: &[u8]) -> u32 {
    u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2])
}

fn i24(b: &[u8]) -> i32 {
    ((u24(b) << 8) as i32) >> 8
}

fn u16_at(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn i16_at(b: &[u8]) -> i16 {
    i16::from_be_bytes([b[0], b[1]])
}

fn i32_at(b: &[u8]) -> i32 {
    i32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// A 15-bit two's complement value in the low bits of two octets.
fn i15(b: &[u8]) -> i16 {
    ((u16_at(b) << 1) as i16) >> 1
}

/// Eight six-bit ICAO characters, trailing spaces removed; characters outside the alphabet as `?`.
fn icao_chars(b: &[u8]) -> String {
    let bits = u64::from(b[0]) << 40
        | u64::from(b[1]) << 32
        | u64::from(b[2]) << 24
        | u64::from(b[3]) << 16
        | u64::from(b[4]) << 8
        | u64::from(b[5]);
    let s: String = (0..8)
        .map(|k| {
            let c = ((bits >> (42 - 6 * k)) & 0x3f) as u8;
            match c {
                1..=26 => char::from(b'A' + c - 1),
                32 => ' ',
                48..=57 => char::from(c),
                _ => '?',
            }
        })
        .collect();
    s.trim_end().to_string()
}

const TIME_LSB: f64 = 1.0 / 128.0;
/// NM/s to knots.
const KT_PER_NMPS: f64 = 3600.0;

fn time_of_day(b: &[u8]) -> f64 {
    f64::from(u24(b)) * TIME_LSB
}

fn sac_sic(b: &[u8]) -> (u8, u8) {
    (b[0], b[1])
}

fn cat021(it: &Items<'_>) -> Record {
    let get = |name| it.get(name);
    let mut r = Record {
        flight_level_valid: true,
        ..Record::default()
    };
    r.sac_sic = get("010").map(sac_sic);
    match get("040") {
        Some(d) => {
            let atp = d[0] >> 5;
            r.non_icao = atp != 0;
            // RAB, a field monitor; ATP 4–7 are reserved: nothing to trust the address by.
            r.not_real = d[0] & 0x02 != 0 || atp > 3;
            if d.len() > 1 {
                r.on_ground = d[1] & 0x40 != 0;
                r.not_real |= d[1] & 0x30 != 0; // SIM, TST
            }
            if d.len() > 2 {
                r.not_real |= d[2] & 0x20 != 0; // NOGO: the position failed the no-go check
            }
        }
        // The descriptor is mandatory: without it nothing says the target is real and airborne.
        None => r.not_real = true,
    }
    r.track_number = get("161").map(|b| u16_at(b) & 0x0fff);
    r.time_of_day_s = get("073").or_else(|| get("071")).map(time_of_day);
    r.lat_lon = if let Some(b) = get("131") {
        let k = 180.0 / f64::from(1u32 << 30);
        Some((f64::from(i32_at(b)) * k, f64::from(i32_at(&b[4..])) * k))
    } else {
        get("130").map(|b| {
            let k = 180.0 / f64::from(1u32 << 23);
            (f64::from(i24(b)) * k, f64::from(i24(&b[3..])) * k)
        })
    };
    r.address = get("080").map(u24);
    r.geometric_height_ft = get("140").map(|b| f64::from(i16_at(b)) * 6.25);
    r.flight_level = get("145").map(|b| f64::from(i16_at(b)) * 0.25);
    r.vertical_rate_ftmin = get("155")
        .or_else(|| get("157"))
        .map(|b| f64::from(i15(b)) * 6.25);
    r.ground_vector = get("160").map(|b| {
        let gs = f64::from(u16_at(b) & 0x7fff) / 16384.0 * KT_PER_NMPS;
        (gs, f64::from(u16_at(&b[2..])) * 360.0 / 65536.0)
    });
    r.callsign = get("170").map(icao_chars);
    r
}

fn cat062(it: &Items<'_>) -> Result<Record, (&'static str, String)> {
    let get = |name| it.get(name);
    let mut r = Record {
        flight_level_valid: true,
        ..Record::default()
    };
    r.sac_sic = get("010").map(sac_sic);
    r.time_of_day_s = get("070").map(time_of_day);
    r.lat_lon = get("105").map(|b| {
        let k = 180.0 / f64::from(1u32 << 25);
        (f64::from(i32_at(b)) * k, f64::from(i32_at(&b[4..])) * k)
    });
    r.velocity_xy_mps = get("185").map(|b| {
        (
            f64::from(i16_at(b)) * 0.25,
            f64::from(i16_at(&b[2..])) * 0.25,
        )
    });
    r.track_number = get("040").map(u16_at);
    if let Some(d) = get("080") {
        let bit = |octet: usize, mask: u8| d.get(octet).is_some_and(|o| o & mask != 0);
        // SIM; PFT, a potential false track; FPLT, a track made of flight-plan data alone.
        r.not_real = bit(1, 0x80) || bit(4, 0x04) || bit(4, 0x02);
        r.track_ended = bit(1, 0x40); // TSE
        r.on_ground = bit(5, 0x10); // SFC
    }
    r.flight_level = get("136").map(|b| f64::from(i16_at(b)) * 0.25);
    r.geometric_height_ft = get("130").map(|b| f64::from(i16_at(b)) * 6.25);
    r.barometric_fl = get("135").map(|b| (f64::from(i15(b)) * 0.25, b[0] & 0x80 != 0));
    r.vertical_rate_ftmin = get("220").map(|b| f64::from(i16_at(b)) * 6.25);
    r.callsign = get("245").map(|b| icao_chars(&b[1..]));
    if let Some(b) = get("380") {
        let sub = |k| subfield(b, k, SUBFIELDS_062_380).map_err(|e| ("380", e));
        r.address = sub(0)?.map(u24);
        if r.callsign.is_none() {
            r.callsign = sub(1)?.map(icao_chars);
        }
    }
    Ok(r)
}

/// Subfield `k` (0-based) of a compound item already measured, if present.
fn subfield<'a>(b: &'a [u8], k: usize, subs: &[Option<Size>]) -> Result<Option<&'a [u8]>, String> {
    let primary = extended_len(b).ok_or("its primary subfield runs off the item")?;
    let mut at = primary;
    for i in presence(&b[..primary]) {
        let Some(size) = subs.get(i).copied().flatten() else {
            return Err(format!("subfield {} is not defined", i + 1));
        };
        let n = size_of(size, &b[at..])?;
        if i == k {
            return Ok(Some(&b[at..at + n]));
        }
        at += n;
    }
    Ok(None)
}

fn cat048(it: &Items<'_>) -> Record {
    let get = |name| it.get(name);
    let mut r = Record {
        sac_sic: get("010").map(sac_sic),
        time_of_day_s: get("140").map(time_of_day),
        ..Record::default()
    };
    if let Some(d) = get("020") {
        r.not_real = d[0] & 0x12 != 0; // SIM, RAB
        if d.len() > 1 {
            r.not_real |= d[1] & 0x80 != 0; // TST
        }
    }
    r.polar = get("040").map(|b| {
        (
            f64::from(u16_at(b)) / 256.0,
            f64::from(u16_at(&b[2..])) * 360.0 / 65536.0,
        )
    });
    if let Some(b) = get("090") {
        let raw = ((u16_at(b) << 2) as i16) >> 2;
        r.flight_level = Some(f64::from(raw) * 0.25);
        r.flight_level_valid = b[0] & 0xc0 == 0;
    }
    if let Some(d) = get("170") {
        if let Some(ext) = d.get(1) {
            r.track_ended = ext & 0x80 != 0; // TRE
            r.not_real |= ext & 0x40 != 0; // GHO: a ghost track
        }
    }
    if let Some(b) = get("230") {
        // STAT 1 and 3: on the ground.
        r.on_ground = matches!((b[0] >> 2) & 0x07, 1 | 3);
    }
    r.address = get("220").map(u24);
    r.callsign = get("240").map(icao_chars);
    r.track_number = get("161").map(|b| u16_at(b) & 0x0fff);
    r.ground_vector = get("200").map(|b| {
        (
            f64::from(u16_at(b)) / 16384.0 * KT_PER_NMPS,
            f64::from(u16_at(&b[2..])) * 360.0 / 65536.0,
        )
    });
    r
}

/// Walks the data blocks of a datagram or recording: each block's records, or the problem that ended it.
/// A block whose length does not fit ends the walk (nothing after it can be found).
pub fn blocks(bytes: &[u8]) -> Blocks<'_> {
    Blocks { bytes, at: 0 }
}

/// See [`blocks`].
#[derive(Debug)]
pub struct Blocks<'a> {
    bytes: &'a [u8],
    at: usize,
}

/// One block read by [`Blocks`]: its offset in the input, its category, its records, and the problem that
/// ended it early, if any.
#[derive(Debug)]
pub struct Block {
    pub offset: usize,
    pub cat: u8,
    pub records: Vec<Record>,
    pub error: Option<AsterixError>,
}

impl Iterator for Blocks<'_> {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        let rest = self.bytes.get(self.at..).filter(|r| !r.is_empty())?;
        let offset = self.at;
        let cat = rest[0];
        let (records, used, error) = match decode_block(rest) {
            Ok((records, used)) => (records, used, None),
            Err((records, used, e)) => (records, used, Some(e)),
        };
        self.at += used.max(1);
        Some(Block {
            offset,
            cat,
            records,
            error,
        })
    }
}

/// Where a radar is: its site, for CAT048 slant ranges and azimuths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RadarSite {
    pub lat_deg: f64,
    pub lon_deg: f64,
    /// The antenna's height above mean sea level (m).
    pub height_m: f64,
}

impl RadarSite {
    /// The position of a target at slant range `rho_nm`, azimuth `theta_deg` and height `height_m` (MSL,
    /// as near as a flight level gives it): the central angle on the local sphere (Gaussian radius at the
    /// site) from the triangle radar–target–earth's centre, then the geodesic from the site.
    pub fn locate(&self, rho_nm: f64, theta_deg: f64, height_m: f64) -> Option<(f64, f64)> {
        let r = gaussian_radius(self.lat_deg);
        let (a, b, rho) = (r + self.height_m, r + height_m, rho_nm * 1852.0);
        let cos = (a * a + b * b - rho * rho) / (2.0 * a * b);
        if !(-1.0..=1.0).contains(&cos) || b <= 0.0 {
            return None;
        }
        let ground = r * cos.acos();
        let p = destination(LonLat::new(self.lon_deg, self.lat_deg), theta_deg, ground);
        Some((p.lat, p.lon))
    }
}

/// Why a record gave no report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Skip {
    /// Simulated, test or field-monitor target.
    NotReal,
    OnGround,
    /// Neither an address nor a track number to name it by.
    NoIdentity,
    NoPosition,
    /// CAT048 without a configured site for its radar.
    UnknownRadar,
    /// No flight level, in the record or recent.
    NoAltitude,
    /// No velocity, in the record or recent.
    NoVelocity,
    /// A value outside what the line takes (named in [`Tracker::push`]'s error).
    OutOfRange,
    /// More targets than the tracker keeps.
    TooManyTargets,
}

/// What is known of one target.
#[derive(Debug, Clone, Default)]
struct Target {
    callsign: String,
    /// Altitude (m), pressure (else MSL), when.
    altitude: Option<(f64, bool, i64)>,
    /// Ground speed (m/s), track (deg), when.
    velocity: Option<(f64, f64, i64)>,
    heard_ms: i64,
}

/// Most targets a [`Tracker`] keeps; a new one beyond is not reported until others are forgotten.
pub const MAX_TARGETS: usize = 100_000;

/// Turns records into reports: names each target, fills what a record leaves out from recent records of
/// the same target, and checks every value against the line's ranges.
#[derive(Debug, Default)]
pub struct Tracker {
    targets: HashMap<String, Target>,
    radars: HashMap<(u8, u8), RadarSite>,
    /// When a full tracker last forgot its quiet targets.
    swept_ms: Option<i64>,
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Where the radar with this SAC/SIC is, for its CAT048 reports.
    pub fn add_radar(&mut self, sac: u8, sic: u8, site: RadarSite) {
        self.radars.insert((sac, sic), site);
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Forgets targets not heard from since `cutoff_ms`.
    pub fn forget_older_than(&mut self, cutoff_ms: i64) {
        self.targets.retain(|_, t| t.heard_ms >= cutoff_ms);
    }

    /// The report a record gives at `time_ms`, or why none (with the field, for out-of-range values).
    pub fn push(&mut self, r: &Record, time_ms: i64) -> Result<Report, (Skip, String)> {
        let skip = |s: Skip, why: &str| Err((s, why.to_string()));
        let cat = r.cat;
        let item = |i: &str| format!("I{cat:03}/{i}");
        if let Some(tod) = r.time_of_day_s {
            if tod >= 86_400.0 {
                let it = match cat {
                    21 => "073",
                    62 => "070",
                    _ => "140",
                };
                return Err((
                    Skip::OutOfRange,
                    format!("{}: time of day {tod} s is not within a day", item(it)),
                ));
            }
        }
        let id = match (r.address, r.track_number, r.sac_sic) {
            (Some(a), _, _) => format!("{}{:06X}", if r.non_icao { "~" } else { "" }, a),
            (None, Some(tn), Some((sac, sic))) => format!("T{sac}-{sic}-{tn}"),
            _ => {
                return skip(
                    Skip::NoIdentity,
                    "neither a target address nor a track number",
                )
            }
        };
        if r.track_ended {
            // The track's last report: what was known of it must not name a later track of that number.
            self.targets.remove(&id);
            return skip(Skip::NotReal, "the track's end");
        }
        if r.not_real {
            return skip(
                Skip::NotReal,
                "a simulated, test, ghost or field-monitor target",
            );
        }
        if r.on_ground {
            return skip(Skip::OnGround, "on the ground");
        }
        // Altitude: a flight level (pressure), else I062/135 (pressure, or MSL when QNH-corrected).
        let level_item = match cat {
            48 => "090",
            62 => "136",
            _ => "145",
        };
        let altitude = match (r.flight_level, r.barometric_fl) {
            (Some(fl), _) if r.flight_level_valid => Some((fl, true, level_item)),
            (_, Some((fl, qnh))) => Some((fl, !qnh, "135")),
            _ => None,
        };
        let altitude = match altitude {
            Some((fl, pressure, it)) => {
                if !(-15.0..=1500.0).contains(&fl) {
                    return Err((
                        Skip::OutOfRange,
                        format!("{}: flight level {fl} is outside -15..1500", item(it)),
                    ));
                }
                Some((fl * 100.0 * M_PER_FT, pressure, time_ms))
            }
            None => None,
        };
        let velocity = if let Some((gs_kt, trk)) = r.ground_vector {
            Some((
                gs_kt * MPS_PER_KT,
                trk,
                if cat == 48 { "200" } else { "160" },
            ))
        } else {
            r.velocity_xy_mps.map(|(vx, vy)| {
                (
                    vx.hypot(vy),
                    vx.atan2(vy).to_degrees().rem_euclid(360.0),
                    "185",
                )
            })
        };
        let velocity = match velocity {
            Some((gs, trk, it)) => {
                if gs > 3000.0 {
                    return Err((
                        Skip::OutOfRange,
                        format!("{}: ground speed {gs:.0} m/s is over 3000", item(it)),
                    ));
                }
                Some((gs, trk % 360.0, time_ms))
            }
            None => None,
        };
        let vs = r.vertical_rate_ftmin.map(|v| v * M_PER_FT / 60.0);
        if let Some(v) = vs {
            if v.abs() > 1000.0 {
                let it = if cat == 62 { "220" } else { "155" };
                return Err((
                    Skip::OutOfRange,
                    format!("{}: vertical rate {v:.0} m/s is beyond ±1000", item(it)),
                ));
            }
        }
        // A callsign is used as given when every character is in the ICAO alphabet and it has no inner or
        // leading space (the line shows it in sentences).
        let callsign = r
            .callsign
            .as_ref()
            .filter(|c| !c.is_empty() && !c.contains('?') && !c.contains(' '));
        // A record that says nothing a later one could use does not make a target (an address alone).
        let useful = r.lat_lon.is_some()
            || r.polar.is_some()
            || altitude.is_some()
            || velocity.is_some()
            || callsign.is_some();
        if !useful {
            return skip(Skip::NoPosition, "no position");
        }
        if !self.targets.contains_key(&id) && !self.room(time_ms) {
            return skip(Skip::TooManyTargets, "more targets than the feed keeps");
        }
        let t = self.targets.entry(id.clone()).or_default();
        t.heard_ms = t.heard_ms.max(time_ms);
        if let Some(c) = callsign {
            t.callsign.clone_from(c);
        }
        if altitude.is_some() {
            t.altitude = altitude;
        }
        if velocity.is_some() {
            t.velocity = velocity;
        }
        let velocity = t.velocity.filter(|v| time_ms - v.2 <= MAX_VELOCITY_AGE_MS);
        let (lat, lon, altitude) = match (r.lat_lon, r.polar) {
            (Some((lat, lon)), _) => {
                if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                    let it = if cat == 62 { "105" } else { "131" };
                    return Err((
                        Skip::OutOfRange,
                        format!(
                            "{}: position {lat}, {lon} is outside -90..90, -180..180",
                            item(it)
                        ),
                    ));
                }
                let altitude = t.altitude.filter(|a| time_ms - a.2 <= MAX_ALTITUDE_AGE_MS);
                (lat, lon, altitude)
            }
            (None, Some((rho, theta))) => {
                let Some(site) = r.sac_sic.and_then(|s| self.radars.get(&s)) else {
                    return skip(Skip::UnknownRadar, "a radar whose site is not configured");
                };
                // A plot is placed with its own validated flight level only, never an earlier one.
                let Some((alt, pressure, at)) = altitude else {
                    return skip(
                        Skip::NoAltitude,
                        "no validated flight level of its own to place it",
                    );
                };
                let (lat, lon) = site.locate(rho, theta, alt).ok_or((
                    Skip::OutOfRange,
                    format!(
                        "{}: slant range {rho} NM cannot reach height {alt:.0} m",
                        item("040")
                    ),
                ))?;
                (lat, lon, Some((alt, pressure, at)))
            }
            _ => return skip(Skip::NoPosition, "no position"),
        };
        let Some((alt_m, pressure, _)) = altitude else {
            return skip(Skip::NoAltitude, "no flight level");
        };
        let Some((gs, trk, _)) = velocity else {
            return skip(Skip::NoVelocity, "no velocity");
        };
        Ok(Report {
            id,
            callsign: t.callsign.clone(),
            state: Track {
                lat_deg: lat,
                lon_deg: lon,
                alt_m,
                gs_mps: gs,
                trk_deg: trk,
                vs_mps: vs.unwrap_or(0.0),
            },
            vs_known: vs.is_some(),
            time_ms,
            pressure,
        })
    }

    /// Whether a new target may be kept at `time_ms`: when the tracker is full, targets not heard from for
    /// [`FULL_FORGET_MS`] are forgotten first (at most once a second of the feed's time, so that a flood of
    /// new ids does not sweep the map at every record).
    fn room(&mut self, time_ms: i64) -> bool {
        if self.targets.len() < MAX_TARGETS {
            return true;
        }
        if self.swept_ms.is_none_or(|s| time_ms - s >= 1_000) {
            self.swept_ms = Some(time_ms);
            self.forget_older_than(time_ms - FULL_FORGET_MS);
        }
        self.targets.len() < MAX_TARGETS
    }
}

/// When a [`Tracker`] is full, targets not heard from for this long (ms) make room for new ones: longer than
/// any use of an earlier record ([`MAX_ALTITUDE_AGE_MS`], [`MAX_VELOCITY_AGE_MS`]).
pub const FULL_FORGET_MS: i64 = 60_000;

/// The UTC time (ms since 1970) of a time of day, taken on the day of `now_ms` or the day before or after,
/// whichever is nearest `now_ms` (a report just before midnight received just after it is yesterday's).
pub fn time_near(time_of_day_s: f64, now_ms: i64) -> i64 {
    const DAY_MS: i64 = 86_400_000;
    let tod = (time_of_day_s * 1000.0).round() as i64;
    let midnight = now_ms.div_euclid(DAY_MS) * DAY_MS;
    [midnight - DAY_MS, midnight, midnight + DAY_MS]
        .into_iter()
        .map(|m| m + tod)
        .min_by_key(|t| (t - now_ms).abs())
        .unwrap_or(midnight + tod)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record from (FRN, item octets) pairs, FRNs 1-based and ascending.
    fn record(items: &[(usize, Vec<u8>)]) -> Vec<u8> {
        let last = items.iter().map(|(f, _)| *f).max().unwrap_or(1);
        let octets = last.div_ceil(7);
        let mut fspec = vec![0u8; octets];
        for (f, _) in items {
            fspec[(f - 1) / 7] |= 0x80 >> ((f - 1) % 7);
        }
        for o in fspec.iter_mut().take(octets - 1) {
            *o |= 1;
        }
        let mut out = fspec;
        let mut items = items.to_vec();
        items.sort_by_key(|(f, _)| *f);
        for (_, b) in &items {
            out.extend_from_slice(b);
        }
        out
    }

    fn block(cat: u8, records: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = records.concat();
        let len = (body.len() + 3) as u16;
        let mut out = vec![cat];
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    fn be(v: i64, n: usize) -> Vec<u8> {
        (0..n).rev().map(|k| (v >> (8 * k)) as u8).collect()
    }

    /// "DLH4AB  " in ICAO six-bit characters.
    fn icao(text: &str) -> Vec<u8> {
        let mut bits = 0u64;
        for c in format!("{text:<8}").bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A' + 1,
                b' ' => 32,
                _ => c,
            };
            bits = bits << 6 | u64::from(v);
        }
        be(bits as i64, 6)
    }

    fn cat021_sample() -> Vec<u8> {
        // 010, 040 (ICAO, one extension: nothing set), 073, 131, 080, 145, 155, 160, 170
        record(&[
            (1, vec![25, 10]),
            (2, vec![0x01, 0x00]),
            (12, be((12 * 3600 + 30) * 128, 3)),
            (
                7,
                [
                    be((36.2 * (1u64 << 30) as f64 / 180.0) as i64, 4),
                    be((37.1 * (1u64 << 30) as f64 / 180.0) as i64, 4),
                ]
                .concat(),
            ),
            (11, vec![0x4B, 0xA9, 0x12]),
            (21, be(350 * 4, 2)),
            (24, be(-1000 * 4 / 25, 2)),
            (
                26,
                [
                    be((450.0 / 3600.0 * 16384.0) as i64, 2),
                    be((90.0 * 65536.0 / 360.0) as i64, 2),
                ]
                .concat(),
            ),
            (29, icao("THY4AB")),
        ])
    }

    #[test]
    fn a_cat021_record_reads_every_value_a_picture_needs() {
        let bytes = block(21, &[cat021_sample()]);
        let (records, used) = decode_block(&bytes).expect("decodes");
        assert_eq!(used, bytes.len());
        let r = &records[0];
        assert_eq!(r.sac_sic, Some((25, 10)));
        assert_eq!(r.time_of_day_s, Some(43_230.0));
        let (lat, lon) = r.lat_lon.expect("position");
        assert!(
            (lat - 36.2).abs() < 1e-6 && (lon - 37.1).abs() < 1e-6,
            "{lat} {lon}"
        );
        assert_eq!(r.address, Some(0x4BA912));
        assert_eq!(r.flight_level, Some(350.0));
        assert_eq!(r.vertical_rate_ftmin, Some(-1000.0));
        let (gs, trk) = r.ground_vector.expect("velocity");
        assert!(
            (gs - 450.0).abs() < 0.3 && (trk - 90.0).abs() < 0.01,
            "{gs} {trk}"
        );
        assert_eq!(r.callsign.as_deref(), Some("THY4AB"));
        assert!(!r.non_icao && !r.on_ground && !r.not_real);

        let mut t = Tracker::new();
        let rep = t.push(r, 1_000).expect("a report");
        assert_eq!(rep.id, "4BA912");
        assert_eq!(rep.callsign, "THY4AB");
        assert!(rep.pressure && rep.vs_known);
        assert!((rep.state.alt_m - 35_000.0 * M_PER_FT).abs() < 1e-6);
        assert!((rep.state.vs_mps + 1000.0 * M_PER_FT / 60.0).abs() < 1e-9);
    }

    #[test]
    fn a_cat062_track_reads_its_velocity_address_and_callsign() {
        let rec = record(&[
            (1, vec![25, 100]),
            (4, be(100 * 128, 3)),
            (
                5,
                [
                    be((35.5 * (1u64 << 25) as f64 / 180.0) as i64, 4),
                    be((36.5 * (1u64 << 25) as f64 / 180.0) as i64, 4),
                ]
                .concat(),
            ),
            (7, [be(100 * 4, 2), be(-100 * 4, 2)].concat()),
            // 380: ADR and ID present (primary subfield 0b1100_0000)
            (
                11,
                [vec![0xC0], vec![0x12, 0x34, 0x56], icao("RFF123")].concat(),
            ),
            (12, be(4321, 2)),
            (13, vec![0x01, 0x00]),
            (17, be(200 * 4, 2)),
            (20, be(625 * 4 / 25, 2)),
        ]);
        let (records, _) = decode_block(&block(62, &[rec])).expect("decodes");
        let r = &records[0];
        assert_eq!(r.track_number, Some(4321));
        assert_eq!(r.address, Some(0x123456));
        assert_eq!(r.callsign.as_deref(), Some("RFF123"));
        assert_eq!(r.velocity_xy_mps, Some((100.0, -100.0)));
        assert_eq!(r.flight_level, Some(200.0));
        assert_eq!(r.vertical_rate_ftmin, Some(625.0));
        let rep = Tracker::new().push(r, 0).expect("a report");
        assert!(
            (rep.state.trk_deg - 135.0).abs() < 1e-9,
            "{}",
            rep.state.trk_deg
        );
        assert!((rep.state.gs_mps - 100.0 * 2f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn a_cat048_plot_is_placed_from_its_radar_and_flight_level() {
        let rec = record(&[
            (1, vec![7, 3]),
            (2, be(5 * 128, 3)),
            (3, vec![0xA0]),
            (4, [be(60 * 256, 2), be(0, 2)].concat()), // 60 NM due north
            (6, be(300 * 4, 2)),
            (8, vec![0x11, 0x22, 0x33]),
            (
                13,
                [be((400.0 / 3600.0 * 16384.0) as i64, 2), be(0, 2)].concat(),
            ),
        ]);
        let (records, _) = decode_block(&block(48, &[rec])).expect("decodes");
        let r = &records[0];
        assert_eq!(r.polar, Some((60.0, 0.0)));
        let mut t = Tracker::new();
        assert_eq!(t.push(r, 0).map_err(|e| e.0), Err(Skip::UnknownRadar));
        t.add_radar(
            7,
            3,
            RadarSite {
                lat_deg: 36.0,
                lon_deg: 37.0,
                height_m: 400.0,
            },
        );
        let rep = t.push(r, 0).expect("a report");
        // 60 NM slant at FL300 from a 400 m site: ground range a little less than 111.1 km.
        let north_km = (rep.state.lat_deg - 36.0) * 110.95;
        assert!((north_km - 110.8).abs() < 0.5, "{north_km}");
        assert!((rep.state.lon_deg - 37.0).abs() < 1e-9);
    }

    #[test]
    fn several_blocks_and_records_follow_one_another() {
        let one = block(21, &[cat021_sample(), cat021_sample()]);
        let other = block(34, &[vec![0x80, 1, 2]]);
        let bytes = [one.clone(), other, one].concat();
        let got: Vec<_> = blocks(&bytes).collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].records.len(), 2);
        assert!(
            got[1].records.is_empty() && got[1].error.is_none(),
            "another category is skipped"
        );
        assert_eq!(got[2].records.len(), 2);
    }

    #[test]
    fn problems_name_the_record_and_the_item() {
        // The record claims a position (FRN 7, 8 octets) and gives 3.
        let short = [vec![0x02, 0x01, 0x02], vec![1, 2, 3]].concat();
        let (_, _, e) = decode_block(&block(21, &[cat021_sample(), short])).expect_err("short");
        assert_eq!(
            e.to_string(),
            "CAT021 record 2, I021/131: runs past the end of the block (5 octets left)"
        );
        // FRN 2 of CAT062 is spare.
        let (_, _, e) = decode_block(&block(62, &[vec![0x40, 0]])).expect_err("spare");
        assert_eq!(
            e.to_string(),
            "CAT062 record 1: its FSPEC names FRN 2, which CAT062 does not define"
        );
        // I062/380 subfield 29 does not exist.
        let rec = record(&[(11, vec![0x01, 0x01, 0x01, 0x01, 0x40])]);
        let (_, _, e) = decode_block(&block(62, &[rec])).expect_err("subfield");
        assert_eq!(
            e.to_string(),
            "CAT062 record 1, I062/380: subfield 30 is not defined"
        );
        // A length that does not fit.
        let (_, _, e) = decode_block(&[21, 0, 200, 0]).expect_err("length");
        assert_eq!(
            e.to_string(),
            "CAT021 block: length 200 does not fit: 4 octets remain"
        );
        assert!(
            decode_block(&[21, 0, 4, 0]).is_err(),
            "an FSPEC naming nothing"
        );
    }

    #[test]
    fn values_the_line_cannot_take_are_refused_naming_the_item() {
        let mut r = decode_block(&block(21, &[cat021_sample()]))
            .expect("ok")
            .0
            .remove(0);
        r.lat_lon = Some((95.0, 10.0));
        let e = Tracker::new().push(&r, 0).expect_err("latitude");
        assert_eq!(e.0, Skip::OutOfRange);
        assert!(e.1.starts_with("I021/131: position 95"), "{}", e.1);
        r.lat_lon = Some((10.0, 10.0));
        r.flight_level = Some(2000.0);
        let e = Tracker::new().push(&r, 0).expect_err("level");
        assert_eq!(e.1, "I021/145: flight level 2000 is outside -15..1500");
        r.flight_level = Some(100.0);
        r.ground_vector = Some((7000.0, 0.0));
        assert!(Tracker::new()
            .push(&r, 0)
            .expect_err("speed")
            .1
            .starts_with("I021/160: ground speed"));
    }

    #[test]
    fn simulated_ground_and_anonymous_targets_are_not_reported() {
        let base = decode_block(&block(21, &[cat021_sample()]))
            .expect("ok")
            .0
            .remove(0);
        let mut t = Tracker::new();
        let r = Record {
            not_real: true,
            ..base.clone()
        };
        assert_eq!(t.push(&r, 0).map_err(|e| e.0), Err(Skip::NotReal));
        let r = Record {
            on_ground: true,
            ..base.clone()
        };
        assert_eq!(t.push(&r, 0).map_err(|e| e.0), Err(Skip::OnGround));
        let r = Record {
            address: None,
            track_number: None,
            ..base.clone()
        };
        assert_eq!(t.push(&r, 0).map_err(|e| e.0), Err(Skip::NoIdentity));
        let r = Record {
            non_icao: true,
            ..base
        };
        assert_eq!(t.push(&r, 0).expect("report").id, "~4BA912");
    }

    #[test]
    fn a_record_without_velocity_uses_a_recent_one_of_the_same_target() {
        let full = decode_block(&block(21, &[cat021_sample()]))
            .expect("ok")
            .0
            .remove(0);
        let bare = Record {
            ground_vector: None,
            vertical_rate_ftmin: None,
            callsign: None,
            ..full.clone()
        };
        let mut t = Tracker::new();
        assert_eq!(t.push(&bare, 0).map_err(|e| e.0), Err(Skip::NoVelocity));
        t.push(&full, 1_000).expect("full");
        let rep = t.push(&bare, 2_000).expect("velocity from the full record");
        assert_eq!(rep.callsign, "THY4AB");
        assert!(!rep.vs_known);
        assert_eq!(
            t.push(&bare, 2_000 + MAX_VELOCITY_AGE_MS).map_err(|e| e.0),
            Err(Skip::NoVelocity),
            "too old"
        );
    }

    #[test]
    fn a_record_naming_only_an_address_makes_no_target_and_a_full_tracker_forgets_quiet_ones() {
        let full = decode_block(&block(21, &[cat021_sample()]))
            .expect("ok")
            .0
            .remove(0);
        let mut t = Tracker::new();
        let ghost = Record {
            cat: 21,
            address: Some(0x123456),
            ..Record::default()
        };
        assert_eq!(t.push(&ghost, 0).map_err(|e| e.0), Err(Skip::NoPosition));
        assert!(t.is_empty(), "an address alone is no target");
        for a in 0..MAX_TARGETS as u32 {
            let r = Record {
                address: Some(a),
                ..full.clone()
            };
            t.push(&r, 0).expect("a report");
        }
        let new = Record {
            address: Some(0xFFFFFF),
            ..full.clone()
        };
        assert_eq!(
            t.push(&new, 1_000).map_err(|e| e.0),
            Err(Skip::TooManyTargets),
            "full of targets heard a second ago"
        );
        assert!(
            t.push(&new, FULL_FORGET_MS + 1).is_ok(),
            "targets quiet for a minute make room"
        );
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_track_that_ended_takes_its_callsign_with_it() {
        let full = decode_block(&block(21, &[cat021_sample()]))
            .expect("ok")
            .0
            .remove(0);
        let mut t = Tracker::new();
        t.push(&full, 0).expect("a report");
        let end = Record {
            track_ended: true,
            ..full.clone()
        };
        assert_eq!(t.push(&end, 1).map_err(|e| e.0), Err(Skip::NotReal));
        let later = Record {
            callsign: None,
            ..full
        };
        assert_eq!(
            t.push(&later, 2).expect("a report").callsign,
            "",
            "not the ended track's"
        );
    }

    #[test]
    fn a_plot_is_placed_only_with_its_own_validated_flight_level() {
        let rec = |fl_octets: [u8; 2]| {
            record(&[
                (1, vec![7, 3]),
                (4, [be(60 * 256, 2), be(0, 2)].concat()),
                (6, fl_octets.to_vec()),
                (8, vec![0x11, 0x22, 0x33]),
                (13, [be(1000, 2), be(0, 2)].concat()),
            ])
        };
        let good = be(300 * 4, 2);
        let garbled = [0x40 | (400u16 >> 8) as u8, (400u16 & 0xff) as u8];
        let (records, _) =
            decode_block(&block(48, &[rec([good[0], good[1]]), rec(garbled)])).expect("decodes");
        let mut t = Tracker::new();
        t.add_radar(
            7,
            3,
            RadarSite {
                lat_deg: 36.0,
                lon_deg: 37.0,
                height_m: 400.0,
            },
        );
        t.push(&records[0], 0).expect("placed at FL300");
        assert!(!records[1].flight_level_valid);
        assert_eq!(
            t.push(&records[1], 1_000).map_err(|e| e.0),
            Err(Skip::NoAltitude),
            "not placed with the earlier FL300"
        );
    }

    #[test]
    fn ground_ghost_false_and_descriptorless_targets_are_not_reported() {
        let mut t = Tracker::new();
        // CAT062 I062/080 with SFC set (sixth octet), then with PFT (fifth).
        let track = |status: Vec<u8>| {
            record(&[
                (1, vec![25, 100]),
                (5, [be(1 << 24, 4), be(1 << 24, 4)].concat()),
                (7, [be(400, 2), be(0, 2)].concat()),
                (12, be(7, 2)),
                (13, status),
                (17, be(1200, 2)),
            ])
        };
        let (records, _) = decode_block(&block(
            62,
            &[
                track(vec![0x01, 0x01, 0x01, 0x01, 0x01, 0x10]),
                track(vec![0x01, 0x01, 0x01, 0x01, 0x04]),
                track(vec![0x00]),
            ],
        ))
        .expect("decodes");
        assert_eq!(t.push(&records[0], 0).map_err(|e| e.0), Err(Skip::OnGround));
        assert_eq!(t.push(&records[1], 0).map_err(|e| e.0), Err(Skip::NotReal));
        assert!(
            t.push(&records[2], 0).is_ok(),
            "{:?}",
            t.push(&records[2], 0)
        );
        // CAT048 I048/230 STAT 1 (on the ground); I048/170 with GHO.
        let plot = |frn: usize, item: Vec<u8>| {
            record(&[
                (1, vec![7, 3]),
                (4, [be(256, 2), be(0, 2)].concat()),
                (6, be(40, 2)),
                (8, vec![1, 2, 3]),
                (frn, item),
            ])
        };
        let (records, _) = decode_block(&block(
            48,
            &[plot(21, vec![0x04, 0x00]), plot(14, vec![0x01, 0x40])],
        ))
        .expect("decodes");
        assert!(records[0].on_ground && records[1].not_real, "{records:?}");
        // CAT021 without its mandatory I021/040.
        let bare = record(&[(1, vec![25, 10]), (11, vec![1, 2, 3]), (21, be(1400, 2))]);
        let (records, _) = decode_block(&block(21, &[bare])).expect("decodes");
        assert!(records[0].not_real);
    }

    #[test]
    fn a_time_of_day_beyond_a_day_is_refused_naming_the_item() {
        let mut r = decode_block(&block(21, &[cat021_sample()]))
            .expect("ok")
            .0
            .remove(0);
        r.time_of_day_s = Some(90_000.0);
        let e = Tracker::new().push(&r, 0).expect_err("refused");
        assert_eq!(
            e,
            (
                Skip::OutOfRange,
                "I021/073: time of day 90000 s is not within a day".into()
            )
        );
    }

    #[test]
    fn a_time_of_day_is_placed_on_the_nearest_day() {
        let day = 86_400_000i64;
        let now = 20_000 * day + 10_000; // 00:00:10
        assert_eq!(time_near(86_395.0, now), 20_000 * day - 5_000);
        assert_eq!(time_near(5.0, now), 20_000 * day + 5_000);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_or_refused_without_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let mut seen = 0;
            for b in blocks(&bytes) {
                seen += 1;
                let mut t = Tracker::new();
                for r in &b.records {
                    let _ = t.push(r, 0);
                }
            }
            proptest::prop_assert!(seen <= bytes.len());
        }
    }
}
