//! The report as one self-contained HTML page (inline CSS, no scripts, no fetches), printable: a `minijinja`
//! template (`templates/report.html`) over the model, every value HTML-escaped.

use minijinja::{AutoEscape, Environment};

use crate::{Report, ReportError};

const TEMPLATE: &str = include_str!("../templates/report.html");

/// The report as HTML.
pub fn render_html(report: &Report) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| ReportError::Render(format!("the HTML template: {e}")))?;
    env.get_template("report.html")
        .and_then(|t| t.render(report))
        .map_err(|e| ReportError::Render(format!("HTML: {e}")))
}
