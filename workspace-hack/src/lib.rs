//! No code: this crate exists for its dependency list, which gives every package selection in the
//! workspace the same dependency features (see Cargo.toml).
