//! Splitting a migration's "up" text into statements.
//!
//! The text is tokenized once with sqlparser's tokenizer (it knows quotes,
//! `$$` bodies and comments, so a `;` inside them never splits), then cut at
//! top-level `;`. Routine bodies (`CREATE TRIGGER ... BEGIN ... END;`,
//! MySQL procedures) stay whole, and MySQL client `DELIMITER` lines are
//! honoured. Token positions are rewritten to file coordinates, so every
//! span the parser later reports points into the real file.

use crate::source::{LineIndex, Pos, SourceFile};
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::tokenizer::{Location as TokLoc, Span, Token, TokenWithSpan, Tokenizer};
use std::ops::Range;

/// One statement, ready to parse.
#[derive(Clone, Debug)]
pub struct Piece {
    /// Tokens in file coordinates, whitespace and comments included, without
    /// the terminating `;`.
    pub tokens: Vec<TokenWithSpan>,
    /// Byte range in the file, from the first to the end of the last
    /// significant token.
    pub range: Range<usize>,
    /// Set when the tokenizer could not read the statement (unterminated
    /// string or comment...): the tokens are only what came before the error.
    pub error: Option<String>,
}

impl Piece {
    /// Significant tokens (no whitespace or comments).
    pub fn significant(&self) -> impl Iterator<Item = &TokenWithSpan> {
        self.tokens.iter().filter(|t| is_significant(&t.token))
    }

    /// The first `n` significant words, upper-cased; stops at the first non-word.
    pub fn lead_words(&self, n: usize) -> Vec<String> {
        lead_words(&self.tokens, n)
    }
}

pub fn is_significant(t: &Token) -> bool {
    !matches!(t, Token::Whitespace(_) | Token::EOF)
}

pub(crate) fn lead_words(tokens: &[TokenWithSpan], n: usize) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| is_significant(&t.token))
        .map_while(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        })
        .take(n)
        .collect()
}

/// Clamps a byte range to `text` and to char boundaries.
pub fn clamp_range(text: &str, range: Range<usize>) -> Range<usize> {
    let mut start = range.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.min(text.len()).max(start);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    start..end.max(start)
}

/// Splits `range` of `file` into statements.
pub fn split(
    file: &SourceFile,
    index: &LineIndex,
    range: Range<usize>,
    dialect: &dyn SqlDialect,
) -> Vec<Piece> {
    let mut pieces = Vec::new();
    split_each(file, index, range, dialect, &mut |p| pieces.push(p));
    pieces
}

/// Splits `range` of `file`, handing each statement to `out` as soon as it
/// is cut, so a large data file never holds all of its tokens at once.
pub fn split_each(
    file: &SourceFile,
    index: &LineIndex,
    range: Range<usize>,
    dialect: &dyn SqlDialect,
    out: &mut dyn FnMut(Piece),
) {
    let text: &str = &file.text;
    let range = clamp_range(text, range);
    for (seg, delim) in delimiter_segments(text, range) {
        match delim {
            None => {
                for chunk in chunks(text, seg) {
                    split_segment(text, index, chunk, dialect, out);
                }
            }
            Some(d) => {
                // statements end at the custom delimiter; inside a chunk the
                // usual `;` rules still apply (a routine body stays whole)
                let mut start = seg.start;
                let body = text.get(seg.clone()).unwrap_or("");
                for (i, _) in body.match_indices(d.as_str()) {
                    let end = seg.start + i;
                    if end >= start {
                        split_segment(text, index, start..end, dialect, out);
                    }
                    start = end + d.len();
                }
                if start < seg.end {
                    split_segment(text, index, start..seg.end, dialect, out);
                }
            }
        }
    }
}

/// Above this size a segment is tokenized in chunks.
const CHUNK: usize = 256 * 1024;

const STATEMENT_STARTS: &[&str] = &[
    "INSERT", "CREATE", "ALTER", "DROP", "UPDATE", "DELETE", "SELECT", "SET", "BEGIN", "COMMIT",
    "REPLACE", "WITH", "COMMENT", "GRANT", "COPY", "LOCK", "UNLOCK", "TRUNCATE",
];

/// Cuts a large segment (a data dump) into chunks that end with a `;` at the
/// end of a line followed by a line starting with a statement keyword: a
/// statement boundary in any dump or migration, unless a string or comment
/// holds exactly that (then the chunk's tokenizer error is handled like any
/// other).
fn chunks(text: &str, seg: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = seg.start;
    while seg.end - start > CHUNK * 2 {
        let Some(body) = text.get(start + CHUNK..seg.end) else {
            break;
        };
        let boundary = body.match_indices(";\n").find_map(|(i, _)| {
            let next = body
                .get(i + 2..)?
                .trim_start_matches([' ', '\t', '\r', '\n']);
            let word: String = next
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect::<String>()
                .to_ascii_uppercase();
            STATEMENT_STARTS
                .contains(&word.as_str())
                .then_some(start + CHUNK + i + 1)
        });
        let Some(b) = boundary else {
            break;
        };
        out.push(start..b);
        start = b;
    }
    out.push(start..seg.end);
    out
}

