//! Built-in components for `reconciler` charms, kept out of `reconciler-core` so the core
//! stays small: a charm that writes every component itself does not compile these.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod gates;
pub mod pebble_files;
pub mod pebble_service;
pub mod relation_data;
pub mod sdi;
pub mod template;
