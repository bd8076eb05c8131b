//! The content of one telemetry reading (21.5 °C) in the three forms compared over MQTT and
//! CoAP. LwM2M's own formats (TLV, SenML CBOR, LwM2M CBOR) are in [`crate::overhead::lwm2m`].

use serde::Serialize;

use crate::overhead::BuildError;

/// The reading: 21.5 °C (exact in half, single and double precision).
pub const READING_CELSIUS: f32 = 21.5;

/// The SenML name of the reading in the generic SenML payload (RFC 8428 §4.5.1).
pub const SENML_NAME: &str = "temp";

/// The SenML unit of the reading (RFC 8428 §12.1: `Cel`).
pub const SENML_UNIT: &str = "Cel";

/// One of the payload forms compared over MQTT and CoAP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// IEEE 754 binary32, big-endian: 4 bytes.
    Float,
    /// A small JSON object: `{"t":21.5}`.
    Json,
    /// SenML JSON (RFC 8428): `[{"n":"temp","u":"Cel","v":21.5}]`.
    SenmlJson,
}

impl Payload {
    /// Every form, in table order.
    pub const ALL: [Self; 3] = [Self::Float, Self::Json, Self::SenmlJson];

    /// The name used on the command line (`--payload`).
    pub const fn key(self) -> &'static str {
        match self {
            Self::Float => "float",
            Self::Json => "json",
            Self::SenmlJson => "senml-json",
        }
    }

    /// The name used in tables.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Float => "f32",
            Self::Json => "JSON {\"t\":…}",
            Self::SenmlJson => "SenML JSON",
        }
    }

    /// The CoAP Content-Format (RFC 7252 §12.3; RFC 8428 §12.3 for SenML).
    pub const fn content_format(self) -> u16 {
        match self {
            Self::Float => 42,      // application/octet-stream
            Self::Json => 50,       // application/json
            Self::SenmlJson => 110, // application/senml+json
        }
    }

    /// The form named `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }

    /// The payload bytes.
    ///
    /// # Errors
    /// [`BuildError::Json`] (not expected for these values).
    pub fn encode(self) -> Result<Vec<u8>, BuildError> {
        #[derive(Serialize)]
        struct Small {
            t: f32,
        }
        #[derive(Serialize)]
        struct SenmlRecord {
            n: &'static str,
            u: &'static str,
            v: f32,
        }
        Ok(match self {
            Self::Float => READING_CELSIUS.to_be_bytes().to_vec(),
            Self::Json => serde_json::to_vec(&Small { t: READING_CELSIUS })?,
            Self::SenmlJson => serde_json::to_vec(&[SenmlRecord { n: SENML_NAME, u: SENML_UNIT, v: READING_CELSIUS }])?,
        })
    }
}
