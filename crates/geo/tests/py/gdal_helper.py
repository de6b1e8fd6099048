"""GDAL (rasterio) side of terradl's GeoTIFF and JPEG 2000 interop tests.

Usage:
  gdal_helper.py write CASES_JSON OUT_DIR   write each case with rasterio (GeoTIFF, or JPEG 2000
                                            with "driver": "JP2OpenJPEG"), then read it back
  gdal_helper.py read FILE...               read files with rasterio
  gdal_helper.py warp JOBS_JSON             resample each job's source band onto a north-up
                                            grid with GDAL's warper (rasterio.warp.reproject),
                                            write it as GeoTIFF, then read it back

Both print one JSON list on stdout, one entry per file, with GDAL's view of
the file: size, dtype, transform (GDAL order), EPSG, nodata, colour table and
the path of a raw dump of the pixels (float32 little-endian, band-sequential).
"""
import json
import sys

import numpy as np
import rasterio
from rasterio.transform import Affine


def describe(path):
    with rasterio.open(path) as ds:
        data = ds.read()
        raw = path + ".gdal.raw"
        data.astype("<f4").tofile(raw)
        crs = ds.crs
        cmap = None
        if ds.count == 1 and ds.dtypes[0] == "uint8":
            try:
                cmap = {str(k): list(v) for k, v in ds.colormap(1).items()}
            except ValueError:
                cmap = None
        return {
            "path": path,
            "raw": raw,
            "width": ds.width,
            "height": ds.height,
            "count": ds.count,
            "dtype": ds.dtypes[0],
            "transform": list(ds.transform.to_gdal()),
            "epsg": crs.to_epsg() if crs else None,
            "geographic": bool(crs.is_geographic) if crs else False,
            "nodata": None if ds.nodata is None else (None if np.isnan(ds.nodata) else ds.nodata),
            "nodata_is_nan": ds.nodata is not None and bool(np.isnan(ds.nodata)),
            "colormap": cmap,
            "block": list(ds.block_shapes[0]),
            "compress": ds.profile.get("compress"),
            "interleave": ds.profile.get("interleave"),
            "descriptions": list(ds.descriptions),
        }


def make_data(case):
    """Smooth, non-random content with some texture; per-dtype range."""
    b, h, w = case["bands"], case["height"], case["width"]
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((b, h, w), dtype=np.float64)
    for i in range(b):
        out[i] = np.sin(x / (7.0 + i)) * np.cos(y / 11.0) + 0.3 * np.sin((x + 2 * y) / 3.0 + i)
    dtype = case["dtype"]
    if dtype == "uint8":
        data = (out * 100 + 127).round().clip(0, 254)
    elif dtype == "uint16":
        data = (out * 20000 + 30000).round()
    elif dtype == "int16":
        data = (out * 12000).round()
    else:
        data = out * 1234.5
    data = data.astype(dtype)
    if case.get("nodata") is not None:
        data[:, 0, 0] = case["nodata"]
    return data


def write(cases, out_dir):
    results = []
    for case in cases:
        jp2 = case.get("driver") == "JP2OpenJPEG"
        path = f"{out_dir}/{case['name']}.{'jp2' if jp2 else 'tif'}"
        profile = {
            "driver": "JP2OpenJPEG" if jp2 else "GTiff",
            "width": case["width"],
            "height": case["height"],
            "count": case["bands"],
            "dtype": case["dtype"],
            "transform": Affine.from_gdal(*case["transform"]),
            "crs": f"EPSG:{case['epsg']}" if case.get("epsg") else None,
            "nodata": case.get("nodata"),
            "compress": case.get("compress", "none"),
            "interleave": case.get("interleave", "pixel"),
        }
        if jp2:
            # Lossless, so GDAL's and our decoding of the same codestream can be
            # compared sample by sample; GMLJP2=NO / GeoJP2=NO drop a box.
            del profile["compress"], profile["interleave"]
            profile.update(QUALITY="100", REVERSIBLE="YES", **case.get("options", {}))
        if case.get("tiled"):
            profile.update(tiled=True, blockxsize=case["block"], blockysize=case["block"])
        elif case.get("block"):
            profile.update(blockysize=case["block"])
        if case.get("predictor"):
            profile["predictor"] = case["predictor"]
        if case.get("bigtiff"):
            profile["BIGTIFF"] = "YES"
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(make_data(case))
        results.append(describe(path))
    return results


def warp(jobs):
    from rasterio.warp import Resampling, reproject

    results = []
    for job in jobs:
        with rasterio.open(job["src"]) as src:
            data = src.read(1)
            dst = np.zeros((job["height"], job["width"]), dtype=data.dtype)
            transform = Affine.from_gdal(*job["transform"])
            reproject(
                data,
                dst,
                src_transform=src.transform,
                src_crs=src.crs,
                dst_transform=transform,
                dst_crs=src.crs,
                resampling=getattr(Resampling, job["resampling"]),
            )
            profile = dict(driver="GTiff", width=job["width"], height=job["height"], count=1,
                           dtype=data.dtype, crs=src.crs, transform=transform)
        with rasterio.open(job["out"], "w", **profile) as ds:
            ds.write(dst, 1)
        results.append(describe(job["out"]))
    return results


def main():
    cmd = sys.argv[1]
    if cmd == "write":
        res = write(json.loads(sys.argv[2]), sys.argv[3])
    elif cmd == "read":
        res = [describe(p) for p in sys.argv[2:]]
    elif cmd == "warp":
        res = warp(json.loads(sys.argv[2]))
    else:
        raise SystemExit(f"unknown command {cmd}")
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
