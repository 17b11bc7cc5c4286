//! Writing files so that a reader never sees half of one.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use picogan::model;

/// Writes `bytes` to `path` through a temporary file in the same folder, then renames it over
/// `path`: a run killed at any moment leaves either the old file or the new one. Only a new path
/// or a regular file is replaced: a symbolic link, a device, a pipe or a folder at `path` is an
/// error, and stays as it was. On every error the temporary file is removed, and the message
/// names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    if let Ok(existing) = std::fs::symlink_metadata(path)
        && !existing.file_type().is_file()
    {
        bail!(
            "cannot write {}: it exists and is not a regular file (picogan replaces only regular files)",
            path.display()
        );
    }
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(file_name);
    temporary_name.push(format!("{TEMPORARY_MARK}{}", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// What [`write_atomic`] puts between a file's name and the process id in its temporary name.
const TEMPORARY_MARK: &str = ".tmp-";

/// Removes the temporary files that [`write_atomic`] left in `folder` when a run writing there
/// was killed. Call it only while holding the folder's [`FolderLock`], so that no other run is
/// writing them.
pub fn remove_stale_temporaries(folder: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(folder).with_context(|| format!("cannot read {}", folder.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_temporary = name.starts_with('.')
            && name
                .rsplit_once(TEMPORARY_MARK)
                .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()));
        if is_temporary && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// An output folder held by one run: a second run into the same folder fails at once instead of
/// mixing its files with the first one's. The operating system releases the lock when the run
/// ends, however it ends.
pub struct FolderLock {
    _file: std::fs::File,
}

/// The lock file [`FolderLock`] holds in an output folder.
const LOCK_FILE: &str = ".picogan.lock";

impl FolderLock {
    /// Takes `folder` (which must exist) for this run.
    pub fn take(folder: &Path) -> Result<FolderLock> {
        let path = folder.join(LOCK_FILE);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(FolderLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another picogan run is writing to {}: wait for it to end, or choose another --out",
                folder.display()
            ),
            Err(std::fs::TryLockError::Error(error)) => {
                Err(error).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
    }
}

/// The largest CSV data file read: 1 GiB.
pub const MAX_DATA_BYTES: u64 = 1 << 30;
/// The largest checkpoint read: 4 GiB.
pub const MAX_CHECKPOINT_BYTES: u64 = 1 << 32;
/// The largest metrics file read by `picogan summary`: 16 MiB.
pub const MAX_METRICS_BYTES: u64 = 1 << 24;

/// Opens `path` for reading after checking that it is a regular file (or a link to one): a
/// device, a pipe or a folder is refused, so that nothing is read without end.
fn open_regular(path: &Path, what: &str) -> Result<std::fs::File> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    if !metadata.is_file() {
        bail!(
            "cannot read {what} {}: it is not a regular file",
            path.display()
        );
    }
    Ok(file)
}

/// Reads the whole of `path`, a regular file of at most `limit` bytes; a larger one is refused
/// without being read.
pub fn read_limited(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let file = open_regular(path, what)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} {}", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!(
            "cannot read {what} {}: it is larger than picogan reads ({limit} bytes)",
            path.display()
        );
    }
    Ok(bytes)
}

/// Reads a model file, no more of it than its header describes: the header and layer records
/// first (at most 20 + 12·255 bytes), then the length they give (plus one byte, so that a file
/// longer than its header says is still reported as such by `picogan::model::summarize`).
pub fn read_model(path: &Path) -> Result<Vec<u8>> {
    const RECORDS: u64 = 20 + 12 * 255;
    let file = open_regular(path, "model")?;
    let mut reader = std::io::BufReader::new(file);
    let mut bytes = Vec::new();
    let context = || format!("cannot read model {}", path.display());
    (&mut reader)
        .take(RECORDS)
        .read_to_end(&mut bytes)
        .with_context(context)?;
    // Only a full prefix may be shorter than the file; a shorter one is the whole file, whose
    // length `summarize` then reports truly.
    let prefix_full = bytes.len() as u64 == RECORDS;
    if let Err(model::ModelError::Length { expected, .. }) = model::summarize(&bytes)
        && prefix_full
    {
        if expected > bytes.len() {
            let more = (expected - bytes.len()) as u64 + 1;
            reader
                .take(more)
                .read_to_end(&mut bytes)
                .with_context(context)?;
        }
        if bytes.len() > expected {
            bail!(
                "{} is not a valid model file: it is longer than the {expected} bytes its header describes",
                path.display()
            );
        }
    }
    Ok(bytes)
}
