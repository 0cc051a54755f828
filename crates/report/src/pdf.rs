//! The report as a PDF (A4), drawn with `krilla`: DejaVu Sans is embedded (subset to the glyphs used), so
//! Latin and Cyrillic names and free text show as written. Lines are laid out here — each character one glyph
//! at the font's own advance (no shaping engine: Latin and Cyrillic need none), wrapped at spaces (a word
//! longer than a line is broken) — then drawn page by page, each page's footer saying whose record it is and
//! "page i of n".

use krilla::color::luma;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;

use crate::{Report, ReportError};

/// DejaVu Sans (Bitstream Vera licence, `fonts/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 48.0;
const BOTTOM: f32 = PAGE_H - MARGIN - 18.0;

/// Text to draw: where (baseline), how big, how dark (0 black … 255 white).
#[derive(Debug)]
struct Run {
    x: f32,
    y: f32,
    size: f32,
    grey: u8,
    text: String,
}

/// Advances of the font, for wrapping (each character's looked up once).
struct Measure<'a> {
    face: ttf_parser::Face<'a>,
    per_em: f32,
    /// Each character's glyph (0, the font's "missing" glyph, when it has none) and advance.
    glyphs: std::cell::RefCell<std::collections::HashMap<char, (u16, u16)>>,
}

