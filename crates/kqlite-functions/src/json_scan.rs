//! A JSON array's items without building a document: one pass over the text checks its syntax
//! and finds where each item starts and ends, and whether the item's text is already what
//! `serde_json` would print for it (compact, keys in order, integers, strings without escapes),
//! so that it can be used as it stands. Anything this scanner does not accept is left to
//! `serde_json` whole, so results never differ from parsing the value.

use crate::json_stops::string_stop;

/// An item of an array: its text, and whether that text is `serde_json`'s own rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item<'a> {
    pub text: &'a str,
    pub canonical: bool,
}

/// Nesting deeper than this is left to `serde_json`.
const MAX_DEPTH: usize = 64;

/// The items of `text` when it is a JSON array this scanner reads; None otherwise (not an
/// array, not JSON, or JSON it leaves to `serde_json`).
#[cfg(test)]
fn array_items(text: &str) -> Option<Vec<Item<'_>>> {
    let mut items = Vec::new();
    array_items_into(text, &mut items).then_some(items)
}

/// [`array_items`] into `items` (cleared first, so that one vector serves every row); false
/// where `array_items` is None.
pub(crate) fn array_items_into<'a>(text: &'a str, items: &mut Vec<Item<'a>>) -> bool {
    items.clear();
    let mut scan = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    scan.items(text, items).is_some()
}

/// The text of a string item without its quotes, when it needs no unescaping.
pub(crate) fn plain_string<'a>(item: &Item<'a>) -> Option<&'a str> {
    let inner = item.text.strip_prefix('"')?.strip_suffix('"')?;
    item.canonical.then_some(inner)
}

