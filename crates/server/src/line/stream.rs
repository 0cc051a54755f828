//! The stream of entries for followers: the recent entries kept in memory as rendered events (bounded in
//! number and bytes), and older ones read from the store in batches, each filtered to what the follower may see.

use super::*;

/// An entry as a stream event: `{cursor, seq, kind, time, actor, content}`, the content as stored (canonical
/// JSON, so it need not be parsed again).
pub(super) fn event_text(header: &deconflict_ledger::EntryHeader, content: &[u8]) -> Arc<str> {
    let text = |s: &str| Value::String(s.to_string()).to_string();
    let content = std::str::from_utf8(content).unwrap_or("null");
    format!(
        "{{\"cursor\":{},\"seq\":{},\"kind\":{},\"time\":{},\"actor\":{},\"content\":{}}}",
        header.seq + 1,
        header.seq,
        text(&header.kind),
        text(&format_time(header.time_ms)),
        text(&header.actor),
        content
    )
    .into()
}

impl Line {
    /// Notifications of the log's new size after each commit.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<u64> {
        self.grown.subscribe()
    }

    /// As [`Line::events`] when the cursor is recent enough to be served from memory (no IO, no blocking);
    /// `None` when the store must be read.
    pub fn recent_events(
        &self,
        party: &str,
        from: u64,
        limit: usize,
    ) -> Option<(Vec<Arc<str>>, u64)> {
        let durable = self.durable.load(Ordering::SeqCst);
        let end = durable.min(from.saturating_add(limit as u64));
        if from >= end {
            return Some((Vec::new(), from));
        }
        let recent = self.recent.read();
        let first = recent.front().map(|e| e.seq)?;
        if from < first {
            return None;
        }
        // An entry can be durable a moment before it is here; its follower is woken again after.
        let end = end.min(first + recent.len() as u64);
        if from >= end {
            return Some((Vec::new(), from));
        }
        let events = recent
            .range((from - first) as usize..(end - first) as usize)
            .filter(|e| e.audience.includes(party))
            .map(|e| Arc::clone(&e.text))
            .collect();
        Some((events, end))
    }

    /// The durable entries in `[from, from + limit)` that `party` may read, as stream events (JSON text).
    /// Recent entries come from memory, rendered once for every follower; older ones from the store.
    pub fn events(
        &self,
        party: &str,
        from: u64,
        limit: usize,
    ) -> Result<(Vec<Arc<str>>, u64), LineError> {
        if let Some(found) = self.recent_events(party, from, limit) {
            return Ok(found);
        }
        let end = self.store.size()?.min(from.saturating_add(limit as u64));
        // Read a few entries at a time, and stop once the events gathered or the entries read reach their
        // bytes: a follower far behind (or one that does not read) holds a bounded batch, whatever the
        // history's entries weigh.
        let (mut events, mut next) = (Vec::new(), from);
        let (mut gathered, mut read) = (0usize, 0usize);
        while next < end && gathered < EVENT_BATCH_BYTES && read < 4 * EVENT_BATCH_BYTES {
            let chunk = self
                .store
                .entries(next, (end - next).min(STORE_READ_CHUNK) as usize)?;
            if chunk.is_empty() {
                break;
            }
            for e in &chunk {
                next = e.header.seq + 1;
                read += e.content.len();
                if e.header.audience.includes(party) {
                    let text = event_text(&e.header, &e.content);
                    gathered += text.len();
                    events.push(text);
                }
                if gathered >= EVENT_BATCH_BYTES || read >= 4 * EVENT_BATCH_BYTES {
                    break;
                }
            }
        }
        Ok((events, next))
    }
}
