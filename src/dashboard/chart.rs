//! A server's load over time as the points of an SVG polyline, drawn by the page without a chart library: time
//! runs left to right over the window, load bottom to top up to the pool's highest load in it.

/// The drawing's size (the SVG's viewBox), in its own units.
pub const WIDTH: f64 = 300.0;
pub const HEIGHT: f64 = 60.0;

/// The `points` attribute of the polyline of these `(time, load)` samples (in time order) over the window
/// `[from, to]`, with `top` the load drawn at the top; samples without a load (offline) are skipped.
pub fn points(samples: &[(i64, Option<f64>)], from: i64, to: i64, top: f64) -> String {
    let span = (to - from).max(1) as f64;
    let top = if top > 0.0 { top } else { 1.0 };
    let mut out = String::with_capacity(samples.len() * 12);
    for (at, load) in samples {
        let Some(load) = load.filter(|l| l.is_finite()) else { continue };
        if *at < from || *at > to {
            continue;
        }
        let x = (*at - from) as f64 / span * WIDTH;
        let y = HEIGHT - (load / top).clamp(0.0, 1.0) * HEIGHT;
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{x:.1},{y:.1}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_time_and_load_into_the_box() {
        let samples = [(0, Some(0.0)), (50, Some(5.0)), (75, None), (100, Some(10.0)), (200, Some(1.0))];
        assert_eq!(points(&samples, 0, 100, 10.0), "0.0,60.0 150.0,30.0 300.0,0.0");
        assert_eq!(points(&[(10, Some(99.0))], 0, 100, 10.0), "30.0,0.0", "clamped at the top");
        assert_eq!(points(&[(10, Some(f64::NAN))], 0, 100, 0.0), "");
        assert_eq!(points(&[], 0, 0, 0.0), "");
    }
}
