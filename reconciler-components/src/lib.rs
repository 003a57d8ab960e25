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

/// `docs/components.md`, compiled and run as doctests so its examples, and the statuses
/// its table shows, stay true to the code (`cargo test -p reconciler-components --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../docs/components.md")]
pub struct ComponentsGuide;
