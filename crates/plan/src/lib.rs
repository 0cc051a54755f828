//! The plan file format of `deconflict check`: declarations in, conflicts out.
//!
//! Architecture invariant: this crate knows the offline file format and nothing of HTTP; it does no IO
//! (callers hand it text and print what it returns), so the fuzz target can drive it directly.

pub mod ed318;
mod geojson;
mod native;
pub mod read;
pub mod report;
mod wire;

pub use native::{free_text_problem, name_problem};
pub use read::{
    check_id, parse_declaration, parse_declaration_limited, parse_plan, parse_plan_limited, Plan,
    PlanError, PlanLimits, MAX_ID_BYTES, RESERVED_IDS,
};
pub use report::{advice_json, conflict_json, conflict_line, declaration_json, plan_json};
