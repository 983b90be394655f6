//! `dist/index.html` from the repository's `index.html`: its `<link data-trunk …>` tags
//! (trunk's syntax, so `trunk serve` reads the same file) become the tags of the hashed
//! assets, and the page loses what browsers do not need (whitespace between tags, quotes
//! around plain attribute values, `/>`).

use anyhow::{bail, Context};

/// One tag of the page: its name and attributes in order (`None`: an attribute without value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Lower-case element name, with a leading `/` for end tags and `!doctype` for the doctype.
    pub name: String,
    /// Attributes as written.
    pub attrs: Vec<(String, Option<String>)>,
}

impl Tag {
    /// The value of `name`, if the tag has it with a value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref())
    }

    /// True for `<link data-trunk …>`: an asset for the build to fill in.
    pub fn is_trunk_link(&self) -> bool {
        self.name == "link" && self.attrs.iter().any(|(n, _)| n == "data-trunk")
    }

    /// The tag as minified HTML.
    pub fn render(&self) -> String {
        let mut out = format!("<{}", self.name);
        for (name, value) in &self.attrs {
            out.push(' ');
            out.push_str(name);
            if let Some(value) = value {
                out.push('=');
                out.push_str(&attr_value(value));
            }
        }
        out.push('>');
        out
    }
}

/// A part of the page: a tag, or the text between two tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A start or end tag.
    Tag(Tag),
    /// Text, exactly as written.
    Text(String),
}

/// Splits `html` into tags and text. Only for our own template: no comments, no `<` inside
/// attribute values, and no `<script>` or `<style>` bodies (the build writes those).
pub fn parse(html: &str) -> anyhow::Result<Vec<Node>> {
    let mut nodes = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let (text, tail) = rest.split_at(open);
        if !text.is_empty() {
            nodes.push(Node::Text(text.to_owned()));
        }
        let close = tail.find('>').context("index.html has a `<` that never closes")?;
        let (inner, after) = tail.split_at(close);
        let inner = inner.strip_prefix('<').unwrap_or(inner);
        if inner.starts_with("!--") {
            bail!("index.html: comments are not supported in the template");
        }
        let tag = parse_tag(inner.trim_end_matches('/'))?;
        if matches!(tag.name.as_str(), "script" | "style") {
            bail!("index.html: inline <{}> is not supported in the template", tag.name);
        }
        nodes.push(Node::Tag(tag));
        rest = after.strip_prefix('>').unwrap_or(after);
    }
    if !rest.is_empty() {
        nodes.push(Node::Text(rest.to_owned()));
    }
    Ok(nodes)
}

fn parse_tag(inner: &str) -> anyhow::Result<Tag> {
    let mut chars = inner.trim().chars().peekable();
    let name: String = chars.by_ref().take_while(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    if name.is_empty() {
        bail!("index.html has an empty tag");
    }
    let mut attrs = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let attr: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && *c != '=')).collect();
        if attr.is_empty() {
            break;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let value = if chars.next_if_eq(&'=').is_some() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            Some(match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(quote) => {
                    let value: String = std::iter::from_fn(|| chars.next_if(|c| *c != quote)).collect();
                    chars.next().with_context(|| format!("index.html: unclosed quote in <{name}>"))?;
                    value
                }
                None => std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect(),
            })
        } else {
            None
        };
        attrs.push((attr.to_ascii_lowercase(), value));
    }
    Ok(Tag { name, attrs })
}

/// A value as an attribute: bare when HTML allows it, else in double quotes.
fn attr_value(value: &str) -> String {
    let bare = !value.is_empty() && !value.contains(|c: char| c.is_ascii_whitespace() || "\"'=<>`".contains(c));
    if bare {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('&', "&amp;").replace('"', "&quot;"))
    }
}

/// The page from its nodes, minified: whitespace-only text between tags is dropped.
pub fn render(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Tag(tag) => out.push_str(&tag.render()),
            Node::Text(text) if text.trim().is_empty() => {}
            Node::Text(text) => out.push_str(text.trim()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title> Satsuma </title>
    <link data-trunk rel="css" href="style/main.css" />
  </head>
  <body></body>
</html>
"#;

    #[test]
    fn finds_trunk_links_with_their_attributes() {
        let nodes = parse(TEMPLATE).expect("parses");
        let links: Vec<&Tag> =
            nodes.iter().filter_map(|n| if let Node::Tag(t) = n { Some(t) } else { None }).filter(|t| t.is_trunk_link()).collect();
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].attr("rel"), Some("css"));
        assert_eq!(links[0].attr("href"), Some("style/main.css"));
    }

    #[test]
    fn renders_minified() {
        let html = render(&parse(TEMPLATE).expect("parses"));
        assert_eq!(
            html,
            "<!doctype html><html lang=en><head><meta name=viewport content=\"width=device-width, initial-scale=1\"><title>Satsuma</title>\
             <link data-trunk rel=css href=style/main.css></head><body></body></html>"
        );
    }

    #[test]
    fn quotes_what_must_be_quoted() {
        assert_eq!(attr_value("sha384-ab+/cd"), "sha384-ab+/cd");
        assert_eq!(attr_value("a=b"), "\"a=b\"");
        assert_eq!(attr_value(""), "\"\"");
        assert_eq!(attr_value("say \"hi\" & go"), "\"say &quot;hi&quot; &amp; go\"");
    }

    #[test]
    fn refuses_what_the_template_must_not_hold() {
        assert!(parse("<p>unclosed <b").is_err());
        assert!(parse("<!-- note -->").is_err());
        assert!(parse("<script>alert(1)</script>").is_err());
        assert!(parse("<a href=\"x>").is_err());
    }
}
