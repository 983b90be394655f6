//! String enums that keep unknown values: the API adds values over time, and decoding must
//! never fail on one. Serialised as plain strings through `From<String>`, which is also far
//! smaller in the browser bundle than serde's buffered `#[serde(untagged)]` fallback.

/// Declares `enum $name { $variant …, Other(String) }` with its wire spellings.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(s) => s,
                }
            }

            /// Parses a wire spelling; unknown ones become `Other`.
            pub fn parse(s: &str) -> Self {
                Self::known(s).unwrap_or_else(|| Self::Other(s.to_owned()))
            }

            fn known(s: &str) -> Option<Self> {
                match s {
                    $( $wire => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::known(&s).unwrap_or(Self::Other(s))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                match value {
                    $name::Other(s) => s,
                    known => known.as_str().to_owned(),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_enum;
