//! The storage conformance suite (feature `testing`): every case of the
//! [`Storage`](crate::Storage) contract, runnable against any store.
//!
//! In a store crate's `tests/conformance.rs` (with `tokio` — features `macros` and
//! `rt-multi-thread` — as a dev-dependency):
//!
//! ```ignore
//! // Each case gets a fresh store from this expression.
//! leveling_core::storage_conformance!(async { MyStore::new() });
//!
//! // Or, for a store that needs a server: `None` skips the case (print why).
//! leveling_core::storage_conformance!(optional async { MyStore::connect_for_tests().await });
//! ```
//!
//! Every case becomes its own `#[tokio::test]` (multi-threaded, so the concurrency cases
//! race for real). The cases are the public functions of [`cases`]; call them directly
//! to run one by hand.

pub mod cases;
mod settings_cases;
mod transfer_cases;

/// Runs the whole conformance suite against a store; see the [module docs](crate::testing).
#[macro_export]
macro_rules! storage_conformance {
    (optional $make:expr) => {
        $crate::__conformance_cases!($make;
            award_grants_and_records_history,
            award_creates_the_member,
            cooldown_refuses_with_the_time_remaining,
            cooldown_ends_exactly_on_time,
            cooldowns_are_per_source_and_member,
            first_activity_of_a_day_claims_daily_and_streak,
            daily_only_claim_is_refused_when_claimed,
            missed_day_resets_the_streak_and_the_bonus_caps,
            refused_award_creates_nothing,
            idempotency_key_replays_the_first_grant,
            idempotency_keys_are_per_member_and_only_granted_awards_use_them,
            idempotency_keys_expire_after_the_window,
            xp_saturates_at_max_xp,
            concurrent_awards_add_up_exactly,
            concurrent_cooldown_lets_exactly_one_through,
            concurrent_idempotent_awards_apply_once,
            concurrent_first_awards_of_new_members,
            admin_add_floors_at_zero_and_records_the_actor,
            admin_set_and_reset,
            history_is_newest_first_and_paginated,
            leaderboard_orders_by_xp_then_time_then_user,
            leaderboard_is_paginated_and_per_guild,
            leaderboard_shows_usernames,
            leaderboard_carries_profiles_and_the_hidden_flag,
            rank_matches_the_leaderboard,
            users_are_created_updated_and_listed,
            user_patch_changes_only_given_fields,
            tools_are_created_once_and_ordered,
            unlocks_are_recorded_once_per_reason,
            stats_count_members_users_and_xp,
            health_is_ok,
            settings_are_absent_until_written,
            settings_round_trip_and_are_audited,
            stale_settings_writes_conflict_and_change_nothing,
            settings_reset_keeps_a_row_without_settings,
            settings_audit_is_newest_first_paginated_and_per_guild,
            settings_changed_follows_versions_across_guilds,
            concurrent_settings_writes_let_exactly_one_through,
            import_add_adds_xp_with_an_import_history_row,
            import_replace_sets_xp_and_twice_changes_nothing,
            import_refuses_a_bad_batch_whole,
            concurrent_imports_and_awards_add_up_exactly,
            restore_writes_a_backup_back_as_it_was,
            members_after_pages_by_guild_then_user,
            user_members_lists_every_guild_of_a_user,
            forget_user_deletes_everything_and_closes_the_gap,
        );
    };
    ($make:expr) => {
        $crate::storage_conformance!(optional async { ::core::option::Option::Some($make.await) });
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                if let ::core::option::Option::Some(store) = $make.await {
                    $crate::testing::cases::$case(store).await;
                }
            }
        )*
    };
}
