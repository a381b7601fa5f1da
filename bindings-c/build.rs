//! Regenerates `include/nevis_authcloud.h` from the exported functions on every build, and gives
//! the shared library its ABI name.
//!
//! The header is checked in so C users need no Rust tooling to read it; generating it here (and
//! diff-checking the committed copy in CI) keeps it from drifting from the library.

use std::path::PathBuf;

fn main() {
    set_library_name();
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml is valid");
    let header = crate_dir.join("..").join("include").join("nevis_authcloud.h");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed={}", header.display());
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not read the crate");
    let mut text = Vec::new();
    bindings.write(&mut text);
    let text = untypedef_error_kind(String::from_utf8(text).expect("cbindgen writes UTF-8"));
    std::fs::create_dir_all(header.parent().expect("header has a folder")).expect("include/ can be created");
    // Written only when the text changed, so an unchanged header keeps its timestamp.
    if std::fs::read_to_string(&header).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&header, text).expect("the header can be written");
    }
}

/// rustc gives a cdylib no SONAME; without one, a program linked against the library records the
/// bare `libnevis_authcloud.so` and would load any later, incompatible version. The ABI version
/// is the major version, or `0.<minor>` while the major is 0 (semver's breaking-change digit, the
/// convention of cargo-c), so `libnevis_authcloud.so.0.1` serves every 0.1.x release. On macOS the
/// install name is `@rpath/...`, so programs find the library through their own rpath.
fn set_library_name() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let abi = if major == "0" { format!("0.{minor}") } else { major };
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("linux") => println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnevis_authcloud.so.{abi}"),
        Ok("macos") => println!("cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libnevis_authcloud.dylib"),
        _ => {}
    }
}

/// The API names both the enum and its accessor `nevis_error_kind`. C keeps typedef and function
/// names in one namespace, so that enum is declared by tag only (`enum nevis_error_kind`, as
/// `struct stat` and `stat()`), while every other type keeps its typedef.
fn untypedef_error_kind(text: String) -> String {
    let opening = "typedef enum nevis_error_kind {";
    let closing = "} nevis_error_kind;";
    assert!(text.contains(opening) && text.contains(closing), "cbindgen's enum layout changed");
    text.replacen(opening, "enum nevis_error_kind {", 1).replacen(closing, "};", 1)
}
