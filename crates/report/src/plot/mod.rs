//! Plots drawn into RGBA canvases: line charts / training curves, confusion
//! heat-map, reliability diagram, bar chart.

pub mod axes;
mod bar_chart;
mod heatmap;
mod legend;
mod line_chart;
mod reliability;

pub use axes::{Axis, PlotArea};
pub use bar_chart::BarChart;
pub use heatmap::{HeatmapLayout, confusion_heatmap};
pub use legend::LegendEntry;
pub use line_chart::{LineChart, Series, training_curves};
pub use reliability::reliability_diagram;
