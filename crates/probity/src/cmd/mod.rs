//! One module per verb.

pub mod accounts;
pub mod audit;
pub mod bench;
pub mod bench_store;
pub mod bench_web;
pub mod check;
pub mod checkpoints;
pub mod db;
pub mod demo;
pub mod findings;
pub mod import;
pub mod init;
pub mod link;
pub mod maintain;
pub mod sample;
pub mod score;
pub mod serve;
pub mod stats;
pub mod synth;
pub mod user;
pub mod validate;
pub mod verify;