/// Cuts the text at MySQL client `DELIMITER x` lines: each segment comes with
/// its statement delimiter (None for `;`). The DELIMITER lines themselves are
/// left out.
fn delimiter_segments(text: &str, range: Range<usize>) -> Vec<(Range<usize>, Option<String>)> {
    let body = text.get(range.clone()).unwrap_or("");
    let mut segs = Vec::new();
    let mut seg_start = range.start;
    let mut delim: Option<String> = None;
    let mut line_start = 0usize;
    for line in body.split_inclusive('\n') {
        let abs = range.start + line_start;
        line_start += line.len();
        let trimmed = line.trim();
        let mut words = trimmed.split_whitespace();
        let is_delim = words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("DELIMITER"));
        if !is_delim {
            continue;
        }
        let (Some(d), None) = (words.next(), words.next()) else {
            continue;
        };
        segs.push((seg_start..abs, delim.take()));
        seg_start = abs + line.len();
        delim = if d == ";" { None } else { Some(d.to_string()) };
    }
    segs.push((seg_start..range.end, delim));
    segs.retain(|(r, _)| r.start < r.end);
    segs
}

/// Tokenizes `seg` with positions in file coordinates. On a tokenizer error
/// returns the tokens read before it, and the error with its byte offset.
fn tokenize(
    text: &str,
    index: &LineIndex,
    seg: Range<usize>,
    dialect: &dyn SqlDialect,
) -> (Vec<TokenWithSpan>, Option<(String, usize)>) {
    let Some(src) = text.get(seg.clone()) else {
        return (Vec::new(), None);
    };
    let base = index.pos(text, seg.start);
    let mut buf = Vec::new();
    // a tokenizer bug must not take the whole check down
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Tokenizer::new(dialect, src).tokenize_with_location_into_buf(&mut buf)
    }))
    .unwrap_or_else(|_| {
        Err(sqlparser::tokenizer::TokenizerError {
            message: "the SQL tokenizer failed here".into(),
            location: TokLoc::new(1, 1),
        })
    });
    if res.as_ref().is_err_and(|e| e.location == TokLoc::new(1, 1)) {
        // nothing before the failure point is trustworthy
        buf.clear();
    }
    for t in buf.iter_mut() {
        t.span = Span::new(shift(t.span.start, base), shift(t.span.end, base));
    }
    let err = res.err().map(|e| {
        let loc = shift(e.location, base);
        let off = index.offset(text, Pos::new(loc.line as u32, loc.column as u32));
        (e.message, off.clamp(seg.start, seg.end))
    });
    (buf, err)
}

/// Moves a position relative to a fragment starting at `base` into file coordinates.
pub fn shift(l: TokLoc, base: Pos) -> TokLoc {
    if l.line == 0 {
        return l;
    }
    if l.line == 1 {
        TokLoc::new(base.line as u64, l.column + base.col as u64 - 1)
    } else {
        TokLoc::new(l.line + base.line as u64 - 1, l.column)
    }
}

/// Tokenizes a fragment of `file` (e.g. one statement, with another dialect).
pub fn tokenize_range(
    file: &SourceFile,
    index: &LineIndex,
    range: Range<usize>,
    dialect: &dyn SqlDialect,
) -> Result<Vec<TokenWithSpan>, String> {
    let range = clamp_range(&file.text, range);
    match tokenize(&file.text, index, range, dialect) {
        (tokens, None) => Ok(tokens),
        (_, Some((msg, _))) => Err(msg),
    }
}

fn split_segment(
    text: &str,
    index: &LineIndex,
    seg: Range<usize>,
    dialect: &dyn SqlDialect,
    out: &mut dyn FnMut(Piece),
) {
    let mut start = seg.start;
    let mut first = true;
    while start < seg.end {
        let (mut tokens, mut err) = tokenize(text, index, start..seg.end, dialect);
        if err.is_some() && first {
            // a `#` comment outside MySQL, a backslash escape outside it...:
            // text another dialect reads whole is better read that way than
            // cut at the error
            for alt in fallback_dialects() {
                let (t, e) = tokenize(text, index, start..seg.end, alt.as_ref());
                if e.is_none() {
                    (tokens, err) = (t, e);
                    break;
                }
            }
        }
        first = false;
        let Some((msg, err_off)) = err else {
            cut(text, index, tokens, None, out);
            return;
        };
        cut(text, index, tokens, Some(msg), out);
        // go on after the next `;` past the error: a stray quote costs one
        // statement, a truncated file costs its tail
        let resume = text
            .get(err_off..seg.end)
            .and_then(|rest| rest.find(';'))
            .map(|i| err_off + i + 1)
            .unwrap_or(seg.end);
        if resume <= start {
            return;
        }
        start = resume;
    }
}

