//! What a file is, and whether a zip container is safe to unpack.

use std::{fs::File, io::Read};

use crate::FileError;

/// How tightly a workbook's parts may be packed: spreadsheet XML compresses well, but not a
/// thousandfold; a zip bomb does.
const MAX_RATIO: u64 = 1_000;

/// The first 8 KiB of the file.
pub(super) fn head(mut file: File) -> Result<Vec<u8>, FileError> {
    let mut head = vec![0; 8 * 1024];
    let mut filled = 0;
    loop {
        let read = file
            .read(&mut head[filled..])
            .map_err(|error| FileError::Unreadable(error.to_string()))?;
        if read == 0 {
            break;
        }
        filled += read;
        if filled == head.len() {
            break;
        }
    }
    head.truncate(filled);
    Ok(head)
}

/// Refuses a zip container whose entries declare more than `limit` bytes in all, or one packed
/// more tightly than spreadsheets are, before anything is unpacked. (The zip reader never
/// unpacks more than an entry declares, so the declared sizes bound the work.)
pub(super) fn check_zip(file: File, limit: u64) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|_| FileError::NotASpreadsheet)?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|error| FileError::Unreadable(error.to_string()))?;
        if entry.encrypted() {
            return Err(FileError::Encrypted);
        }
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if total > limit || (size > 1024 * 1024 && size / packed > MAX_RATIO) {
            return Err(FileError::TooLarge { limit });
        }
    }
    Ok(())
}