/// Whether `a` sorts before `b`, byte by byte: keys are short and differ early, where a loop
/// answers before a call to `memcmp` would start.
fn sorts_before(a: &[u8], b: &[u8]) -> bool {
    match a.iter().zip(b).find(|(x, y)| x != y) {
        Some((x, y)) => x < y,
        None => a.len() < b.len(),
    }
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn items(&mut self, text: &'a str, items: &mut Vec<Item<'a>>) -> Option<()> {
        self.skip_space();
        self.expect(b'[')?;
        self.skip_space();
        if self.eat(b']') {
            return self.at_end().then_some(());
        }
        loop {
            self.skip_space();
            let start = self.at;
            let canonical = self.value(0)?;
            items.push(Item {
                text: &text[start..self.at],
                canonical,
            });
            self.skip_space();
            if self.eat(b']') {
                return self.at_end().then_some(());
            }
            self.expect(b',')?;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Skips whitespace; whether there was any.
    fn skip_space(&mut self) -> bool {
        let start = self.at;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
        self.at > start
    }

    fn at_end(&mut self) -> bool {
        self.skip_space();
        self.at == self.bytes.len()
    }

    /// One value; whether its text is canonical.
    fn value(&mut self, depth: usize) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(|(plain, _)| plain),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.number(),
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<bool> {
        let found = self.bytes.get(self.at..self.at + word.len())? == word;
        self.at += word.len();
        found.then_some(true)
    }

    /// A string; whether it has no escape, and its text without the quotes.
    fn string(&mut self) -> Option<(bool, &'a [u8])> {
        self.expect(b'"')?;
        let start = self.at;
        let mut plain = true;
        loop {
            self.at = string_stop(self.bytes, self.at)?;
            match self.bytes[self.at] {
                b'"' => break,
                b'\\' => {}
                // Raw control characters are not JSON (`serde_json` refuses them).
                _ => return None,
            }
            plain = false;
            self.escape()?;
        }
        let inner = &self.bytes[start..self.at];
        self.at += 1;
        Some((plain, inner))
    }

    fn escape(&mut self) -> Option<()> {
        self.at += 1;
        match self.peek()? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
            b'u' => {
                let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                self.at += 5;
            }
            _ => return None,
        }
        Some(())
    }

    /// A number; canonical when an integer `serde_json` prints as written (no `-0`, at most
    /// 18 digits, no fraction or exponent).
    fn number(&mut self) -> Option<bool> {
        let start = self.at;
        let negative = self.eat(b'-');
        let digits = self.digits();
        let first = *self.bytes.get(start + usize::from(negative))?;
        if digits == 0 || (first == b'0' && digits > 1) {
            return None;
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.at += 1;
            let _ = self.eat(b'+') || self.eat(b'-');
            if self.digits() == 0 {
                return None;
            }
        }
        let negative_zero = negative && first == b'0';
        Some(integer && digits <= 18 && !negative_zero)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        self.at - start
    }

    fn array(&mut self, depth: usize) -> Option<bool> {
        self.expect(b'[')?;
        let mut canonical = !self.skip_space();
        if self.eat(b']') {
            return Some(canonical);
        }
        loop {
            canonical &= !self.skip_space();
            canonical &= self.value(depth + 1)?;
            canonical &= !self.skip_space();
            if self.eat(b']') {
                return Some(canonical);
            }
            self.expect(b',')?;
        }
    }

    /// An object; canonical when compact with keys in strictly rising order (as `serde_json`'s
    /// sorted maps print them; a repeated key is not).
    fn object(&mut self, depth: usize) -> Option<bool> {
        self.expect(b'{')?;
        let mut canonical = !self.skip_space();
        if self.eat(b'}') {
            return Some(canonical);
        }
        let mut last: Option<&'a [u8]> = None;
        loop {
            canonical &= !self.skip_space();
            let (plain, key) = self.string()?;
            canonical &= plain && last.is_none_or(|l| sorts_before(l, key));
            last = Some(key);
            canonical &= !self.skip_space();
            self.expect(b':')?;
            canonical &= !self.skip_space();
            canonical &= self.value(depth + 1)?;
            canonical &= !self.skip_space();
            if self.eat(b'}') {
                return Some(canonical);
            }
            self.expect(b',')?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// What the items print as through `serde_json`.
    fn rendered(text: &str) -> Vec<String> {
        match serde_json::from_str::<Value>(text).unwrap() {
            Value::Array(items) => items.iter().map(Value::to_string).collect(),
            _ => panic!("not an array"),
        }
    }

    #[test]
    fn canonical_items_are_exactly_what_serde_json_prints() {
        let texts = [
            r#"[{"ClassifierType":"Entity","Confidence":65,"Count":35}]"#,
            r#"[1, -7, 0, "a", true, false, null, [], {}, [1,[2]], {"a":{"b":[1]}}]"#,
            r#"[ {"b":1,"a":2}, {"a": 1}, 1.5, 1e3, -0, 12345678901234567890, "x\"y", "\u00e9" ]"#,
            r#"[{"a":1,"a":2}, "é", "日本", 123456789012345678]"#,
        ];
        for text in texts {
            let items = array_items(text).unwrap();
            let expected = rendered(text);
            assert_eq!(items.len(), expected.len(), "{text}");
            for (item, expected) in items.iter().zip(&expected) {
                if item.canonical {
                    assert_eq!(item.text, expected, "{text}");
                } else {
                    let again: Value = serde_json::from_str(item.text).unwrap();
                    assert_eq!(&again.to_string(), expected, "{text}");
                }
            }
        }
    }

    #[test]
    fn what_is_not_a_valid_array_is_left_to_serde_json() {
        for text in [
            "",
            "[",
            "[1,]",
            "[01]",
            "[1 2]",
            "{\"a\":1}",
            "\"x\"",
            "[1] x",
            "[\"a\\x\"]",
            "[tru]",
            "[1.]",
            "[1e]",
            "[\"\u{1}\"]",
            "[-]",
        ] {
            assert_eq!(array_items(text), None, "{text:?}");
        }
        assert_eq!(array_items(" [ ] ").unwrap(), vec![]);
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(array_items(&deep), None);
    }

    #[test]
    fn plain_strings_come_without_quotes() {
        let items = array_items(r#"["abc", "a\"b"]"#).unwrap();
        assert_eq!(plain_string(&items[0]), Some("abc"));
        assert_eq!(plain_string(&items[1]), None);
    }
}
