//! The embedded fonts, the usvg options built on them once, and text measurement.

use std::sync::{Arc, LazyLock};

use resvg::usvg::{self, fontdb};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, GlyphId, MetadataProvider};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The family name the template asks for; both embedded faces carry it.
pub(crate) const FAMILY: &str = "DejaVu Sans";

/// Parsing options shared by every render: building the font database means parsing
/// both fonts, which is worth doing once per process, not per card.
pub(crate) static OPTIONS: LazyLock<usvg::Options<'static>> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    db.load_font_source(fontdb::Source::Binary(Arc::new(REGULAR)));
    db.load_font_source(fontdb::Source::Binary(Arc::new(BOLD)));
    db.set_sans_serif_family(FAMILY);
    let mut options = usvg::Options {
        font_family: FAMILY.to_owned(),
        fontdb: Arc::new(db),
        ..usvg::Options::default()
    };
    // The template only embeds data URLs; a plain href must never read a local file.
    options.image_href_resolver.resolve_string = Box::new(|_, _| None);
    options
});

/// The advance width of `text` set in the embedded font at `px`, without kerning or
/// shaping: close enough to decide where a name must be cut, and the template clips
/// anything that still spills.
pub(crate) fn text_width(text: &str, bold: bool, px: f32) -> f32 {
    let Ok(font) = FontRef::new(if bold { BOLD } else { REGULAR }) else {
        return text.chars().count() as f32 * px;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(px), LocationRef::default());
    text.chars()
        .map(|c| {
            // A glyph DejaVu lacks is drawn as .notdef, a box of that glyph's width.
            let glyph = charmap.map(c).unwrap_or(GlyphId::NOTDEF);
            metrics.advance_width(glyph).unwrap_or(px * 0.6)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_load() {
        let faces: Vec<_> = OPTIONS.fontdb.faces().collect();
        assert_eq!(faces.len(), 2);
        assert!(
            faces
                .iter()
                .all(|f| f.families.iter().any(|(name, _)| name == FAMILY))
        );
    }

    #[test]
    fn widths_grow_with_text_and_weight() {
        let w = text_width("Alice", false, 40.0);
        assert!(w > 80.0 && w < 160.0, "{w}");
        assert!(text_width("Alice", true, 40.0) > w);
        assert!(text_width("WWWW", false, 40.0) > text_width("iiii", false, 40.0));
        assert_eq!(text_width("", false, 40.0), 0.0);
    }
}
