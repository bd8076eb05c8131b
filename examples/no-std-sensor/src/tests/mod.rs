//! Host tests: the sensor through the simulated network, many seeds and bad days.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod scenarios;
