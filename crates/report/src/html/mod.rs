//! The self-contained HTML report: [`ReportData`] and [`write_html_report`].

pub mod base64;
mod clock;
mod data;
mod escape;
mod render;

pub use clock::{format_utc, now_utc};
pub use data::{Figure, FigureImage, ReportData, RunMetadata};
pub use escape::escape;
pub use render::{CSP, REPORT_FILE, figure_data_uri, render_html, write_html_report};
