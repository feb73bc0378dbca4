//! Row functions that take text apart: `parse_url`, `parse_path`, `parse_command_line`, and
//! the IPv4 functions.

use super::json::push_string;
use super::rowwise::{long, text, Ctx};
use super::text_fns::percent_decode;

type Row<'a> = [Option<&'a str>];

fn push_bag(fields: &[(&str, &str)], out: &mut String) {
    out.push('{');
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(key, out);
        out.push(':');
        push_string(value, out);
    }
    out.push('}');
}

/// `parse_url(url)`: a bag of Scheme, Host, Port, Path, Username, Password, Query Parameters
/// and Fragment; null when the text has no scheme.
pub fn parse_url(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let url = text(row, 0);
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let (user_info, host_port) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (username, password) = user_info.split_once(':').unwrap_or((user_info, ""));
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, p),
        _ => (host_port, ""),
    };
    let fields = [
        ("Scheme", scheme),
        ("Host", host),
        ("Port", port),
        ("Path", path),
        ("Username", username),
        ("Password", password),
    ];
    push_bag(&fields, out);
    out.pop();
    out.push_str(",\"Query Parameters\":");
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    push_bag(&pairs, out);
    out.push_str(",\"Fragment\":");
    push_string(fragment, out);
    out.push('}');
    true
}

/// `parse_path(path)`: Scheme, RootPath, DirectoryPath, DirectoryName, Filename, Extension
/// and AlternateDataStreamName of a Windows, UNC, Unix or URL path.
pub fn parse_path(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let path = text(row, 0);
    let (scheme, rest) = match path.split_once("://") {
        Some((s, r)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) => (s, r),
        _ => ("", path),
    };
    let is_sep = |c: char| c == '\\' || c == '/';
    let root = root_path(rest);
    let (directory, file) = match rest.rfind(is_sep) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => ("", rest),
    };
    let directory = if directory.is_empty() && rest.starts_with(is_sep) {
        &rest[..1]
    } else {
        directory
    };
    let name = directory.rsplit(is_sep).next().unwrap_or("");
    let (file, stream) = match file.split_once(':') {
        Some((f, s)) if !root.ends_with(':') || !file.is_empty() => (f, s),
        _ => (file, ""),
    };
    let extension = file.rsplit_once('.').map_or("", |(_, e)| e);
    let fields = [
        ("Scheme", scheme),
        ("RootPath", root),
        ("DirectoryPath", directory),
        ("DirectoryName", name),
        ("Filename", file),
        ("Extension", extension),
        ("AlternateDataStreamName", stream),
    ];
    push_bag(&fields, out);
    true
}

/// `C:` for a drive path, "" otherwise (a UNC path too: Kusto's documented example).
fn root_path(path: &str) -> &str {
    let b = path.as_bytes();
    if b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic() {
        return &path[..2];
    }
    ""
}

/// `parse_command_line(text, "windows")`: the arguments, split as `CommandLineToArgvW` does.
pub fn parse_command_line(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    if !text(row, 1).eq_ignore_ascii_case("windows") {
        ctx.error
            .get_or_insert_with(|| "the only parser kind is \"windows\"".to_string());
        return false;
    }
    out.push('[');
    for (i, arg) in windows_args(text(row, 0)).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(arg, out);
    }
    out.push(']');
    true
}

fn windows_args(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let (mut i, mut current, mut quoted, mut started) = (0, String::new(), false, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let run = chars[i..].iter().take_while(|c| **c == '\\').count();
            i += run;
            if chars.get(i) == Some(&'"') {
                current.extend(std::iter::repeat_n('\\', run / 2));
                if run % 2 == 1 {
                    current.push('"');
                    i += 1;
                }
            } else {
                current.extend(std::iter::repeat_n('\\', run));
            }
            started = true;
            continue;
        }
        match c {
            '"' if quoted && chars.get(i + 1) == Some(&'"') => {
                current.push('"');
                i += 1;
            }
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    args.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
        i += 1;
    }
    if started {
        args.push(current);
    }
    args
}

/// An IPv4 address with an optional `/prefix`: (address, prefix length).
fn ipv4(text: &str) -> Option<(u32, u32)> {
    let (address, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (text.trim(), 32),
    };
    let mut value = 0u32;
    let mut parts = 0;
    for part in address.split('.') {
        let octet: u8 = part.parse().ok()?;
        value = value << 8 | octet as u32;
        parts += 1;
    }
    (parts == 4).then_some((value, prefix))
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

pub fn parse_ipv4(_: &mut Ctx, row: &Row) -> Option<i64> {
    let (address, prefix) = ipv4(row[0]?)?;
    Some((address & mask(prefix)) as i64)
}

pub fn ipv4_is_private(_: &mut Ctx, row: &Row) -> Option<bool> {
    let (address, _) = ipv4(row[0]?)?;
    let ranges = [(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16)];
    Some(ranges.iter().any(|(net, p)| address & mask(*p) == *net))
}

pub fn ipv4_is_in_range(_: &mut Ctx, row: &Row) -> Option<bool> {
    let (address, _) = ipv4(row[0]?)?;
    let (net, prefix) = ipv4(row[1]?)?;
    Some(address & mask(prefix) == net & mask(prefix))
}

/// `ipv4_is_match(a, b [, prefix])`: equal under the shortest of the prefixes given.
pub fn ipv4_is_match(_: &mut Ctx, row: &Row) -> Option<bool> {
    let (a, pa) = ipv4(row[0]?)?;
    let (b, pb) = ipv4(row[1]?)?;
    let prefix = pa
        .min(pb)
        .min(long(row, 2).unwrap_or(32).clamp(0, 32) as u32);
    Some(a & mask(prefix) == b & mask(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_command_lines_split_like_argv() {
        let args = windows_args(r#"cmd.exe /c "a b" c\"d "e\\" f\\g"#);
        assert_eq!(args, ["cmd.exe", "/c", "a b", "c\"d", "e\\", "f\\\\g"]);
    }

    #[test]
    fn ipv4_prefixes() {
        assert_eq!(ipv4("10.1.2.3/8"), Some((0x0A01_0203, 8)));
        assert_eq!(ipv4("10.1.2"), None);
        assert_eq!(ipv4("256.1.2.3"), None);
    }
}