impl Measure<'_> {
    /// A character's glyph and advance (in font units).
    fn glyph(&self, c: char) -> (u16, u16) {
        *self.glyphs.borrow_mut().entry(c).or_insert_with(|| {
            let g = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
            (g.0, self.face.glyph_hor_advance(g).unwrap_or(0))
        })
    }

    /// The width of `s` at size 1.
    fn units(&self, s: &str) -> f32 {
        let units: u32 = s.chars().map(|c| u32::from(self.glyph(c).1)).sum();
        units as f32 / self.per_em
    }

    /// `s` as positioned glyphs, one per character: Latin and Cyrillic need no shaping beyond the font's
    /// advances (no ligatures or marks are drawn; kerning is not applied).
    fn glyphs(&self, s: &str) -> Vec<KrillaGlyph> {
        s.char_indices()
            .map(|(at, c)| {
                let (g, advance) = self.glyph(c);
                KrillaGlyph::new(
                    GlyphId::new(u32::from(g)),
                    f32::from(advance) / self.per_em,
                    0.0,
                    0.0,
                    0.0,
                    at..at + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    /// `s` wrapped to `width` points at `size` (a word wider than a line is broken where it fills it).
    fn wrap(&self, s: &str, size: f32, width: f32) -> Vec<String> {
        let room = width / size;
        let space = self.units(" ");
        let mut lines = Vec::new();
        let (mut line, mut used) = (String::new(), 0.0f32);
        for word in s.split(' ') {
            let w = self.units(word);
            let needed = if line.is_empty() { w } else { used + space + w };
            if needed <= room {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                used = needed;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            used = 0.0;
            for c in word.chars() {
                let cw = self.units(c.encode_utf8(&mut [0; 4]));
                if used + cw > room && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                }
                line.push(c);
                used += cw;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Pages of runs, laid out top to bottom.
struct Layout<'a> {
    measure: Measure<'a>,
    pages: Vec<Vec<Run>>,
    y: f32,
}

impl Layout<'_> {
    /// Starts a new page unless `height` more points fit on this one.
    fn room(&mut self, height: f32) {
        if self.pages.is_empty() || self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// A paragraph at `x`, wrapped to the right margin, with `before` points of space above it.
    fn para(&mut self, x: f32, size: f32, grey: u8, before: f32, text: &str) {
        let lead = size * 1.3;
        let lines = self.measure.wrap(text, size, PAGE_W - MARGIN - x);
        // Keep a heading with what follows: ask for two lines of room for its first.
        self.room(before + lead * if size >= 11.0 { 3.0 } else { 1.0 });
        self.y += before;
        for line in lines {
            self.room(lead);
            self.y += lead;
            let y = self.y;
            if let Some(page) = self.pages.last_mut() {
                page.push(Run {
                    x,
                    y,
                    size,
                    grey,
                    text: line,
                });
            }
        }
    }
}

/// The report as a PDF.
pub fn render_pdf(report: &Report) -> Result<Vec<u8>, ReportError> {
    let face = ttf_parser::Face::parse(FONT, 0)
        .map_err(|e| ReportError::Render(format!("the embedded font: {e}")))?;
    let per_em = f32::from(face.units_per_em());
    let mut l = Layout {
        measure: Measure {
            face,
            per_em,
            glyphs: Default::default(),
        },
        pages: Vec::new(),
        y: MARGIN,
    };
    let h = &report.header;
    l.para(MARGIN, 18.0, 0, 0.0, "After-action record");
    if h.exercise {
        l.para(
            MARGIN,
            11.0,
            0,
            4.0,
            "EXERCISE — this log's clock is not real time",
        );
    }
    l.para(MARGIN, 12.0, 0, 6.0, &format!("Party: {}", h.party));
    l.para(
        MARGIN,
        10.0,
        0,
        2.0,
        &format!(
            "Window: {} to {} ({} to {}, end excluded)",
            h.from_dtg, h.to_dtg, h.from, h.to
        ),
    );
    let witnesses = if h.witnesses.is_empty() {
        String::new()
    } else {
        format!(", cosigned by {}", h.witnesses.join(", "))
    };
    l.para(
        MARGIN,
        10.0,
        0,
        2.0,
        &format!(
            "Log: {}, checkpoint of {} entries{witnesses}",
            h.origin, h.checkpoint_size
        ),
    );
    let range = match (h.first_seq, h.last_seq) {
        (Some(a), Some(b)) => format!(" (sequence numbers {a} to {b})"),
        _ => String::new(),
    };
    let outside = if h.outside > 0 {
        format!(
            "; {} more in the bundle, outside the window, left out",
            h.outside
        )
    } else {
        String::new()
    };
    l.para(
        MARGIN,
        10.0,
        0,
        2.0,
        &format!(
            "Entries: {}{range}: the bundle's entries in the window whose audience includes {} (a bundle the line made for this window holds every such entry of the log; one made otherwise, only those it was asked for){outside}",
            h.entries, h.party
        ),
    );
    l.para(
        MARGIN,
        9.0,
        60,
        8.0,
        "Each line names its entry's sequence number. Every entry is in the proof bundle that comes with \
         this record, with its inclusion proof against the checkpoint above; check it offline with the \
         log's policy:",
    );
    l.para(MARGIN + 10.0, 9.0, 0, 3.0, &h.verify);
    l.para(
        MARGIN,
        9.0,
        60,
        3.0,
        "Times are UTC, as date-time groups and in RFC 3339.",
    );
    if report.sections.is_empty() {
        l.para(
            MARGIN,
            11.0,
            0,
            14.0,
            &format!(
                "Nothing: {} was told nothing and did nothing on the line in this window.",
                h.party
            ),
        );
    }
    for section in &report.sections {
        l.para(MARGIN, 14.0, 0, 16.0, &section.title);
        for story in &section.stories {
            if !story.title.is_empty() {
                l.para(MARGIN, 11.0, 0, 9.0, &story.title);
            }
            for o in &story.outcome {
                l.para(MARGIN + 8.0, 9.0, 50, 1.0, &format!("• {o}"));
            }
            for line in &story.lines {
                l.para(
                    MARGIN + 8.0,
                    7.5,
                    90,
                    3.0,
                    &format!(
                        "#{}    {}    {}    {}",
                        line.seq, line.dtg, line.time, line.actor
                    ),
                );
                l.para(MARGIN + 20.0, 9.0, 0, 0.0, &line.text);
            }
        }
    }
    l.para(
        MARGIN,
        8.0,
        90,
        14.0,
        &format!(
            "Made by deconflict from the proof bundle of {}; the bundle, not this document, is the evidence.",
            h.party
        ),
    );
    let Layout { measure, pages, .. } = l;
    draw(report, &measure, pages)
}

fn draw(
    report: &Report,
    measure: &Measure<'_>,
    pages: Vec<Vec<Run>>,
) -> Result<Vec<u8>, ReportError> {
    let font = Font::new(FONT.into(), 0)
        .ok_or_else(|| ReportError::Render("the embedded font cannot be read".into()))?;
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| ReportError::Render("page size".into()))?;
    let h = &report.header;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!(
                "After-action record: {}, {} to {}",
                h.party, h.from_dtg, h.to_dtg
            ))
            .creator("deconflict".into())
            .language("en".into()),
    );
    let total = pages.len();
    for (i, runs) in pages.into_iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        let footer = Run {
            x: MARGIN,
            y: PAGE_H - MARGIN + 10.0,
            size: 7.5,
            grey: 90,
            text: format!(
                "After-action record of {}, {} to {}, log {} — page {} of {total}",
                h.party,
                h.from_dtg,
                h.to_dtg,
                h.origin,
                i + 1
            ),
        };
        let mut grey = None;
        for run in runs.iter().chain(std::iter::once(&footer)) {
            if grey != Some(run.grey) {
                surface.set_fill(Some(Fill {
                    paint: luma::Color::new(run.grey).into(),
                    opacity: NormalizedF32::ONE,
                    rule: Default::default(),
                }));
                grey = Some(run.grey);
            }
            surface.draw_glyphs(
                Point::from_xy(run.x, run.y),
                &measure.glyphs(&run.text),
                font.clone(),
                &run.text,
                run.size,
                false,
            );
        }
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| ReportError::Render(format!("PDF: {e}")))
}
