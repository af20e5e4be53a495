//! Prepares the GraphiQL page that `src/http/graphiql.rs` embeds in the binary.
//!
//! Government intranets have no CDN, so the browser bundles of React, ReactDOM
//! and GraphiQL ship inside the binary. Their versions are pinned by
//! `assets/graphiql/package-lock.json`; this script installs them with `npm ci`
//! when needed, copies the files the page loads into `OUT_DIR/graphiql/`, and
//! fills in the asset version of `assets/graphiql/index.html`.
//!
//! The asset version is a hash of the files' bytes. It goes into every asset URL
//! (`/graphiql/<version>/graphiql.min.js`), so the assets can be cached for a
//! year and a new GraphiQL still reaches browsers on the next deploy.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::SystemTime,
};

/// The npm project that pins the bundles, relative to the crate root.
const ASSETS_DIR: &str = "assets/graphiql";

/// The files the page loads: where they are under `ASSETS_DIR`, and the name
/// they are served under. `src/http/graphiql.rs` embeds the same names.
const FILES: [(&str, &str); 5] = [
    (
        "node_modules/react/umd/react.production.min.js",
        "react.production.min.js",
    ),
    (
        "node_modules/react-dom/umd/react-dom.production.min.js",
        "react-dom.production.min.js",
    ),
    ("node_modules/graphiql/graphiql.min.js", "graphiql.min.js"),
    ("node_modules/graphiql/graphiql.min.css", "graphiql.min.css"),
    ("init.js", "init.js"),
];

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    // Only our inputs: node_modules is an output of `npm ci`, and watching it
    // would rerun this script after every install.
    for input in ["package.json", "package-lock.json", "index.html", "init.js"] {
        println!("cargo:rerun-if-changed={ASSETS_DIR}/{input}");
    }

    let assets_dir = Path::new(ASSETS_DIR);
    if needs_install(assets_dir)? {
        npm_ci(assets_dir)?;
    }

    let out_dir =
        PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("graphiql");
    fs::create_dir_all(&out_dir)
        .map_err(|err| format!("cannot create {}: {err}", out_dir.display()))?;

    let mut hash = Fnv1a::new();
    for (source, name) in FILES {
        let source = assets_dir.join(source);
        let bytes = fs::read(&source).map_err(|err| {
            format!(
                "cannot read {}: {err} (is the npm install in {ASSETS_DIR} complete? \
                 delete {ASSETS_DIR}/node_modules to reinstall)",
                source.display()
            )
        })?;
        if bytes.is_empty() {
            return Err(format!("{} is empty", source.display()));
        }
        hash.write(name.as_bytes());
        hash.write(&bytes);
        write_if_changed(&out_dir.join(name), &bytes)?;
    }
    let version = format!("{:016x}", hash.finish());

    let template = assets_dir.join("index.html");
    let html = fs::read_to_string(&template)
        .map_err(|err| format!("cannot read {}: {err}", template.display()))?;
    write_if_changed(
        &out_dir.join("index.html"),
        html.replace("{{VERSION}}", &version).as_bytes(),
    )?;

    println!("cargo:rustc-env=GRAPHIQL_ASSETS_VERSION={version}");
    Ok(())
}

/// `npm ci` is needed when nothing is installed yet, or when the lockfile is
/// newer than the last install (npm writes `node_modules/.package-lock.json` at
/// the end of every install).
fn needs_install(assets_dir: &Path) -> Result<bool, String> {
    let installed = assets_dir.join("node_modules/.package-lock.json");
    let Ok(installed) = modified(&installed) else {
        return Ok(true);
    };
    Ok(modified(&assets_dir.join("package-lock.json"))? > installed)
}

fn modified(path: &Path) -> Result<SystemTime, String> {
    fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .map_err(|err| {
            format!(
                "cannot read the modification time of {}: {err}",
                path.display()
            )
        })
}

fn npm_ci(assets_dir: &Path) -> Result<(), String> {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    // npm's chatter goes to stderr: a build script's stdout is read by cargo.
    // No install scripts run: the pinned packages have none, and a build should
    // not execute code from the registry.
    let status = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(assets_dir)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|err| {
            format!(
                "cannot run `{npm}` ({err}). Building xieshang embeds GraphiQL from the npm \
                 packages pinned in {ASSETS_DIR}/package-lock.json: install Node.js and npm \
                 (e.g. `apt-get install npm`) and build again"
            )
        })?;
    if !status.success() {
        return Err(format!(
            "`{npm} ci` in {ASSETS_DIR} failed ({status}); see its output above"
        ));
    }
    Ok(())
}

/// Leaves unchanged files alone so their modification time does not make cargo
/// recompile the crate that embeds them.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    fs::write(path, bytes).map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// FNV-1a, 64 bits: a stable content hash for cache busting, with no dependency
/// and no change between Rust releases (unlike `DefaultHasher`).
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
