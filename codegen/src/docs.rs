//! The model's documentation HTML, rendered as Markdown for rustdoc.
//!
//! botocore documentation uses a small HTML vocabulary (`p a b i code ul ol li dl dt dd note
//! important`). It is parsed into a tree, then written out block by block: no raw tag survives,
//! links keep their targets, and text that Markdown would read as syntax is escaped.

/// Widest a line of prose may grow before it wraps (list and quote prefixes come on top).
const WRAP: usize = 92;

/// Renders documentation HTML as Markdown lines (no trailing blank line).
pub fn markdown(html: &str) -> Vec<String> {
    let tree = parse(html);
    let blocks = blocks(&tree);
    let mut lines = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        lines.extend(block.lines().map(|l| l.trim_end().to_owned()));
    }
    lines
}

/// The first sentence of rendered documentation, wrapped, for a one-line mention; empty when the
/// documentation does not open with a plain paragraph.
pub fn summary(lines: &[String]) -> Vec<String> {
    let paragraph: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .take_while(|l| !l.is_empty())
        .collect();
    let text = paragraph.join(" ");
    if text.is_empty() || starts_block_syntax(&text) {
        return Vec::new();
    }
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    wrap(&text[..end]).lines().map(str::to_owned).collect()
}

#[derive(Debug, PartialEq)]
enum Node {
    Text(String),
    Element {
        tag: String,
        href: Option<String>,
        children: Vec<Node>,
    },
}

fn parse(html: &str) -> Vec<Node> {
    // A stack of open elements; the bottom one is the document.
    let mut stack: Vec<(String, Option<String>, Vec<Node>)> =
        vec![(String::new(), None, Vec::new())];
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut stack, rest);
            break;
        };
        push_text(&mut stack, &rest[..lt]);
        rest = &rest[lt..];
        let Some(tag) = Tag::parse(rest) else {
            push_text(&mut stack, "<");
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.len..];
        if tag.closing {
            // Close up to the matching element; a stray closing tag is ignored.
            if let Some(depth) = stack.iter().rposition(|(name, ..)| *name == tag.name) {
                while stack.len() > depth.max(1) {
                    close(&mut stack);
                }
            }
        } else if tag.self_closing || matches!(tag.name.as_str(), "br" | "hr" | "img") {
            let children = if tag.name == "br" {
                vec![Node::Text(" ".into())]
            } else {
                Vec::new()
            };
            let node = Node::Element {
                tag: tag.name,
                href: None,
                children,
            };
            if let Some(top) = stack.last_mut() {
                top.2.push(node);
            }
        } else {
            stack.push((tag.name, tag.href, Vec::new()));
        }
    }
    while stack.len() > 1 {
        close(&mut stack);
    }
    stack
        .pop()
        .map(|(.., children)| children)
        .unwrap_or_default()
}

fn push_text(stack: &mut [(String, Option<String>, Vec<Node>)], text: &str) {
    if let (Some(top), false) = (stack.last_mut(), text.is_empty()) {
        top.2.push(Node::Text(decode_entities(text)));
    }
}

fn close(stack: &mut Vec<(String, Option<String>, Vec<Node>)>) {
    if let Some((tag, href, children)) = stack.pop()
        && let Some(parent) = stack.last_mut()
    {
        parent.2.push(Node::Element {
            tag,
            href,
            children,
        });
    }
}

struct Tag {
    name: String,
    href: Option<String>,
    closing: bool,
    self_closing: bool,
    len: usize,
}

impl Tag {
    /// Reads `<name attr="..">`, `</name>` or `<name/>` at the start of `s`.
    fn parse(s: &str) -> Option<Tag> {
        let end = s.find('>')?;
        let inner = &s[1..end];
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let (self_closing, inner) = match inner.strip_suffix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let name_len = inner
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(inner.len());
        let name = &inner[..name_len];
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let attrs = &inner[name_len..];
        if !attrs.is_empty() && !attrs.starts_with(char::is_whitespace) {
            return None;
        }
        Some(Tag {
            name: name.to_ascii_lowercase(),
            href: attribute(attrs, "href").map(|v| decode_entities(&v)),
            closing,
            self_closing,
            len: end + 1,
        })
    }
}

