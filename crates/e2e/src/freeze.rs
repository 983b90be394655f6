//! A frozen machine, as a test makes one: every process of one Chromium (found by its
//! profile directory, then their descendants) stopped with SIGSTOP. Nothing closes: no FIN,
//! no close frame, no pong, no media. Dropping the guard lets them run again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::ensure;

/// Stopped processes; continued on drop.
#[derive(Debug)]
pub struct Frozen {
    pids: Vec<i32>,
}

/// A fresh profile directory for a Chromium to be frozen later.
pub fn profile_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("satsuma-e2e-profile-{}-{n}", std::process::id()))
}

fn processes() -> Vec<(i32, i32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| {
            let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid …`: the name may hold spaces, so read after its `)`.
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, String::from_utf8_lossy(&cmdline).replace('\0', " ")))
        })
        .collect()
}

/// Kills the Chromium that runs in `profile` and everything it started (a crashed tab: the
/// kernel closes its sockets).
pub fn crash(profile: &Path) -> anyhow::Result<usize> {
    let pids = tree(profile)?;
    signal(&pids, libc::SIGKILL);
    Ok(pids.len())
}

/// Stops the Chromium that runs in `profile` and everything it started.
pub fn freeze(profile: &Path) -> anyhow::Result<Frozen> {
    let pids = tree(profile)?;
    signal(&pids, libc::SIGSTOP);
    Ok(Frozen { pids })
}

/// Sends `sig` to each of `pids`, processes of the test's own browser.
fn signal(pids: &[i32], sig: libc::c_int) {
    for pid in pids {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe { libc::kill(*pid, sig) };
    }
}

/// The processes of the Chromium in `profile` and their descendants.
fn tree(profile: &Path) -> anyhow::Result<Vec<i32>> {
    let flag = format!("--user-data-dir={}", profile.display());
    let all = processes();
    let mut tree: HashSet<i32> = all.iter().filter(|(_, _, cmd)| cmd.contains(&flag)).map(|(pid, _, _)| *pid).collect();
    ensure!(!tree.is_empty(), "no process runs in {}", profile.display());
    loop {
        let more: Vec<i32> =
            all.iter().filter(|(pid, ppid, _)| tree.contains(ppid) && !tree.contains(pid)).map(|(pid, _, _)| *pid).collect();
        if more.is_empty() {
            break;
        }
        tree.extend(more);
    }
    Ok(tree.into_iter().collect())
}

impl Frozen {
    /// How many processes were stopped.
    pub fn count(&self) -> usize {
        self.pids.len()
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        signal(&self.pids, libc::SIGCONT);
    }
}
