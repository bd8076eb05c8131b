//! A network without `std` for the sensor: a virtual clock, a [`DatagramLink`] for CoAP (seeded
//! loss and delay, outages), a [`StreamLink`] for MQTT (delay, cuts, refused connections), the
//! peers on the other side ([`Broker`], [`Gateway`]) made from the same library, and a
//! [`World`] that runs a [`Scenario`] and checks its outcome reading by reading
//! ([`World::check`]). Deterministic: the same scenario (seed included) gives the same run.

mod broker;
mod datagram;
mod gateway;
mod stream;
mod world;

pub use broker::{Broker, BrokerConnection, BROKER_STORE};
pub use datagram::{Datagram, DatagramConfig, DatagramLink, DatagramStats, IN_FLIGHT, MTU};
pub use gateway::{Gateway, GatewayEndpoint, GatewayStorage};
pub use stream::{Pipe, StreamLink, StreamStats, PIPE_BYTES};
pub use world::{Failure, Scenario, World, GATEWAY, SENSOR, SENSOR_NAME, TOPIC};

/// Readings a scenario may take (the peers' tallies are arrays of this size).
pub const MAX_READINGS: usize = 64;
