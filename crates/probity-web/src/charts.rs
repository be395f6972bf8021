//! Charts as SVG written on the server: horizontal bars, each split into stacked segments.
//!
//! Hand-written because it is small: one kind of chart, text escaped in one place, colours from
//! classes in the stylesheet (the CSP allows no inline style, and print and screen can differ).
//! Every chart is an image with a title and a description for assistive technology
//! (`role="img"`, `aria-labelledby`); each segment carries its number in a `<title>`, and the
//! page shows the same numbers in a table.

use std::fmt::Write;

/// One series of a chart: what its segments mean, for the legend, and its colour class.
#[derive(Debug, Clone)]
pub struct Series {
    /// The name in the legend.
    pub name: String,
    /// The CSS class that colours its segments (`c-filed`, …).
    pub class: String,
}

/// One bar: its label and a value per series.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The label left of the bar.
    pub label: String,
    /// One value per series, in the chart's series order.
    pub values: Vec<u64>,
}

/// A chart of horizontal stacked bars.
#[derive(Debug, Clone)]
pub struct StackedBars<'a> {
    /// A prefix for the ids of the title and description (unique on the page).
    pub id: &'a str,
    /// The title, read first by a screen reader.
    pub title: &'a str,
    /// What the chart shows.
    pub desc: &'a str,
    /// The series, in stacking order.
    pub series: &'a [Series],
    /// The bars, top to bottom.
    pub bars: &'a [Bar],
}

const WIDTH: f64 = 720.0;
const FONT: f64 = 13.0;
const ROW: f64 = 24.0;
const BAR: f64 = 16.0;
const GAP: f64 = 8.0;
const LABEL_MAX: f64 = 260.0;
const NUMBER_WIDTH: f64 = 48.0;

/// `&`, `<`, `>`, `"` and `'` as entities: text and attribute values alike.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The width a text takes, roughly: a CJK character is about one em, others about 0.6 em.
/// There are no font metrics on the server; this errs on the wide side.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| {
            if (c as u32) >= 0x2E80 {
                FONT
            } else {
                FONT * 0.62
            }
        })
        .sum()
}

/// The text cut to `width`, with an ellipsis when cut.
fn fit(text: &str, width: f64) -> String {
    if text_width(text) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = text_width("…");
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]));
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A step for grid lines: 1, 2 or 5 times a power of ten, giving at most five lines.
fn step_for(max: u64) -> u64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if max / (step * m) <= 5 {
                return step * m;
            }
        }
        step *= 10;
    }
}

