//! The card's SVG template. Every piece of caller text passes through
//! [`text::escape_xml`] after [`text::clean`]; numbers are formatted here.

use std::fmt::Write as _;

use crate::card::CardData;
use crate::colour::Theme;
use crate::fonts::{FAMILY, text_width};
use crate::text::{self, escape_xml, thousands};

/// The card's size in pixels.
pub(crate) const WIDTH: u32 = 934;
/// The card's size in pixels.
pub(crate) const HEIGHT: u32 = 282;

/// The avatar circle.
pub(crate) const AVATAR_CX: f32 = 148.0;
pub(crate) const AVATAR_CY: f32 = 141.0;
pub(crate) const AVATAR_R: f32 = 96.0;

/// The column right of the avatar that holds the text and the bar.
const CONTENT_X: f32 = 284.0;
const CONTENT_END: f32 = 890.0;

/// The progress bar.
pub(crate) const BAR_X: f32 = CONTENT_X;
pub(crate) const BAR_Y: f32 = 166.0;
pub(crate) const BAR_W: f32 = CONTENT_END - CONTENT_X;
pub(crate) const BAR_H: f32 = 30.0;

const NAME_PX: f32 = 40.0;
const TIER_PX: f32 = 26.0;
const LABEL_PX: f32 = 18.0;
const FIGURE_PX: f32 = 30.0;
const LABEL_GAP: f32 = 8.0;
const GROUP_GAP: f32 = 22.0;

/// Writes the SVG document for one card.
pub(crate) fn card(data: &CardData, theme: &Theme) -> String {
    let mut svg =
        String::with_capacity(4096 + data.avatar.as_ref().map_or(0, |a| a.data_url().len()));
    let tier = data.tier_colour;
    let (cx, cy, r) = (AVATAR_CX, AVATAR_CY, AVATAR_R);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FAMILY}">