fn attribute(attrs: &str, name: &str) -> Option<String> {
    let start = attrs.find(&format!("{name}="))? + name.len() + 1;
    let value = &attrs[start..];
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &value[1..];
    Some(value[..value.find(quote)?].to_owned())
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 8).and_then(|semi| {
            let c = match &rest[1..semi] {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                num => {
                    let code = match num.strip_prefix("#x").or_else(|| num.strip_prefix("#X")) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.strip_prefix('#')?.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, semi + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "note"
            | "important"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "pre"
            | "para"
            | "fullname"
    )
}

/// Renders a sequence of nodes as Markdown blocks (paragraphs, lists, quotes).
fn blocks(nodes: &[Node]) -> Vec<String> {
    let mut out = Vec::new();
    let mut inline = String::new();
    for node in nodes {
        let Node::Element { tag, children, .. } = node else {
            inline.push_str(&render_inline(node));
            continue;
        };
        if !is_block(tag) {
            inline.push_str(&render_inline(node));
            continue;
        }
        flush(&mut inline, &mut out);
        match tag.as_str() {
            "ul" => out.push(list(children, |_| "- ".to_owned())),
            "ol" => out.push(list(children, |i| format!("{}. ", i + 1))),
            "dl" => out.push(definitions(children)),
            "note" => out.push(quote("Note", children)),
            "important" => out.push(quote("Important", children)),
            _ => out.extend(blocks(children)),
        }
    }
    flush(&mut inline, &mut out);
    out
}

fn flush(inline: &mut String, out: &mut Vec<String>) {
    // `<i> <a>x</a> </i>,` leaves a space between the closing marker and the comma.
    let mut text = collapse(inline);
    for punct in [".", ",", ";", ":", ")"] {
        text = text.replace(&format!("* {punct}"), &format!("*{punct}"));
    }
    if !text.is_empty() {
        out.push(wrap(&text));
    }
    inline.clear();
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A list: each `li` child an item, its blocks indented under the marker.
fn list(children: &[Node], marker: impl Fn(usize) -> String) -> String {
    let items = children.iter().filter_map(|child| match child {
        Node::Element { tag, children, .. } if tag == "li" => Some(blocks(children)),
        Node::Text(t) if t.trim().is_empty() => None,
        other => Some(blocks(std::slice::from_ref(other))),
    });
    let mut out = Vec::new();
    for (i, item) in items.filter(|item| !item.is_empty()).enumerate() {
        out.push(item_text(&marker(i), &item));
    }
    out.join("\n")
}

/// One list item: the first block after the marker, the rest indented to line up with it.
fn item_text(marker: &str, blocks: &[String]) -> String {
    let indent = " ".repeat(marker.len());
    let mut text = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            text.push_str("\n\n");
        }
        for (j, line) in block.lines().enumerate() {
            if j > 0 {
                text.push('\n');
            }
            if i == 0 && j == 0 {
                text.push_str(marker);
            } else if !line.is_empty() {
                text.push_str(&indent);
            }
            text.push_str(line);
        }
    }
    text
}

/// A definition list, as a list of `**term**: definition` items.
fn definitions(children: &[Node]) -> String {
    let mut items = Vec::new();
    let mut term: Option<&[Node]> = None;
    let mut defs: Vec<&Node> = Vec::new();
    for child in children {
        match child {
            Node::Element { tag, children, .. } if tag == "dt" => {
                if let Some(t) = term.take() {
                    items.push(definition(t, &defs));
                    defs.clear();
                }
                term = Some(children);
            }
            Node::Text(t) if t.trim().is_empty() => {}
            other => defs.push(other),
        }
    }
    if let Some(t) = term {
        items.push(definition(t, &defs));
    }
    items.join("\n")
}

fn definition(term: &[Node], defs: &[&Node]) -> String {
    let term = collapse(&term.iter().map(render_inline).collect::<String>());
    let mut body: Vec<String> = Vec::new();
    for def in defs {
        match def {
            Node::Element { children, .. } => body.extend(blocks(children)),
            text => body.extend(blocks(std::slice::from_ref(*text))),
        }
    }
    let head = if term.is_empty() {
        String::new()
    } else {
        format!("**{term}**")
    };
    match body.first_mut() {
        Some(first) if !starts_block_syntax(first) => {
            *first = wrap(&format!("{head}: {}", first.replace('\n', " ")));
        }
        _ => body.insert(0, head),
    }
    item_text("- ", &body)
}

fn starts_block_syntax(block: &str) -> bool {
    block.starts_with("- ") || block.starts_with("> ") || block.starts_with("1. ")
}

fn quote(label: &str, children: &[Node]) -> String {
    let mut inner = blocks(children);
    match inner.first_mut() {
        Some(first) if !starts_block_syntax(first) => {
            *first = wrap(&format!("**{label}:** {}", first.replace('\n', " ")))
        }
        _ => inner.insert(0, format!("**{label}:**")),
    }
    inner
        .join("\n\n")
        .lines()
        .map(|line| {
            if line.is_empty() {
                ">".to_owned()
            } else {
                format!("> {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_inline(node: &Node) -> String {
    match node {
        Node::Text(text) => escape(text),
        Node::Element {
            tag,
            href,
            children,
        } => match tag.as_str() {
            "code" => code_span(&text_of(children)),
            "a" => {
                let label = collapse(&children.iter().map(render_inline).collect::<String>());
                match href.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
                    Some(href) if label.is_empty() => format!("<{href}>"),
                    Some(href) => format!("[{label}]({})", href.replace(' ', "%20")),
                    None => label,
                }
            }
            "b" | "strong" => emphasis("**", children),
            "i" | "em" => emphasis("*", children),
            _ => children.iter().map(render_inline).collect(),
        },
    }
}

fn text_of(nodes: &[Node]) -> String {
    nodes
        .iter()
        .map(|node| match node {
            Node::Text(t) => t.clone(),
            Node::Element { children, .. } => text_of(children),
        })
        .collect()
}

fn code_span(text: &str) -> String {
    let text = collapse(text);
    if text.is_empty() {
        return String::new();
    }
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// Wraps the trimmed content in `marker`, keeping surrounding spaces outside it, as Markdown
/// requires (`* x *` is not emphasis).
fn emphasis(marker: &str, children: &[Node]) -> String {
    let inner: String = children.iter().map(render_inline).collect();
    let trimmed = inner.trim();
    if trimmed.is_empty() {
        return inner;
    }
    let lead = if inner.starts_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    let trail = if inner.ends_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    format!("{lead}{marker}{}{marker}{trail}", collapse(trimmed))
}

/// Escapes Markdown syntax in plain text, and turns bare URLs into autolinks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word_start = 0;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_whitespace() {
            escape_word(&text[word_start..i], &mut out);
            if i < text.len() {
                out.push(c);
            }
            word_start = i + c.len_utf8();
        }
    }
    out
}

fn escape_word(word: &str, out: &mut String) {
    // A URL may follow a quote or a parenthesis (snowball's `"https://..."`): rustdoc wants it
    // an autolink wherever it starts.
    let start = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| word.find(scheme))
        .min();
    if let Some(start) = start {
        escape_plain(&word[..start], out);
        let rest = &word[start..];
        let url = rest.trim_end_matches(['.', ',', ';', ':', ')', '\'', '"']);
        out.push('<');
        out.push_str(url);
        out.push('>');
        escape_plain(&rest[url.len()..], out);
        return;
    }
    escape_plain(word, out);
}

/// Escapes Markdown syntax in a word that holds no URL.
fn escape_plain(word: &str, out: &mut String) {
    let chars: Vec<char> = word.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' => true,
            // An underscore inside a word is never emphasis; elsewhere it may be.
            '_' => {
                let alnum = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
                !(alnum(i.checked_sub(1).and_then(|p| chars.get(p))) && alnum(chars.get(i + 1)))
            }
            '&' => chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
}

/// Wraps a paragraph at `WRAP` columns, never starting a line with something Markdown would take
/// for a list, quote or heading marker.
pub(crate) fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let width = word.chars().count();
        if line_len > 0 && line_len + 1 + width > WRAP && !starts_marker(word) {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += width;
    }
    out
}

