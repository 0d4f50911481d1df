//! The BBB API as a protocol: checksums, parameters, calls to servers, XML documents.

pub mod bounded;
pub mod checksum;
pub mod client;
pub mod meetings;
pub mod params;
pub mod xml;
