//! The hotline's part of the state: messages sent, and each recipient's receipts (delivered, acknowledged,
//! answered) and escalations. The rules of precedence and deadlines are in [`crate::hotline`].

use deconflict_ledger::EntryHeader;
use serde_json::Value;

use super::{level_of, Checked, Done, List, State};
use crate::event::{MessageEscalated, MessageReceipt, MessageSent};
use crate::hotline::{
    Message, Receipt, LEVELS, MESSAGE_ACKNOWLEDGED, MESSAGE_ANSWERED, MESSAGE_DELIVERED,
    MESSAGE_ESCALATED,
};

impl State {
    pub(super) fn check_message(header: &EntryHeader, m: MessageSent, content: Value) -> Checked {
        Checked::MessageSent {
            id: m.id,
            message: Message {
                from: header.actor.clone(),
                sent_ms: header.time_ms,
                deadline_ms: m.deadline_ms,
                receipts: m.to.into_iter().map(|p| (p, Receipt::default())).collect(),
                content,
            },
        }
    }

    pub(super) fn check_receipt(
        header: &EntryHeader,
        r: MessageReceipt,
    ) -> Result<Checked, String> {
        if header.kind == MESSAGE_ANSWERED && r.text.is_none() && r.template.is_none() {
            return Err("text: an answer needs its text or a template".into());
        }
        if header.kind != MESSAGE_ANSWERED && r.template.is_some() {
            return Err("template: only an answer carries one".into());
        }
        Ok(Checked::Receipt {
            id: r.id,
            recipient: header.actor.clone(),
            text: r.text.unwrap_or_default(),
            template: r.template,
        })
    }

    pub(super) fn check_escalation(e: MessageEscalated) -> Result<Checked, String> {
        if level_of(&e.level).is_none() {
            return Err(format!(
                "level: {:?} is not one of {}",
                e.level,
                LEVELS.join(", ")
            ));
        }
        Ok(Checked::Receipt {
            id: e.id,
            recipient: e.party,
            text: e.level,
            template: None,
        })
    }

    pub(super) fn apply_message(&mut self, id: String, message: Message) {
        if let Some(old) = self.messages.remove(&id) {
            self.unlist_message(&id, &old);
        }
        self.lists.add(List::Outbox, &message.from, &id);
        for to in message.receipts.keys() {
            self.lists.add(List::Inbox, to, &id);
        }
        self.messages.insert(id, message);
    }

    fn unlist_message(&mut self, id: &str, m: &Message) {
        self.lists.remove(List::Outbox, &m.from, id);
        for to in m.receipts.keys() {
            self.lists.remove(List::Inbox, to, id);
        }
    }

    /// A message every recipient acknowledged leaves memory.
    pub(super) fn retire_message(&mut self, id: &str) -> bool {
        match self.messages.remove(id) {
            Some(m) => {
                self.unlist_message(id, &m);
                true
            }
            None => false,
        }
    }

    pub(super) fn apply_receipt(
        &mut self,
        header: &EntryHeader,
        id: String,
        recipient: &str,
        text: String,
        template: Option<Value>,
    ) {
        let t = header.time_ms;
        let receipt = self
            .messages
            .get_mut(&id)
            .and_then(|m| m.receipts.get_mut(recipient));
        if let Some(r) = receipt {
            match header.kind.as_str() {
                MESSAGE_DELIVERED => {
                    r.delivered.get_or_insert(t);
                }
                MESSAGE_ACKNOWLEDGED => {
                    r.delivered.get_or_insert(t);
                    r.acknowledged.get_or_insert(t);
                }
                MESSAGE_ANSWERED => {
                    r.delivered.get_or_insert(t);
                    r.acknowledged.get_or_insert(t);
                    r.answered = Some((t, text));
                    r.answer_template = template;
                }
                // MESSAGE_ESCALATED: `text` is the level.
                _ => r.escalations.push((text, t)),
            }
        }
        let acknowledged = |m: &Message| m.receipts.values().all(|r| r.acknowledged.is_some());
        if header.kind != MESSAGE_DELIVERED
            && header.kind != MESSAGE_ESCALATED
            && self.messages.get(&id).is_some_and(acknowledged)
        {
            self.done.push_back((t, Done::Message(id)));
        }
    }
}
