//! The `multipliers` section and the stacking rule: how much one award is worth.
//!
//! **The stacking rule.** An award's factor is
//!
//! > role factor × channel factor × event factor
//!
//! - **role factor**: the *highest* multiplier among the member's roles that have one;
//!   1.0 when none of their roles has one. A role at 0 is the exception: a member holding
//!   any 0× role earns nothing, whatever their other roles (0× means no XP).
//! - **channel factor**: the multiplier of the *nearest* of the channel and its parents
//!   (thread → channel → category) that has one; 1.0 when none has. A thread inherits
//!   its channel's multiplier, a channel its category's, and the nearer one wins.
//! - **event factor**: the event's factor while `now < ends_at`; 1.0 without an event
//!   and from `ends_at` on.
//!
//! Any factor of 0 makes the product 0: no XP. The XP is then
//! [`scaled_xp`]`(base, factor)`, rounded half up.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AwardContext;
use crate::{ChannelId, RoleId};

/// A guild-wide multiplier until a given time (a "double XP weekend").
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventMultiplier {
    /// Greater than 0 and at most [`MAX_MULTIPLIER`](super::MAX_MULTIPLIER).
    pub factor: f64,
    /// When it stops applying (the event is over at this instant exactly).
    pub ends_at: DateTime<Utc>,
}

impl EventMultiplier {
    /// Whether the event applies at `now`: strictly before `ends_at`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        now < self.ends_at
    }
}

/// The `multipliers` section of [`GuildSettings`](super::GuildSettings). Every factor is
/// finite, from 0 to [`MAX_MULTIPLIER`](super::MAX_MULTIPLIER); see the
/// [module docs](self) for how they stack.
///
/// ```
/// use leveling_core::{AwardContext, Multipliers};
/// use leveling_core::chrono::Utc;
///
/// let mut multipliers = Multipliers::default();
/// multipliers.roles.insert(1.into(), 2.0);
/// multipliers.roles.insert(2.into(), 1.5);
/// multipliers.channels.insert(10.into(), 0.5);
/// // Highest role (2.0) × the category's 0.5 (inherited by channel 20).
/// let context = AwardContext::new().channel(20).parent(10).roles([1, 2]);
/// assert_eq!(multipliers.factor(&context, Utc::now()), 1.0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multipliers {
    /// Per role (JSON: an object keyed by the role id).
    pub roles: BTreeMap<RoleId, f64>,
    /// Per channel, thread or category (JSON: an object keyed by the channel id).
    pub channels: BTreeMap<ChannelId, f64>,
    /// The guild-wide event, if any (JSON `null` when none).
    pub event: Option<EventMultiplier>,
}

impl Multipliers {
    /// The role factor of a member with `roles`: 0 when any of them is 0×, else the
    /// highest multiplier among them, 1.0 when none has one.
    pub fn role_factor(&self, roles: &[RoleId]) -> f64 {
        let mut highest: Option<f64> = None;
        for factor in roles
            .iter()
            .filter_map(|role| self.roles.get(role).copied())
        {
            if factor == 0.0 {
                return 0.0;
            }
            highest = Some(highest.map_or(factor, |h| h.max(factor)));
        }
        highest.unwrap_or(1.0)
    }

    /// The channel factor of `context`: the nearest of its channel and parents that has
    /// a multiplier, 1.0 when none has.
    pub fn channel_factor(&self, context: &AwardContext) -> f64 {
        context
            .chain()
            .find_map(|channel| self.channels.get(&channel).copied())
            .unwrap_or(1.0)
    }

    /// The event factor at `now`: the event's while it is active, else 1.0.
    pub fn event_factor(&self, now: DateTime<Utc>) -> f64 {
        self.event
            .filter(|event| event.is_active(now))
            .map_or(1.0, |event| event.factor)
    }

    /// The stacked factor of an award in `context` at `now` (the [module docs](self)'
    /// rule): role factor × channel factor × event factor.
    pub fn factor(&self, context: &AwardContext, now: DateTime<Utc>) -> f64 {
        self.role_factor(&context.roles) * self.channel_factor(context) * self.event_factor(now)
    }
}

