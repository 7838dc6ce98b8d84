//! Bar charts as SVG, rendered on the server by `plotters` (its SVG backend: no fonts, no
//! bitmaps; the browser draws the text). A hidden figure is drawn as no bar and says so in its
//! label, so a chart never shows more than the table beside it.

use plotters::prelude::*;

/// One bar: its label and value (`None`: hidden by disclosure control).
pub struct Bar {
    /// The label under it.
    pub label: String,
    /// Its height.
    pub value: Option<f64>,
}

/// An SVG bar chart of `bars` titled `title`; `None` if it could not be drawn (the report
/// then shows the table alone).
#[must_use]
pub fn bars(title: &str, bars: &[Bar]) -> Option<String> {
    let mut svg = String::new();
    let drawn = draw(&mut svg, title, bars);
    if let Err(e) = drawn {
        tracing::warn!(error = %e, "a report chart could not be drawn");
        return None;
    }
    Some(svg)
}

fn draw(svg: &mut String, title: &str, bars: &[Bar]) -> Result<(), Box<dyn std::error::Error>> {
    let n = u32::try_from(bars.len().max(1))?;
    let shown = bars.iter().filter_map(|b| b.value);
    let top = shown.clone().fold(0.0_f64, f64::max).max(1.0) * 1.1;
    let bottom = shown.fold(0.0_f64, f64::min) * 1.1;
    let root = SVGBackend::with_string(svg, (720, 300)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .caption(title, ("sans-serif", 16))
        .x_label_area_size(48)
        .y_label_area_size(48)
        .build_cartesian_2d((0..n).into_segmented(), bottom..top)?;
    let label = |x: &SegmentValue<u32>| match x {
        SegmentValue::CenterOf(i) => bars.get(*i as usize).map_or_else(String::new, |b| {
            if b.value.is_some() {
                b.label.clone()
            } else {
                format!("{} (skjult)", b.label)
            }
        }),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(bars.len())
        .x_label_formatter(&label)
        .x_label_style(("sans-serif", 11))
        .y_label_style(("sans-serif", 11))
        .draw()?;
    chart.draw_series(bars.iter().zip(0u32..).filter_map(|(bar, i)| {
        let value = bar.value?;
        let mut rect = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), value),
            ],
            RGBColor(46, 109, 164).filled(),
        );
        rect.set_margin(0, 0, 8, 8);
        Some(rect)
    }))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_svg_with_one_bar_per_shown_value_and_hidden_ones_labelled() {
        let svg = bars(
            "Henvisninger",
            &[
                Bar {
                    label: "completed".to_owned(),
                    value: Some(7.0),
                },
                Bar {
                    label: "failed".to_owned(),
                    value: None,
                },
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("Henvisninger"));
        assert!(svg.contains("failed (skjult)"));
        assert_eq!(svg.matches("fill=\"#2E6DA4\"").count(), 1, "{svg}");
    }
}