fn fallback_dialects() -> [Box<dyn SqlDialect>; 4] {
    [
        Box::new(MySqlDialect {}),
        Box::new(PostgreSqlDialect {}),
        Box::new(SQLiteDialect {}),
        Box::new(GenericDialect {}),
    ]
}

/// Cuts a token stream into pieces at top-level `;`. With `error`, the last
/// (unfinished) piece carries it.
fn cut(
    text: &str,
    index: &LineIndex,
    tokens: Vec<TokenWithSpan>,
    error: Option<String>,
    out: &mut dyn FnMut(Piece),
) {
    let mut groups: Vec<Vec<TokenWithSpan>> = Vec::new();
    let mut cur: Vec<TokenWithSpan> = Vec::new();
    let mut block = BlockTracker::default();
    for t in tokens {
        if t.token == Token::SemiColon && block.depth == 0 {
            groups.push(std::mem::take(&mut cur));
            block = BlockTracker::default();
            continue;
        }
        block.feed(&t.token, &cur);
        cur.push(t);
    }
    let unfinished_block = block.depth > 0;
    let last = std::mem::take(&mut cur);
    if unfinished_block && error.is_none() {
        // an unbalanced BEGIN/END must not swallow the rest of the file:
        // fall back to plain `;` splitting for that stretch
        let mut part = Vec::new();
        for t in last {
            if t.token == Token::SemiColon {
                groups.push(std::mem::take(&mut part));
            } else {
                part.push(t);
            }
        }
        groups.push(part);
    } else {
        groups.push(last);
    }
    let n = groups.len();
    for (i, g) in groups.into_iter().enumerate() {
        let is_last = i + 1 == n;
        let err = if is_last { error.clone() } else { None };
        if let Some(p) = make_piece(text, index, g, err) {
            out(p);
        }
    }
}

fn make_piece(
    text: &str,
    index: &LineIndex,
    tokens: Vec<TokenWithSpan>,
    error: Option<String>,
) -> Option<Piece> {
    let first = tokens.iter().find(|t| is_significant(&t.token));
    let last = tokens.iter().rev().find(|t| is_significant(&t.token));
    let (first, last) = match (first, last) {
        (Some(f), Some(l)) => (f, l),
        // only whitespace/comments; a read error there still lost text
        _ => {
            return error.map(|e| Piece {
                range: 0..0,
                tokens,
                error: Some(e),
            })
        }
    };
    let to_off = |l: TokLoc| index.offset(text, Pos::new(l.line as u32, l.column as u32));
    let start = to_off(first.span.start);
    let end = to_off(last.span.end).max(start);
    Some(Piece {
        range: start..end,
        tokens,
        error,
    })
}

/// Tracks BEGIN ... END nesting inside routine definitions so that the `;`
/// of their body does not end the statement.
#[derive(Default)]
struct BlockTracker {
    depth: u32,
    /// None until the statement's head is known.
    routine: Option<bool>,
    words: u32,
    /// The previous significant token was END.
    after_end: bool,
}

impl BlockTracker {
    fn feed(&mut self, t: &Token, before: &[TokenWithSpan]) {
        if !is_significant(t) {
            return;
        }
        let word = match t {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        };
        self.words += 1;
        if self.routine.is_none() {
            self.routine = detect_routine(before, word.as_deref(), self.words);
        }
        let was_after_end = std::mem::replace(&mut self.after_end, false);
        if self.routine != Some(true) {
            return;
        }
        if was_after_end {
            match word.as_deref() {
                // `END IF`, `END LOOP`...: those openers were never counted
                Some("IF" | "LOOP" | "WHILE" | "REPEAT") => {
                    self.depth += 1;
                    return;
                }
                // `END CASE`: the END already closed it
                Some("CASE") => return,
                _ => {}
            }
        }
        match word.as_deref() {
            Some("BEGIN") | Some("CASE") if self.words > 1 => self.depth += 1,
            Some("END") => {
                self.depth = self.depth.saturating_sub(1);
                self.after_end = true;
            }
            _ => {}
        }
    }
}

