//! Recordings: reading BBB's `metadata.xml`, indexing it, and answering the recording calls from the index.

pub mod bucket;
pub mod captions;
pub mod filter;
pub mod importer;
pub mod listing;
pub mod metadata;
pub mod migration;
pub mod search;
pub mod spool;
pub mod storage;
pub mod store;
pub mod trash;
pub mod xml;
