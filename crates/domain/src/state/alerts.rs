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

    /// Fields of alert `id` for `party` alone, merged into what it was given of it before (nothing if the alert
    /// is unknown or `party` is not one of its two).
    pub(super) fn apply_alert_for(&mut self, id: &str, party: &str, content: Value) {
        let Some((parties, _)) = self.alerts.get(id) else {
            return;
        };
        if !super::need_to_know::alert(parties, party) {
            return;
        }
        let private = self
            .alert_private
            .entry(id.to_string())
            .or_default()
            .entry(party.to_string())
            .or_insert_with(|| json!({}));
        if let (Some(o), Value::Object(new)) = (private.as_object_mut(), content) {
            o.extend(new.into_iter().filter(|(k, _)| k != "id" && k != "for"));
        }
    }

    /// Alert `id` as `party` sees it: the view both its parties are given, with the fields given to `party`
    /// alone over it; `None` if `party` is not one of its two (or there is none).
    pub fn alert_view(&self, id: &str, party: &str) -> Option<Value> {
        let (parties, view) = self.alerts.get(id)?;
        if !super::need_to_know::alert(parties, party) {
            return None;
        }
        let mut view = view.clone();
        let private = self.alert_private.get(id).and_then(|p| p.get(party));
        if let (Some(o), Some(Value::Object(own))) = (view.as_object_mut(), private) {
            o.extend(own.clone());
        }
        Some(view)
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
                    self.alert_private.remove(&id);
                    true
                }
            })
            .unwrap_or(false)
    }
}