/// Decides from the statement head whether it defines a routine with a body:
/// `CREATE [OR REPLACE] [DEFINER=...] [TEMP] TRIGGER|FUNCTION|PROCEDURE|EVENT`.
fn detect_routine(before: &[TokenWithSpan], word: Option<&str>, n: u32) -> Option<bool> {
    let first = lead_words(before, 1);
    let first = first.first().map(String::as_str);
    if n == 1 {
        return match word {
            Some("CREATE") => None,
            _ => Some(false),
        };
    }
    if first != Some("CREATE") {
        return Some(false);
    }
    match word {
        Some("TRIGGER" | "FUNCTION" | "PROCEDURE" | "EVENT") => Some(true),
        Some("TABLE" | "INDEX" | "VIEW" | "TYPE" | "SEQUENCE" | "SCHEMA" | "EXTENSION") => {
            Some(false)
        }
        _ if n > 12 => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(file: &SourceFile, pieces: &[Piece]) -> Vec<String> {
        pieces
            .iter()
            .map(|p| file.text[p.range.clone()].to_string())
            .collect()
    }

    fn run(text: &str, d: &dyn SqlDialect) -> (SourceFile, Vec<Piece>) {
        let f = SourceFile::new("m.sql", text);
        let idx = f.line_index();
        let p = split(&f, &idx, 0..text.len(), d);
        (f, p)
    }

    #[test]
    fn dollar_bodies_strings_and_comments_do_not_split() {
        let sql = "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN x := 1; RETURN NEW; END; $$ LANGUAGE plpgsql;\n\
                   INSERT INTO t (a) VALUES ('a;b');\n\
                   -- a comment; with a semicolon\n\
                   /* block; comment */ CREATE TABLE x (id int);";
        let (f, p) = run(sql, &PostgreSqlDialect {});
        let t = texts(&f, &p);
        assert_eq!(t.len(), 3, "{t:?}");
        assert!(t[0].starts_with("CREATE FUNCTION") && t[0].ends_with("plpgsql"));
        assert_eq!(t[1], "INSERT INTO t (a) VALUES ('a;b')");
        assert_eq!(t[2], "CREATE TABLE x (id int)");
    }

    #[test]
    fn dialect_specific_comments_and_escapes() {
        let (f, p) = run(
            "# a; comment\nINSERT INTO t VALUES ('it\\'s; fine');\nCREATE TABLE x (id int);",
            &MySqlDialect {},
        );
        assert_eq!(
            texts(&f, &p),
            [
                "INSERT INTO t VALUES ('it\\'s; fine')",
                "CREATE TABLE x (id int)"
            ]
        );
        let (f, p) = run(
            "INSERT INTO t VALUES (E'it\\'s; fine', $tag$ a $$ ; $tag$);\nCREATE TABLE x (id int);",
            &PostgreSqlDialect {},
        );
        assert_eq!(texts(&f, &p).len(), 2, "{:?}", texts(&f, &p));
    }

    #[test]
    fn another_dialect_reads_what_the_configured_one_cannot() {
        let (f, p) = run(
            "# don't lose the next statement\nCREATE TABLE x (id int);",
            &PostgreSqlDialect {},
        );
        assert_eq!(texts(&f, &p), ["CREATE TABLE x (id int)"]);
    }

    #[test]
    fn sqlite_trigger_body_stays_whole() {
        let sql = "CREATE TRIGGER trg AFTER UPDATE ON a BEGIN\n  UPDATE a SET n = CASE WHEN 1 THEN 2 END;\n  INSERT INTO log VALUES (1);\nEND;\nCREATE TABLE b (id INTEGER);";
        let (f, p) = run(sql, &SQLiteDialect {});
        let t = texts(&f, &p);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[0].ends_with("END"));
        assert_eq!(t[1], "CREATE TABLE b (id INTEGER)");
    }

    #[test]
    fn mysql_procedure_without_delimiter_stays_whole() {
        let sql = "CREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END IF;\n  CASE x WHEN 1 THEN SELECT 2; END CASE;\n  WHILE 0 DO SELECT 3; END WHILE;\nEND;\nCREATE TABLE b (id int);";
        let (f, p) = run(sql, &MySqlDialect {});
        let t = texts(&f, &p);
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!(t[1], "CREATE TABLE b (id int)");
    }

    #[test]
    fn large_segments_are_cut_at_statement_boundaries() {
        let row = "INSERT INTO t (a, b) VALUES ('x;\ny', 2);\n";
        let text = format!("CREATE TABLE t (a text, b int);\n{}", row.repeat(30_000));
        assert!(text.len() > CHUNK * 4);
        let c = chunks(&text, 0..text.len());
        assert!(c.len() > 2);
        assert!(c.windows(2).all(|w| w[0].end == w[1].start));
        let (_, p) = run(&text, &PostgreSqlDialect {});
        assert_eq!(p.len(), 30_001);
        assert!(p.iter().all(|p| p.error.is_none()));
    }

    #[test]
    fn transaction_begin_is_not_a_block() {
        let (f, p) = run(
            "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;",
            &SQLiteDialect {},
        );
        assert_eq!(
            texts(&f, &p),
            ["BEGIN", "CREATE TABLE a (id int)", "COMMIT"]
        );
    }

    #[test]
    fn mysql_delimiter_blocks() {
        let sql = "CREATE TABLE a (id int);\nDELIMITER //\nCREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END IF;\n  CASE x WHEN 1 THEN SELECT 2; END CASE;\n  SELECT 2;\nEND //\nDELIMITER ;\nCREATE TABLE b (id int);\n";
        let (f, p) = run(sql, &MySqlDialect {});
        let t = texts(&f, &p);
        assert_eq!(t.len(), 3, "{t:?}");
        assert!(t[1].starts_with("CREATE PROCEDURE") && t[1].ends_with("END"));
        assert_eq!(t[2], "CREATE TABLE b (id int)");
    }

    #[test]
    fn positions_are_file_positions_when_the_range_starts_mid_file() {
        let text =
            "-- migrate:up\nSELECT 1;  CREATE TABLE x (id int);\n-- migrate:down\nDROP TABLE x;";
        let f = SourceFile::new("m.sql", text);
        let idx = f.line_index();
        let start = text.find("SELECT").unwrap_or(0) + 3; // mid-token start is clamped, not panicking
        let end = text.find("-- migrate:down").unwrap_or(text.len());
        let up_start = text.find("SELECT").unwrap_or(0);
        let p = split(&f, &idx, up_start..end, &SQLiteDialect {});
        assert_eq!(p.len(), 2);
        let create = &p[1];
        let first = create.significant().next().map(|t| t.span.start);
        assert_eq!(first, Some(TokLoc::new(2, 12)));
        assert_eq!(&text[create.range.clone()], "CREATE TABLE x (id int)");
        // a start in the middle of a line keeps columns right
        let p = split(&f, &idx, start..end, &SQLiteDialect {});
        let c = p.iter().find(|p| p.lead_words(1) == ["CREATE"]);
        assert_eq!(
            c.and_then(|c| c.significant().next()).map(|t| t.span.start),
            Some(TokLoc::new(2, 12))
        );
    }

    #[test]
    fn unterminated_string_is_reported_and_earlier_statements_kept() {
        let (f, p) = run(
            "CREATE TABLE a (id int);\nINSERT INTO a VALUES ('oops);\n",
            &SQLiteDialect {},
        );
        assert_eq!(p.len(), 2);
        assert!(p[0].error.is_none());
        assert_eq!(&f.text[p[0].range.clone()], "CREATE TABLE a (id int)");
        assert!(p[1].error.as_deref().unwrap_or("").contains("Unterminated"));
        assert_eq!(p[1].lead_words(2), ["INSERT", "INTO"]);
    }

    #[test]
    fn unbalanced_routine_does_not_swallow_the_file() {
        let (f, p) = run(
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1;\nCREATE TABLE b (id int);",
            &SQLiteDialect {},
        );
        let t = texts(&f, &p);
        assert!(t.contains(&"CREATE TABLE b (id int)".to_string()), "{t:?}");
    }

    proptest::proptest! {
        /// Statements whose strings, comments and `$$` bodies hold `;`
        /// split back into exactly those statements.
        #[test]
        fn splitting_keeps_statements_whole(
            bodies in proptest::collection::vec("[a-z;' \n-]{0,12}", 1..8),
        ) {
            let stmts: Vec<String> = bodies
                .iter()
                .enumerate()
                .map(|(i, b)| match i % 3 {
                    0 => format!("INSERT INTO t VALUES ('{}')", b.replace('\'', "''")),
                    1 => format!("SELECT $${}$$", b.replace('$', "")),
                    _ => format!("CREATE TABLE t{i} (a int) /* {} */", b.replace("*/", "")),
                })
                .collect();
            let text = stmts.join(";\n-- note; here\n");
            let (f, p) = run(&text, &PostgreSqlDialect {});
            let got = texts(&f, &p);
            let want: Vec<String> = stmts
                .iter()
                .map(|s| if let Some(i) = s.find(" /*") { s[..i].to_string() } else { s.clone() })
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
