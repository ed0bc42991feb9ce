//! Passage texts, kept beside the index in one file instead of in its manifest. A small index
//! holds the file in memory; a large one reads each text from disk when it is needed, so a
//! national directory's passages (about 190 MB at a million) do not sit in a server's memory
//! and the operating system's page cache keeps the ones in use.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::corpus::Corpus;
use crate::Error;

/// The file, inside an index directory, holding every passage's text in ordinal order, each
/// followed by a NUL (which the corpus never contains: see `corpus::parse_entry`).
pub const TEXTS_FILE: &str = "passages.txt";

/// Texts files up to this size are read into memory at open; larger ones are read from as
/// needed.
pub const IN_MEMORY_BYTES: u64 = 64 << 20;

const SEPARATOR: u8 = 0;

/// How much of the file one read takes when every text is read in order.
const CHUNK_BYTES: u64 = 1 << 20;

/// Writes every passage text of `corpus`, in ordinal order, to `path`.
pub fn write(corpus: &Corpus, path: &Path) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut out = io::BufWriter::with_capacity(1 << 20, File::create(path).map_err(io)?);
    for passage in corpus.entries.iter().flat_map(|e| &e.passages) {
        out.write_all(passage.text.as_bytes()).map_err(io)?;
        out.write_all(&[SEPARATOR]).map_err(io)?;
    }
    out.flush().map_err(io)
}

/// Where a text starts after each separator in `bytes`, which sit at `offset` in the file.
fn text_starts(bytes: &[u8], offset: u64) -> impl Iterator<Item = u64> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == SEPARATOR)
        .map(move |(at, _)| offset + at as u64 + 1)
}

/// Every passage's text, by ordinal.
#[derive(Debug)]
pub struct PassageTexts {
    /// Where each text starts in the file, then where a next one would: text `i` is
    /// `starts[i]..starts[i + 1] - 1` (the separator excluded).
    starts: Box<[u64]>,
    held: Held,
}

#[derive(Debug)]
enum Held {
    Memory(Box<str>),
    Disk(File),
}

