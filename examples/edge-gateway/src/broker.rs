//! The in-process broker: the library's broker core on the tokio loop of `examples/net`
//! ([`net::broker_loop::Server`]), which the demo can stop and start again on the same port.
//! Stopping exports its sessions (subscriptions, queued and in-flight messages) and retained
//! messages; starting again imports them, as a broker with persistence would.

use std::net::SocketAddr;
use std::time::Duration;

use net::broker_loop::{default_config, ListenError, Server};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running (or stopped) in-process broker.
#[derive(Debug)]
pub struct InProcess {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Vec<u8>>>,
}

impl InProcess {
    /// Starts a broker on `addr` (port 0: a free port), with `sessions` from an earlier
    /// [`stop`](Self::stop) if given.
    ///
    /// # Errors
    /// The listener could not be bound.
    pub async fn start(addr: SocketAddr, sessions: Option<Vec<u8>>) -> Result<Self, ListenError> {
        let mut server = Server::bind(&[addr], default_config()).await?;
        let addr = server.local_addrs().first().copied().unwrap_or(addr);
        if let Some(bytes) = sessions {
            server = server.with_sessions(bytes);
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(|_| {}, async {
            let _ = stopped.await;
        }));
        Ok(Self { addr, stop: Some(stop), task: Some(task) })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops it (every connection is closed) and returns its export.
    pub async fn stop(&mut self) -> Vec<u8> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Starts it again on the same port with `sessions` (the port may take a moment to be
    /// free: a few tries, 100 ms apart).
    ///
    /// # Errors
    /// The listener could not be bound.
    pub async fn restart(&mut self, sessions: Vec<u8>) -> Result<(), ListenError> {
        let mut tries = 0;
        loop {
            match Self::start(self.addr, Some(sessions.clone())).await {
                Ok(b) => {
                    *self = b;
                    return Ok(());
                }
                Err(e) if tries < 20 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
