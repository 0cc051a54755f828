//! Fuzzes the F3548 DSS's request bodies as a USS sends them (`/dss/v1`): any bytes give a request or an
//! error naming the field, never a panic; any request gives the DSS's decision or a `DssError`; and what a
//! decider decides is read back and applied by the fold (replay) without fail.
#![no_main]

use deconflict_domain::dss::decide::area_of_interest;
use deconflict_domain::dss::{wire, Caller, Ctx, Dss, Fresh, Scopes};
use libfuzzer_sys::fuzz_target;

const ID: &str = "00000001-0000-4000-8000-000000000001";

fn apply(dss: &mut Dss, entries: Vec<deconflict_domain::state::decide::Decided>) {
    for e in entries {
        let ready = dss.check(&e.content).expect("a decided change reads back");
        dss.apply(ready);
    }
}

fuzz_target!(|data: &[u8]| {
    let caller = Caller {
        sub: "uss1",
        scopes: Scopes {
            strategic_coordination: true,
            constraint_management: true,
            constraint_processing: true,
            conformance_monitoring_sa: true,
            availability_arbitration: true,
        },
    };
    let ctx = Ctx {
        now_ns: 1_900_000_000_000_000_000,
        fresh: Fresh([7; 32]),
        allow_http: true,
        max_entities: 100,
    };
    let mut dss = Dss::default();
    if let Ok(q) = wire::read::<wire::Query>(data) {
        let _ = area_of_interest(&q);
    }
    if let Ok(p) = wire::read::<wire::PutOperationalIntent>(data) {
        if let Ok(d) = dss.decide_put_intent(caller, ID, "", &p, ctx) {
            apply(&mut dss, d.entries);
        }
    }
    if let Ok(p) = wire::read::<wire::PutConstraint>(data) {
        if let Ok(d) = dss.decide_put_constraint(caller, ID, "", &p, ctx) {
            apply(&mut dss, d.entries);
        }
    }
    if let Ok(p) = wire::read::<wire::PutSubscription>(data) {
        if let Ok(d) = dss.decide_put_subscription(caller, ID, "", &p, ctx) {
            apply(&mut dss, d.entries);
        }
    }
    if let Ok(p) = wire::read::<wire::SetAvailability>(data) {
        if let Ok(d) = dss.decide_availability(caller, "uss2", &p, ctx.fresh) {
            apply(&mut dss, d.entries);
        }
    }
});
