//! Tactical alerts as logged: raised, updated and closed, each entry's fields merged into the alert's latest
//! view. The scan that raises them is the server's; the alerts' content is built in its `tracks` module.

use deconflict_ledger::EntryHeader;
use deconflict_space::units::format_time;
use serde_json::{json, Value};

use super::{Done, List, State};
use crate::kinds::{ALERT_CLOSED, ALERT_RAISED};

impl State {
    pub(super) fn apply_alert(
        &mut self,
        header: &EntryHeader,
        id: String,
        parties: Option<[String; 2]>,
        content: Value,
    ) {
        let t = header.time_ms;
        let status = match header.kind.as_str() {
            ALERT_CLOSED => {
                self.done.push_back((t, Done::Alert(id.clone())));
                "closed"
            }
            _ => "open",
        };
        if !self.alerts.contains_key(&id) {
            let parties: [String; 2] = parties.clone().unwrap_or_default();
            for p in &parties {
                self.lists.add(List::Alerts, p, &id);
            }
            self.alerts.insert(id.clone(), (parties, json!({})));
        }
        let Some(entry) = self.alerts.get_mut(&id) else {
            return;
        };
        if let (Some(o), Value::Object(new)) = (entry.1.as_object_mut(), content) {
            o.extend(new);
            o.insert("status".into(), json!(status));
            o.insert("updated".into(), json!(format_time(t)));
            if header.kind == ALERT_RAISED {
                o.insert("raised".into(), json!(format_time(t)));
            }
        }
    }

    /// A closed alert leaves memory, unless it was raised again under the same id since.
    pub(super) fn retire_alert(&mut self, id: String) -> bool {
        self.alerts
            .remove(&id)
            .map(|(parties, view)| {
                if view["status"] != "closed" {
                    self.alerts.insert(id, (parties, view));
                    false
                } else {
                    for p in &parties {
                        self.lists.remove(List::Alerts, p, &id);
                    }
                    true
                }
            })
            .unwrap_or(false)
    }
}
