//! The announcement template: placeholders, escapes, parsing and rendering.

use std::fmt;

use super::SettingsError;

/// The field a template error names.
const FIELD: &str = "announce.template";

/// A value a template can show, written `{name}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placeholder {
    /// `{user}`: the member as a mention.
    User,
    /// `{username}`: the member's name.
    Username,
    /// `{level}`: the new level.
    Level,
    /// `{old_level}`: the level before.
    OldLevel,
    /// `{tier}`: the name of the (new) tier.
    Tier,
    /// `{xp}`: the member's total XP.
    Xp,
    /// `{rank}`: the member's leaderboard position.
    Rank,
    /// `{next_level_xp}`: the total XP at which the next level is reached.
    NextLevelXp,
    /// `{guild}`: the guild's name.
    Guild,
}

impl Placeholder {
    /// Every placeholder, in the order of the docs.
    pub const ALL: [Placeholder; 9] = [
        Placeholder::User,
        Placeholder::Username,
        Placeholder::Level,
        Placeholder::OldLevel,
        Placeholder::Tier,
        Placeholder::Xp,
        Placeholder::Rank,
        Placeholder::NextLevelXp,
        Placeholder::Guild,
    ];

    /// Its name, without the braces (`"old_level"`).
    pub const fn name(self) -> &'static str {
        match self {
            Placeholder::User => "user",
            Placeholder::Username => "username",
            Placeholder::Level => "level",
            Placeholder::OldLevel => "old_level",
            Placeholder::Tier => "tier",
            Placeholder::Xp => "xp",
            Placeholder::Rank => "rank",
            Placeholder::NextLevelXp => "next_level_xp",
            Placeholder::Guild => "guild",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// A parsed announcement template: text with [`Placeholder`]s, `{{` and `}}` for literal
/// braces.
///
/// ```
/// use leveling_core::{Template, TemplateValues};
///
/// let template = Template::parse("{user} reached level {level} ({tier}) {{GG}}").unwrap();
/// let values = TemplateValues { user: "<@7>", level: 11, tier: "Member", ..TemplateValues::default() };
/// assert_eq!(template.render(&values), "<@7> reached level 11 (Member) {GG}");
///
/// let error = Template::parse("level {lvl}").unwrap_err();
/// assert_eq!(error.field(), "announce.template");
/// assert!(error.message().starts_with("unknown placeholder {lvl}"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `source`. Errors (field `announce.template`) name the problem and where it
    /// is (counting characters from 1): an unknown placeholder (the message lists the
    /// known ones), a `{` never closed, a `}` never opened. No length or emptiness check
    /// here; [`validate`](super::GuildSettings::validate) adds those.
    pub fn parse(source: &str) -> Result<Self, SettingsError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = source.chars().enumerate().peekable();
        while let Some((position, c)) = chars.next() {
            match c {
                '{' if chars.next_if(|&(_, c)| c == '{').is_some() => text.push('{'),
                '}' if chars.next_if(|&(_, c)| c == '}').is_some() => text.push('}'),
                '{' => {
                    let mut name = String::new();
                    let closed = loop {
                        match chars.next() {
                            Some((_, '}')) => break true,
                            Some((_, c)) => name.push(c),
                            None => break false,
                        }
                    };
                    if !closed {
                        return Err(SettingsError::new(
                            FIELD,
                            format!(
                                "unclosed '{{' at character {}: close the placeholder with '}}', or write '{{{{' for a literal brace",
                                position + 1
                            ),
                        ));
                    }
                    let Some(placeholder) = Placeholder::from_name(&name) else {
                        return Err(SettingsError::new(
                            FIELD,
                            format!(
                                "unknown placeholder {{{name}}} at character {}; known: {}",
                                position + 1,
                                Placeholder::ALL.map(|p| p.to_string()).join(" ")
                            ),
                        ));
                    };
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Value(placeholder));
                }
                '}' => {
                    return Err(SettingsError::new(
                        FIELD,
                        format!(
                            "unmatched '}}' at character {}: write '}}}}' for a literal brace",
                            position + 1
                        ),
                    ));
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Self { pieces })
    }

    /// Whether the template shows `placeholder` (an adapter can skip a rank query when
    /// it does not).
    pub fn uses(&self, placeholder: Placeholder) -> bool {
        self.pieces.contains(&Piece::Value(placeholder))
    }

    /// The template filled with `values`, in one pass: a value that looks like a
    /// placeholder (a username `{level}`) is shown as it is, never expanded.
    pub fn render(&self, values: &TemplateValues<'_>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Value(placeholder) => values.write(*placeholder, &mut out),
            }
        }
        out
    }
}

impl fmt::Display for Template {
    /// The template's source, escapes included (parsing it gives the same template).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => f.write_str(&text.replace('{', "{{").replace('}', "}}"))?,
                Piece::Value(placeholder) => write!(f, "{placeholder}")?,
            }
        }
        Ok(())
    }
}

