//! Unlockable tools: the catalog model and who may use what, as pure functions.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::user::check_no_nul;
use crate::{Error, Tiers};

/// A tool's id: a slug of 1–64 characters from `a-z`, `0-9`, `-` and `_`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ToolId(String);

impl ToolId {
    /// Checks the slug.
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id = id.into();
        let valid = (1..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(id))
        } else {
            Err(Error::InvalidInput(format!(
                "tool id {id:?} must be 1-64 characters of a-z, 0-9, '-' and '_'"
            )))
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ToolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ToolId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        ToolId::new(raw).map_err(serde::de::Error::custom)
    }
}

/// A tool in the global catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// The tool's slug.
    pub id: ToolId,
    /// Display name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// The tier it belongs to (a tier name).
    pub tier: String,
    /// The level that unlocks it.
    pub required_level: u32,
    /// Where to use it, if anywhere.
    pub url: Option<String>,
}

/// A tool to add to the catalog; its required level defaults to its tier's first level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTool {
    /// The tool's slug.
    pub id: ToolId,
    /// Display name (1–100 characters).
    pub name: String,
    /// What it does (up to 1,000 characters).
    pub description: String,
    /// A tier name from the configured tiers.
    pub tier: String,
    /// The level that unlocks it (at most the last tier's last level); the tier's first
    /// level when absent.
    pub required_level: Option<u32>,
    /// Where to use it.
    pub url: Option<String>,
}

impl NewTool {
    /// Validates the tool against the tiers and resolves its required level.
    pub fn into_tool(self, tiers: &Tiers) -> Result<Tool, Error> {
        let invalid = |message: String| Err(Error::InvalidInput(message));
        check_no_nul("name", &self.name)?;
        check_no_nul("description", &self.description)?;
        check_no_nul("tier", &self.tier)?;
        if let Some(url) = &self.url {
            check_no_nul("url", url)?;
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return invalid("a tool name must be 1-100 characters".into());
        }
        if self.description.chars().count() > 1000 {
            return invalid("a tool description must be at most 1000 characters".into());
        }
        if self.url.as_ref().is_some_and(|url| url.len() > 2048) {
            return invalid("a tool url must be at most 2048 characters".into());
        }
        let Some(tier) = tiers.by_name(&self.tier) else {
            let known: Vec<_> = tiers.iter().map(|t| t.name.as_str()).collect();
            return invalid(format!(
                "unknown tier {:?}; the tiers are {}",
                self.tier,
                known.join(", ")
            ));
        };
        let required_level = self.required_level.unwrap_or(tier.min_level);
        let top = tiers.iter().map(|t| t.max_level).max().unwrap_or(0);
        if required_level > top {
            return invalid(format!(
                "required level {required_level} is above the last tier's last level ({top})"
            ));
        }
        Ok(Tool {
            id: self.id,
            name: name.to_owned(),
            description: self.description,
            tier: tier.name.clone(),
            required_level,
            url: self.url,
        })
    }
}

/// Why a member may use a tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockReason {
    /// Their level meets the tool's required level.
    Level,
    /// An admin granted it.
    Grant,
}

impl UnlockReason {
    /// `"level"` or `"grant"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            UnlockReason::Level => "level",
            UnlockReason::Grant => "grant",
        }
    }
}

impl fmt::Display for UnlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`UnlockReason`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown unlock reason {0:?}: expected \"level\" or \"grant\"")]
pub struct UnknownUnlockReason(pub String);

impl std::str::FromStr for UnlockReason {
    type Err = UnknownUnlockReason;

    /// `"level"` or `"grant"`, as [`as_str`](UnlockReason::as_str) writes them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "level" => Ok(UnlockReason::Level),
            "grant" => Ok(UnlockReason::Grant),
            other => Err(UnknownUnlockReason(other.to_owned())),
        }
    }
}

/// A recorded unlock: when a member reached a tool's level, or was granted it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlock {
    /// The tool.
    pub tool: ToolId,
    /// Level or grant.
    pub reason: UnlockReason,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Locked or unlocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessStatus {
    /// The member may not use the tool yet.
    Locked,
    /// The member may use the tool.
    Unlocked,
}

/// One tool and whether a member may use it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolAccess {
    /// The tool.
    pub tool: Tool,
    /// Locked or unlocked.
    pub status: AccessStatus,
    /// Why it is unlocked (`None` when locked).
    pub reason: Option<UnlockReason>,
    /// When it was unlocked, when known.
    pub unlocked_at: Option<DateTime<Utc>>,
}

