//! Writes a capture: records gathered into blocks, each compressed as one zstd frame with
//! its CRC, appended and flushed; a new file (`FILE.1`, `FILE.2`, …) once one passes its size.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{BLOCK_BYTES, BLOCK_MAGIC, Header, MAGIC, Record, VERSION};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} exists already: a capture is never overwritten")]
    Exists(PathBuf),
}

/// zstd's level for captures: fast, and still several times smaller than the JSON.
const LEVEL: i32 = 3;

pub struct Writer {
    base: PathBuf,
    header: Header,
    /// Rotate once a file passes this many bytes; 0: never.
    max_bytes: u64,
    file: BufWriter<File>,
    path: PathBuf,
    written: u64,
    /// Files written so far (the current one included).
    pub files: u32,
    block: Vec<u8>,
    in_block: u32,
    /// Records written (flushed) so far, all files.
    pub records: u64,
}

fn create(path: &Path, header: &Header) -> Result<(BufWriter<File>, u64), WriteError> {
    let io = |e| WriteError::Io(path.to_owned(), e);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                WriteError::Exists(path.to_owned())
            } else {
                io(e)
            }
        })?;
    let mut w = BufWriter::new(file);
    let json = header.to_json();
    let len = u32::try_from(json.len()).unwrap_or(u32::MAX);
    w.write_all(MAGIC).map_err(io)?;
    w.write_all(&VERSION.to_le_bytes()).map_err(io)?;
    w.write_all(&len.to_le_bytes()).map_err(io)?;
    w.write_all(&json).map_err(io)?;
    w.flush().map_err(io)?;
    Ok((w, (MAGIC.len() + 2 + 4 + json.len()) as u64))
}

/// The `n`th file of a rotated capture: `FILE`, `FILE.1`, `FILE.2`, …
pub fn rotated(base: &Path, n: u32) -> PathBuf {
    if n == 0 {
        base.to_owned()
    } else {
        let mut s = base.as_os_str().to_owned();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }
}

impl Writer {
    pub fn create(base: &Path, header: Header, max_bytes: u64) -> Result<Self, WriteError> {
        let (file, written) = create(base, &header)?;
        Ok(Self {
            base: base.to_owned(),
            header,
            max_bytes,
            file,
            path: base.to_owned(),
            written,
            files: 1,
            block: Vec::with_capacity(BLOCK_BYTES),
            in_block: 0,
            records: 0,
        })
    }

    /// Adds a record; a full block is written out.
    pub fn push(&mut self, r: &Record) -> Result<(), WriteError> {
        r.encode(&mut self.block);
        self.in_block += 1;
        if self.block.len() >= BLOCK_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the records gathered so far as one block, and makes it reach the file.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        if self.in_block == 0 {
            return Ok(());
        }
        let io = |e| WriteError::Io(self.path.clone(), e);
        let compressed = zstd::bulk::compress(&self.block, LEVEL).map_err(io)?;
        let crc = crc32fast::hash(&compressed);
        let len = u32::try_from(compressed.len()).unwrap_or(u32::MAX);
        let mut head = Vec::with_capacity(16);
        head.extend_from_slice(BLOCK_MAGIC);
        head.extend_from_slice(&len.to_le_bytes());
        head.extend_from_slice(&self.in_block.to_le_bytes());
        head.extend_from_slice(&crc.to_le_bytes());
        let io = |e| WriteError::Io(self.path.clone(), e);
        self.file.write_all(&head).map_err(io)?;
        self.file.write_all(&compressed).map_err(io)?;
        self.file.flush().map_err(io)?;
        self.written += (head.len() + compressed.len()) as u64;
        self.records += u64::from(self.in_block);
        self.block.clear();
        self.in_block = 0;
        if self.max_bytes > 0 && self.written >= self.max_bytes {
            self.rotate()?;
        }
        Ok(())
    }

    fn rotate(&mut self) -> Result<(), WriteError> {
        let path = rotated(&self.base, self.files);
        let (file, written) = create(&path, &self.header)?;
        self.file = file;
        self.path = path;
        self.written = written;
        self.files += 1;
        Ok(())
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // What is gathered is written out; an error here has nobody to tell.
        let _ = self.flush();
    }
}
