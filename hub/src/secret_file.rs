//! Files holding secrets (bootstrap token, partner and audit private keys): readable by their
//! owner only, written through to disk before anyone is told they exist.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::Path;

/// Creates `path` with `contents`; fails if it already exists (a key is never overwritten).
pub fn create_new(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    write_through(owner_only(&mut options).open(path)?, contents)
}

/// Writes `contents` to `path`, replacing what it held, and tightens the mode of a file left
/// from before (open keeps an existing file's mode).
pub fn replace(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    let file = owner_only(&mut options).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    write_through(file, contents)
}

fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

fn write_through(mut file: File, contents: &[u8]) -> std::io::Result<()> {
    file.write_all(contents)?;
    file.sync_all()
}
