//! terradl-report: PNG quick-looks of maps, plots (training curves,
//! confusion-matrix heat-map, reliability diagram, bar charts) and a
//! self-contained HTML report. No plotting or font dependencies: figures are
//! drawn into RGBA buffers with an embedded 5x7 bitmap font and encoded with `png`.
//!
//! Entry points:
//! - quick-looks: [`class_map`], [`continuous_map`], [`rgb_composite`],
//!   [`Quicklook::draw_boxes`];
//! - plots: [`plot::training_curves`], [`plot::confusion_heatmap`],
//!   [`plot::reliability_diagram`], [`plot::BarChart`], [`plot::LineChart`];
//! - report: [`ReportData`], [`write_html_report`], [`load_run_dir`],
//!   [`write_run_report`] (what `terradl report <run-dir>` calls);
//! - run-directory JSON formats: [`run_files`].

mod canvas;
mod color;
mod error;
mod font;
pub mod html;
mod numfmt;
pub mod plot;
mod png_io;
mod quicklook;
mod resample;
mod run_dir;
pub mod run_files;

pub use canvas::{Align, Canvas};
pub use color::{ClassColor, ColorRamp, ColorTable, Rgba};
pub use error::{ReportError, Result};
pub use html::{Figure, FigureImage, REPORT_FILE, ReportData, RunMetadata, render_html, write_html_report};
pub use png_io::{decode_png, is_png, write_atomic};
pub use quicklook::{
    BoxStyle, ColorBar, ContinuousStyle, LegendItem, MapPlacement, Quicklook, QuicklookOptions, Stretch, class_map,
    continuous_map, rgb_composite,
};
pub use run_dir::{LoadOptions, RasterReader, load_run_dir, load_run_dir_with, write_run_report, write_run_report_with_maps};
