//! Closed vocabularies: enums that travel as lower snake_case strings.
//!
//! CONVENTIONS.md ("The contract"): enums are lower `snake_case` strings in JSON. The same string
//! is used in the database and in query parameters, so each enum gets one `as_str`/`parse` pair
//! and an `ALL` list (for OpenAPI examples, seed data and exhaustive tests) from one macro.

use thiserror::Error;

/// A string that is not one of an enum's names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
#[error("unknown {what} {value:?}; expected one of: {}", allowed.join(", "))]
pub struct UnknownVariant {
    code: &'static str,
    what: &'static str,
    allowed: &'static [&'static str],
    value: String,
}

impl UnknownVariant {
    pub(crate) fn new(code: &'static str, what: &'static str, allowed: &'static [&'static str], value: &str) -> Self {
        Self { code, what, allowed, value: value.to_owned() }
    }

    /// Stable machine code naming the field kind, e.g. `invalid_sector`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The rejected input.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The accepted names, in declaration order.
    pub fn allowed(&self) -> &'static [&'static str] {
        self.allowed
    }
}

crate::validation::impl_coded!(UnknownVariant);

/// Declares a fieldless enum with serde `rename_all = "snake_case"` plus `ALL`, `as_str`,
/// `parse`, `Display` and `FromStr`. Each variant names its string explicitly; a test per enum
/// checks that serde's spelling and `as_str` agree.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal, $code:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            const NAMES: &'static [&'static str] = &[$($text),+];

            /// The snake_case name used in JSON, query strings and the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            /// The variant with this exact snake_case name (case-sensitive, no trimming).
            pub fn parse(input: &str) -> Result<Self, $crate::vocabulary::UnknownVariant> {
                match input {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::vocabulary::UnknownVariant::new(
                        $code, $what, Self::NAMES, input,
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocabulary::UnknownVariant;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}
pub(crate) use string_enum;

/// Asserts, for every variant, that `as_str`, `parse`, `Display` and serde agree, and that
/// near-misses are rejected with `code`.
#[cfg(test)]
macro_rules! assert_string_enum {
    ($name:ty, $code:literal) => {{
        assert!(!<$name>::ALL.is_empty());
        for &variant in <$name>::ALL {
            let text = variant.as_str();
            assert_eq!(<$name>::parse(text), Ok(variant));
            assert_eq!(text.parse::<$name>(), Ok(variant));
            assert_eq!(variant.to_string(), text);
            assert_eq!(serde_json::to_value(variant).unwrap(), serde_json::Value::String(text.to_owned()));
            assert_eq!(serde_json::from_value::<$name>(serde_json::Value::String(text.to_owned())).unwrap(), variant);
            for near_miss in [
                text.to_uppercase(),
                format!(" {text}"),
                format!("{text} "),
                text.replace('_', "-"),
                format!("{text}s"),
            ] {
                if near_miss == text {
                    continue;
                }
                let error = <$name>::parse(&near_miss).unwrap_err();
                assert_eq!(error.code(), $code);
                assert_eq!(error.value(), near_miss);
                assert!(error.allowed().contains(&text));
            }
        }
        assert!(<$name>::parse("").is_err());
        assert!(serde_json::from_str::<$name>("\"no_such_variant\"").is_err());
    }};
}
#[cfg(test)]
pub(crate) use assert_string_enum;
