//! Global user profiles (name and avatar), shared by every guild.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, UserId};

/// A user's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The user's id.
    pub id: UserId,
    /// Account name.
    pub username: String,
    /// Display name, if set.
    pub display_name: Option<String>,
    /// Avatar image URL, if any.
    pub avatar_url: Option<String>,
    /// Whether the user asked to be left out of the public web leaderboard (their rank
    /// stays theirs; the page skips their row). Off by default.
    #[serde(default)]
    pub leaderboard_hidden: bool,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A profile to create, or to update when the user exists (absent optional fields keep
/// their stored value).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUser {
    /// The user's id.
    pub id: UserId,
    /// Account name.
    pub username: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
}

/// A partial update: `None` leaves a field alone; `Some(None)` clears an optional field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// New account name.
    pub username: Option<String>,
    /// New display name, or `Some(None)` to clear it.
    pub display_name: Option<Option<String>>,
    /// New avatar URL, or `Some(None)` to clear it.
    pub avatar_url: Option<Option<String>>,
    /// Hide (`true`) or show (`false`) the user on the public web leaderboard.
    pub leaderboard_hidden: Option<bool>,
}

/// The longest username, display name or avatar URL accepted.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest avatar URL accepted.
pub const MAX_URL_CHARS: usize = 2048;

/// Refuses a text field holding a NUL character (U+0000): no store may be handed one
/// (PostgreSQL's `text` cannot hold it), so every store refuses it the same way, naming
/// the field.
pub(crate) fn check_no_nul(field: &str, value: &str) -> Result<(), Error> {
    if value.contains('\0') {
        return Err(Error::InvalidInput(format!(
            "{field} must not contain a NUL character (U+0000)"
        )));
    }
    Ok(())
}

fn check_name(field: &str, value: &str) -> Result<(), Error> {
    check_no_nul(field, value)?;
    let length = value.chars().count();
    if value.trim().is_empty() || length > MAX_NAME_CHARS {
        return Err(Error::InvalidInput(format!(
            "{field} must be 1-{MAX_NAME_CHARS} characters"
        )));
    }
    Ok(())
}

fn check_url(value: &str) -> Result<(), Error> {
    check_no_nul("avatar_url", value)?;
    if value.chars().count() > MAX_URL_CHARS {
        return Err(Error::InvalidInput(format!(
            "avatar_url must be at most {MAX_URL_CHARS} characters"
        )));
    }
    Ok(())
}

impl NewUser {
    /// Checks the lengths of the fields, and that none holds a NUL character.
    pub fn validate(&self) -> Result<(), Error> {
        check_name("username", &self.username)?;
        if let Some(name) = &self.display_name {
            check_name("display_name", name)?;
        }
        self.avatar_url.as_deref().map_or(Ok(()), check_url)
    }
}

impl UserPatch {
    /// Checks the lengths of the fields that are set, and that none holds a NUL character.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(name) = &self.username {
            check_name("username", name)?;
        }
        if let Some(Some(name)) = &self.display_name {
            check_name("display_name", name)?;
        }
        if let Some(Some(url)) = &self.avatar_url {
            check_url(url)?;
        }
        Ok(())
    }

    /// Applies the patch to a profile (the store sets `updated_at`).
    pub fn apply(&self, profile: &mut UserProfile) {
        if let Some(name) = &self.username {
            profile.username.clone_from(name);
        }
        if let Some(name) = &self.display_name {
            profile.display_name.clone_from(name);
        }
        if let Some(url) = &self.avatar_url {
            profile.avatar_url.clone_from(url);
        }
        if let Some(hidden) = self.leaderboard_hidden {
            profile.leaderboard_hidden = hidden;
        }
    }
}
