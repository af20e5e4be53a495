//! CPU time of processes, from `/proc` (Linux): the server's, and PostgreSQL's summed over the
//! postmaster and every process it started (backends, background workers), so that the report
//! can say how many CPU milliseconds one request costs on each side.

use std::{fs, process::Command};

/// CPU time (user + system) in clock ticks; [`ticks_per_second`] converts.
pub type Ticks = u64;

/// The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we run on).
pub fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|ticks| *ticks > 0.0)
        .unwrap_or(100.0)
}

/// The fields of `/proc/<pid>/stat` after the command name, which may itself hold spaces and
/// parentheses: field 3 (state) is the first.
fn stat_fields(pid: &str) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = text.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// utime + stime (fields 14 and 15) of one process, all its threads included.
fn ticks_of(fields: &[String]) -> Option<Ticks> {
    let utime: Ticks = fields.get(11)?.parse().ok()?;
    let stime: Ticks = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// cutime + cstime (fields 16 and 17): what the process's children that have exited and been
/// waited for used.
fn children_ticks_of(fields: &[String]) -> Option<Ticks> {
    let cutime: Ticks = fields.get(13)?.parse().ok()?;
    let cstime: Ticks = fields.get(14)?.parse().ok()?;
    Some(cutime + cstime)
}

/// The parent pid (field 4).
fn parent_of(fields: &[String]) -> Option<u32> {
    fields.get(1)?.parse().ok()
}

/// CPU time used so far by process `pid`; `None` when there is no such process here.
pub fn process(pid: u32) -> Option<Ticks> {
    ticks_of(&stat_fields(&pid.to_string())?)
}

/// CPU time used so far by the postmaster `postmaster` and every process it started: the live
/// ones, and through the postmaster's cutime/cstime those that have exited (parallel query
/// workers come and go within one statement; a backend may end with its connection).
pub fn postgres(postmaster: u32) -> Option<Ticks> {
    let fields = stat_fields(&postmaster.to_string())?;
    let mut total = ticks_of(&fields)? + children_ticks_of(&fields)?;
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if let Some(fields) = stat_fields(pid)
            && parent_of(&fields) == Some(postmaster)
        {
            total += ticks_of(&fields).unwrap_or(0);
        }
    }
    Some(total)
}

/// The postmaster of backend `backend` (its parent), when that backend runs on this machine.
pub fn postmaster_of(backend: u32) -> Option<u32> {
    let fields = stat_fields(&backend.to_string())?;
    let comm = fs::read_to_string(format!("/proc/{backend}/comm")).ok()?;
    (comm.trim() == "postgres")
        .then(|| parent_of(&fields))
        .flatten()
}
