//! One tcpdump-like line per packet (`PUBLISH q1 id=7 topic="a/b" len=16`).

use core::fmt::{self, Display, Formatter};

use super::{Packet, QosPid};

impl Display for Packet<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = self.packet_type().name();
        match self {
            Self::Connect(c) => {
                write!(f, "{name} {} client_id={:?} keep_alive={}", c.protocol.name(), c.client_id, c.keep_alive)?;
                if c.clean_start {
                    f.write_str(" clean")?;
                }
                if let Some(w) = &c.will {
                    write!(f, " will={:?}", w.topic.as_str())?;
                }
                if let Some(u) = c.username {
                    write!(f, " user={u:?}")?;
                }
                Ok(())
            }
            Self::ConnAck(a) => {
                write!(f, "{name} rc={:#04x} session_present={}", a.reason_code.value(), a.session_present)
            }
            Self::Publish(p) => {
                let q = p.qos.qos() as u8;
                write!(f, "{name} q{q}")?;
                if let QosPid::AtLeastOnce(id) | QosPid::ExactlyOnce(id) = p.qos {
                    write!(f, " id={id}")?;
                }
                if p.dup {
                    f.write_str(" dup")?;
                }
                if p.retain {
                    f.write_str(" retain")?;
                }
                write!(f, " topic={:?} len={}", p.topic.as_str(), p.payload.len())
            }
            Self::PubAck(a) => write!(f, "{name} id={} rc={:#04x}", a.packet_id, a.reason_code.value()),
            Self::PubRec(a) => write!(f, "{name} id={} rc={:#04x}", a.packet_id, a.reason_code.value()),
            Self::PubRel(a) => write!(f, "{name} id={} rc={:#04x}", a.packet_id, a.reason_code.value()),
            Self::PubComp(a) => write!(f, "{name} id={} rc={:#04x}", a.packet_id, a.reason_code.value()),
            Self::Subscribe(s) => {
                write!(f, "{name} id={}", s.packet_id)?;
                for sub in s.subscriptions.iter() {
                    write!(f, " {:?}q{}", sub.filter.as_str(), sub.options.qos as u8)?;
                }
                Ok(())
            }
            Self::SubAck(s) => {
                write!(f, "{name} id={}", s.packet_id)?;
                for rc in s.reason_codes.iter() {
                    write!(f, " {:#04x}", rc.value())?;
                }
                Ok(())
            }
            Self::Unsubscribe(u) => {
                write!(f, "{name} id={}", u.packet_id)?;
                for t in u.filters.iter() {
                    write!(f, " {:?}", t.as_str())?;
                }
                Ok(())
            }
            Self::UnsubAck(u) => write!(f, "{name} id={}", u.packet_id),
            Self::PingReq | Self::PingResp => f.write_str(name),
            Self::Disconnect(d) => write!(f, "{name} rc={:#04x}", d.reason_code.value()),
            Self::Auth(a) => write!(f, "{name} rc={:#04x}", a.reason_code.value()),
        }
    }
}
