"""GDAL's (rasterio's) view of a Cloud Optimized GeoTIFF written by `terradl mosaic --cog`.

Prints JSON: the structure GDAL reports and the list of COG layout rule violations,
checked the way GDAL's validate_cloud_optimized_geotiff.py does (main IFD right after the
structural metadata, overview IFDs after it in decreasing size, tile data of the smallest
overview first and of the full-resolution image last, block leaders/trailers), plus the
overview pixels GDAL decodes compared with the expected resampling of the full image.

usage: check_cog.py <cog.tif> <nearest|average>
"""
import json
import struct
import sys

import numpy as np
import rasterio


def tag(ds, name, ovr=None):
    v = ds.get_tag_item(name, "TIFF", bidx=1, ovr=ovr)
    return int(v) if v not in (None, "") else None


def main(path, resampling):
    errors = []
    with rasterio.open(path) as ds:
        n_ovr = len(ds.overviews(1))
        structure = ds.tags(ns="IMAGE_STRUCTURE")
        full = ds.read(masked=False).astype("float64")
        nodata = ds.nodata
        info = {
            "driver": ds.driver,
            "width": ds.width,
            "height": ds.height,
            "count": ds.count,
            "dtype": ds.dtypes[0],
            "overviews": ds.overviews(1),
            "layout": structure.get("LAYOUT"),
            "compression": structure.get("COMPRESSION"),
            "block": list(ds.block_shapes[0]),
            "epsg": ds.crs.to_epsg() if ds.crs else None,
            "colormap": bool(ds.count == 1 and ds.dtypes[0] == "uint8" and _has_colormap(ds)),
        }
        ifd = [tag(ds, "IFD_OFFSET")] + [tag(ds, "IFD_OFFSET", ovr=i) for i in range(n_ovr)]
        data = [tag(ds, "BLOCK_OFFSET_0_0")] + [tag(ds, "BLOCK_OFFSET_0_0", ovr=i) for i in range(n_ovr)]
        info["ifd_offsets"], info["data_offsets"] = ifd, data
        if any(v is None for v in ifd + data):
            errors.append("missing IFD_OFFSET / BLOCK_OFFSET_0_0")
        else:
            with open(path, "rb") as f:
                f.seek(8)
                line = f.read(43).decode("latin1")
                if not line.startswith("GDAL_STRUCTURAL_METADATA_SIZE="):
                    errors.append("no GDAL structural metadata after the header")
                    md = ""
                    expected = 8
                else:
                    size = int(line[30:36])
                    md = f.read(size).decode("latin1")
                    expected = 8 + 43 + size
                    expected += expected % 2
                if ifd[0] != expected:
                    errors.append("main IFD at %d, expected %d" % (ifd[0], expected))
                if "LAYOUT=IFDS_BEFORE_DATA" not in md:
                    errors.append("LAYOUT=IFDS_BEFORE_DATA missing")
                for i in range(1, len(ifd)):
                    if ifd[i] < ifd[i - 1]:
                        errors.append("IFD of overview %d before the previous IFD" % (i - 1))
                if max(ifd) > min(data):
                    errors.append("an IFD lies after image data")
                for i in range(len(data) - 1):
                    if data[i] < data[i + 1]:
                        errors.append("data of level %d before the data of the smaller level %d" % (i, i + 1))
                # Leaders and trailers of every block of every level.
                for ovr in [None] + list(range(n_ovr)):
                    with rasterio.open(path, overview_level=ovr) if ovr is not None else rasterio.open(path) as lvl:
                        bh, bw = lvl.block_shapes[0]
                        nx, ny = -(-lvl.width // bw), -(-lvl.height // bh)
                    last = 0
                    for y in range(ny):
                        for x in range(nx):
                            off = tag(ds, "BLOCK_OFFSET_%d_%d" % (x, y), ovr=ovr)
                            cnt = tag(ds, "BLOCK_SIZE_%d_%d" % (x, y), ovr=ovr)
                            if off < last:
                                errors.append("level %s block (%d,%d) not in row-major order" % (ovr, x, y))
                            last = off
                            f.seek(off - 4)
                            if struct.unpack("<I", f.read(4))[0] != cnt:
                                errors.append("level %s block (%d,%d) leader != byte count" % (ovr, x, y))
                            f.seek(off + cnt - 4)
                            tail = f.read(8)
                            if tail[:4] != tail[4:]:
                                errors.append("level %s block (%d,%d) trailer" % (ovr, x, y))
    # Overview pixels as GDAL decodes them vs. the expected resampling of the level below.
    below = full
    max_diff = 0.0
    mismatches = 0
    for i in range(n_ovr):
        with rasterio.open(path, overview_level=i) as o:
            got = o.read().astype("float64")
        h, w = got.shape[1:]
        if resampling == "nearest":
            ys = np.minimum(2 * np.arange(h) + 1, below.shape[1] - 1)
            xs = np.minimum(2 * np.arange(w) + 1, below.shape[2] - 1)
            want = below[:, ys][:, :, xs]
            mismatches += int(np.sum(got != want))
        else:
            pad = np.full((below.shape[0], 2 * h, 2 * w), np.nan)
            pad[:, : below.shape[1], : below.shape[2]] = below
            if nodata is not None and not np.isnan(nodata):
                pad[pad == nodata] = np.nan
            blocks = pad.reshape(below.shape[0], h, 2, w, 2)
            with np.errstate(all="ignore"):
                want = np.nanmean(blocks.transpose(0, 1, 3, 2, 4).reshape(below.shape[0], h, w, 4), axis=3)
            both = ~np.isnan(want) & ~np.isnan(got)
            mismatches += int(np.sum(np.isnan(want) != np.isnan(got)))
            if both.any():
                max_diff = max(max_diff, float(np.max(np.abs(got[both] - want[both]))))
        below = got
    info["overview_mismatches"] = mismatches
    info["overview_max_abs_diff"] = max_diff
    info["errors"] = errors
    print(json.dumps(info))


def _has_colormap(ds):
    try:
        return len(ds.colormap(1)) > 0
    except ValueError:
        return False


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