impl StackedBars<'_> {
    /// The chart as an `<svg>` element, to put in a page as it is.
    pub fn render(&self) -> String {
        let label_width = self
            .bars
            .iter()
            .map(|b| text_width(&b.label))
            .fold(60.0_f64, f64::max)
            .min(LABEL_MAX);
        let left = label_width + GAP;
        let plot = WIDTH - left - NUMBER_WIDTH;
        let totals: Vec<u64> = self.bars.iter().map(|b| b.values.iter().sum()).collect();
        let max = totals.iter().copied().max().unwrap_or(0);

        // The legend flows over as many lines as it needs.
        let mut legend = String::new();
        let (mut x, mut y) = (0.0, FONT);
        for s in self.series {
            let w = 12.0 + 6.0 + text_width(&s.name) + 18.0;
            if x > 0.0 && x + w > WIDTH {
                x = 0.0;
                y += ROW;
            }
            let _ = write!(
                legend,
                r#"<rect class="{}" x="{x:.1}" y="{:.1}" width="12" height="12"/><text x="{:.1}" y="{y:.1}" font-size="{FONT}">{}</text>"#,
                escape(&s.class),
                y - 11.0,
                x + 18.0,
                escape(&s.name)
            );
            x += w;
        }
        let top = if self.series.len() > 1 {
            y + GAP * 1.5
        } else {
            0.0
        };
        let bottom = top + ROW * self.bars.len() as f64;
        let height = bottom + ROW;

        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(self.title),
            escape(self.desc),
            id = escape(self.id),
        );
        if self.series.len() > 1 {
            let _ = write!(svg, r#"<g class="legend">{legend}</g>"#);
        }
        // Grid lines with their values along the bottom.
        let scale = if max == 0 { 0.0 } else { plot / max as f64 };
        let step = step_for(max.max(1));
        svg.push_str(r#"<g class="grid">"#);
        let mut tick = 0;
        while tick <= max.max(1) {
            let gx = left + tick as f64 * if max == 0 { 0.0 } else { scale };
            let _ = write!(
                svg,
                r#"<line x1="{gx:.1}" y1="{top:.1}" x2="{gx:.1}" y2="{bottom:.1}"/><text x="{gx:.1}" y="{:.1}" font-size="{}" text-anchor="middle">{tick}</text>"#,
                bottom + FONT + 4.0,
                FONT - 2.0
            );
            if max == 0 {
                break;
            }
            tick += step;
        }
        svg.push_str("</g>");
        for (i, (bar, total)) in self.bars.iter().zip(&totals).enumerate() {
            let row_y = top + ROW * i as f64;
            let bar_y = row_y + (ROW - BAR) / 2.0;
            let _ = write!(
                svg,
                r#"<g class="chart-bar"><text x="{label_width:.1}" y="{:.1}" font-size="{FONT}" text-anchor="end">{}<title>{}</title></text>"#,
                bar_y + BAR - 3.0,
                escape(&fit(&bar.label, label_width)),
                escape(&bar.label)
            );
            let mut x = left;
            for (s, value) in self.series.iter().zip(&bar.values) {
                if *value == 0 {
                    continue;
                }
                let w = *value as f64 * scale;
                let _ = write!(
                    svg,
                    r#"<rect class="{}" x="{x:.1}" y="{bar_y:.1}" width="{w:.1}" height="{BAR}"><title>{} · {}: {value}</title></rect>"#,
                    escape(&s.class),
                    escape(&bar.label),
                    escape(&s.name)
                );
                x += w;
            }
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="{FONT}">{total}</text></g>"#,
                x + 4.0,
                bar_y + BAR - 3.0
            );
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(bars: &[Bar]) -> String {
        let series = [
            Series {
                name: "on time".into(),
                class: "c-filed".into(),
            },
            Series {
                name: "late <&>".into(),
                class: "c-filed_late".into(),
            },
        ];
        StackedBars {
            id: "t",
            title: "Title",
            desc: "What it shows",
            series: &series,
            bars,
        }
        .render()
    }

    #[test]
    fn text_is_escaped_and_segments_are_as_wide_as_their_values() {
        let svg = chart(&[
            Bar {
                label: "A & B".into(),
                values: vec![3, 1],
            },
            Bar {
                label: "厦门市公安局".into(),
                values: vec![0, 2],
            },
        ]);
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert!(svg.contains("A &amp; B") && svg.contains("late &lt;&amp;&gt;"));
        assert!(!svg.contains("A & B"));
        assert!(
            svg.contains(r#"role="img""#) && svg.contains(r#"aria-labelledby="t-title t-desc""#)
        );
        // The widest bar (4) spans the plot; 3 of 4 is three quarters of it.
        let widths: Vec<f64> = svg
            .split("<rect class=\"c-filed")
            .skip(1)
            .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        // Legend swatches are 12 wide; then 3, 1 and 2 units of the same scale.
        assert_eq!(widths.len(), 2 + 3);
        let unit = widths[2] / 3.0;
        assert!(
            (widths[3] - unit).abs() < 0.2 && (widths[4] - 2.0 * unit).abs() < 0.2,
            "{widths:?}"
        );
        // A zero draws no segment.
        assert_eq!(svg.matches("厦门市公安局 · on time").count(), 0);
    }

    #[test]
    fn an_empty_chart_is_still_a_chart() {
        let svg = chart(&[Bar {
            label: "x".into(),
            values: vec![0, 0],
        }]);
        assert!(svg.contains("<title id=\"t-title\">Title</title>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn long_labels_are_cut_and_kept_whole_in_their_title() {
        let long = "很".repeat(40);
        let cut = fit(&long, 100.0);
        assert!(cut.ends_with('…') && text_width(&cut) <= 100.0 + FONT);
        let svg = chart(&[Bar {
            label: long.clone(),
            values: vec![1, 0],
        }]);
        assert!(svg.contains(&format!("<title>{long}</title>")));
    }

    #[test]
    fn grid_steps_are_round() {
        assert_eq!(step_for(4), 1);
        assert_eq!(step_for(9), 2);
        assert_eq!(step_for(23), 5);
        assert_eq!(step_for(480), 100);
        assert_eq!(step_for(1_000_001), 200_000);
    }
}
