//! Persisting the broker across a restart: its sessions (subscriptions, queued messages, the
//! state of messages in flight) and its retained messages, as bytes the caller stores.
//!
//! Format (little-endian): `MQBK`, format 1; the sessions (client id, version, expiry, time
//! left, the connection state, subscriptions, queued messages); the retained messages. Times
//! are stored as ages and time left, so the bytes do not depend on the caller's epoch.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::time::Duration;

use super::session::{Queued, Session};
use super::{export, Broker, Stored, SubData};
use crate::time::Instant;
use crate::topic::TopicFilter;
use crate::wire::{Qos, SubscriptionOptions, Version};

const MAGIC: &[u8; 4] = b"MQBK";
const FORMAT: u8 = 1;

/// Why [`Broker::import`] refused the bytes; nothing was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Not bytes from [`Broker::export`] (magic or format number).
    #[error("not a broker export")]
    UnknownFormat,
    /// The bytes end early or hold a value out of range, at this offset.
    #[error("invalid export at byte {0}")]
    Invalid(usize),
    /// More sessions or retained messages than this broker's limits.
    #[error("the export exceeds the broker's limits")]
    OverLimits,
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn blob(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.u16(s.len() as u16);
        self.0.extend_from_slice(s.as_bytes());
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ImportError> {
        let out = self.b.get(self.at..self.at.checked_add(n).ok_or(ImportError::Invalid(self.at))?);
        let out = out.ok_or(ImportError::Invalid(self.at))?;
        self.at += n;
        Ok(out)
    }
    fn array<const K: usize>(&mut self) -> Result<[u8; K], ImportError> {
        let at = self.at;
        self.take(K)?.try_into().map_err(|_| ImportError::Invalid(at))
    }
    fn u8(&mut self) -> Result<u8, ImportError> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, ImportError> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, ImportError> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, ImportError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn blob(&mut self) -> Result<&'a [u8], ImportError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn str(&mut self) -> Result<&'a str, ImportError> {
        let at = self.at;
        let n = usize::from(self.u16()?);
        core::str::from_utf8(self.take(n)?).map_err(|_| ImportError::Invalid(at))
    }
    /// A stored message: its bytes must decode as the broker's own PUBLISH.
    fn stored(&mut self, now: Instant) -> Result<Stored, ImportError> {
        let at = self.at;
        let bytes: Box<[u8]> = self.blob()?.into();
        let age = self.u64()?;
        let s = Stored { bytes: bytes.into(), received: Instant::from_millis(now.as_millis().saturating_sub(age)) };
        s.publish().ok_or(ImportError::Invalid(at))?;
        Ok(s)
    }
}

fn qos(v: u8, at: usize) -> Result<Qos, ImportError> {
    Qos::try_from(v).map_err(|_| ImportError::Invalid(at))
}