/// What the placeholders show. The strings are inserted as they are: the adapter
/// formats and escapes them for its medium (a Discord mention `<@id>` for `user`,
/// Markdown-escaped names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TemplateValues<'a> {
    /// `{user}`: the member as a mention.
    pub user: &'a str,
    /// `{username}`: the member's name.
    pub username: &'a str,
    /// `{level}`: the new level.
    pub level: u32,
    /// `{old_level}`: the level before.
    pub old_level: u32,
    /// `{tier}`: the new tier's name.
    pub tier: &'a str,
    /// `{xp}`: total XP.
    pub xp: u64,
    /// `{rank}`: the leaderboard position (1 = first); shown as `?` when unknown.
    pub rank: Option<u64>,
    /// `{next_level_xp}`: the total XP of the next level.
    pub next_level_xp: u64,
    /// `{guild}`: the guild's name.
    pub guild: &'a str,
}

impl TemplateValues<'_> {
    fn write(&self, placeholder: Placeholder, out: &mut String) {
        use std::fmt::Write as _;
        // Writing into a String cannot fail.
        let _ = match placeholder {
            Placeholder::User => write!(out, "{}", self.user),
            Placeholder::Username => write!(out, "{}", self.username),
            Placeholder::Level => write!(out, "{}", self.level),
            Placeholder::OldLevel => write!(out, "{}", self.old_level),
            Placeholder::Tier => write!(out, "{}", self.tier),
            Placeholder::Xp => write!(out, "{}", self.xp),
            Placeholder::Rank => match self.rank {
                Some(rank) => write!(out, "{rank}"),
                None => write!(out, "?"),
            },
            Placeholder::NextLevelXp => write!(out, "{}", self.next_level_xp),
            Placeholder::Guild => write!(out, "{}", self.guild),
        };
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn values() -> TemplateValues<'static> {
        TemplateValues {
            user: "<@7>",
            username: "ann",
            level: 11,
            old_level: 9,
            tier: "Member",
            xp: 12_650,
            rank: Some(3),
            next_level_xp: 14_400,
            guild: "Rustaceans",
        }
    }

    #[test]
    fn every_placeholder_renders() {
        let source = Placeholder::ALL.map(|p| p.to_string()).join("|");
        assert_eq!(
            source,
            "{user}|{username}|{level}|{old_level}|{tier}|{xp}|{rank}|{next_level_xp}|{guild}"
        );
        let template = Template::parse(&source).unwrap();
        assert_eq!(
            template.render(&values()),
            "<@7>|ann|11|9|Member|12650|3|14400|Rustaceans"
        );
        for placeholder in Placeholder::ALL {
            assert!(template.uses(placeholder), "{placeholder}");
        }
        let unranked = TemplateValues {
            rank: None,
            ..values()
        };
        assert_eq!(Template::parse("#{rank}").unwrap().render(&unranked), "#?");
    }

    #[test]
    fn escapes_and_plain_text() {
        let template = Template::parse("{{level}} is {level}; }} {{").unwrap();
        assert_eq!(template.render(&values()), "{level} is 11; } {");
        assert!(template.uses(Placeholder::Level));
        assert!(!template.uses(Placeholder::User));
        assert_eq!(Template::parse("").unwrap().render(&values()), "");
        assert_eq!(Template::parse("🎉 ok").unwrap().render(&values()), "🎉 ok");
        // `{{{level}}}`: a brace, the level, a brace.
        assert_eq!(
            Template::parse("{{{level}}}").unwrap().render(&values()),
            "{11}"
        );
    }

    #[test]
    fn values_are_never_expanded() {
        let sneaky = TemplateValues {
            username: "{level}}",
            ..values()
        };
        assert_eq!(
            Template::parse("{username}").unwrap().render(&sneaky),
            "{level}}"
        );
    }

    #[test]
    fn errors_name_the_problem_and_the_place() {
        let message = |source: &str| {
            let error = Template::parse(source).unwrap_err();
            assert_eq!(error.field(), "announce.template");
            error.message().to_owned()
        };
        let unknown = message("GG {usr}!");
        assert!(
            unknown.starts_with("unknown placeholder {usr} at character 4; known: {user}"),
            "{unknown}"
        );
        assert!(message("{}").starts_with("unknown placeholder {} at character 1"));
        assert!(message("{Level}").starts_with("unknown placeholder {Level}"));
        assert!(message("{ level }").starts_with("unknown placeholder { level }"));
        let unclosed = message("level {level");
        assert!(
            unclosed.starts_with("unclosed '{' at character 7"),
            "{unclosed}"
        );
        assert!(message("a {").starts_with("unclosed '{' at character 3"));
        let unmatched = message("level} {level}");
        assert!(
            unmatched.starts_with("unmatched '}' at character 6"),
            "{unmatched}"
        );
    }

    proptest! {
        /// Display gives a source that parses back to the same template.
        #[test]
        fn display_round_trips(
            parts in proptest::collection::vec(
                prop_oneof![
                    "[a-z {}🎉]{0,6}".prop_map(|s| s.replace('{', "{{").replace('}', "}}")),
                    proptest::sample::select(Placeholder::ALL.to_vec()).prop_map(|p| p.to_string()),
                ],
                0..8,
            ),
        ) {
            let source = parts.concat();
            let template = Template::parse(&source).unwrap();
            let shown = template.to_string();
            prop_assert_eq!(Template::parse(&shown).unwrap(), template);
        }

        /// Any text without braces renders as itself.
        #[test]
        fn text_without_braces_is_itself(text in "[^{}]{0,40}") {
            prop_assert_eq!(Template::parse(&text).unwrap().render(&values()), text);
        }
    }
}
