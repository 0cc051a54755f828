//! The ASTERIX sources of `deconflict feed`: datagrams on a UDP address (`--asterix-udp`, unicast or a
//! multicast group) and recordings (`--asterix-replay`: data blocks back to back, as a recorder writes the
//! datagrams' contents). Each data block is decoded by [`deconflict_feed::asterix`], each record turned into
//! a report by its [`Tracker`] and batched as SBS-1 states are; `--decoded` prints the records' values
//! instead, to check a source against another decoder.
//!
//! Bounds: a datagram is read into one 64 KiB buffer (UDP carries at most 65 507 octets), a recording a
//! block at a time (a block's length field allows at most 65 535 octets), so memory does not grow with the
//! input. A block whose length does not fit ends a datagram, or a recording (nothing after it can be found);
//! a record that cannot be read ends its block; both are counted and the first few named, block by octet
//! offset, record and item. Records of other categories are skipped. With `--allow-from`, datagrams from
//! any other source address are dropped before they are read (the first few, then each power of two, named).

use std::io::Read;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

use deconflict_feed::asterix::{blocks, time_near, Block, RadarSite, Record, Skip, Tracker};

use super::{now_ms, Failure, Reader};

const DAY_MS: i64 = 86_400_000;

/// A tracker that knows the sites of the radars given as `SAC/SIC=LAT,LON,HEIGHT_M`.
pub(super) fn tracker(radars: &[String]) -> Result<Tracker, Failure> {
    let mut t = Tracker::new();
    for text in radars {
        let (sac, sic, site) = parse_radar(text).map_err(|e| {
            Failure(
                2,
                format!("--radar {text}: {e}; expected SAC/SIC=LAT,LON,HEIGHT_M"),
            )
        })?;
        t.add_radar(sac, sic, site);
    }
    Ok(t)
}

fn parse_radar(text: &str) -> Result<(u8, u8, RadarSite), String> {
    let (id, place) = text.split_once('=').ok_or("no '='")?;
    let (sac, sic) = id.split_once('/').ok_or("no '/' between SAC and SIC")?;
    let code = |s: &str, name: &str| {
        s.trim()
            .parse::<u8>()
            .map_err(|_| format!("{name} '{s}' is not a number 0..255"))
    };
    let parts: Vec<&str> = place.split(',').collect();
    let [lat, lon, height] = parts[..] else {
        return Err(format!("{} numbers after '=', not 3", parts.len()));
    };
    let number = |s: &str, name: &str, lo: f64, hi: f64| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or(format!("{name} '{s}' is not a number in {lo}..{hi}"))
    };
    Ok((
        code(sac, "SAC")?,
        code(sic, "SIC")?,
        RadarSite {
            lat_deg: number(lat, "latitude", -90.0, 90.0)?,
            lon_deg: number(lon, "longitude", -180.0, 180.0)?,
            height_m: number(height, "height", -500.0, 9_000.0)?,
        },
    ))
}

pub(super) fn read(reader: &mut Reader<'_>) -> Result<(), Failure> {
    let args = reader.args;
    if let Some(path) = &args.asterix_replay {
        let source = path.display().to_string();
        let input: Box<dyn Read> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(path).map_err(|e| Failure(2, format!("{source}: {e}")))?)
        };
        return replay(
            reader,
            std::io::BufReader::with_capacity(1 << 16, input),
            &source,
        );
    }
    udp(reader, args.asterix_udp.as_deref().unwrap_or_default())
}

