//! Tokens of the STIX patterning language.
//!
//! The token rules follow the OASIS grammar (`STIXPattern.g4`): longest match wins, keywords
//! are case-sensitive, identifiers with a hyphen are a separate kind (only object types may
//! contain one), `/* */` and `//` comments are skipped like whitespace. Tokens borrow from the
//! input; nothing is allocated here.

use super::PatternError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
}

impl Keyword {
    pub(crate) const ALL: [Keyword; 17] = [
        Keyword::And,
        Keyword::Or,
        Keyword::Not,
        Keyword::FollowedBy,
        Keyword::Like,
        Keyword::Matches,
        Keyword::IsSuperset,
        Keyword::IsSubset,
        Keyword::Exists,
        Keyword::Last,
        Keyword::In,
        Keyword::Start,
        Keyword::Stop,
        Keyword::Seconds,
        Keyword::Within,
        Keyword::Repeats,
        Keyword::Times,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Keyword::And => "AND",
            Keyword::Or => "OR",
            Keyword::Not => "NOT",
            Keyword::FollowedBy => "FOLLOWEDBY",
            Keyword::Like => "LIKE",
            Keyword::Matches => "MATCHES",
            Keyword::IsSuperset => "ISSUPERSET",
            Keyword::IsSubset => "ISSUBSET",
            Keyword::Exists => "EXISTS",
            Keyword::Last => "LAST",
            Keyword::In => "IN",
            Keyword::Start => "START",
            Keyword::Stop => "STOP",
            Keyword::Seconds => "SECONDS",
            Keyword::Within => "WITHIN",
            Keyword::Repeats => "REPEATS",
            Keyword::Times => "TIMES",
        }
    }

    fn from_word(word: &str) -> Option<Keyword> {
        Keyword::ALL.into_iter().find(|k| k.as_str() == word)
    }
}

