//! Finds the web links in chat text, so a message shows them as links and all the rest as
//! plain text (never as markup).

/// A run of a message: text, or a link to show as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Plain text.
    Text(&'a str),
    /// An `http://` or `https://` address.
    Link(&'a str),
}

/// Punctuation that ends a sentence rather than an address: "see https://x.org." links x.org.
const TRAILING: &[char] = &['.', ',', ';', ':', '!', '?', '\'', '"', ')', ']', '}', '>'];

/// Splits `text` into text and links, in order; joined again they give back `text`.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = link_start(rest) {
        let tail = &rest[start..];
        let end = tail.find(|c: char| c.is_whitespace() || matches!(c, '<' | '"')).unwrap_or(tail.len());
        let mut link = &tail[..end];
        // A closing bracket belongs to the address only when it opened one there.
        while let Some(last) = link.chars().last().filter(|c| TRAILING.contains(c)) {
            let opened = match last {
                ')' => link.matches('(').count() >= link.matches(')').count(),
                _ => false,
            };
            if opened {
                break;
            }
            link = &link[..link.len() - last.len_utf8()];
        }
        let scheme = if link.starts_with("https://") { 8 } else { 7 };
        if link.len() <= scheme {
            // Only a scheme: text, and search on after it.
            let skip = start + scheme.min(tail.len());
            push_text(&mut out, &rest[..skip]);
            rest = &rest[skip..];
            continue;
        }
        push_text(&mut out, &rest[..start]);
        out.push(Piece::Link(link));
        rest = &tail[link.len()..];
    }
    push_text(&mut out, rest);
    out
}

fn link_start(text: &str) -> Option<usize> {
    let at = text.find("http")?;
    let after = &text[at..];
    if after.starts_with("https://") || after.starts_with("http://") {
        return Some(at);
    }
    link_start(&text[at + 4..]).map(|i| i + at + 4)
}

fn push_text<'a>(out: &mut Vec<Piece<'a>>, text: &'a str) {
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
}

#[cfg(test)]
mod tests {
    use super::Piece::{Link, Text};
    use super::*;

    #[test]
    fn links_and_text_in_order() {
        assert_eq!(pieces("see https://satsuma.example/a?b=1 now"), [Text("see "), Link("https://satsuma.example/a?b=1"), Text(" now")]);
        assert_eq!(pieces("http://x.org"), [Link("http://x.org")]);
        assert_eq!(pieces("no links here"), [Text("no links here")]);
        assert_eq!(pieces(""), []);
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_a_link() {
        assert_eq!(pieces("go to https://x.org."), [Text("go to "), Link("https://x.org"), Text(".")]);
        assert_eq!(pieces("(https://x.org/a)"), [Text("("), Link("https://x.org/a"), Text(")")]);
        assert_eq!(pieces("https://en.wikipedia.org/wiki/Rust_(language)"), [Link("https://en.wikipedia.org/wiki/Rust_(language)")]);
    }

    #[test]
    fn markup_and_other_schemes_stay_text() {
        let text = "<img src=x onerror=alert(1)> javascript:alert(1) httpx://no";
        assert_eq!(pieces(text), [Text(text)]);
        assert_eq!(pieces("<a href=\"https://x.org\">"), [Text("<a href=\""), Link("https://x.org"), Text("\">")]);
        assert_eq!(pieces("https:// only"), [Text("https://"), Text(" only")]);
    }

    #[test]
    fn pieces_join_back_to_the_text() {
        for text in ["a https://b.c d", "https://", "http http:// https://x.y, z", "é https://ü.example/ä。"] {
            let joined: String = pieces(text)
                .iter()
                .map(|p| match p {
                    Text(t) | Link(t) => *t,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }
}