impl PassageTexts {
    /// Opens the texts file at `path`, which must hold `expected` texts. It is read into
    /// memory when it is at most `in_memory_bytes` long.
    pub fn open(path: &Path, expected: usize, in_memory_bytes: u64) -> Result<PassageTexts, Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        let length = file.metadata().map_err(io)?.len();
        let mut starts = Vec::with_capacity(expected + 1);
        starts.push(0);
        let held = if length <= in_memory_bytes {
            let mut text = String::with_capacity(length as usize);
            file.read_to_string(&mut text).map_err(io)?;
            starts.extend(text_starts(text.as_bytes(), 0));
            Held::Memory(text.into_boxed_str())
        } else {
            let mut reader = BufReader::with_capacity(1 << 20, &file);
            let mut at = 0u64;
            loop {
                let chunk = reader.fill_buf().map_err(io)?;
                if chunk.is_empty() {
                    break;
                }
                starts.extend(text_starts(chunk, at));
                let read = chunk.len();
                at += read as u64;
                reader.consume(read);
            }
            Held::Disk(file)
        };
        let found = starts.len() - 1;
        if found != expected || starts.last() != Some(&length) {
            return Err(Error::Manifest {
                path: path.to_path_buf(),
                message: format!("holds {found} passage texts, the manifest {expected}"),
            });
        }
        Ok(PassageTexts {
            starts: starts.into_boxed_slice(),
            held,
        })
    }

    /// How many texts there are.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the texts are held in memory (reading one then costs nothing).
    pub fn in_memory(&self) -> bool {
        matches!(self.held, Held::Memory(_))
    }

    fn range(&self, ordinal: usize) -> (u64, u64) {
        (self.starts[ordinal], self.starts[ordinal + 1] - 1)
    }

    /// The text of the passage with this ordinal. Panics if there is none.
    pub fn get(&self, ordinal: usize) -> io::Result<Cow<'_, str>> {
        let (from, to) = self.range(ordinal);
        match &self.held {
            Held::Memory(text) => Ok(Cow::Borrowed(&text[from as usize..to as usize])),
            Held::Disk(file) => {
                let mut bytes = vec![0; (to - from) as usize];
                file.read_exact_at(&mut bytes, from)?;
                String::from_utf8(bytes)
                    .map(Cow::Owned)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
            }
        }
    }

    /// Calls `each` with every text in ordinal order, reading the file once from start to end,
    /// a chunk at a time, when it is on disk.
    pub fn for_each(&self, each: impl FnMut(usize, &str)) -> io::Result<()> {
        self.for_each_in_chunks(CHUNK_BYTES, each)
    }

    fn for_each_in_chunks(
        &self,
        chunk_bytes: u64,
        mut each: impl FnMut(usize, &str),
    ) -> io::Result<()> {
        match &self.held {
            Held::Memory(text) => {
                for ordinal in 0..self.len() {
                    let (from, to) = self.range(ordinal);
                    each(ordinal, &text[from as usize..to as usize]);
                }
            }
            Held::Disk(file) => {
                let mut chunk = Vec::new();
                let mut first = 0;
                while first < self.len() {
                    // As many whole texts as fit in a chunk, and at least one.
                    let from = self.starts[first];
                    let mut end = first + 1;
                    while end < self.len() && self.starts[end + 1] - from <= chunk_bytes {
                        end += 1;
                    }
                    chunk.resize((self.starts[end] - from) as usize, 0);
                    file.read_exact_at(&mut chunk, from)?;
                    for ordinal in first..end {
                        let (start, stop) = self.range(ordinal);
                        let bytes = &chunk[(start - from) as usize..(stop - from) as usize];
                        let text = std::str::from_utf8(bytes)
                            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                        each(ordinal, text);
                    }
                    first = end;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{parse_entry, Kind};

    fn corpus() -> Corpus {
        let entry = parse_entry(
            Kind::Faq,
            Path::new("faq/a.md"),
            "---\nid: faq-01\ntitle: Is there a helpline?\n---\nRing the phone line.\n\nOr write — to the café.\n",
        )
        .unwrap();
        let other = parse_entry(
            Kind::Faq,
            Path::new("faq/b.md"),
            "---\nid: faq-02\ntitle: Who?\n---\nNobody.\n",
        )
        .unwrap();
        Corpus {
            entries: vec![entry, other],
            synonyms: Vec::new(),
            spelling: Vec::new(),
        }
    }

    #[test]
    fn texts_read_the_same_from_memory_and_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TEXTS_FILE);
        write(&corpus(), &path).unwrap();
        let expected = ["Ring the phone line.", "Or write — to the café.", "Nobody."];
        for limit in [u64::MAX, 0] {
            let texts = PassageTexts::open(&path, 3, limit).unwrap();
            assert_eq!(texts.in_memory(), limit > 0);
            let got: Vec<String> = (0..3).map(|i| texts.get(i).unwrap().into_owned()).collect();
            assert_eq!(got, expected);
            // Chunks of 1 MiB hold every text; of 30 bytes one or two; of 5, less than one.
            for chunk_bytes in [CHUNK_BYTES, 30, 5] {
                let mut seen = Vec::new();
                texts
                    .for_each_in_chunks(chunk_bytes, |i, text| seen.push((i, text.to_string())))
                    .unwrap();
                let want: Vec<_> = expected.iter().map(|t| t.to_string()).enumerate().collect();
                assert_eq!(seen, want, "chunks of {chunk_bytes}");
            }
        }
    }

    #[test]
    fn a_texts_file_that_does_not_match_the_manifest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TEXTS_FILE);
        write(&corpus(), &path).unwrap();
        for limit in [u64::MAX, 0] {
            let error = PassageTexts::open(&path, 4, limit).unwrap_err().to_string();
            assert!(
                error.contains("holds 3 passage texts, the manifest 4"),
                "{error}"
            );
        }
        // Cut short inside the last text: two separators, and a tail that ends in none.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        for limit in [u64::MAX, 0] {
            assert!(PassageTexts::open(&path, 3, limit).is_err());
            assert!(PassageTexts::open(&path, 2, limit).is_err());
        }
    }
}
