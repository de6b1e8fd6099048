"""Time GDAL (rasterio, JP2OpenJPEG driver) decoding a set of JPEG 2000 files.

  jp2_decode.py REPEATS FILE...   best-of-N for the whole set, one JSON line per
                                  GDAL_NUM_THREADS setting (1, ALL_CPUS)

The pixel sums per file are printed so the caller can check that terradl and
GDAL decoded the same samples.
"""
import json
import sys
import time

import numpy as np
import rasterio


def main():
    repeats = int(sys.argv[1])
    files = sys.argv[2:]
    for threads in ["1", "ALL_CPUS"]:
        best = float("inf")
        with rasterio.Env(GDAL_NUM_THREADS=threads, GDAL_CACHEMAX=64):
            for _ in range(repeats):
                t = time.perf_counter()
                arrays = []
                for f in files:
                    with rasterio.open(f) as ds:
                        arrays.append(ds.read(1))
                best = min(best, time.perf_counter() - t)
        pixels = sum(a.size for a in arrays)
        print(json.dumps({
            "reader": f"rasterio-GDAL{rasterio.__gdal_version__}-JP2OpenJPEG-threads={threads}",
            "files": len(files),
            "seconds": round(best, 4),
            "mpix_per_s": round(pixels / best / 1e6, 2),
            "sums": [int(a.astype(np.uint64).sum()) for a in arrays],
        }))


if __name__ == "__main__":
    main()