/// A member's access to `tool` at `level`, given their recorded unlocks of it.
///
/// A grant wins over the level (it survives an XP reset); a level unlock holds only while
/// the level meets the requirement.
///
/// ```
/// use leveling_core::{access, AccessStatus, Tool, ToolId, UnlockReason};
///
/// let tool = Tool {
///     id: ToolId::new("poll").unwrap(),
///     name: "Polls".into(),
///     description: String::new(),
///     tier: "Member".into(),
///     required_level: 11,
///     url: None,
/// };
/// assert_eq!(access(&tool, 10, &[]).status, AccessStatus::Locked);
/// assert_eq!(access(&tool, 11, &[]).reason, Some(UnlockReason::Level));
/// ```
pub fn access(tool: &Tool, level: u32, unlocks: &[Unlock]) -> ToolAccess {
    let recorded = |reason| {
        unlocks
            .iter()
            .find(|unlock| unlock.tool == tool.id && unlock.reason == reason)
    };
    let (status, reason, unlocked_at) = if let Some(grant) = recorded(UnlockReason::Grant) {
        (
            AccessStatus::Unlocked,
            Some(UnlockReason::Grant),
            Some(grant.at),
        )
    } else if level >= tool.required_level {
        let at = recorded(UnlockReason::Level).map(|unlock| unlock.at);
        (AccessStatus::Unlocked, Some(UnlockReason::Level), at)
    } else {
        (AccessStatus::Locked, None, None)
    };
    ToolAccess {
        tool: tool.clone(),
        status,
        reason,
        unlocked_at,
    }
}

/// The tools whose required level lies in `(level_before, level_after]`: the ones a
/// rise from `level_before` to `level_after` unlocks.
pub fn unlocked_between(
    tools: &[Tool],
    level_before: u32,
    level_after: u32,
) -> impl Iterator<Item = &Tool> {
    tools.iter().filter(move |tool| {
        tool.required_level > level_before && tool.required_level <= level_after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(id: &str, level: u32) -> Tool {
        Tool {
            id: ToolId::new(id).unwrap(),
            name: id.into(),
            description: String::new(),
            tier: "Basic".into(),
            required_level: level,
            url: None,
        }
    }

    #[test]
    fn unlock_reasons_round_trip_through_their_names() {
        for reason in [UnlockReason::Level, UnlockReason::Grant] {
            assert_eq!(reason.as_str().parse::<UnlockReason>(), Ok(reason));
        }
        assert!("Grant".parse::<UnlockReason>().is_err());
    }

    #[test]
    fn slugs_are_checked() {
        assert!(ToolId::new("color-picker_2").is_ok());
        for bad in ["", "Caps", "with space", "ü", &"x".repeat(65)] {
            assert!(ToolId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grant_survives_a_level_drop_but_a_level_unlock_does_not() {
        let t = tool("a", 5);
        let at = DateTime::from_timestamp(1_000, 0).unwrap();
        let level = [Unlock {
            tool: t.id.clone(),
            reason: UnlockReason::Level,
            at,
        }];
        let grant = [Unlock {
            tool: t.id.clone(),
            reason: UnlockReason::Grant,
            at,
        }];
        assert_eq!(access(&t, 5, &level).unlocked_at, Some(at));
        assert_eq!(access(&t, 0, &level).status, AccessStatus::Locked);
        let granted = access(&t, 0, &grant);
        assert_eq!(
            (granted.status, granted.reason),
            (AccessStatus::Unlocked, Some(UnlockReason::Grant))
        );
    }

    #[test]
    fn rising_unlocks_exactly_the_tools_crossed() {
        let tools = [tool("a", 0), tool("b", 5), tool("c", 6), tool("d", 9)];
        let ids: Vec<_> = unlocked_between(&tools, 5, 9)
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(ids, ["c", "d"]);
        assert_eq!(unlocked_between(&tools, 3, 3).count(), 0);
    }

    #[test]
    fn new_tool_takes_its_tier_start_unless_set() {
        let tiers = Tiers::default();
        let new = |tier: &str, level| NewTool {
            id: ToolId::new("x").unwrap(),
            name: "X".into(),
            description: String::new(),
            tier: tier.into(),
            required_level: level,
            url: None,
        };
        assert_eq!(
            new("elite", None).into_tool(&tiers).unwrap().required_level,
            51
        );
        assert_eq!(new("Elite", None).into_tool(&tiers).unwrap().tier, "Elite");
        assert_eq!(
            new("Elite", Some(60))
                .into_tool(&tiers)
                .unwrap()
                .required_level,
            60
        );
        assert!(new("Gold", None).into_tool(&tiers).is_err());
        // The tier is the tool's group; the level may lie outside it, but not above the
        // last tier (a level the tiers do not reach is a mistake).
        assert!(new("Elite", Some(5)).into_tool(&tiers).is_ok());
        assert!(new("Basic", Some(100)).into_tool(&tiers).is_ok());
        assert!(new("Basic", Some(101)).into_tool(&tiers).is_err());
        assert!(new("Basic", Some(u32::MAX)).into_tool(&tiers).is_err());
    }
}
