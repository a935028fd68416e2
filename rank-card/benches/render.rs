//! One card with an avatar and one with initials, rendered to PNG bytes.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use leveling_card::tiny_skia::{Color, Pixmap};
use leveling_card::{Avatar, CardData, Theme, render_png, tier_colour};

fn card(avatar: Option<Avatar>) -> CardData {
    CardData {
        display_name: "Alice Lovelace".into(),
        level: 12,
        rank: Some(3),
        tier: "Member".into(),
        tier_colour: tier_colour("Member", 1),
        xp_into_level: 1_234,
        xp_for_level: 2_000,
        total_xp: 45_678,
        avatar,
    }
}

fn render(c: &mut Criterion) {
    // A photo-sized source: Avatar scales it down once, outside the measured loop.
    let mut photo = Pixmap::new(512, 512).unwrap();
    photo.fill(Color::from_rgba8(0xe0, 0x3e, 0x8c, 255));
    let avatar = Avatar::from_bytes(&photo.encode_png().unwrap()).unwrap();
    let theme = Theme::default();

    let with_avatar = card(Some(avatar));
    c.bench_function("render_png/avatar", |b| {
        b.iter(|| render_png(black_box(&with_avatar), &theme).unwrap())
    });
    let initials = card(None);
    c.bench_function("render_png/initials", |b| {
        b.iter(|| render_png(black_box(&initials), &theme).unwrap())
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