<defs>
<clipPath id="track"><rect x="{BAR_X}" y="{BAR_Y}" width="{BAR_W}" height="{BAR_H}" rx="{bar_r}"/></clipPath>
<clipPath id="content"><rect x="{CONTENT_X}" y="0" width="{content_w}" height="{HEIGHT}"/></clipPath>
</defs>
<rect width="{WIDTH}" height="{HEIGHT}" rx="22" fill="{bg}"/>
<rect x="12" y="12" width="{panel_w}" height="{panel_h}" rx="16" fill="{panel}"/>
<circle cx="{cx}" cy="{cy}" r="{ring_r}" fill="none" stroke="{tier}" stroke-width="5"/>
"##,
        bar_r = BAR_H / 2.0,
        content_w = CONTENT_END - CONTENT_X,
        bg = theme.background,
        panel = theme.panel,
        panel_w = WIDTH - 24,
        panel_h = HEIGHT - 24,
        ring_r = r + 8.0,
    );

    match &data.avatar {
        Some(avatar) => {
            let _ = writeln!(
                svg,
                r#"<image x="{x}" y="{y}" width="{d}" height="{d}" xlink:href="{href}"/>"#,
                x = cx - r,
                y = cy - r,
                d = 2.0 * r,
                href = avatar.data_url(),
            );
        }
        None => {
            let letters = text::initials(&data.display_name);
            // Two wide letters must still sit inside the circle.
            let px = if text_width(&letters, true, 72.0) > 1.5 * r {
                56.0
            } else {
                72.0
            };
            let _ = writeln!(
                svg,
                r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{tier}"/>
<text x="{cx}" y="{baseline}" font-size="{px}" font-weight="bold" text-anchor="middle" fill="{ink}">{letters}</text>"#,
                // DejaVu's capitals are 0.73 em tall: centre them, not the em box.
                baseline = cy + 0.365 * px,
                ink = tier.readable_on(),
                letters = escape_xml(&letters),
            );
        }
    }

    // Row 2's right side, rank and level, is laid out first: the tier name gets what is left.
    let mut figures = Vec::new();
    if let Some(rank) = data.rank {
        figures.push(("RANK", format!("#{}", thousands(rank))));
    }
    figures.push(("LEVEL", thousands(u64::from(data.level))));
    let figures_w: f32 = figures
        .iter()
        .map(|(label, value)| {
            text_width(label, false, LABEL_PX) + LABEL_GAP + text_width(value, true, FIGURE_PX)
        })
        .sum::<f32>()
        + GROUP_GAP * (figures.len() - 1) as f32;

    let name = text::fit(
        &text::clean(&data.display_name),
        CONTENT_END - CONTENT_X,
        |s| text_width(s, true, NAME_PX),
    );
    let tier_room = (CONTENT_END - CONTENT_X - figures_w - GROUP_GAP).max(0.0);
    let tier_name = text::fit(&text::clean(&data.tier), tier_room, |s| {
        text_width(s, true, TIER_PX)
    });

    let _ = writeln!(
        svg,
        r#"<g clip-path="url(#content)">
<text x="{CONTENT_X}" y="96" font-size="{NAME_PX}" font-weight="bold" fill="{ink}">{name}</text>
<text x="{CONTENT_X}" y="146" font-size="{TIER_PX}" font-weight="bold" fill="{tier}">{tier_name}</text>
</g>"#,
        ink = theme.text,
        name = escape_xml(&name),
        tier_name = escape_xml(&tier_name),
    );

    // Each figure is placed at a computed x rather than with tspans and spaces, which
    // XML whitespace handling would collapse.
    let mut x = CONTENT_END - figures_w;
    for (label, value) in &figures {
        let _ = writeln!(
            svg,
            r#"<text x="{x}" y="146" font-size="{LABEL_PX}" fill="{muted}">{label}</text>"#,
            muted = theme.muted,
        );
        x += text_width(label, false, LABEL_PX) + LABEL_GAP;
        let _ = writeln!(
            svg,
            r#"<text x="{x}" y="146" font-size="{FIGURE_PX}" font-weight="bold" fill="{ink}">{value}</text>"#,
            ink = theme.text,
        );
        x += text_width(value, true, FIGURE_PX) + GROUP_GAP;
    }

    let filled = (data.progress() * f64::from(BAR_W)) as f32;
    let _ = writeln!(
        svg,
        r#"<rect x="{BAR_X}" y="{BAR_Y}" width="{BAR_W}" height="{BAR_H}" rx="{bar_r}" fill="{track}"/>"#,
        bar_r = BAR_H / 2.0,
        track = theme.bar_track,
    );
    if filled > 0.0 {
        // A pill, rounded at its leading end too. Narrower than the bar is tall, a pill
        // would shrink into an ellipse, so then a square-ended rect is clipped to the
        // track's rounded left end instead (only then: a clip costs a card-sized mask).
        let shape = if filled < BAR_H {
            r#"clip-path="url(#track)""#.to_owned()
        } else {
            format!(r#"rx="{}""#, BAR_H / 2.0)
        };
        let _ = writeln!(
            svg,
            r#"<rect x="{BAR_X}" y="{BAR_Y}" width="{filled}" height="{BAR_H}" {shape} fill="{bar}"/>"#,
            bar = theme.bar,
        );
    }

    let _ = write!(
        svg,
        r#"<text x="{CONTENT_X}" y="234" font-size="22" fill="{ink}"><tspan font-weight="bold">{into}</tspan><tspan fill="{muted}"> / {span} XP</tspan></text>
<text x="{CONTENT_END}" y="234" font-size="20" text-anchor="end" fill="{muted}">{total} XP in all</text>
</svg>"#,
        ink = theme.text,
        muted = theme.muted,
        into = thousands(data.xp_into_level),
        span = thousands(data.xp_for_level),
        total = thousands(data.total_xp),
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rgb;

    fn data(name: &str) -> CardData {
        CardData {
            display_name: name.into(),
            level: 1,
            rank: None,
            tier: "Basic".into(),
            tier_colour: Rgb::new(1, 2, 3),
            xp_into_level: 0,
            xp_for_level: 100,
            total_xp: 0,
            avatar: None,
        }
    }

    #[test]
    fn caller_text_is_escaped() {
        let svg = card(&data("<b>Tom & \"J\"</b>"), &Theme::default());
        assert!(
            svg.contains("&lt;b&gt;Tom &amp; &quot;J&quot;&lt;/b&gt;"),
            "{svg}"
        );
        assert!(!svg.contains("<b>"));
    }

    #[test]
    fn no_rank_no_rank_label() {
        let svg = card(&data("Alice"), &Theme::default());
        assert!(!svg.contains("RANK"));
        let mut ranked = data("Alice");
        ranked.rank = Some(1_234);
        assert!(card(&ranked, &Theme::default()).contains(">#1,234<"));
    }

    #[test]
    fn long_names_are_cut_with_an_ellipsis() {
        let svg = card(&data(&"W".repeat(100)), &Theme::default());
        let shown = svg.matches('W').count();
        assert!((10..40).contains(&shown), "{shown} W shown");
        assert!(svg.contains("W…<"));
    }
}
