//! Detection data on the real NEON tiles shipped in the deepforest wheel
//! (`terradl fetch-data`); skipped with a message when the cache is absent.

use terradl_data::detection::{
    ChipSampler, ChipSamplerConfig, DetectionImage, ellipse_mask, read_annotation_csv, read_voc, split_by_image,
};
use terradl_samples::sample_path;

fn cached(file: &str) -> Option<std::path::PathBuf> {
    match sample_path("deepforest", file) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("skipping: {e}");
            None
        }
    }
}

#[test]
fn voc_and_csv_agree_on_osbs_029() {
    let (Some(xml), Some(csv)) = (cached("OSBS_029.xml"), cached("OSBS_029.csv")) else { return };
    let voc = read_voc(&xml).unwrap();
    let csv = read_annotation_csv(&csv).unwrap();
    assert_eq!(voc.size, Some((400, 400)));
    assert_eq!(voc.boxes.len(), 61);
    assert_eq!(csv.len(), 1);
    assert_eq!(csv[0].image, "OSBS_029.tif");
    assert_eq!(csv[0].boxes.len(), voc.boxes.len());
    assert_eq!(csv[0].boxes[0], voc.boxes[0]);
}

#[test]
fn loads_images_and_samples_consistent_chips() {
    let (Some(osbs), Some(soap)) = (cached("OSBS_029.xml"), cached("SOAP_061.xml")) else { return };
    let osbs = DetectionImage::from_voc(osbs).unwrap();
    let soap = DetectionImage::from_voc(soap).unwrap();
    assert_eq!((osbs.raster.bands, osbs.raster.rows, osbs.raster.cols), (3, 400, 400));
    assert_eq!(soap.boxes.len(), 37);
    let stats = osbs.raster.band_stats(1).unwrap();
    assert!(stats.mean > 20.0 && stats.mean < 230.0 && stats.max <= 255.0, "{stats:?}");

    // Crown pixels (inside the ellipses) are greener relative to red than background pixels.
    let mask = ellipse_mask(&osbs.boxes, 400, 400);
    let covered = mask.iter().filter(|&&m| m == 1).count();
    assert!(covered > 10_000 && covered < 160_000, "{covered}");

    let sampler = ChipSampler::new(vec![osbs, soap], ChipSamplerConfig { size: 128, ..Default::default() }).unwrap();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(5);
    let chips = sampler.batch(50, &mut rng);
    let n_boxes: usize = chips.iter().map(|c| c.boxes.len()).sum();
    assert!(n_boxes > 50, "only {n_boxes} boxes in 50 chips");
    for c in &chips {
        for b in c.boxes.iter().map(|a| a.bbox) {
            assert!(b.xmin >= 0.0 && b.ymin >= 0.0 && b.xmax <= 128.0 && b.ymax <= 128.0, "{b:?}");
        }
    }
    let (train, val) = split_by_image(sampler.images().to_vec(), 0.5, 1);
    assert_eq!((train.len(), val.len()), (1, 1));
    assert_ne!(train[0].name, val[0].name);
}
