//! The HTML report: one file that opens from disk, its data embedded as JSON and its charts
//! drawn by a few lines of plain JavaScript into SVG (no network, no third-party code).

use crate::report::Outcome;

const TEMPLATE: &str = include_str!("../assets/report.html");

/// Where the template takes the data.
const DATA: &str = "/*KESTREL_BACKTEST_DATA*/null";

/// The report for `outcome`; `title` names the run (its captures and settings).
pub fn render(outcome: &Outcome, title: &str) -> String {
    // `<` escaped as JSON allows, so no text in the data can close the script element.
    let data = outcome.to_json().replace('<', "\\u003c");
    let title = serde_json::to_string(title)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c");
    TEMPLATE
        .replacen(DATA, &data, 1)
        .replacen("/*KESTREL_BACKTEST_TITLE*/\"\"", &title, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Decision;

    #[test]
    fn the_data_is_embedded_and_cannot_close_its_script() {
        let mut o = Outcome::default();
        o.decisions.push(Decision::Launch {
            at_ms: 1,
            slot: 2,
            mint: "m".into(),
            symbol: "</script><b>".into(),
            decision: "skipped",
            reason: Some("name_denied".into()),
            order: None,
        });
        let html = render(&o, "run </script>");
        assert!(!html.contains(DATA));
        assert!(html.contains("name_denied"));
        assert_eq!(
            html.matches("</script>").count(),
            TEMPLATE.matches("</script>").count()
        );
        // Nothing is fetched: no sources, links, requests or imports.
        for fetches in [" src=", "href=", "fetch(", "XMLHttpRequest", "import "] {
            assert!(!html.contains(fetches), "{fetches}");
        }
    }
}
