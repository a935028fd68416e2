//! The one error of the settings: which field, and what is wrong with it.

use std::fmt;

/// A settings value, patch or template that cannot be accepted, naming the field.
///
/// The [`field`](Self::field) is a path into the JSON shape of
/// [`GuildSettings`](super::GuildSettings): object keys joined by dots, map keys as they
/// are written in JSON, list positions in brackets — `announce.template`,
/// `multipliers.roles.123`, `rewards.roles[2].level`. An HTTP adapter answers it with a
/// 422 naming that field; a Discord reply can quote it.
///
/// ```
/// use leveling_core::Template;
///
/// let error = Template::parse("GG {usr}").unwrap_err();
/// assert_eq!(error.field(), "announce.template");
/// assert!(error.to_string().starts_with("announce.template: unknown placeholder {usr}"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    field: String,
    message: String,
}

impl SettingsError {
    /// An error in `field` (a path as described above) saying `message`.
    pub fn new(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }

    /// The path of the field at fault.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<SettingsError> for crate::Error {
    /// A bad setting is bad input ([`ErrorKind::InvalidInput`](crate::ErrorKind)); the
    /// message keeps the field path in front.
    fn from(error: SettingsError) -> Self {
        crate::Error::InvalidInput(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_field_first() {
        let error = SettingsError::new("multipliers.roles.5", "must be at most 10");
        assert_eq!(error.field(), "multipliers.roles.5");
        assert_eq!(error.message(), "must be at most 10");
        assert_eq!(error.to_string(), "multipliers.roles.5: must be at most 10");
        let error: crate::Error = error.into();
        assert_eq!(error.kind(), crate::ErrorKind::InvalidInput);
        assert_eq!(error.to_string(), "multipliers.roles.5: must be at most 10");
    }
}
