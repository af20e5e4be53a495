//! How far an import has got, shared with whoever shows it: the command line's progress bar, or
//! the job row that `importJob(id:)` reads. Reading counts every row as it goes (the file is
//! streamed, so its length is not known in advance); checking and writing are phases.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// A phase of an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Reading the file's rows.
    Reading,
    /// Checking the rows against each other and the stored records.
    Checking,
    /// Writing, in one transaction.
    Writing,
    /// Finished (written, refused, or a dry run).
    Done,
}

impl Phase {
    const ALL: [Phase; 4] = [Phase::Reading, Phase::Checking, Phase::Writing, Phase::Done];

    /// The phase as a progress line names it.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Reading => "读取 reading",
            Phase::Checking => "检查 checking",
            Phase::Writing => "写入 writing",
            Phase::Done => "完成 done",
        }
    }
}

/// Rows read so far and the phase; updated by the import, read by any thread.
#[derive(Debug, Default)]
pub struct Progress {
    rows_read: AtomicUsize,
    phase: AtomicU8,
}

impl Progress {
    /// Data rows read so far, over every sheet.
    pub fn rows_read(&self) -> usize {
        self.rows_read.load(Ordering::Relaxed)
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        let index = usize::from(self.phase.load(Ordering::Relaxed));
        Phase::ALL.get(index).copied().unwrap_or(Phase::Done)
    }

    /// One more row read.
    pub(crate) fn row(&self) {
        self.rows_read.fetch_add(1, Ordering::Relaxed);
    }

    /// Moves on to `phase`.
    pub fn enter(&self, phase: Phase) {
        let index = Phase::ALL
            .iter()
            .position(|known| *known == phase)
            .unwrap_or_default();
        self.phase
            .store(u8::try_from(index).unwrap_or(u8::MAX), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_phases_are_counted() {
        let progress = Progress::default();
        assert_eq!(
            (progress.rows_read(), progress.phase()),
            (0, Phase::Reading)
        );
        progress.row();
        progress.row();
        progress.enter(Phase::Writing);
        assert_eq!(
            (progress.rows_read(), progress.phase()),
            (2, Phase::Writing)
        );
    }
}
