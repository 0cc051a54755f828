//! The invariant the line rests on, over its whole state and every kind of entry: whatever sequence of
//! commands parties send, the state a restart rebuilds from the log has the same digest as the state that
//! wrote it ([`Line::digest`]). Sequences are random (proptest), with restarts among the commands, and a fixed
//! tour runs first; together they must write every entry kind of `deconflict_domain::kinds::ALL`, so that no
//! kind goes unchecked (the DSS's too: its intents, constraints, subscriptions, availability and reports).
//!
//! Longer than the project's ~800 lines on purpose: one property over every kind, whose commands, strategy
//! and tour must be read together.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use deconflict_domain::dss::{wire, Caller, Scopes};
use deconflict_server::clock::{Clock, ManualClock};
use deconflict_server::line::DssSettings;
use deconflict_server::line::Lifecycle;
use deconflict_server::{ConflictResponse, Line};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Value};

/// 2030-06-18T12:00:00Z.
const NOON: i64 = 1_908_014_400_000;
const PARTIES: [&str; 4] = ["aa", "bb", "cc", "dd"];

/// One thing a party (or time) does. Indices pick among what exists, modulo its number.
#[derive(Debug, Clone)]
enum Cmd {
    Declare {
        party: usize,
        id: usize,
        east: u8,
        start_h: u8,
        hours: u8,
        level: u8,
        audience: u8,
    },
    Cancel {
        party: usize,
        id: usize,
    },
    SetState {
        party: usize,
        id: usize,
        ended: bool,
    },
    Respond {
        party: usize,
        pick: usize,
        how: u8,
    },
    Send {
        from: usize,
        to: u8,
        flash: bool,
    },
    ReadInbox {
        party: usize,
    },
    Acknowledge {
        party: usize,
        pick: usize,
        answer: bool,
    },
    Propose {
        proposer: usize,
        other: usize,
        id: usize,
    },
    Accept {
        party: usize,
        pick: usize,
    },
    Suspend {
        party: usize,
        pick: usize,
    },
    Issue {
        party: usize,
        role: usize,
    },
    Revoke {
        party: usize,
        pick: usize,
    },
    Track {
        party: usize,
        east: u8,
        heading: u8,
        climb: bool,
    },
    Scan,
    Advance {
        minutes: u16,
    },
    /// Time passes without the escalation loop (tracks move on, expire).
    Wait {
        seconds: u8,
    },
    /// A USS puts an operational intent reference (create, or update with its OVN), naming in its key the
    /// OVNs of every intent and constraint there are when `keyed`.
    DssIntent {
        uss: usize,
        id: usize,
        east: u8,
        activate: bool,
        keyed: bool,
    },
    DssDeleteIntent {
        uss: usize,
        id: usize,
    },
    DssConstraint {
        uss: usize,
        id: usize,
        east: u8,
    },
    DssDeleteConstraint {
        uss: usize,
        id: usize,
    },
    DssSubscription {
        uss: usize,
        id: usize,
        east: u8,
    },
    DssDeleteSubscription {
        uss: usize,
        id: usize,
    },
    DssAvailability {
        uss: usize,
        down: bool,
    },
    DssReport {
        uss: usize,
    },
    /// A site `s{id}` of the party's, in force from now for `hours` (a new version if it exists).
    Site {
        party: usize,
        id: usize,
        hours: u8,
    },
    /// A ground movement `g0` of the party's, from now for `hours`.
    Movement {
        party: usize,
        hours: u8,
    },
    /// The party notifies the parties of `to` of its live sites (or of its movement), with a shorter
    /// re-confirmation period when `reconfirm`.
    Notify {
        from: usize,
        to: u8,
        movement: bool,
        reconfirm: bool,
    },
    /// A recipient acknowledges one of its pending notifications, or a notifier re-confirms one of its sites'.
    NotifyStep {
        party: usize,
        pick: usize,
        reconfirm: bool,
    },
    /// The party reports an incident at a site of one of its notifications.
    Incident {
        party: usize,
        pick: usize,
    },
    /// The party asks another whether a location is protected.
    Ask {
        from: usize,
        to: usize,
    },
    /// The party answers one of the requests it was asked.
    Answer {
        party: usize,
        pick: usize,
        protected: bool,
    },
    Restart,
}

/// The USSs of the DSS commands.
const USSES: [&str; 2] = ["uss1", "uss2"];