/// Whether a bare word would be read as a keyword or boolean rather than an identifier.
pub(crate) fn is_reserved_word(word: &str) -> bool {
    word == "true" || word == "false" || Keyword::from_word(word).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// `[a-zA-Z_][a-zA-Z0-9_]*` that is not a keyword.
    Ident(&'a str),
    /// An identifier containing a hyphen (valid only as an object type).
    HyphenIdent(&'a str),
    Keyword(Keyword),
    Bool(bool),
    /// An integer with its optional sign, as written.
    Int(&'a str),
    /// A float with its optional sign, as written.
    Float(&'a str),
    /// A quoted string: the text between the quotes, escapes still in place.
    Str(&'a str),
    /// `h'...'`, `b'...'`, `t'...'`: the text between the quotes.
    Hex(&'a str),
    Binary(&'a str),
    Timestamp(&'a str),
    Colon,
    Dot,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub start: usize,
    pub end: usize,
}

pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Lexer<'a> {
        Lexer { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.text.as_bytes().get(i).copied()
    }

    fn error(&self, start: usize, end: usize, message: impl Into<String>) -> PatternError {
        PatternError::new(self.text, start, end, message.into(), Vec::new())
    }

    /// Skips whitespace (Unicode `White_Space`, as §9.4 requires) and comments.
    fn skip_trivia(&mut self) -> Result<(), PatternError> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches(char::is_whitespace);
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("/*") {
                let Some(close) = trimmed.get(2..).and_then(|t| t.find("*/")) else {
                    return Err(self.error(self.pos, self.pos + 2, "a /* comment is not closed"));
                };
                self.pos += close + 4;
            } else if trimmed.starts_with("//") {
                let line_end = trimmed.find(['\r', '\n']).unwrap_or(trimmed.len());
                self.pos += line_end;
            } else {
                return Ok(());
            }
        }
    }

    pub(crate) fn next_token(&mut self) -> Result<Token<'a>, PatternError> {
        self.skip_trivia()?;
        let start = self.pos;
        let Some(first) = self.byte_at(start) else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let tok = match first {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => return self.word(start),
            b'0'..=b'9' | b'+' | b'-' | b'.' => return self.number_or_dot(start),
            b'\'' => {
                let inner = self.quoted(start)?;
                Tok::Str(inner)
            }
            b':' => self.punct(1, Tok::Colon),
            b',' => self.punct(1, Tok::Comma),
            b'(' => self.punct(1, Tok::LParen),
            b')' => self.punct(1, Tok::RParen),
            b'[' => self.punct(1, Tok::LBracket),
            b']' => self.punct(1, Tok::RBracket),
            b'*' => self.punct(1, Tok::Star),
            b'=' if self.byte_at(start + 1) == Some(b'=') => self.punct(2, Tok::Eq),
            b'=' => self.punct(1, Tok::Eq),
            b'!' if self.byte_at(start + 1) == Some(b'=') => self.punct(2, Tok::Ne),
            b'<' if self.byte_at(start + 1) == Some(b'>') => self.punct(2, Tok::Ne),
            b'<' if self.byte_at(start + 1) == Some(b'=') => self.punct(2, Tok::Le),
            b'<' => self.punct(1, Tok::Lt),
            b'>' if self.byte_at(start + 1) == Some(b'=') => self.punct(2, Tok::Ge),
            b'>' => self.punct(1, Tok::Gt),
            b'"' => {
                return Err(self.error(
                    start,
                    start + 1,
                    "strings are quoted with apostrophes ('...'), not double quotes",
                ));
            }
            _ => {
                let len = self.rest().chars().next().map_or(1, char::len_utf8);
                return Err(self.error(
                    start,
                    start + len,
                    "this character is not part of the pattern language",
                ));
            }
        };
        Ok(Token {
            tok,
            start,
            end: self.pos,
        })
    }

    fn punct(&mut self, len: usize, tok: Tok<'a>) -> Tok<'a> {
        self.pos += len;
        tok
    }

    /// Identifiers, keywords, booleans and the prefixed constants `h'..'`, `b'..'`, `t'..'`.
    fn word(&mut self, start: usize) -> Result<Token<'a>, PatternError> {
        let bytes = self.text.as_bytes();
        let mut end = start + 1;
        let mut hyphen = false;
        while let Some(&b) = bytes.get(end) {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => {}
                b'-' => hyphen = true,
                _ => break,
            }
            end += 1;
        }
        let word = self.text.get(start..end).unwrap_or("");
        if end == start + 1 && bytes.get(end) == Some(&b'\'') {
            let make: Option<fn(&'a str) -> Tok<'a>> = match word {
                "h" => Some(Tok::Hex),
                "b" => Some(Tok::Binary),
                "t" => Some(Tok::Timestamp),
                _ => None,
            };
            if let Some(make) = make {
                let inner = self.quoted(end)?;
                return Ok(Token {
                    tok: make(inner),
                    start,
                    end: self.pos,
                });
            }
        }
        self.pos = end;
        let tok = if hyphen {
            Tok::HyphenIdent(word)
        } else if word == "true" {
            Tok::Bool(true)
        } else if word == "false" {
            Tok::Bool(false)
        } else if let Some(k) = Keyword::from_word(word) {
            Tok::Keyword(k)
        } else {
            Tok::Ident(word)
        };
        Ok(Token { tok, start, end })
    }

    /// Integers `[+-]?(0|[1-9][0-9]*)`, floats `[+-]?[0-9]*\.[0-9]+`, or a lone `.`.
    fn number_or_dot(&mut self, start: usize) -> Result<Token<'a>, PatternError> {
        let bytes = self.text.as_bytes();
        let mut i = start;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let int_end = i;
        let is_float =
            bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if is_float {
            i += 1;
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            self.pos = i;
            let text = self.text.get(start..i).unwrap_or("");
            return Ok(Token {
                tok: Tok::Float(text),
                start,
                end: i,
            });
        }
        if int_end == digits_start {
            // No digits: a sign alone, or a dot that is not the start of a float.
            if bytes.get(start) == Some(&b'.') {
                self.pos = start + 1;
                return Ok(Token {
                    tok: Tok::Dot,
                    start,
                    end: start + 1,
                });
            }
            return Err(self.error(
                start,
                start + 1,
                "a sign must be followed by digits (arithmetic is not part of the pattern language)",
            ));
        }
        if bytes.get(digits_start) == Some(&b'0') && int_end > digits_start + 1 {
            return Err(self.error(start, int_end, "an integer must not have leading zeros"));
        }
        self.pos = int_end;
        let text = self.text.get(start..int_end).unwrap_or("");
        Ok(Token {
            tok: Tok::Int(text),
            start,
            end: int_end,
        })
    }

    /// Reads `'...'` starting at the opening quote; returns the text between the quotes with
    /// escapes in place. Only `\'` and `\\` are escapes (§9.2).
    fn quoted(&mut self, quote: usize) -> Result<&'a str, PatternError> {
        let bytes = self.text.as_bytes();
        let mut i = quote + 1;
        loop {
            match bytes.get(i) {
                None => {
                    return Err(self.error(
                        quote,
                        self.text.len(),
                        "a quoted constant is not closed with '",
                    ));
                }
                Some(b'\'') => break,
                Some(b'\\') => match bytes.get(i + 1) {
                    Some(b'\'' | b'\\') => i += 2,
                    _ => {
                        let len = self
                            .text
                            .get(i + 1..)
                            .and_then(|t| t.chars().next())
                            .map_or(1, |c| 1 + c.len_utf8());
                        return Err(self.error(
                            i,
                            i + len,
                            "only \\' and \\\\ are escapes in a string constant",
                        ));
                    }
                },
                Some(_) => i += 1,
            }
        }
        self.pos = i + 1;
        Ok(self.text.get(quote + 1..i).unwrap_or(""))
    }
}
