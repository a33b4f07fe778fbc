//! Personal names in public answers (CONVENTIONS.md: personal data is masked
//! in every public or third-party response).

/// The name with every character after the first replaced by `*`, and at
/// least one `*`, so a one-character name does not show whole: `张伟` →
/// `张*`, `欧阳娜娜` → `欧***`, `李` → `李*`.
pub fn masked(name: &str) -> String {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return String::new() };
    let rest = chars.count().max(1);
    let mut out = String::with_capacity(first.len_utf8() + rest);
    out.push(first);
    out.extend(std::iter::repeat_n('*', rest));
    out
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn only_the_first_character_shows() {
        assert_eq!(masked("张伟"), "张*");
        assert_eq!(masked("欧阳娜娜"), "欧***");
        assert_eq!(masked("李"), "李*");
        assert_eq!(masked(""), "");
        assert_eq!(masked("Li Wei"), "L*****");
    }
}