/// A DSS entity id: kind 1 intents, 2 constraints, 3 subscriptions.
fn dss_id(kind: u8, id: usize) -> String {
    format!("0000000{kind}-0000-4000-8000-{id:012}")
}

fn uss(k: usize) -> Caller<'static> {
    Caller {
        sub: USSES[k % USSES.len()],
        scopes: Scopes {
            strategic_coordination: true,
            constraint_management: true,
            constraint_processing: true,
            conformance_monitoring_sa: true,
            availability_arbitration: true,
        },
    }
}

/// A Volume4D of the standard near Bern from a minute after `now_ms` for two hours.
fn dss_volume(now_ms: i64, east: u8) -> Value {
    let at = |ms: i64| deconflict_space::units::format_time(ms);
    json!({"volume": {"outline_circle": {"center": {"lat": 46.95, "lng": 7.44 + f64::from(east) * 0.004},
            "radius": {"value": 300, "units": "M"}},
        "altitude_lower": {"value": 500, "reference": "W84", "units": "M"},
        "altitude_upper": {"value": 620, "reference": "W84", "units": "M"}},
        "time_start": {"value": at(now_ms + 60_000), "format": "RFC3339"},
        "time_end": {"value": at(now_ms + 7_200_000), "format": "RFC3339"}})
}

fn cmd() -> impl Strategy<Value = Cmd> {
    let p = 0..PARTIES.len();
    prop_oneof![
        6 => (p.clone(), 0..4usize, 0..4u8, 0..4u8, 1..4u8, 0..3u8, any::<u8>()).prop_map(
            |(party, id, east, start_h, hours, level, audience)| Cmd::Declare {
                party, id, east, start_h, hours, level, audience
            }
        ),
        1 => (p.clone(), 0..4usize).prop_map(|(party, id)| Cmd::Cancel { party, id }),
        1 => (p.clone(), 0..4usize, any::<bool>())
            .prop_map(|(party, id, ended)| Cmd::SetState { party, id, ended }),
        3 => (p.clone(), any::<usize>(), 0..3u8)
            .prop_map(|(party, pick, how)| Cmd::Respond { party, pick, how }),
        2 => (p.clone(), any::<u8>(), any::<bool>())
            .prop_map(|(from, to, flash)| Cmd::Send { from, to, flash }),
        1 => p.clone().prop_map(|party| Cmd::ReadInbox { party }),
        2 => (p.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(party, pick, answer)| Cmd::Acknowledge { party, pick, answer }),
        1 => (p.clone(), p.clone(), 0..3usize)
            .prop_map(|(proposer, other, id)| Cmd::Propose { proposer, other, id }),
        2 => (p.clone(), any::<usize>()).prop_map(|(party, pick)| Cmd::Accept { party, pick }),
        1 => (p.clone(), any::<usize>()).prop_map(|(party, pick)| Cmd::Suspend { party, pick }),
        1 => (p.clone(), 0..3usize).prop_map(|(party, role)| Cmd::Issue { party, role }),
        1 => (p.clone(), any::<usize>()).prop_map(|(party, pick)| Cmd::Revoke { party, pick }),
        3 => (p.clone(), 0..6u8, 0..4u8, any::<bool>())
            .prop_map(|(party, east, heading, climb)| Cmd::Track { party, east, heading, climb }),
        3 => Just(Cmd::Scan),
        2 => (1..90u16).prop_map(|minutes| Cmd::Advance { minutes }),
        2 => (1..90u8).prop_map(|seconds| Cmd::Wait { seconds }),
        3 => (0..2usize, 0..3usize, 0..4u8, any::<bool>(), any::<bool>()).prop_map(
            |(uss, id, east, activate, keyed)| Cmd::DssIntent { uss, id, east, activate, keyed }
        ),
        1 => (0..2usize, 0..3usize).prop_map(|(uss, id)| Cmd::DssDeleteIntent { uss, id }),
        1 => (0..2usize, 0..2usize, 0..4u8)
            .prop_map(|(uss, id, east)| Cmd::DssConstraint { uss, id, east }),
        1 => (0..2usize, 0..2usize).prop_map(|(uss, id)| Cmd::DssDeleteConstraint { uss, id }),
        1 => (0..2usize, 0..2usize, 0..4u8)
            .prop_map(|(uss, id, east)| Cmd::DssSubscription { uss, id, east }),
        1 => (0..2usize, 0..2usize).prop_map(|(uss, id)| Cmd::DssDeleteSubscription { uss, id }),
        1 => (0..2usize, any::<bool>()).prop_map(|(uss, down)| Cmd::DssAvailability { uss, down }),
        1 => (0..2usize).prop_map(|uss| Cmd::DssReport { uss }),
        2 => (p.clone(), 0..2usize, 1..60u8).prop_map(|(party, id, hours)| Cmd::Site { party, id, hours }),
        1 => (p.clone(), 1..12u8).prop_map(|(party, hours)| Cmd::Movement { party, hours }),
        2 => (p.clone(), any::<u8>(), any::<bool>(), any::<bool>()).prop_map(
            |(from, to, movement, reconfirm)| Cmd::Notify { from, to, movement, reconfirm }
        ),
        2 => (p.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(party, pick, reconfirm)| Cmd::NotifyStep { party, pick, reconfirm }),
        1 => (p.clone(), any::<usize>()).prop_map(|(party, pick)| Cmd::Incident { party, pick }),
        1 => (p.clone(), p.clone()).prop_map(|(from, to)| Cmd::Ask { from, to }),
        1 => (p.clone(), any::<usize>(), any::<bool>())
            .prop_map(|(party, pick, protected)| Cmd::Answer { party, pick, protected }),
        1 => Just(Cmd::Restart),
    ]
}