fn starts_marker(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    matches!(word, "-" | "+" | "*" | "=" | "==")
        || word.starts_with(['#', '>', '=', '|'])
        || word.starts_with("- ")
        || (digits > 0 && word[digits..].starts_with(['.', ')']))
        || word.starts_with("---")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(html: &str) -> String {
        markdown(html).join("\n")
    }

    #[test]
    fn paragraphs_and_inline_markup() {
        assert_eq!(
            md(
                "<p>Use <code>USER_SRP_AUTH</code> with <b>care</b>.</p> <p>See <i> <a href=\"https://x.test/a\">docs</a> </i>.</p>"
            ),
            "Use `USER_SRP_AUTH` with **care**.\n\nSee *[docs](https://x.test/a)*."
        );
    }

    #[test]
    fn escapes_markdown_and_autolinks_bare_urls() {
        assert_eq!(
            md("<p>a [b] *c* &lt;d&gt; snake_case _x https://e.test/f.</p>"),
            "a \\[b\\] \\*c\\* \\<d\\> snake_case \\_x <https://e.test/f>."
        );
        assert_eq!(
            md("<p>See \"https://e.test/g\" (https://e.test/h).</p>"),
            "See \"<https://e.test/g>\" (<https://e.test/h>)."
        );
    }

    #[test]
    fn lists_notes_and_definitions() {
        let html = "<ul><li><p>one</p></li><li><p>two</p><ol><li>a</li></ol></li></ul>\
                    <note><p>careful</p></note><dl><dt>code</dt><dd><p>grant</p></dd></dl>";
        assert_eq!(
            md(html),
            "- one\n- two\n\n  1. a\n\n> **Note:** careful\n\n- **code**: grant"
        );
    }

    #[test]
    fn wraps_without_starting_a_line_with_a_marker() {
        let words = "word ".repeat(30) + "- dash 1. one";
        for line in markdown(&format!("<p>{words}</p>")) {
            assert!(line.len() <= WRAP + 10, "{line}");
            assert!(
                !line.starts_with("- ") && !line.starts_with("1. "),
                "{line}"
            );
        }
    }

    #[test]
    fn summary_is_the_first_sentence() {
        assert_eq!(
            summary(&markdown("<p>Signs in. Then more.</p>")),
            ["Signs in."]
        );
    }
}
