//! Server-rendered charts: small inline SVGs, drawn from numbers already computed. Each chart
//! is an image with a text alternative (`role="img"`, `<title>`); the page always shows the
//! same numbers in a data table too, so nothing depends on seeing the picture.

use handlebars::html_escape;

/// One bar: a year's share with its likely range.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

/// Horizontal bars, one per year, with the Wilson range drawn as a line with end ticks.
/// `id` must be unique on the page (it names the title element).
pub fn share_bars(id: &str, description: &str, bars: &[Bar]) -> String {
    let row = 34.0;
    let left = 64.0;
    let width = 300.0;
    let height = row * bars.len() as f64 + 22.0;
    let x = |v: f64| left + width * v.clamp(0.0, 1.0);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {height}" width="100%" role="img" aria-labelledby="{id}-t" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title>"#,
        w = left + width + 56.0,
        title = html_escape(description),
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 6.0 + row * i as f64;
        let pct = (b.share * 100.0).round();
        svg.push_str(&format!(
            r#"<text x="{tx}" y="{ty}" class="axis" text-anchor="end">{label}</text><rect x="{left}" y="{y}" width="{bw:.1}" height="20" class="bar{alt}"/><path d="M{lo:.1} {mid} H{hi:.1} M{lo:.1} {t1} V{t2} M{hi:.1} {t1} V{t2}" class="range"/><text x="{vx:.1}" y="{ty}" class="value">{pct}%</text>"#,
            tx = left - 8.0,
            ty = y + 15.0,
            label = html_escape(&b.label),
            bw = (x(b.share) - left).max(0.5),
            alt = if i + 1 == bars.len() { " later" } else { "" },
            lo = x(b.low),
            hi = x(b.high),
            mid = y + 10.0,
            t1 = y + 4.0,
            t2 = y + 16.0,
            vx = x(b.high).max(x(b.share)) + 6.0,
        ));
    }
    let base = 6.0 + row * bars.len() as f64;
    svg.push_str(&format!(
        r#"<path d="M{left} {base} H{end}" class="axisline"/><text x="{left}" y="{ty}" class="axis">0%</text><text x="{mid}" y="{ty}" class="axis" text-anchor="middle">50%</text><text x="{end}" y="{ty}" class="axis" text-anchor="end">100%</text></svg>"#,
        end = left + width,
        mid = left + width / 2.0,
        ty = base + 14.0,
    ));
    svg
}

/// Horizontal bars of answers' shares (no ranges): one per answer, a figure that may not be
/// shown drawn as no bar with the words "not shown".
pub fn answer_bars(id: &str, description: &str, bars: &[(String, Option<f64>)]) -> String {
    let row = 30.0;
    let left = 180.0;
    let width = 240.0;
    let height = row * bars.len() as f64 + 22.0;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {height}" width="100%" role="img" aria-labelledby="{id}-t" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title>"#,
        w = left + width + 90.0,
        title = html_escape(description),
    );
    for (i, (label, share)) in bars.iter().enumerate() {
        let y = 6.0 + row * i as f64;
        let short: String = label.chars().take(28).collect();
        let short = if short.len() < label.len() { format!("{short}\u{2026}") } else { short };
        svg.push_str(&format!(
            r#"<text x="{tx}" y="{ty}" class="axis" text-anchor="end">{label}</text>"#,
            tx = left - 8.0,
            ty = y + 14.0,
            label = html_escape(&short),
        ));
        match share {
            Some(v) => svg.push_str(&format!(
                r#"<rect x="{left}" y="{y}" width="{bw:.1}" height="18" class="bar later"/><text x="{vx:.1}" y="{ty}" class="value">{pct}%</text>"#,
                bw = (width * v.clamp(0.0, 1.0)).max(0.5),
                vx = left + width * v.clamp(0.0, 1.0) + 6.0,
                ty = y + 14.0,
                pct = (v * 100.0).round(),
            )),
            None => svg.push_str(&format!(
                r#"<text x="{left}" y="{ty}" class="value">not shown</text>"#,
                ty = y + 14.0
            )),
        }
    }
    let base = 6.0 + row * bars.len() as f64;
    svg.push_str(&format!(
        r#"<path d="M{left} {base} H{end}" class="axisline"/><text x="{left}" y="{ty}" class="axis">0%</text><text x="{end}" y="{ty}" class="axis" text-anchor="end">100%</text></svg>"#,
        end = left + width,
        ty = base + 14.0,
    ));
    svg
}