/// A line on a manual clock, with its four parties (each with a chief's credential) and one agreement among
/// the first three; `dd` has none until it proposes one.
struct World {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    /// `None` only while it restarts (the old line lets go of the log before the new one opens it).
    line: Option<Line>,
    chiefs: Vec<String>,
}

fn open(dir: &std::path::Path, clock: &Arc<ManualClock>) -> Line {
    Line::open_with_clock(dir, "test.example/line", clock.clone()).expect("open")
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(NOON));
        let line = open(dir.path(), &clock);
        let chiefs = PARTIES
            .iter()
            .map(|p| {
                line.register_party_as(p, "military", "chief")
                    .expect("register")
            })
            .collect();
        line.establish_agreement(json!({"id": "base", "parties": ["aa", "bb", "cc"]}))
            .expect("agreement");
        World {
            dir,
            clock,
            line: Some(line),
            chiefs,
        }
    }

    /// Restarts the line: the state rebuilt from the log must have the digest of the state that wrote it.
    fn restart(&mut self) -> Result<(), TestCaseError> {
        let before = self.line().digest().expect("digest");
        self.line = None;
        self.line = Some(open(self.dir.path(), &self.clock));
        let after = self.line().digest().expect("digest");
        prop_assert_eq!(
            before,
            after,
            "the state rebuilt from the log differs from the one that wrote it"
        );
        Ok(())
    }

    fn line(&self) -> &Line {
        self.line.as_ref().expect("the line is open")
    }

    /// Runs `c`; whenever it wrote to the log, the digest must have changed (it covers what was written).
    fn run(&mut self, c: &Cmd) -> Result<(), TestCaseError> {
        let size = self.line().store().size().expect("size");
        let digest = self.line().digest().expect("digest");
        self.command(c)?;
        if self.line().store().size().expect("size") > size {
            prop_assert_ne!(
                digest,
                self.line().digest().expect("digest"),
                "{:?} wrote, and the digest did not move",
                c
            );
        }
        Ok(())
    }

    fn command(&mut self, c: &Cmd) -> Result<(), TestCaseError> {
        let line = self.line();
        let name = |k: usize| PARTIES[k % PARTIES.len()];
        let at = |h: u8| deconflict_space::units::format_time(NOON + i64::from(h) * 3_600_000);
        let pick = |items: Vec<Value>, k: usize| -> Option<Value> {
            (!items.is_empty()).then(|| items[k % items.len()].clone())
        };
        // Refusals are part of the property: a refused command must store nothing.
        match *c {
            Cmd::Declare {
                party,
                id,
                east,
                start_h,
                hours,
                level,
                audience,
            } => {
                let (party, id) = (name(party), format!("d{id}"));
                let lower = f64::from(level) * 600.0;
                let mut body = json!({"id": id, "kind": "air_operation", "volumes": [
                    {"footprint": {"circle": {"center": [38.5 + f64::from(east) * 0.08, 35.9], "radius_m": 5000}},
                     "altitude": {"lower_m": lower, "upper_m": lower + 1000.0},
                     "time": {"start": at(start_h), "end": at(start_h + hours)}}]});
                let told: Vec<&str> = (0..PARTIES.len())
                    .filter(|k| audience & (1 << k) != 0)
                    .map(name)
                    .filter(|p| *p != party)
                    .collect();
                if !told.is_empty() {
                    body["audience"] = json!(told);
                }
                match line.get(party, &id, Some(party)) {
                    Ok(current) => {
                        let _ = line.new_version(party, &id, current["version"].as_u64(), body);
                    }
                    Err(_) => {
                        let _ = line.declare(party, body);
                    }
                }
            }
            Cmd::Cancel { party, id } => {
                let (party, id) = (name(party), format!("d{id}"));
                let version = line
                    .get(party, &id, Some(party))
                    .ok()
                    .and_then(|d| d["version"].as_u64());
                let _ = line.cancel(party, &id, version);
            }
            Cmd::SetState { party, id, ended } => {
                let (party, id) = (name(party), format!("d{id}"));
                let version = line
                    .get(party, &id, Some(party))
                    .ok()
                    .and_then(|d| d["version"].as_u64());
                let to = if ended {
                    Lifecycle::Ended
                } else {
                    Lifecycle::Active
                };
                let _ = line.set_state(party, &id, version, to);
            }
            Cmd::Respond {
                party,
                pick: k,
                how,
            } => {
                let party = name(party);
                if let Some(c) = pick(line.conflicts(party).expect("conflicts"), k) {
                    let (response, reason) = match how {
                        0 => (ConflictResponse::Acknowledge, None),
                        1 => (ConflictResponse::Accept, None),
                        _ => (ConflictResponse::Dispute, Some("not my forces".to_string())),
                    };
                    let id = c["id"].as_str().expect("id").to_string();
                    let _ = line.respond(party, &id, response, reason);
                }
            }
            Cmd::Send { from, to, flash } => {
                let from = name(from);
                let to: Vec<&str> = (0..PARTIES.len())
                    .filter(|k| to & (1 << k) != 0)
                    .map(name)
                    .filter(|p| *p != from)
                    .collect();
                if !to.is_empty() {
                    let precedence = if flash { "FLASH" } else { "ROUTINE" };
                    // A FLASH carries a structured form beside its text (a template is in the digest too).
                    let mut body = json!({"to": to, "precedence": precedence, "text": "hold west of the river"});
                    if flash {
                        body["template"] = json!({"type": "acknowledgement", "status": "received"});
                    }
                    let _ = line.send(from, body);
                }
            }
            Cmd::ReadInbox { party } => {
                line.inbox(name(party)).expect("inbox");
            }
            Cmd::Acknowledge {
                party,
                pick: k,
                answer,
            } => {
                let party = name(party);
                if let Some(m) = pick(line.inbox(party).expect("inbox"), k) {
                    let id = m["id"].as_str().expect("id").to_string();
                    let _ =
                        line.acknowledge_message(party, &id, answer.then(|| deconflict_domain::state::decide::Answer {
                            text: "holding".into(),
                            template: Some(json!({"type": "acknowledgement", "message": id.clone(), "status": "will_comply"})),
                        }));
                }
            }
            Cmd::Propose {
                proposer,
                other,
                id,
            } => {
                let (a, b) = (name(proposer), name(other));
                if a != b {
                    let _ = line
                        .propose_agreement(a, json!({"id": format!("p{id}"), "parties": [a, b]}));
                }
            }
            Cmd::Accept { party, pick: k } | Cmd::Suspend { party, pick: k } => {
                let party = name(party);
                if let Some(a) = pick(line.agreements(party).expect("agreements"), k) {
                    let suspend =
                        matches!(c, Cmd::Suspend { .. }).then(|| "talks broke down".to_string());
                    let (id, proposer) = (a["id"].as_str().expect("id"), a["proposer"].as_str());
                    let _ = line.agreement_action(party, id, proposer, suspend);
                }
            }
            Cmd::Issue { party, role } => {
                if let Some(chief) = line.authenticate(&self.chiefs[party]) {
                    let _ =
                        line.issue_credential(&chief, ["duty_officer", "commander", "chief"][role]);
                }
            }
            Cmd::Revoke { party, pick: k } => {
                if let Some(chief) = line.authenticate(&self.chiefs[party]) {
                    let others: Vec<Value> = line
                        .credentials(&chief.party)
                        .expect("credentials")
                        .into_iter()
                        .filter(|c| c["id"] != json!(chief.id))
                        .collect();
                    if let Some(c) = pick(others, k) {
                        let _ = line.revoke_credential(&chief, c["id"].as_str().expect("id"));
                    }
                }
            }
            Cmd::Track {
                party,
                east,
                heading,
                climb,
            } => {
                let party = name(party);
                let track = json!({"id": format!("{party}-1"), "lat": 35.9,
                    "lon": 38.2 + f64::from(east) * 0.1, "alt_m": 3000.0, "gs_mps": 220.0,
                    "trk_deg": f64::from(heading) * 90.0, "vs_mps": if climb { 10.0 } else { 0.0 }});
                let _ = line.report_tracks(party, json!({"tracks": [track]}));
            }
            Cmd::Scan => {
                line.scan_tracks().expect("scan");
            }
            Cmd::Advance { minutes } => {
                self.clock.advance_ms(i64::from(minutes) * 60_000);
                line.escalate_overdue().expect("escalate");
                line.advance_lifecycle().expect("lifecycle");
            }
            Cmd::Wait { seconds } => self.clock.advance_ms(i64::from(seconds) * 1_000),
            Cmd::DssIntent {
                uss: k,
                id,
                east,
                activate,
                keyed,
            } => {
                let (caller, oid) = (uss(k), dss_id(1, id));
                let (ovn, key) = line
                    .dss_read(|dss, _| {
                        let ovn = dss
                            .intents
                            .get(&oid)
                            .filter(|i| i.record.manager == caller.sub)
                            .map(|i| i.record.ovn.clone());
                        let key: Vec<String> = match keyed {
                            true => (dss.intents.values().map(|i| i.record.ovn.clone()))
                                .chain(dss.constraints.values().map(|c| c.record.ovn.clone()))
                                .collect(),
                            false => Vec::new(),
                        };
                        (ovn, key)
                    })
                    .expect("read");
                let state = if activate && ovn.is_some() {
                    "Activated"
                } else {
                    "Accepted"
                };
                let body = json!({"extents": [dss_volume(self.clock.now_ms(), east)], "state": state,
                    "uss_base_url": "https://uss.example/intents", "key": key,
                    "new_subscription": {"uss_base_url": "https://uss.example/notes", "notify_for_constraints": true}});
                let params: wire::PutOperationalIntent = wire::from_value(&body).expect("params");
                let ovn = ovn.unwrap_or_default();
                let _ = line.dss_write(caller, DssSettings::default(), |dss, ctx| {
                    dss.decide_put_intent(caller, &oid, &ovn, &params, ctx)
                });
            }
            Cmd::DssDeleteIntent { uss: k, id } => {
                let (caller, oid) = (uss(k), dss_id(1, id));
                let ovn = line
                    .dss_read(|dss, _| dss.intents.get(&oid).map(|i| i.record.ovn.clone()))
                    .expect("read")
                    .unwrap_or_default();
                let _ = line.dss_write(caller, DssSettings::default(), |dss, _| {
                    dss.decide_delete_intent(caller, &oid, &ovn)
                });
            }
            Cmd::DssConstraint { uss: k, id, east } => {
                let (caller, cid) = (uss(k), dss_id(2, id));
                let ovn = line
                    .dss_read(|dss, _| {
                        dss.constraints
                            .get(&cid)
                            .filter(|c| c.record.manager == caller.sub)
                            .map(|c| c.record.ovn.clone())
                    })
                    .expect("read")
                    .unwrap_or_default();
                let body = json!({"extents": [dss_volume(self.clock.now_ms(), east)],
                    "uss_base_url": "https://uss.example/constraints"});
                let params: wire::PutConstraint = wire::from_value(&body).expect("params");
                let _ = line.dss_write(caller, DssSettings::default(), |dss, ctx| {
                    dss.decide_put_constraint(caller, &cid, &ovn, &params, ctx)
                });
            }
            Cmd::DssDeleteConstraint { uss: k, id } => {
                let (caller, cid) = (uss(k), dss_id(2, id));
                let ovn = line
                    .dss_read(|dss, _| dss.constraints.get(&cid).map(|c| c.record.ovn.clone()))
                    .expect("read")
                    .unwrap_or_default();
                let _ = line.dss_write(caller, DssSettings::default(), |dss, _| {
                    dss.decide_delete_constraint(caller, &cid, &ovn)
                });
            }
            Cmd::DssSubscription { uss: k, id, east } => {
                let (caller, sid) = (uss(k), dss_id(3, id));
                let version = line
                    .dss_read(|dss, _| {
                        dss.subscriptions
                            .get(&sid)
                            .map(|s| s.record.version.clone())
                    })
                    .expect("read")
                    .unwrap_or_default();
                let body = json!({"extents": dss_volume(self.clock.now_ms(), east),
                    "uss_base_url": "https://uss.example/notes",
                    "notify_for_operational_intents": true, "notify_for_constraints": east % 2 == 0});
                let params: wire::PutSubscription = wire::from_value(&body).expect("params");
                let _ = line.dss_write(caller, DssSettings::default(), |dss, ctx| {
                    dss.decide_put_subscription(caller, &sid, &version, &params, ctx)
                });
            }
            Cmd::DssDeleteSubscription { uss: k, id } => {
                let (caller, sid) = (uss(k), dss_id(3, id));
                let version = line
                    .dss_read(|dss, _| {
                        dss.subscriptions
                            .get(&sid)
                            .map(|s| s.record.version.clone())
                    })
                    .expect("read")
                    .unwrap_or_default();
                let _ = line.dss_write(caller, DssSettings::default(), |dss, _| {
                    dss.decide_delete_subscription(caller, &sid, &version)
                });
            }
            Cmd::DssAvailability { uss: k, down } => {
                let (caller, of) = (uss(k), USSES[(k + 1) % USSES.len()]);
                let old_version = line
                    .dss_read(|dss, _| dss.availability_view(of).version)
                    .expect("read");
                let params = wire::SetAvailability {
                    old_version,
                    availability: if down { "Down" } else { "Normal" }.into(),
                };
                let _ = line.dss_write(caller, DssSettings::default(), |dss, ctx| {
                    dss.decide_availability(caller, of, &params, ctx.fresh)
                });
            }
            Cmd::DssReport { uss: k } => {
                let caller = uss(k);
                let _ = line.dss_write(caller, DssSettings::default(), |dss, ctx| {
                    dss.decide_report(
                        caller,
                        json!({"problem": "no answer from a peer"}),
                        ctx.fresh,
                    )
                });
            }
            Cmd::Site { party, id, hours } => {
                let (party, id) = (name(party), format!("s{id}"));
                let now = self.clock.now_ms();
                let body = json!({"id": id, "kind": "site", "volumes": [
                    {"footprint": {"circle": {"center": [36.6, 35.37], "radius_m": 300}},
                     "altitude": {"lower": "SFC", "upper_m": 1000},
                     "time": {"start": deconflict_space::units::format_time(now),
                              "end": deconflict_space::units::format_time(now + i64::from(hours) * 3_600_000)}}]});
                match line.get(party, &id, Some(party)) {
                    Ok(current) => {
                        let _ = line.new_version(party, &id, current["version"].as_u64(), body);
                    }
                    Err(_) => {
                        let _ = line.declare(party, body);
                    }
                }
            }
            Cmd::Movement { party, hours } => {
                let party = name(party);
                let now = self.clock.now_ms();
                let body = json!({"id": "g0", "kind": "ground_movement", "volumes": [
                    {"footprint": {"corridor": {"path": [[38.0, 35.0], [38.5, 35.1]], "half_width_m": 500}},
                     "altitude": {"lower": "SFC", "upper_m": 100},
                     "time": {"start": deconflict_space::units::format_time(now),
                              "end": deconflict_space::units::format_time(now + i64::from(hours) * 3_600_000)}}]});
                let _ = line.declare(party, body);
            }
            Cmd::Notify {
                from,
                to,
                movement,
                reconfirm,
            } => {
                let from = name(from);
                let live = |id: &str| {
                    line.get(from, id, Some(from))
                        .is_ok_and(|d| d["status"] != "ended" && d["status"] != "cancelled")
                };
                let ids: Vec<&str> = if movement {
                    vec!["g0"]
                } else {
                    ["s0", "s1"].into_iter().filter(|id| live(id)).collect()
                };
                let to: Vec<&str> = (0..PARTIES.len())
                    .filter(|k| to & (1 << k) != 0)
                    .map(name)
                    .collect();
                let mut body = json!({"declarations": ids, "to": to, "note": "list"});
                if reconfirm {
                    body["reconfirm_s"] = json!(3600);
                }
                let _ = line.notify(from, body);
            }
            Cmd::NotifyStep {
                party,
                pick: k,
                reconfirm,
            } => {
                let party = name(party);
                let mine: Vec<Value> = line
                    .notifications_page(party, "all", &Default::default())
                    .map(|p| p.items)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|n| {
                        if reconfirm {
                            n["from"] == party && n["subject"] == "sites" && n["status"] != "lapsed"
                        } else {
                            n["to"] == party && n["status"] == "pending"
                        }
                    })
                    .collect();
                if let Some(n) = pick(mine, k) {
                    let _ =
                        line.notification_step(party, n["id"].as_str().unwrap_or(""), reconfirm);
                }
            }
            Cmd::Incident { party, pick: k } => {
                let party = name(party);
                let mine = line
                    .notifications_page(party, "all", &Default::default())
                    .map(|p| p.items)
                    .unwrap_or_default();
                if let Some(n) = pick(mine, k) {
                    let _ = line.report_incident(
                        party,
                        json!({"site": n["declarations"][0]["id"], "party": n["from"],
                               "time": deconflict_space::units::format_time(self.clock.now_ms()),
                               "description": "shelling reported"}),
                    );
                }
            }
            Cmd::Ask { from, to } => {
                let now = self.clock.now_ms();
                let _ = line.request_deconfliction(
                    name(from),
                    json!({"to": name(to), "location": {"point": [36.6, 35.37]},
                           "start": deconflict_space::units::format_time(now),
                           "end": deconflict_space::units::format_time(now + 3_600_000)}),
                );
            }
            Cmd::Answer {
                party,
                pick: k,
                protected,
            } => {
                let party = name(party);
                let asked: Vec<Value> = line
                    .deconfliction_page(party, &Default::default())
                    .map(|p| p.items)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|r| r["to"] == party && r["answer"].is_null())
                    .collect();
                if let Some(r) = pick(asked, k) {
                    let _ = line.answer_deconfliction(
                        party,
                        r["id"].as_str().unwrap_or(""),
                        json!({"protected": protected, "text": "checked"}),
                    );
                }
            }
            Cmd::Restart => self.restart()?,
        }
        Ok(())
    }

    /// The kinds of every entry in the log.
    fn kinds(&self) -> BTreeSet<String> {
        let size = self.line().store().size().expect("size");
        self.line()
            .store()
            .entries(0, size as usize)
            .expect("entries")
            .into_iter()
            .map(|e| e.header.kind)
            .collect()
    }
}

