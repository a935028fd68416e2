//! Core benches: the curve, awards through the engine on the memory store, and rank.
//!
//! `cargo bench --bench core`. Figures are in the README's performance section.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::SplitMix;
use criterion::{Criterion, criterion_group, criterion_main};
use leveling::memory::MemoryStore;
use leveling::{Award, GuildId, LevelCurve, Leveling, MemberId, Progression, QuadraticCurve};

const MEMBERS: u64 = 1_000_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// An engine whose guild 1 has a million members with spread-out XP.
fn populated(rt: &tokio::runtime::Runtime) -> Leveling {
    let leveling = Leveling::builder(MemoryStore::new()).build();
    let mut rng = SplitMix(7);
    rt.block_on(async {
        for user in 0..MEMBERS {
            let xp = 1 + rng.next() % 1_000_000;
            leveling
                .award(Award::grant(MemberId::new(1, user), xp))
                .await
                .unwrap();
        }
    });
    leveling
}

fn curve(c: &mut Criterion) {
    let curve = QuadraticCurve::SEED;
    let mut rng = SplitMix(1);
    let xps: Vec<u64> = (0..1024).map(|_| rng.next() >> (rng.next() % 64)).collect();
    let realistic: Vec<u64> = (0..1024).map(|_| rng.next() % 2_000_000).collect();
    let progression = Progression::default();
    let mut i = 0;
    c.bench_function("level(xp): Progression::level, 0..2M XP", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            progression.level(black_box(realistic[i]))
        })
    });
    c.bench_function("level(xp): Progression::level, any u64", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            progression.level(black_box(xps[i]))
        })
    });
    c.bench_function("level_for_xp: closed form (isqrt), any u64", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            curve.level_for_xp(black_box(xps[i]))
        })
    });
}

fn awards(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("award (engine + memory store, one thread)");

    let hot = Leveling::builder(MemoryStore::new()).build();
    let member = MemberId::new(1, 42);
    group.bench_function("one hot member", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(hot.award(Award::grant(member, 15)).await.unwrap());
                }
                start.elapsed()
            })
        })
    });

    let big = populated(&rt);
    let mut rng = SplitMix(3);
    group.bench_function("random member of 1M", |b| {
        b.iter_custom(|iters| {
            let members: Vec<_> = (0..iters)
                .map(|_| MemberId::new(1, rng.next() % MEMBERS))
                .collect();
            rt.block_on(async {
                let start = Instant::now();
                for &member in &members {
                    black_box(big.award(Award::grant(member, 15)).await.unwrap());
                }
                start.elapsed()
            })
        })
    });
    group.finish();

    c.bench_function("rank of a random member of 1M", |b| {
        b.iter_custom(|iters| {
            let members: Vec<_> = (0..iters)
                .map(|_| MemberId::new(GuildId(1), rng.next() % MEMBERS))
                .collect();
            rt.block_on(async {
                let start = Instant::now();
                for &member in &members {
                    black_box(big.rank(member).await.unwrap());
                }
                start.elapsed()
            })
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = curve, awards
}
criterion_main!(benches);
