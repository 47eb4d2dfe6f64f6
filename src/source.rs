//! Source text and positions. Every IR element and finding points back at a
//! `Location`, so reporters can show the exact line without re-parsing.

use serde::Serialize;
use std::sync::Arc;

/// A file read from a snapshot. `path` is relative to the snapshot root and
/// always uses `/`, so fingerprints and reports are identical on every OS.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: Arc<str>,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(path: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    pub fn line_index(&self) -> LineIndex {
        LineIndex::new(&self.text)
    }
}

/// A 1-based line and column; columns count characters, not bytes (what
/// editors, sqlparser and GitHub annotations expect).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
}

/// A range in one file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: Arc<str>,
    pub start: Pos,
    pub end: Pos,
}

impl Location {
    pub fn new(path: impl Into<Arc<str>>, start: Pos, end: Pos) -> Self {
        let end = if end < start { start } else { end };
        Location {
            path: path.into(),
            start,
            end,
        }
    }

    /// A location covering a whole line's start, for inputs that only know a line.
    pub fn line(path: impl Into<Arc<str>>, line: u32) -> Self {
        let p = Pos::new(line.max(1), 1);
        Location {
            path: path.into(),
            start: p,
            end: p,
        }
    }

    /// Converts a byte range of `file` into a location.
    pub fn from_offsets(file: &SourceFile, index: &LineIndex, start: usize, end: usize) -> Self {
        Location::new(
            file.path.clone(),
            index.pos(&file.text, start),
            index.pos(&file.text, end),
        )
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.path, self.start.line, self.start.col)
    }
}

/// Byte offsets of line starts, for converting between offsets and `Pos`.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// Position of byte `offset` (clamped to the text, snapped to a char boundary).
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = text[start..offset].chars().count() + 1;
        Pos::new(line as u32, col as u32)
    }

    /// Byte offset of `pos` (clamped to the text).
    pub fn offset(&self, text: &str, pos: Pos) -> usize {
        let line = (pos.line.max(1) as usize).min(self.starts.len());
        let start = self.starts[line - 1];
        let line_end = self.starts.get(line).copied().unwrap_or(text.len());
        let line_text = &text[start..line_end];
        let skip = pos.col.saturating_sub(1) as usize;
        start
            + line_text
                .char_indices()
                .nth(skip)
                .map(|(i, _)| i)
                .unwrap_or(line_text.len())
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_round_trip_through_positions() {
        let text = "ab\ncé\n\nx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.pos(text, 0), Pos::new(1, 1));
        assert_eq!(idx.pos(text, 3), Pos::new(2, 1));
        let e_acute = text.find('é').unwrap();
        assert_eq!(idx.pos(text, e_acute), Pos::new(2, 2));
        assert_eq!(idx.pos(text, text.len()), Pos::new(4, 2));
        for off in [0, 3, e_acute, 7, 8, text.len()] {
            assert_eq!(idx.offset(text, idx.pos(text, off)), off);
        }
        // inside a multi-byte char snaps back rather than panicking
        assert_eq!(idx.pos(text, e_acute + 1), Pos::new(2, 2));
    }
}