/// A fixed tour through every kind of entry: two overlapping declarations, responses, the hotline with an
/// escalation, agreements proposed, accepted and suspended, credentials, and two converging tracks whose
/// alert is raised, updated and closed.
fn tour() -> Vec<Cmd> {
    use Cmd::*;
    vec![
        Declare {
            party: 0,
            id: 0,
            east: 0,
            start_h: 1,
            hours: 2,
            level: 0,
            audience: 0b0010,
        },
        Declare {
            party: 1,
            id: 0,
            east: 0,
            start_h: 1,
            hours: 2,
            level: 0,
            audience: 0b0001,
        },
        Respond {
            party: 0,
            pick: 0,
            how: 0,
        },
        Respond {
            party: 1,
            pick: 0,
            how: 1,
        },
        Respond {
            party: 0,
            pick: 0,
            how: 2,
        },
        Declare {
            party: 2,
            id: 1,
            east: 0,
            start_h: 1,
            hours: 2,
            level: 0,
            audience: 0b0001,
        },
        Cancel { party: 2, id: 1 },
        Send {
            from: 0,
            to: 0b0110,
            flash: true,
        },
        ReadInbox { party: 1 },
        Acknowledge {
            party: 1,
            pick: 0,
            answer: true,
        },
        ReadInbox { party: 2 },
        Acknowledge {
            party: 2,
            pick: 0,
            answer: false,
        },
        // Unanswered: escalated when its deadline passes.
        Send {
            from: 0,
            to: 0b0100,
            flash: true,
        },
        Restart,
        Advance { minutes: 45 },
        Propose {
            proposer: 3,
            other: 0,
            id: 0,
        },
        Accept { party: 3, pick: 0 },
        Accept { party: 0, pick: 1 },
        Suspend { party: 3, pick: 0 },
        Issue { party: 2, role: 1 },
        Revoke { party: 2, pick: 0 },
        // 27 km apart, closing at 440 m/s: a conflict ahead (raised);
        // then 9 km apart (updated: separation lost), and both gone a minute after their last report (closed).
        Track {
            party: 0,
            east: 0,
            heading: 1,
            climb: false,
        },
        Track {
            party: 1,
            east: 3,
            heading: 3,
            climb: false,
        },
        Scan,
        Wait { seconds: 30 },
        Track {
            party: 0,
            east: 1,
            heading: 1,
            climb: false,
        },
        Track {
            party: 1,
            east: 2,
            heading: 3,
            climb: false,
        },
        Scan,
        Restart,
        Wait { seconds: 70 },
        Scan,
        Advance { minutes: 30 },
        SetState {
            party: 0,
            id: 0,
            ended: false,
        },
        Advance { minutes: 80 },
        SetState {
            party: 0,
            id: 0,
            ended: true,
        },
        Restart,
        // The DSS: a subscription, an intent and another USS's (refused without the key, then keyed), a
        // constraint, an update, availability, a report, and every deletion.
        DssSubscription {
            uss: 0,
            id: 0,
            east: 0,
        },
        DssIntent {
            uss: 0,
            id: 0,
            east: 0,
            activate: false,
            keyed: false,
        },
        DssIntent {
            uss: 1,
            id: 1,
            east: 0,
            activate: false,
            keyed: false,
        },
        DssIntent {
            uss: 1,
            id: 1,
            east: 0,
            activate: false,
            keyed: true,
        },
        DssConstraint {
            uss: 1,
            id: 0,
            east: 1,
        },
        DssIntent {
            uss: 0,
            id: 0,
            east: 1,
            activate: true,
            keyed: true,
        },
        Restart,
        DssAvailability { uss: 0, down: true },
        DssReport { uss: 1 },
        DssDeleteIntent { uss: 0, id: 0 },
        DssDeleteConstraint { uss: 1, id: 0 },
        DssDeleteSubscription { uss: 0, id: 0 },
        Restart,
        // Notifications: sites to bb and cc (re-confirmed every 10 minutes), a movement to bb; cc
        // acknowledges, aa re-confirms and reports an incident; the sites lapse (then a new version of one), bb's movement escalates at its deadline (6 h) and expires at its end.
        Site {
            party: 0,
            id: 0,
            hours: 48,
        },
        Site {
            party: 0,
            id: 1,
            hours: 48,
        },
        Movement { party: 0, hours: 9 },
        Notify {
            from: 0,
            to: 0b0110,
            movement: false,
            reconfirm: true,
        },
        Notify {
            from: 0,
            to: 0b0010,
            movement: true,
            reconfirm: false,
        },
        NotifyStep {
            party: 2,
            pick: 0,
            reconfirm: false,
        },
        NotifyStep {
            party: 0,
            pick: 0,
            reconfirm: true,
        },
        Incident { party: 0, pick: 0 },
        Ask { from: 1, to: 0 },
        Answer {
            party: 0,
            pick: 0,
            protected: true,
        },
        Restart,
        Advance { minutes: 75 },
        Site {
            party: 0,
            id: 0,
            hours: 48,
        },
        Advance { minutes: 89 },
        Advance { minutes: 89 },
        Advance { minutes: 89 },
        Advance { minutes: 89 },
        Restart,
        Advance { minutes: 89 },
        Advance { minutes: 89 },
        Restart,
    ]
}

fn play(cmds: &[Cmd], seen: &Mutex<BTreeSet<String>>) -> Result<(), TestCaseError> {
    let mut world = World::new();
    for c in cmds {
        world.run(c)?;
    }
    world.restart()?;
    seen.lock().expect("seen").extend(world.kinds());
    Ok(())
}

#[test]
fn a_restart_rebuilds_the_same_state_after_any_sequence_of_every_kind() {
    let seen = Mutex::new(BTreeSet::new());
    play(&tour(), &seen).expect("the tour");
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(cmd(), 1..60), |cmds| {
            play(&cmds, &seen)
        })
        .expect("every sequence");
    let seen = seen.into_inner().expect("seen");
    let missing: Vec<&str> = deconflict_domain::kinds::ALL
        .iter()
        .copied()
        .filter(|k| !seen.contains(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "no sequence wrote {missing:?}; the property did not cover them"
    );
}
