//! The museotoolbox historical map with 17 labelled polygons.
//! Needs `terradl fetch-data`.

use terradl_data::sampling::object_split;
use terradl_data::sources::historical_map::etat_major_map;
use terradl_data::UNLABELLED;

#[test]
fn historical_map_objects_and_classes() {
    let img = etat_major_map().expect("run `terradl fetch-data` first");
    assert_eq!(img.class_names, vec!["Agriculture", "Buildings", "Forest", "Soil", "Water"]);
    assert_eq!((img.image.bands, img.image.cols, img.image.rows), (3, 1085, 575));
    let mut objects: Vec<u32> = img.objects.iter().copied().filter(|&o| o != UNLABELLED).collect();
    objects.sort_unstable();
    objects.dedup();
    assert_eq!(objects.len(), 17);
    // rasterio/GDAL pixel-centre counts: Agriculture 2296, Buildings 9, Forest 7544, Soil 2283, Water 525.
    for (got, want) in img.class_counts().iter().zip([2296, 9, 7544, 2283, 525]) {
        assert!((*got as i64 - want as i64).abs() <= 3, "{:?}", img.class_counts());
    }
    let split = object_split(&img.objects, &img.labels, 0.3, 5).unwrap();
    assert!(split.test_objects.len() >= 5, "{:?}", split.test_objects);
    for &o in &split.test_objects {
        assert!(!split.train_objects.contains(&o));
    }
}
