//! One module per verb.

pub mod bench;
pub mod check;
pub mod demo;
pub mod link;
pub mod score;
pub mod synth;
pub mod validate;