/// A line over the waves of a series, one point per wave with its likely range as a vertical
/// line with end ticks. `points[i]` is `None` where the wave has no figure: no point there,
/// and no line drawn across the gap.
pub fn trend_lines(id: &str, description: &str, labels: &[String], points: &[Option<(f64, f64, f64)>]) -> String {
    let (left, top, height, step) = (40.0, 10.0, 160.0, 70.0);
    let width = step * (labels.len().max(2) - 1) as f64;
    let x = |i: usize| left + 20.0 + step * i as f64;
    let y = |v: f64| top + height * (1.0 - v.clamp(0.0, 1.0));
    let mut svg = format!(
        r#"<svg class="chart trend" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{id}-t" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{title}</title>"#,
        w = left + width + 60.0,
        h = top + height + 40.0,
        title = html_escape(description),
    );
    for v in [0.0, 0.5, 1.0] {
        svg.push_str(&format!(
            r#"<path d="M{left} {yy:.1} H{end:.1}" class="gridline"/><text x="{tx}" y="{ty:.1}" class="axis" text-anchor="end">{pct}%</text>"#,
            yy = y(v),
            end = left + width + 40.0,
            tx = left - 4.0,
            ty = y(v) + 4.0,
            pct = (v * 100.0).round(),
        ));
    }
    let mut path = String::new();
    let mut previous = false;
    for (i, p) in points.iter().enumerate() {
        match p {
            Some((v, _, _)) => {
                path.push_str(&format!("{}{:.1} {:.1} ", if previous { "L" } else { "M" }, x(i), y(*v)));
                previous = true;
            }
            None => previous = false,
        }
    }
    if !path.is_empty() {
        svg.push_str(&format!(r#"<path d="{}" class="trend-line"/>"#, path.trim_end()));
    }
    for (i, label) in labels.iter().enumerate() {
        svg.push_str(&format!(
            r#"<text x="{xx:.1}" y="{ty:.1}" class="axis" text-anchor="middle">{label}</text>"#,
            xx = x(i),
            ty = top + height + 18.0,
            label = html_escape(label),
        ));
        match points.get(i).copied().flatten() {
            Some((v, lo, hi)) => svg.push_str(&format!(
                r#"<path d="M{xx:.1} {l:.1} V{h:.1} M{a:.1} {l:.1} H{b:.1} M{a:.1} {h:.1} H{b:.1}" class="range"/><circle cx="{xx:.1}" cy="{yy:.1}" r="4" class="point"/>"#,
                xx = x(i),
                l = y(lo),
                h = y(hi),
                a = x(i) - 5.0,
                b = x(i) + 5.0,
                yy = y(v),
            )),
            None => svg.push_str(&format!(
                r#"<text x="{xx:.1}" y="{yy:.1}" class="axis" text-anchor="middle">–</text>"#,
                xx = x(i),
                yy = top + height / 2.0,
            )),
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_labels() {
        let svg = share_bars(
            "q1",
            "Up from 40% to <60%>",
            &[
                Bar { label: "2023".into(), share: 0.4, low: 0.3, high: 0.5 },
                Bar { label: "2024".into(), share: 0.6, low: 0.5, high: 0.7 },
            ],
        );
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-labelledby=\"q1-t\""));
        assert!(svg.contains("&lt;60%&gt;"));
        assert!(svg.contains(">40%<") && svg.contains(">60%<"));
    }

    #[test]
    fn a_wave_without_a_figure_leaves_a_gap() {
        let labels: Vec<String> = ["2022", "2023", "2024", "2025"].iter().map(|s| (*s).to_owned()).collect();
        let svg = trend_lines(
            "t",
            "x",
            &labels,
            &[Some((0.4, 0.3, 0.5)), None, Some((0.5, 0.4, 0.6)), Some((0.6, 0.5, 0.7))],
        );
        let line = svg.split("class=\"trend-line\"").next().and_then(|s| s.rsplit("d=\"").next()).unwrap();
        // Two pieces: the lone first point starts one, the gap starts another; no line over 2023.
        assert_eq!(line.matches('M').count(), 2, "{line}");
        assert_eq!(line.matches('L').count(), 1, "{line}");
        assert_eq!(svg.matches("<circle").count(), 3);
    }
}
