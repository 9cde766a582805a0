//! Opening inputs that must be regular files: audio, profiles, label files and
//! `calls.jsonl`. A FIFO, a device, a socket or a folder is refused from its metadata,
//! before any open for reading (opening a FIFO would block until a writer appears).

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` for reading if it is a regular file (after following symlinks); any
/// other kind is an [`io::ErrorKind::InvalidInput`] error "not a regular file (a FIFO)".
pub fn open_regular(path: &Path) -> io::Result<File> {
    check_regular(&std::fs::metadata(path)?)?;
    let file = open_without_blocking(path)?;
    // The path may have been replaced between the check and the open.
    check_regular(&file.metadata()?)?;
    Ok(file)
}

/// Reads a regular file as UTF-8 text (see [`open_regular`]).
pub fn read_regular_to_string(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    open_regular(path)?.read_to_string(&mut text)?;
    Ok(text)
}

/// An error unless `meta` describes a regular file.
pub fn check_regular(meta: &Metadata) -> io::Result<()> {
    if meta.is_file() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({})", kind_name(meta)),
        ))
    }
}

/// What a non-regular file is, for messages: "a folder", "a FIFO", ...
pub fn kind_name(meta: &Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// Opens with `O_NONBLOCK` on Unix, so that a FIFO swapped in after the metadata check
/// does not block the open; reads from a regular file are not affected by the flag.
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_refused_by_kind() {
        let dir = tempfile::tempdir().unwrap();
        let e = open_regular(dir.path()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(e.to_string(), "not a regular file (a folder)");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_by_kind() {
        let e = open_regular(Path::new("/dev/null")).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file (a character device)");
    }

    #[test]
    fn a_regular_file_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, "x = 1\n").unwrap();
        assert_eq!(read_regular_to_string(&p).unwrap(), "x = 1\n");
    }
}