impl<C: Copy + Ord> Broker<C> {
    /// Everything a restarted broker needs to keep its persistent sessions and retained
    /// messages: sessions with a Session Expiry Interval (connected ones as if their
    /// connection had just closed), their subscriptions and queued messages, and the retained
    /// messages. Give the bytes to [`import`](Self::import) on the new broker.
    ///
    /// ```
    /// use mqtt_codec::broker::{Broker, Config};
    /// use mqtt_codec::time::Instant;
    /// let b: Broker<u32> = Broker::new(Config::new());
    /// let bytes = b.export(Instant::ZERO);
    /// let mut restarted: Broker<u32> = Broker::new(Config::new());
    /// assert_eq!(restarted.import(Instant::from_millis(5), &bytes), Ok(0));
    /// ```
    pub fn export(&self, now: Instant) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.0.extend_from_slice(MAGIC);
        w.u8(FORMAT);
        let kept: Vec<(u32, &Session)> = self.sessions.iter().filter(|(_, s)| s.expiry > 0).collect();
        w.u32(kept.len() as u32);
        for (sid, s) in kept {
            w.str(&s.client_id);
            w.u8(if s.version == Version::V5 { 5 } else { 4 });
            w.u32(s.expiry);
            let left = match (s.conn, s.expires_at) {
                (None, Some(t)) => t.saturating_duration_since(now).as_millis() as u64,
                _ => u64::from(s.expiry) * 1000,
            };
            w.u64(left);
            let live = s.conn.and_then(|slot| self.conns.get(slot)).and_then(|c| export(&c.sc));
            w.blob(live.as_deref().or(s.saved.as_deref()).unwrap_or(&[]));
            let mut subs: Vec<(Box<str>, SubData)> = Vec::new();
            self.trie.for_each_of(sid, |f, v| subs.push((f.into(), *v)));
            w.u32(subs.len() as u32);
            for (f, d) in subs {
                w.str(&f);
                w.u8(d.options.to_byte());
                w.u32(d.identifier.unwrap_or(0));
            }
            w.u32(s.queue.len() as u32);
            for q in &s.queue {
                w.blob(&q.stored.bytes);
                w.u64(now.saturating_duration_since(q.stored.received).as_millis() as u64);
                w.u8(q.qos as u8);
                w.u8(u8::from(q.retain));
                w.u16(q.identifiers.len() as u16);
                q.identifiers.iter().for_each(|&id| w.u32(id));
            }
        }
        w.u32(self.retained.len() as u32);
        for m in self.retained.values() {
            w.blob(&m.bytes);
            w.u64(now.saturating_duration_since(m.received).as_millis() as u64);
        }
        w.0
    }

    /// Loads what [`export`](Self::export) wrote, into a broker with no sessions of the same
    /// client ids (sessions whose client id is present are skipped). Returns the sessions
    /// imported.
    ///
    /// # Errors
    /// [`ImportError`]: nothing was imported.
    pub fn import(&mut self, now: Instant, bytes: &[u8]) -> Result<usize, ImportError> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(4)? != MAGIC || r.u8()? != FORMAT {
            return Err(ImportError::UnknownFormat);
        }
        // Parse everything first: a bad export changes nothing.
        let n = r.u32()? as usize;
        let mut sessions = Vec::new();
        for _ in 0..n {
            let client_id: Box<str> = r.str()?.into();
            let at = r.at;
            let version = match r.u8()? {
                5 => Version::V5,
                4 => Version::V311,
                _ => return Err(ImportError::Invalid(at)),
            };
            let expiry = r.u32()?;
            let left = r.u64()?;
            let saved = r.blob()?;
            let mut subs = Vec::new();
            for _ in 0..r.u32()? {
                let at = r.at;
                let filter: Box<str> = r.str()?.into();
                TopicFilter::new(&filter).map_err(|_| ImportError::Invalid(at))?;
                let options =
                    SubscriptionOptions::from_byte(r.u8()?, Version::V5).map_err(|_| ImportError::Invalid(at))?;
                let id = r.u32()?;
                subs.push((filter, SubData { options, identifier: (id != 0).then_some(id) }));
            }
            let mut queue = VecDeque::new();
            let mut queued_bytes = 0;
            for _ in 0..r.u32()? {
                let stored = r.stored(now)?;
                let at = r.at;
                let q = qos(r.u8()?, at)?;
                let retain = r.u8()? != 0;
                let mut identifiers = Vec::new();
                for _ in 0..r.u16()? {
                    identifiers.push(r.u32()?);
                }
                queued_bytes += stored.bytes.len();
                queue.push_back(Queued { stored, qos: q, retain, identifiers });
            }
            let session = Session {
                client_id,
                conn: None,
                version,
                expiry,
                expires_at: Some(now + Duration::from_millis(left)),
                saved: (!saved.is_empty()).then(|| saved.to_vec()),
                queue,
                queued_bytes,
            };
            sessions.push((session, subs));
        }
        let mut retained = Vec::new();
        for _ in 0..r.u32()? {
            retained.push(r.stored(now)?);
        }
        if r.at != bytes.len() {
            return Err(ImportError::Invalid(r.at));
        }
        if self.sessions.len() + sessions.len() > self.config.max_sessions
            || self.retained.len() + retained.len() > self.config.max_retained
        {
            return Err(ImportError::OverLimits);
        }
        let mut imported = 0;
        for (session, subs) in sessions {
            if self.by_client.contains_key(&session.client_id) {
                continue;
            }
            let client_id = session.client_id.clone();
            let sid = self.sessions.insert(session);
            self.by_client.insert(client_id, sid);
            for (f, d) in subs {
                if let Ok(tf) = TopicFilter::new(&f) {
                    self.trie.subscribe(tf, sid, d);
                }
            }
            imported += 1;
        }
        for m in retained {
            if let Some(p) = m.publish() {
                let topic: Box<str> = p.topic.as_str().into();
                self.retained_bytes += m.bytes.len();
                if let Some(old) = self.retained.insert(topic, m.clone()) {
                    self.retained_bytes = self.retained_bytes.saturating_sub(old.bytes.len());
                }
            }
        }
        Ok(imported)
    }
}