/// Reads `buf.len()` octets, or fewer at the end of the input; returns how many.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut at = 0;
    while at < buf.len() {
        match input.read(&mut buf[at..]) {
            Ok(0) => break,
            Ok(n) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(at)
}

fn replay(reader: &mut Reader<'_>, mut input: impl Read, source: &str) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure(2, format!("{source}: {e}"));
    let mut block = vec![0u8; 1 << 16];
    let mut offset = 0usize;
    loop {
        let got = read_full(&mut input, &mut block[..3]).map_err(io)?;
        if got == 0 {
            return Ok(());
        }
        let len = if got == 3 {
            usize::from(u16::from_be_bytes([block[1], block[2]]))
        } else {
            0
        };
        if len < 3 {
            reader.stats.lines += 1;
            return reader.reject(format!(
                "{source}: octet {offset}: a block header of length {len}; the rest of the recording cannot be found"
            ));
        }
        let body = read_full(&mut input, &mut block[3..len]).map_err(io)?;
        if body < len - 3 {
            reader.stats.lines += 1;
            return reader.reject(format!(
                "{source}: octet {offset}: the recording ends inside a block of {len} octets"
            ));
        }
        for b in blocks(&block[..len]) {
            reader.asterix_block(b, source, offset, true)?;
        }
        offset += len;
    }
}

fn udp(reader: &mut Reader<'_>, addr: &str) -> Result<(), Failure> {
    let args = reader.args;
    let bad = |e: String| Failure(2, format!("--asterix-udp {addr}: {e}"));
    let target: SocketAddr = addr
        .to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .next()
        .ok_or_else(|| bad("no address".into()))?;
    let socket = match target {
        SocketAddr::V4(v4) if v4.ip().is_multicast() => {
            let socket = UdpSocket::bind(("0.0.0.0", v4.port())).map_err(|e| bad(e.to_string()))?;
            socket
                .join_multicast_v4(v4.ip(), &args.multicast_interface)
                .map_err(|e| {
                    bad(format!(
                        "joining the group on {}: {e}",
                        args.multicast_interface
                    ))
                })?;
            socket
        }
        _ => UdpSocket::bind(target).map_err(|e| bad(e.to_string()))?,
    };
    socket
        .set_read_timeout(Some(std::time::Duration::from_millis(
            args.batch_ms.max(10),
        )))
        .map_err(|e| bad(e.to_string()))?;
    let local = socket
        .local_addr()
        .map_or(addr.to_string(), |a| a.to_string());
    eprintln!("deconflict feed: receiving ASTERIX on {local}");
    let mut buf = vec![0u8; 1 << 16];
    let mut heard = std::time::Instant::now();
    let mut strangers = 0u64;
    loop {
        match socket.recv_from(&mut buf) {
            Ok((_, from))
                if !args.allow_from.is_empty() && !args.allow_from.contains(&from.ip()) =>
            {
                strangers += 1;
                if strangers <= 5 || strangers.is_power_of_two() {
                    eprintln!(
                        "deconflict feed: datagram from {from} dropped: not an --allow-from source \
                         ({strangers} so far)"
                    );
                }
            }
            Ok((n, from)) => {
                heard = std::time::Instant::now();
                let source = from.to_string();
                for b in blocks(&buf[..n]) {
                    reader.asterix_block(b, &source, 0, false)?;
                }
                // Datagrams that make no report (another category, say) must not hold back pending ones.
                reader.maybe_flush()?;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                reader.maybe_flush()?;
                if args.once && heard.elapsed().as_secs_f64() >= args.quiet_s {
                    eprintln!(
                        "deconflict feed: nothing on {local} for {} s; stopping (--once)",
                        args.quiet_s
                    );
                    return Ok(());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(bad(e.to_string())),
        }
    }
}

impl Reader<'_> {
    /// One data block, at octet `base + block.offset` of `source`.
    fn asterix_block(
        &mut self,
        block: Block,
        source: &str,
        base: usize,
        replay: bool,
    ) -> Result<(), Failure> {
        let at = base + block.offset;
        let index = self.stats.blocks;
        self.stats.blocks += 1;
        for (i, r) in block.records.iter().enumerate() {
            if self.args.decoded {
                self.stats.lines += 1;
                println!("{}", decoded_json(r, index, at, i));
                continue;
            }
            self.asterix_record(r, source, at, i, replay)?;
        }
        if let Some(e) = block.error {
            self.stats.lines += 1;
            self.reject(format!("{source}: block at octet {at}: {e}"))?;
        }
        Ok(())
    }

    /// Record `i` of the block at octet `at` of `source`.
    fn asterix_record(
        &mut self,
        r: &Record,
        source: &str,
        at: usize,
        i: usize,
        replay: bool,
    ) -> Result<(), Failure> {
        self.stats.lines += 1;
        let time = match r.time_of_day_s {
            Some(tod) if replay => {
                let t = self.replay_time(tod);
                self.pace(
                    t,
                    || format!("{source}: block at octet {at}, record {}", i + 1),
                    "record",
                )?;
                t
            }
            None if replay => self.previous.unwrap_or_else(now_ms),
            Some(tod) if self.args.feed_times => time_near(tod, now_ms()),
            _ => now_ms(),
        };
        match self.tracker.push(r, time) {
            Ok(report) => {
                self.stats.reports += 1;
                self.pending.insert(report.id.clone(), report);
            }
            Err((Skip::OutOfRange, why)) => {
                self.reject(format!(
                    "{source}: block at octet {at}, record {}: {why}",
                    i + 1
                ))?;
            }
            Err(_) => self.stats.unreported += 1,
        }
        if self.stats.lines.is_multiple_of(100_000) {
            self.tracker
                .forget_older_than(time - deconflict_feed::FORGET_AFTER_MS);
        }
        self.maybe_flush()
    }

    /// A replayed record's time: its time of day on the day the replay placed its first record nearest
    /// now, moved a day on each time the times of day wrap past midnight.
    fn replay_time(&mut self, tod: f64) -> i64 {
        let tod_ms = (tod * 1000.0).round() as i64;
        let midnight = *self
            .midnight_ms
            .get_or_insert_with(|| time_near(tod, now_ms()) - tod_ms);
        let mut t = midnight + tod_ms;
        if self.previous.is_some_and(|p| t < p - DAY_MS / 2) {
            self.midnight_ms = Some(midnight + DAY_MS);
            t += DAY_MS;
        }
        t
    }
}

/// A record's values as one JSON line: the block's index and octet offset in the input, the record's index
/// in it, and each value the record carries, in the units of the format (flight levels, feet, knots, NM,
/// degrees).
fn decoded_json(r: &Record, block: u64, at: usize, i: usize) -> String {
    let mut v = serde_json::Map::new();
    let mut put = |k: &str, x: serde_json::Value| {
        v.insert(k.to_string(), x);
    };
    put("block", block.into());
    put("offset", at.into());
    put("record", i.into());
    put("cat", r.cat.into());
    if let Some((sac, sic)) = r.sac_sic {
        put("sac", sac.into());
        put("sic", sic.into());
    }
    if let Some(t) = r.time_of_day_s {
        put("time_s", t.into());
    }
    if let Some((lat, lon)) = r.lat_lon {
        put("lat", lat.into());
        put("lon", lon.into());
    }
    if let Some(fl) = r.flight_level {
        put("fl", fl.into());
    }
    if let Some(h) = r.geometric_height_ft {
        put("geo_alt_ft", h.into());
    }
    if let Some((gs, trk)) = r.ground_vector {
        put("gs_kt", gs.into());
        put("track_deg", trk.into());
    }
    if let Some((vx, vy)) = r.velocity_xy_mps {
        put("vx_mps", vx.into());
        put("vy_mps", vy.into());
    }
    if let Some(vs) = r.vertical_rate_ftmin {
        put("vs_ftmin", vs.into());
    }
    if let Some(a) = r.address {
        put("address", format!("{a:06X}").into());
    }
    if let Some(c) = &r.callsign {
        put("callsign", c.clone().into());
    }
    if let Some(tn) = r.track_number {
        put("track_number", tn.into());
    }
    if let Some((rho, theta)) = r.polar {
        put("rho_nm", rho.into());
        put("theta_deg", theta.into());
    }
    serde_json::Value::Object(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radar_sites_are_read_or_refused_naming_the_part() {
        let (sac, sic, site) = parse_radar("25/7=36.2,37.1,410").expect("reads");
        assert_eq!((sac, sic), (25, 7));
        assert_eq!(
            site,
            RadarSite {
                lat_deg: 36.2,
                lon_deg: 37.1,
                height_m: 410.0
            }
        );
        assert_eq!(
            parse_radar("25=1,2,3").expect_err("sic"),
            "no '/' between SAC and SIC"
        );
        assert_eq!(
            parse_radar("256/1=1,2,3").expect_err("sac"),
            "SAC '256' is not a number 0..255"
        );
        assert_eq!(
            parse_radar("1/1=91,2,3").expect_err("lat"),
            "latitude '91' is not a number in -90..90"
        );
        assert_eq!(
            parse_radar("1/1=1,2").expect_err("count"),
            "2 numbers after '=', not 3"
        );
    }
}
