//! Quick-look PNGs decode with the expected size, colours and legend.

mod common;

use terradl_geo::{DType, PixelBox, Raster, Scored};
use terradl_report::{
    BoxStyle, ContinuousStyle, QuicklookOptions, Rgba, Stretch, class_map, continuous_map, decode_png, rgb_composite,
};

#[test]
fn class_map_png_has_legend_colours_and_transparent_nodata() {
    let rasters = common::rasters();
    let map = &rasters["map.tif"];
    let q = class_map(map, 0, &common::color_table(), &QuicklookOptions::titled("Classes")).unwrap();
    let png = decode_png(&q.to_png().unwrap()).unwrap();
    assert_eq!((png.width(), png.height()), (q.image.width(), q.image.height()));
    assert_eq!((q.map.width, q.map.height), (320, 240));
    assert_eq!(q.legend.len(), 5);
    for (item, rgb) in q.legend.iter().zip(common::CLASS_COLORS) {
        let centre = png.get(item.x + item.size / 2, item.y + item.size / 2).unwrap();
        assert_eq!(centre, Rgba::rgb(rgb[0], rgb[1], rgb[2]), "legend swatch {}", item.label);
        assert!(item.x > q.map.x + q.map.width, "legend right of the map");
    }
    // nodata corner is transparent; a data pixel has its class colour
    assert_eq!(png.get(q.map.x + 5, q.map.y + 5).unwrap().0[3], 0);
    let v = map.get(0, 200, 300) as usize;
    let c = common::CLASS_COLORS[v - 1];
    assert_eq!(png.get(q.map.x + 300, q.map.y + 200), Some(Rgba::rgb(c[0], c[1], c[2])));
}

#[test]
fn large_rasters_are_downsampled_to_max_dim() {
    let (rows, cols) = (1500, 3000);
    let mut r = Raster::new(1, rows, cols, DType::F32);
    for (i, v) in r.band_mut(0).iter_mut().enumerate() {
        *v = (i % cols) as f32 / cols as f32; // left-to-right gradient 0..1
    }
    let q = continuous_map(&r, 0, &ContinuousStyle::default(), &QuicklookOptions::default()).unwrap();
    assert_eq!((q.map.width, q.map.height), (1024, 512));
    let png = decode_png(&q.to_png().unwrap()).unwrap();
    let left = png.get(q.map.x, q.map.y + 100).unwrap();
    let right = png.get(q.map.x + 1023, q.map.y + 100).unwrap();
    assert!(left.luma() < 0.3 && right.luma() > 0.7, "viridis dark to bright: {left:?} {right:?}");
    let bar = q.color_bar.unwrap();
    assert!(bar.max > 0.99 && bar.min < 0.01);

    let mut classes = Raster::new(1, 2048, 100, DType::U8);
    classes.band_mut(0).iter_mut().enumerate().for_each(|(i, v)| *v = (i / 100 % 2) as f32);
    let q = class_map(&classes, 0, &terradl_report::ColorTable::from_names(&["a", "b"]), &QuicklookOptions::default()).unwrap();
    assert_eq!((q.map.width, q.map.height), (50, 1024));
    // nearest neighbour keeps pure class colours (no blends)
    let a = Rgba::rgb(31, 119, 180);
    let b = Rgba::rgb(255, 127, 14);
    for y in 0..q.map.height {
        let px = q.image.get(q.map.x + 10, q.map.y + y).unwrap();
        assert!(px == a || px == b, "{px:?}");
    }
}

#[test]
fn rgb_with_crown_boxes() {
    let rasters = common::rasters();
    let mut q = rgb_composite(&rasters["image.tif"], [0, 1, 2], Stretch::default(), &QuicklookOptions::titled("Crowns")).unwrap();
    let boxes: Vec<Scored<PixelBox>> = (0..5)
        .map(|i| Scored::new(PixelBox::new(20.0 + 50.0 * i as f64, 100.0, 45.0 + 50.0 * i as f64, 130.0), 0.5 + 0.1 * i as f64))
        .collect();
    let style = BoxStyle { color: Rgba::rgb(255, 0, 255), thickness: 2, show_labels: true };
    assert_eq!(q.draw_boxes(&boxes, &[], &style), 5);
    let png = decode_png(&q.to_png().unwrap()).unwrap();
    assert_eq!(png.get(q.map.x + 20, q.map.y + 115), Some(Rgba::rgb(255, 0, 255)));
    assert_ne!(png.get(q.map.x + 32, q.map.y + 115), Some(Rgba::rgb(255, 0, 255)));
    assert!(png.distinct_colors(1000) > 50, "stretched image is not flat");
}
