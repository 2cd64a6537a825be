//! Reads a capture, a block at a time (memory stays flat whatever the file's size): every
//! record up to any damage, then one error that says what and where (a torn last block after a
//! crash, a block whose CRC does not match, bytes that are no record).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::{BLOCK_BYTES, BLOCK_MAGIC, Header, MAGIC, MAX_RECORD, Record, VERSION};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("{0}: {1}")]
    Io(PathBuf, String),
    #[error("{0} is not a Kestrel capture (it does not start with KESTRELCAP)")]
    NotACapture(PathBuf),
    #[error("{0} is a capture of version {1}; this build reads version {VERSION}")]
    Version(PathBuf, u16),
    #[error("{0}: the header cannot be read")]
    BadHeader(PathBuf),
    #[error(
        "{path}: cut short at byte {offset} (a block was being written when it stopped); the {records} records before it were read"
    )]
    Truncated {
        path: PathBuf,
        offset: u64,
        records: u64,
    },
    #[error("{path}: damaged at byte {offset}: {why}; the {records} records before it were read")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        records: u64,
        why: String,
    },
}

pub struct Reader {
    pub(crate) path: PathBuf,
    file: BufReader<File>,
    header: Header,
    /// Where the next block starts.
    offset: u64,
    /// The current block's records not yet handed out.
    pending: std::vec::IntoIter<Record>,
    /// Records read so far: every record of the blocks taken.
    pub records: u64,
    /// Set once damage or the end was met.
    done: bool,
}

/// Reads exactly `buf.len()` bytes; how many it got before the end.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn le_u16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// The records of one block's bytes, exactly `count` of them.
fn parse(mut b: &[u8], count: u32) -> Result<Vec<Record>, String> {
    let mut out = Vec::with_capacity(count as usize);
    for i in 0..count {
        if b.len() < 15 {
            return Err(format!("record {i} of {count} is cut short"));
        }
        let (kind, endpoint, at_ns, len) = (
            b[0],
            le_u16(&b[1..3]),
            le_u64(&b[3..11]),
            le_u32(&b[11..15]) as usize,
        );
        b = &b[15..];
        if len > b.len() {
            return Err(format!(
                "record {i} claims {len} bytes, {} are left",
                b.len()
            ));
        }
        let (body, rest) = b.split_at(len);
        b = rest;
        out.push(match (kind, len) {
            (1, _) => Record::Frame {
                endpoint,
                at_ns,
                text: body.to_vec(),
            },
            (2, 8) => Record::Slot {
                endpoint,
                at_ns,
                slot: le_u64(body),
            },
            (3, _) => Record::Sent {
                endpoint,
                at_ns,
                text: body.to_vec(),
            },
            (4, 0) => Record::Connected { endpoint, at_ns },
            (k, l) => return Err(format!("record {i} is of an unknown kind {k} (length {l})")),
        });
    }
    if !b.is_empty() {
        return Err(format!(
            "{} bytes after the block's {count} records",
            b.len()
        ));
    }
    Ok(out)
}

