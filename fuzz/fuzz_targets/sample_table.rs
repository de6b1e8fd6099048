#![no_main]
//! Sample tables (the UCR layout: headerless, label first, 46 steps of one band).
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;
use terradl_data::sample_table::{read_sample_table, ColumnRef, TableLayout, TimeAxis};

fuzz_target!(|data: &[u8]| {
    let p = common::scratch(data, "tsv");
    let layout = TableLayout { header: false, label: Some(ColumnRef::Index(0)), ..TableLayout::default() };
    let _ = read_sample_table(&p, &layout, &TimeAxis::Steps(46), &["ndvi".to_string()], None);
});
