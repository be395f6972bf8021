//! Generates a population and reports its size and speed:
//! `cargo run --release -p probity-synth --example generate -- PEOPLE OUT [NOISE] [SEED]`.

use std::time::Instant;

use probity_synth::{Noise, SynthConfig, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let people: u64 = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let out = args.get(2).cloned().unwrap_or_else(|| "synth-out".into());
    let noise: Noise = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(Noise::Default);
    let seed: u64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let config = SynthConfig {
        people,
        seed,
        noise,
        year: 2025,
    };
    let started = Instant::now();
    let summary = generate(&config, std::path::Path::new(&out), &|_| {})?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{summary:?} in {secs:.2}s ({:.0} people/s)",
        people as f64 / secs
    );
    Ok(())
}
