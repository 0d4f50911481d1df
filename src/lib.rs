//! Scalelite: a load balancer for BigBlueButton that makes a pool of BBB servers look like one.

pub mod actors;
pub mod admin;
pub mod api;
pub mod app;
pub mod balancer;
pub mod bbb;
pub mod callbacks;
pub mod cli;
pub mod config;
pub mod context;
pub mod db;
pub mod error;
pub mod form_params;
pub mod http;
pub mod jwt;
pub mod metrics;
pub mod ops;
pub mod playback;
pub mod pool;
pub mod recordings;
pub mod request_body;
pub mod request_log;
pub mod routes;
pub mod ruby_import;
pub mod ruby_settings;
pub mod secret;