/// `base` XP times `factor`, **rounded half up** (2.5 → 3, 2.4 → 2), saturating at
/// `u64::MAX`; a factor that is not a positive number (0, negative, NaN) gives 0, and a
/// factor of exactly 1.0 gives `base` unchanged. Exact for every `base` below 2^53 (far
/// above what a valid rule pays: at most
/// [`MAX_RULE_XP`](super::MAX_RULE_XP) × 60 minutes × 1000).
///
/// ```
/// use leveling_core::scaled_xp;
///
/// assert_eq!(scaled_xp(15, 2.0), 30);
/// assert_eq!(scaled_xp(15, 1.5), 23); // 22.5 rounds up
/// assert_eq!(scaled_xp(15, 0.1), 2); // 1.5 rounds up
/// assert_eq!(scaled_xp(15, 0.0), 0);
/// ```
pub fn scaled_xp(base: u64, factor: f64) -> u64 {
    if factor == 1.0 {
        return base;
    }
    if factor.is_nan() || factor <= 0.0 || base == 0 {
        return 0;
    }
    let scaled = (base as f64 * factor + 0.5).floor();
    // `as` saturates: +∞ and anything ≥ 2^64 become u64::MAX.
    scaled as u64
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    fn multipliers(roles: &[(u64, f64)], channels: &[(u64, f64)]) -> Multipliers {
        Multipliers {
            roles: roles.iter().map(|&(r, f)| (RoleId(r), f)).collect(),
            channels: channels.iter().map(|&(c, f)| (ChannelId(c), f)).collect(),
            event: None,
        }
    }

    #[test]
    fn highest_role_wins_and_unlisted_roles_count_as_one() {
        let m = multipliers(&[(1, 2.0), (2, 1.5), (3, 0.5)], &[]);
        assert_eq!(m.role_factor(&[RoleId(1), RoleId(2)]), 2.0);
        assert_eq!(m.role_factor(&[RoleId(2), RoleId(1)]), 2.0);
        assert_eq!(m.role_factor(&[RoleId(2), RoleId(9)]), 1.5);
        // Only listed roles compete: a lone 0.5 role halves, it is not raised to 1.0.
        assert_eq!(m.role_factor(&[RoleId(3), RoleId(9)]), 0.5);
        assert_eq!(m.role_factor(&[RoleId(9)]), 1.0);
        assert_eq!(m.role_factor(&[]), 1.0);
    }

    #[test]
    fn a_zero_role_means_no_xp_whatever_the_other_roles() {
        let m = multipliers(&[(1, 2.0), (2, 0.0)], &[]);
        assert_eq!(m.role_factor(&[RoleId(1), RoleId(2)]), 0.0);
        let context = AwardContext::new().channel(5).roles([1, 2]);
        assert_eq!(scaled_xp(15, m.factor(&context, at(0))), 0);
    }

    #[test]
    fn nearest_channel_multiplier_wins() {
        let m = multipliers(&[], &[(1, 0.5), (2, 3.0)]);
        // Thread 3 in channel 2 in category 1: the channel's 3.0 is nearer than 0.5.
        let thread = AwardContext::new().channel(3).parent(2).parent(1);
        assert_eq!(m.channel_factor(&thread), 3.0);
        // Another channel of category 1 inherits the category's.
        assert_eq!(
            m.channel_factor(&AwardContext::new().channel(4).parent(1)),
            0.5
        );
        // A thread's own multiplier beats both.
        let m = multipliers(&[], &[(1, 0.5), (2, 3.0), (3, 0.0)]);
        assert_eq!(m.channel_factor(&thread), 0.0);
        assert_eq!(m.channel_factor(&AwardContext::new()), 1.0);
        assert_eq!(
            m.channel_factor(&AwardContext::new().channel(9).parent(8)),
            1.0
        );
    }

    #[test]
    fn factors_multiply() {
        let mut m = multipliers(&[(1, 2.0)], &[(10, 1.5)]);
        m.event = Some(EventMultiplier {
            factor: 2.0,
            ends_at: at(100),
        });
        let context = AwardContext::new().channel(11).parent(10).roles([1]);
        assert_eq!(m.factor(&context, at(0)), 6.0);
        assert_eq!(scaled_xp(15, m.factor(&context, at(0))), 90);
        let zero_channel = multipliers(&[(1, 2.0)], &[(11, 0.0)]);
        assert_eq!(zero_channel.factor(&context, at(0)), 0.0);
    }

    #[test]
    fn the_event_ends_exactly_at_ends_at() {
        let m = Multipliers {
            event: Some(EventMultiplier {
                factor: 3.0,
                ends_at: at(1_000),
            }),
            ..Multipliers::default()
        };
        assert_eq!(m.event_factor(at(999)), 3.0);
        assert_eq!(
            m.event_factor(at(1_000) - chrono::Duration::nanoseconds(1)),
            3.0
        );
        assert_eq!(m.event_factor(at(1_000)), 1.0);
        assert_eq!(m.event_factor(at(1_001)), 1.0);
        assert_eq!(Multipliers::default().event_factor(at(0)), 1.0);
    }

    #[test]
    fn rounding_is_half_up_and_saturating() {
        assert_eq!(scaled_xp(5, 0.5), 3); // 2.5
        assert_eq!(scaled_xp(5, 0.3), 2); // 1.5
        assert_eq!(scaled_xp(5, 0.29), 1); // 1.45
        assert_eq!(scaled_xp(1, 0.49), 0);
        assert_eq!(scaled_xp(10, 1.25), 13); // 12.5
        assert_eq!(scaled_xp(0, 3.0), 0);
        assert_eq!(scaled_xp(u64::MAX, 10.0), u64::MAX);
        assert_eq!(scaled_xp(u64::MAX, 1.0), u64::MAX);
        assert_eq!(scaled_xp(10, f64::INFINITY), u64::MAX);
        assert_eq!(scaled_xp(10, f64::NAN), 0);
        assert_eq!(scaled_xp(10, -2.0), 0);
    }

    #[test]
    fn json_shape() {
        let mut m = multipliers(&[(1, 2.0)], &[(2, 0.5)]);
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::json!({"roles": {"1": 2.0}, "channels": {"2": 0.5}, "event": null})
        );
        m.event = Some(EventMultiplier {
            factor: 2.0,
            ends_at: at(0),
        });
        let json = serde_json::json!({
            "roles": {"1": 2.0}, "channels": {"2": 0.5},
            "event": {"factor": 2.0, "ends_at": "1970-01-01T00:00:00Z"}
        });
        assert_eq!(serde_json::to_value(&m).unwrap(), json);
        assert_eq!(serde_json::from_value::<Multipliers>(json).unwrap(), m);
    }

    proptest! {
        /// With no multiplier anywhere (or only 1.0s), an award is worth its base XP.
        #[test]
        fn ones_everywhere_pay_the_base(
            base in any::<u64>(),
            roles in proptest::collection::vec(0u64..5, 0..5),
            chain in proptest::collection::vec(0u64..5, 0..4),
        ) {
            let m = multipliers(
                &[(0, 1.0), (1, 1.0), (2, 1.0)],
                &[(0, 1.0), (3, 1.0)],
            );
            let mut context = AwardContext::new().roles(roles);
            for (i, c) in chain.into_iter().enumerate() {
                context = if i == 0 { context.channel(c) } else { context.parent(c) };
            }
            prop_assert_eq!(scaled_xp(base, m.factor(&context, at(0))), base);
            prop_assert_eq!(scaled_xp(base, Multipliers::default().factor(&context, at(0))), base);
        }

        /// More factor never pays less, and rounding is never off by more than half.
        #[test]
        fn scaled_xp_is_monotonic_and_rounds_to_nearest(
            base in 0u64..(1 << 40),
            a in 0.0f64..=1000.0,
            b in 0.0f64..=1000.0,
        ) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(scaled_xp(base, low) <= scaled_xp(base, high));
            let exact = base as f64 * a;
            if a > 0.0 {
                prop_assert!((scaled_xp(base, a) as f64 - exact).abs() <= 0.5 + exact * 1e-12);
            }
        }
    }
}