impl Reader {
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let io = |e: std::io::Error| ReadError::Io(path.to_owned(), e.to_string());
        let mut file = BufReader::new(File::open(path).map_err(io)?);
        let mut head = [0u8; 16];
        let got = fill(&mut file, &mut head).map_err(io)?;
        if got < 16 || &head[..10] != MAGIC {
            return Err(ReadError::NotACapture(path.to_owned()));
        }
        let version = le_u16(&head[10..12]);
        if version != VERSION {
            return Err(ReadError::Version(path.to_owned(), version));
        }
        let len = le_u32(&head[12..16]) as usize;
        if len > MAX_RECORD {
            return Err(ReadError::BadHeader(path.to_owned()));
        }
        let mut json = vec![0u8; len];
        if fill(&mut file, &mut json).map_err(io)? < len {
            return Err(ReadError::BadHeader(path.to_owned()));
        }
        let header =
            Header::from_json(&json).ok_or_else(|| ReadError::BadHeader(path.to_owned()))?;
        Ok(Self {
            path: path.to_owned(),
            file,
            header,
            offset: 16 + len as u64,
            pending: Vec::new().into_iter(),
            records: 0,
            done: false,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    fn damaged(&mut self, why: String) -> ReadError {
        self.done = true;
        ReadError::Corrupt {
            path: self.path.clone(),
            offset: self.offset,
            records: self.records,
            why,
        }
    }

    /// The next block's records, counted as read; `None` at a clean end or after an error
    /// (the error is the last item).
    pub(crate) fn take_block(&mut self) -> Option<Result<Vec<Record>, ReadError>> {
        if self.done {
            return None;
        }
        match self.next_block() {
            Ok(Some(records)) => {
                self.records += records.len() as u64;
                Some(Ok(records))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// The next block's records; `None` at a clean end.
    fn next_block(&mut self) -> Result<Option<Vec<Record>>, ReadError> {
        let io = |e: std::io::Error, p: &Path| ReadError::Io(p.to_owned(), e.to_string());
        let mut head = [0u8; 16];
        let got = fill(&mut self.file, &mut head).map_err(|e| io(e, &self.path))?;
        if got == 0 {
            return Ok(None);
        }
        let truncated = |s: &Self| ReadError::Truncated {
            path: s.path.clone(),
            offset: s.offset,
            records: s.records,
        };
        if got < 16 {
            self.done = true;
            return Err(truncated(self));
        }
        if &head[..4] != BLOCK_MAGIC {
            return Err(self.damaged("no block starts here".into()));
        }
        let (len, count, crc) = (
            le_u32(&head[4..8]) as usize,
            le_u32(&head[8..12]),
            le_u32(&head[12..16]),
        );
        if len > BLOCK_BYTES + MAX_RECORD {
            return Err(self.damaged(format!("a block of {len} bytes is larger than any written")));
        }
        let mut compressed = vec![0u8; len];
        if fill(&mut self.file, &mut compressed).map_err(|e| io(e, &self.path))? < len {
            self.done = true;
            return Err(truncated(self));
        }
        if crc32fast::hash(&compressed) != crc {
            return Err(self.damaged("the block's CRC does not match its bytes".into()));
        }
        // Bounded: damage that decompresses to a flood is refused, not allocated.
        let limit = (BLOCK_BYTES + MAX_RECORD + 64) as u64;
        let mut plain = Vec::new();
        let decoder = zstd::stream::read::Decoder::new(&compressed[..]);
        let read = decoder.and_then(|d| d.take(limit + 1).read_to_end(&mut plain));
        if let Err(e) = read {
            return Err(self.damaged(format!("the block does not decompress: {e}")));
        }
        if plain.len() as u64 > limit {
            return Err(self.damaged("the block decompresses to more than any written".into()));
        }
        let records = parse(&plain, count).map_err(|why| self.damaged(why))?;
        self.offset += 16 + len as u64;
        Ok(Some(records))
    }
}

impl Iterator for Reader {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.pending.next() {
                return Some(Ok(r));
            }
            match self.take_block()? {
                Ok(records) => self.pending = records.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Writer;
    use crate::writer::rotated;

    fn header() -> Header {
        Header {
            endpoints: vec!["ws://a".into(), "ws://b".into()],
            started_ms: 1_796_256_000_000,
            writer: "kestrel test".into(),
            wallet: None,
        }
    }

    pub(crate) fn frame(i: u64) -> Record {
        Record::Frame {
            endpoint: (i % 2) as u16,
            at_ns: 1_000 + i,
            text: format!(
                r#"{{"jsonrpc":"2.0","method":"logsNotification","params":{{"n":{i}}}}}"#
            )
            .into_bytes(),
        }
    }

    /// `n` frames on two endpoints, a slot after every tenth, a block every thousand; the
    /// files written (`max_bytes` rotates, 0 never).
    pub(crate) fn write(path: &Path, n: u64, max_bytes: u64) -> u32 {
        let mut w = Writer::create(path, header(), max_bytes).unwrap();
        for i in 0..n {
            w.push(&frame(i)).unwrap();
            if i % 10 == 9 {
                w.push(&Record::Slot {
                    endpoint: 0,
                    at_ns: 1_000 + i,
                    slot: i,
                })
                .unwrap();
            }
            if i % 1_000 == 999 {
                w.flush().unwrap();
            }
        }
        w.flush().unwrap();
        w.files
    }

    #[test]
    fn what_is_written_is_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        write(&p, 5_000, 0);
        let r = Reader::open(&p).unwrap();
        assert_eq!(r.header(), &header());
        let all: Vec<Record> = r.map(Result::unwrap).collect();
        assert_eq!(all.len(), 5_500);
        assert_eq!(all[0], frame(0));
        assert_eq!(
            all[10],
            Record::Slot {
                endpoint: 0,
                at_ns: 1_009,
                slot: 9
            }
        );
    }

    #[test]
    fn every_kind_of_record_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.kcap");
        let all = vec![
            Record::Connected {
                endpoint: 1,
                at_ns: 1,
            },
            Record::Sent {
                endpoint: 1,
                at_ns: 2,
                text: b"{\"method\":\"logsSubscribe\"}".to_vec(),
            },
            frame(3),
            Record::Slot {
                endpoint: 1,
                at_ns: 4,
                slot: 99,
            },
        ];
        {
            let mut w = Writer::create(&p, header(), 0).unwrap();
            for r in &all {
                w.push(r).unwrap();
            }
        }
        let back: Vec<Record> = Reader::open(&p).unwrap().map(Result::unwrap).collect();
        assert_eq!(back, all);
    }

    #[test]
    fn a_capture_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        write(&p, 10, 0);
        assert!(matches!(
            Writer::create(&p, header(), 0),
            Err(crate::WriteError::Exists(_))
        ));
    }

    #[test]
    fn a_torn_last_block_leaves_every_record_before_it_readable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        write(&p, 3_000, 0);
        let len = std::fs::metadata(&p).unwrap().len();
        let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        f.set_len(len - 100).unwrap();
        let results: Vec<_> = Reader::open(&p).unwrap().collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(
            ok, 2_200,
            "the first two blocks (1000 frames and 100 slots each)"
        );
        let Some(Err(e)) = results.last() else {
            panic!("an error last")
        };
        assert!(
            matches!(e, ReadError::Truncated { records: 2_200, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("cut short"), "{e}");
    }

    #[test]
    fn a_damaged_block_is_named_and_nothing_after_it_is_guessed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        write(&p, 3_000, 0);
        let mut bytes = std::fs::read(&p).unwrap();
        let n = bytes.len();
        bytes[n - 50] ^= 0xff;
        std::fs::write(&p, &bytes).unwrap();
        let results: Vec<_> = Reader::open(&p).unwrap().collect();
        let Some(Err(e)) = results.last() else {
            panic!("an error last")
        };
        assert!(e.to_string().contains("CRC"), "{e}");
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2_200);
    }

    #[test]
    fn other_files_and_versions_are_refused_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, b"{\"not\": \"a capture\"}").unwrap();
        assert!(matches!(Reader::open(&p), Err(ReadError::NotACapture(_))));
        let mut v2 = Vec::from(&MAGIC[..]);
        v2.extend_from_slice(&2u16.to_le_bytes());
        v2.extend_from_slice(&0u32.to_le_bytes());
        std::fs::write(&p, &v2).unwrap();
        assert!(matches!(Reader::open(&p), Err(ReadError::Version(_, 2))));
    }

    #[test]
    fn files_rotate_by_size_each_with_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.kcap");
        let files = write(&p, 5_000, 4_000);
        assert!(files >= 3, "{files}");
        let mut total = 0;
        for n in 0..files {
            let path = rotated(&p, n);
            let r = Reader::open(&path).unwrap();
            total += r.map(Result::unwrap).count();
        }
        assert_eq!(total, 5_500);
    }
}
