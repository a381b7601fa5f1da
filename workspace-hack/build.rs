//! Empty on purpose: cargo builds a package's build-dependencies only when it has a build script,
//! and this crate's build-dependencies fix the features of the host-side crates (see Cargo.toml).

fn main() {}
