#!/usr/bin/env bash
# Create <workspace>/.venv (git-ignored) with rasterio (its wheel bundles GDAL),
# numpy and pyproj, used by the GeoTIFF and GeoPackage (OGR) interop tests, the
# label-reprojection tests against pyproj (crates/geo/tests/reproject_pyproj.rs) and
# bench/geotiff_read.sh. Idempotent: does nothing when the venv already imports them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
py="${PYTHON:-python3}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import rasterio, numpy, pyproj" 2>/dev/null; then
    echo "venv ready: $venv ($("$venv/bin/python" -c 'import rasterio, pyproj; print("rasterio", rasterio.__version__, "GDAL", rasterio.__gdal_version__, "pyproj", pyproj.__version__)'))"
    exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "numpy>=1.24" "rasterio>=1.3" "pyproj>=3.6"
"$venv/bin/python" -c "import rasterio, numpy, pyproj; print('venv ready:', '$venv', 'rasterio', rasterio.__version__, 'GDAL', rasterio.__gdal_version__, 'pyproj', pyproj.__version__, 'PROJ', pyproj.proj_version_str)"
