//! CSV in UTF-8 (with or without a byte-order mark) or GB18030, which Excel on Chinese Windows
//! writes; decoded as it is read, never held whole.

use std::{fs::File, io::Read};

use encoding_rs::{Decoder, Encoding, GB18030, UTF_8};

use super::Row;
use crate::FileError;

/// Reads every record of the CSV file at `path` as a row (record `n` is row `n`).
pub(super) fn read(
    file: &File,
    each: &mut dyn FnMut(Row) -> Result<(), FileError>,
) -> Result<(), FileError> {
    let encoding = detect(super::rewound(file)?)?;
    let file = super::rewound(file)?;
    let decoded = Decoding::new(file, encoding);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    let mut record = ::csv::StringRecord::new();
    let mut number = 0;
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|error| FileError::Unreadable(error.to_string()))?;
        if !more {
            return Ok(());
        }
        number += 1;
        each(Row {
            number,
            cells: record.iter().map(str::to_owned).collect(),
        })?;
    }
}

/// UTF-8 when the file starts with its byte-order mark or its first 64 KiB are valid UTF-8
/// (a sequence cut at the end of the sample allowed), GB18030 otherwise.
fn detect(file: File) -> Result<&'static Encoding, FileError> {
    let mut sample = Vec::with_capacity(64 * 1024);
    file.take(64 * 1024)
        .read_to_end(&mut sample)
        .map_err(|error| FileError::Unreadable(error.to_string()))?;
    if sample.starts_with(b"\xEF\xBB\xBF") {
        return Ok(UTF_8);
    }
    match std::str::from_utf8(&sample) {
        Ok(_) => Ok(UTF_8),
        Err(error) if error.error_len().is_none() => Ok(UTF_8),
        Err(_) => Ok(GB18030),
    }
}

/// A reader of UTF-8 decoded from `inner` (the BOM removed, malformed bytes replaced).
struct Decoding<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    decoded: Vec<u8>,
    position: usize,
    finished: bool,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Self {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; 16 * 1024],
            decoded: Vec::with_capacity(64 * 1024),
            position: 0,
            finished: false,
        }
    }

    /// Decodes the next chunk into `decoded`; false at the end.
    fn refill(&mut self) -> std::io::Result<bool> {
        if self.finished {
            return Ok(false);
        }
        let read = self.inner.read(&mut self.raw)?;
        let last = read == 0;
        self.decoded.clear();
        self.position = 0;
        let needed = self
            .decoder
            .max_utf8_buffer_length(read)
            .unwrap_or(read * 4 + 16);
        self.decoded.resize(needed, 0);
        let (_, _, written, _) =
            self.decoder
                .decode_to_utf8(&self.raw[..read], &mut self.decoded, last);
        self.decoded.truncate(written);
        self.finished = last;
        Ok(!self.decoded.is_empty() || !last)
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.position >= self.decoded.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let available = &self.decoded[self.position..];
        let count = available.len().min(buffer.len());
        buffer[..count].copy_from_slice(&available[..count]);
        self.position += count;
        Ok(count)
    }
}
