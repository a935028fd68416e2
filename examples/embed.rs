//! Embedding `leveling` in a bot: award XP for a few events and print what happened.
//!
//! Run with `cargo run --example embed`.

use leveling::memory::MemoryStore;
use leveling::{Award, BoxError, Event, EventSink, Leveling, MemberId};

/// Prints every level-up and unlock, as a bot would announce them.
struct Announce;

impl EventSink for Announce {
    fn publish(&self, event: &Event) -> Result<(), BoxError> {
        match event {
            Event::LevelUp(up) => println!(
                "  🎉 <@{}> reached level {} ({}{})",
                up.member.user,
                up.new_level,
                up.tier.name,
                if up.tier_changed { ", new tier!" } else { "" }
            ),
            Event::ToolUnlocked(unlocked) => {
                println!(
                    "  🔓 <@{}> unlocked {}",
                    unlocked.member.user, unlocked.tool.name
                )
            }
            _ => {}
        }
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> leveling::Result<()> {
    let leveling = Leveling::builder(MemoryStore::new()).sink(Announce).build();
    let ada = MemberId::new(1, 42);

    let first = leveling.award(Award::message(ada)).await?;
    println!(
        "message: +{} XP (incl. daily {:?}) → {} XP, level {}",
        first.amount, first.daily, first.xp, first.level
    );

    let again = leveling.award(Award::message(ada)).await?;
    println!(
        "message again: granted={} (cooldown {:.1?} left)",
        again.granted, again.cooldown_remaining
    );

    let prize = leveling
        .award(Award::grant(ada, 1_000).reason("event prize"))
        .await?;
    println!(
        "grant: +{} XP → {} XP, level {} → {}",
        prize.amount, prize.xp, prize.level_before, prize.level
    );

    let progress = leveling.progress(ada).await?.expect("ada has XP");
    println!(
        "progress: level {} ({}), {}/{} XP into the level, rank #{}",
        progress.progress.level,
        progress.tier.name,
        progress.progress.xp_into_level(),
        progress.progress.xp_for_next_level(),
        progress.rank.unwrap_or(0)
    );
    Ok(())
}
