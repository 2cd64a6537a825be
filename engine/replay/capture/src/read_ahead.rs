//! A capture read on a thread of its own: decompressing and parsing blocks (on one core about
//! a third of a backtest's time; `read_capture` in the replay bench) runs beside the replay,
//! a few blocks ahead of it and in order. Memory stays flat: at most [`AHEAD`] blocks wait.

use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, bounded};

use crate::{ReadError, Reader, Record};

/// Blocks read ahead of the replay (each at most 256 KB of records before compression).
const AHEAD: usize = 4;

/// The records of a capture, read ahead on their own thread; the same items, in the same
/// order, as the [`Reader`] it was made from, the damage (if any) last.
pub struct ReadAhead {
    blocks: Option<Receiver<Result<Vec<Record>, ReadError>>>,
    current: std::vec::IntoIter<Record>,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    /// Reads the rest of the capture on a new thread (an error: the thread could not start).
    pub fn read_ahead(mut self) -> Result<ReadAhead, ReadError> {
        let path = self.path.clone();
        let (tx, rx) = bounded(AHEAD);
        let thread = std::thread::Builder::new()
            .name("capture-read".into())
            .spawn(move || {
                while let Some(block) = self.take_block() {
                    // The replay stopped (the receiver is gone): so does the reading.
                    if tx.send(block).is_err() {
                        return;
                    }
                }
            })
            .map_err(|e| ReadError::Io(path, format!("no thread to read it on: {e}")))?;
        Ok(ReadAhead {
            blocks: Some(rx),
            current: Vec::new().into_iter(),
            thread: Some(thread),
        })
    }
}

impl Iterator for ReadAhead {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.current.next() {
                return Some(Ok(r));
            }
            // The channel closes when the reading thread ends: after the last block, or
            // after the error it sent.
            match self.blocks.as_ref()?.recv() {
                Ok(Ok(block)) => self.current = block.into_iter(),
                Ok(Err(e)) => {
                    self.blocks = None;
                    return Some(Err(e));
                }
                Err(_) => {
                    self.blocks = None;
                    return None;
                }
            }
        }
    }
}

impl Drop for ReadAhead {
    /// Stops the reading (its next send fails) and waits for the thread, at most one block.
    fn drop(&mut self) {
        self.blocks = None;
        if let Some(t) = self.thread.take() {
            // The thread only reads; if it panicked there is nothing left to clean up.
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use crate::reader::tests::{frame, write};

    #[test]
    fn reading_ahead_yields_what_the_reader_yields_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        write(&p, 5_000, 0);
        let direct: Vec<_> = Reader::open(&p).unwrap().collect();
        let ahead: Vec<_> = Reader::open(&p).unwrap().read_ahead().unwrap().collect();
        assert_eq!(
            direct.len(),
            5_500,
            "5,000 frames and 500 slots in five blocks"
        );
        assert_eq!(ahead, direct);
    }

    #[test]
    fn a_damaged_capture_read_ahead_ends_with_the_same_error_after_the_same_records() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        write(&p, 3_000, 0);
        let len = std::fs::metadata(&p).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.set_len(len - 100).unwrap();
        let direct: Vec<_> = Reader::open(&p).unwrap().collect();
        let ahead: Vec<_> = Reader::open(&p).unwrap().read_ahead().unwrap().collect();
        assert!(matches!(
            direct.last(),
            Some(Err(ReadError::Truncated { .. }))
        ));
        assert_eq!(ahead, direct);
    }

    #[test]
    fn a_replay_that_stops_early_stops_the_reading_thread() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        write(&p, 20_000, 0);
        let mut ahead = Reader::open(&p).unwrap().read_ahead().unwrap();
        assert_eq!(ahead.next(), Some(Ok(frame(0))));
        // Dropping joins the thread: this returns only if the thread stopped.
        drop(ahead);
    }
}
