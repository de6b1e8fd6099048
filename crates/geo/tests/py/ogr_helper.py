"""OGR's side of the GeoPackage interop tests (tests/gpkg_gdal.rs).

Calls the GDAL library bundled in the rasterio wheel through ctypes (rasterio
itself has no vector API), so the same `.venv` as the GeoTIFF tests serves.

    ogr_helper.py read PATH [LAYER]   print OGR's reading of one layer as JSON
    ogr_helper.py write PATH          write a GeoPackage with varied layers

`read` prints {"layer", "fid_column", "epsg", "features": [{"fid", "type",
"coords", "properties"}]}, where "coords" nests like the geometry (a point
is [[x, y]], a ring [[x, y], ...], a polygon [ring, ...], a multi-geometry
[part, ...]) and floats are printed exactly (Python's repr round-trips).
"""

import ctypes
import glob
import json
import os
import sys

import rasterio  # noqa: F401  (sets PROJ_DATA/GDAL_DATA for the bundled GDAL)

c_void_p, c_char_p, c_int, c_double = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_double


def load_gdal():
    libs = glob.glob(os.path.join(os.path.dirname(rasterio.__file__), "..", "rasterio.libs", "libgdal*"))
    if not libs:
        raise SystemExit("no libgdal in the rasterio wheel")
    g = ctypes.CDLL(libs[0])
    sigs = {
        "GDALOpenEx": (c_void_p, [c_char_p, ctypes.c_uint, c_void_p, c_void_p, c_void_p]),
        "GDALClose": (c_int, [c_void_p]),
        "GDALGetDriverByName": (c_void_p, [c_char_p]),
        "GDALCreate": (c_void_p, [c_void_p, c_char_p, c_int, c_int, c_int, c_int, c_void_p]),
        "GDALDatasetGetLayer": (c_void_p, [c_void_p, c_int]),
        "GDALDatasetGetLayerByName": (c_void_p, [c_void_p, c_char_p]),
        "GDALDatasetCreateLayer": (c_void_p, [c_void_p, c_char_p, c_void_p, c_int, c_void_p]),
        "OGR_L_GetName": (c_char_p, [c_void_p]),
        "OGR_L_GetFIDColumn": (c_char_p, [c_void_p]),
        "OGR_L_GetSpatialRef": (c_void_p, [c_void_p]),
        "OGR_L_ResetReading": (None, [c_void_p]),
        "OGR_L_GetNextFeature": (c_void_p, [c_void_p]),
        "OGR_L_GetLayerDefn": (c_void_p, [c_void_p]),
        "OGR_L_CreateField": (c_int, [c_void_p, c_void_p, c_int]),
        "OGR_L_CreateFeature": (c_int, [c_void_p, c_void_p]),
        "OGR_F_Create": (c_void_p, [c_void_p]),
        "OGR_F_Destroy": (None, [c_void_p]),
        "OGR_F_GetFID": (ctypes.c_int64, [c_void_p]),
        "OGR_F_GetGeometryRef": (c_void_p, [c_void_p]),
        "OGR_F_SetGeometry": (c_int, [c_void_p, c_void_p]),
        "OGR_F_GetFieldCount": (c_int, [c_void_p]),
        "OGR_F_GetFieldDefnRef": (c_void_p, [c_void_p, c_int]),
        "OGR_F_IsFieldSetAndNotNull": (c_int, [c_void_p, c_int]),
        "OGR_F_GetFieldAsInteger64": (ctypes.c_int64, [c_void_p, c_int]),
        "OGR_F_GetFieldAsDouble": (c_double, [c_void_p, c_int]),
        "OGR_F_GetFieldAsString": (c_char_p, [c_void_p, c_int]),
        "OGR_F_SetFieldInteger64": (None, [c_void_p, c_int, ctypes.c_int64]),
        "OGR_F_SetFieldDouble": (None, [c_void_p, c_int, c_double]),
        "OGR_F_SetFieldString": (None, [c_void_p, c_int, c_char_p]),
        "OGR_F_SetFieldNull": (None, [c_void_p, c_int]),
        "OGR_Fld_Create": (c_void_p, [c_char_p, c_int]),
        "OGR_Fld_Destroy": (None, [c_void_p]),
        "OGR_Fld_GetNameRef": (c_char_p, [c_void_p]),
        "OGR_Fld_GetType": (c_int, [c_void_p]),
        "OGR_G_CreateFromWkt": (c_int, [ctypes.POINTER(c_char_p), c_void_p, ctypes.POINTER(c_void_p)]),
        "OGR_G_DestroyGeometry": (None, [c_void_p]),
        "OGR_G_GetGeometryName": (c_char_p, [c_void_p]),
        "OGR_G_GetGeometryCount": (c_int, [c_void_p]),
        "OGR_G_GetGeometryRef": (c_void_p, [c_void_p, c_int]),
        "OGR_G_GetPointCount": (c_int, [c_void_p]),
        "OGR_G_GetX": (c_double, [c_void_p, c_int]),
        "OGR_G_GetY": (c_double, [c_void_p, c_int]),
        "OGR_G_IsEmpty": (c_int, [c_void_p]),
        "OSRNewSpatialReference": (c_void_p, [c_char_p]),
        "OSRImportFromEPSG": (c_int, [c_void_p, c_int]),
        "OSRRelease": (None, [c_void_p]),
        "OSRGetAuthorityName": (c_char_p, [c_void_p, c_char_p]),
        "OSRGetAuthorityCode": (c_char_p, [c_void_p, c_char_p]),
        "OSRAutoIdentifyEPSG": (c_int, [c_void_p]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(g, name)
        f.restype, f.argtypes = res, args
    g.GDALAllRegister()
    return g


G = load_gdal()
GDAL_OF_VECTOR = 0x04
OFT_INTEGER, OFT_REAL, OFT_STRING, OFT_INTEGER64 = 0, 2, 4, 12


def coords(geom):
    n = G.OGR_G_GetGeometryCount(geom)
    if n:
        return [coords(G.OGR_G_GetGeometryRef(geom, i)) for i in range(n)]
    return [[G.OGR_G_GetX(geom, i), G.OGR_G_GetY(geom, i)] for i in range(G.OGR_G_GetPointCount(geom))]


def field_value(feat, i):
    if not G.OGR_F_IsFieldSetAndNotNull(feat, i):
        return None
    kind = G.OGR_Fld_GetType(G.OGR_F_GetFieldDefnRef(feat, i))
    if kind in (OFT_INTEGER, OFT_INTEGER64):
        return G.OGR_F_GetFieldAsInteger64(feat, i)
    if kind == OFT_REAL:
        return G.OGR_F_GetFieldAsDouble(feat, i)
    return G.OGR_F_GetFieldAsString(feat, i).decode("utf-8")


def epsg_of(layer):
    srs = G.OGR_L_GetSpatialRef(layer)
    if not srs:
        return None
    name = G.OSRGetAuthorityName(srs, None)
    if name is None and G.OSRAutoIdentifyEPSG(srs) == 0:
        name = G.OSRGetAuthorityName(srs, None)
    if name is None or name.decode().upper() != "EPSG":
        return None
    return int(G.OSRGetAuthorityCode(srs, None))


def read(path, layer_name=None):
    ds = G.GDALOpenEx(path.encode(), GDAL_OF_VECTOR, None, None, None)
    if not ds:
        raise SystemExit(f"OGR cannot open {path}")
    layer = G.GDALDatasetGetLayerByName(ds, layer_name.encode()) if layer_name else G.GDALDatasetGetLayer(ds, 0)
    if not layer:
        raise SystemExit(f"no layer {layer_name} in {path}")
    out = {
        "layer": G.OGR_L_GetName(layer).decode(),
        "fid_column": G.OGR_L_GetFIDColumn(layer).decode(),
        "epsg": epsg_of(layer),
        "features": [],
    }
    G.OGR_L_ResetReading(layer)
    while True:
        feat = G.OGR_L_GetNextFeature(layer)
        if not feat:
            break
        geom = G.OGR_F_GetGeometryRef(feat)
        if geom and not G.OGR_G_IsEmpty(geom):
            props = {
                G.OGR_Fld_GetNameRef(G.OGR_F_GetFieldDefnRef(feat, i)).decode(): field_value(feat, i)
                for i in range(G.OGR_F_GetFieldCount(feat))
            }
            out["features"].append({
                "fid": G.OGR_F_GetFID(feat),
                "type": G.OGR_G_GetGeometryName(geom).decode(),
                "coords": coords(geom),
                "properties": props,
            })
        G.OGR_F_Destroy(feat)
    G.GDALClose(ds)
    print(json.dumps(out))


# Layers of the written GeoPackage: (name, EPSG, OGR geometry type, rows of
# (WKT or None, name, count, area)). Geometry types: 3 polygon, 6 multipolygon,
# 0x80000001 point 2.5D, 7 geometry collection.
WKB25D = 0x80000000
LAYERS = [
    ("fields", 32613, 6, [
        ("MULTIPOLYGON (((500000 4400000,500030 4400000,500030 4400030,500000 4400030,500000 4400000),"
         "(500010 4400010,500010 4400020,500020 4400020,500020 4400010,500010 4400010)),"
         "((500100.125 4400100.5,500130.25 4400100.5,500115.0625 4400140.75,500100.125 4400100.5)))", "wheat", 3, 0.1),
        ("MULTIPOLYGON (((-1.5e-7 0.1,0.3 0.1,0.3 0.7,-1.5e-7 0.1)))", "maize \"grain\"", None, 2.5),
        (None, "no geometry", 1, None),
        ("MULTIPOLYGON EMPTY", "empty", 2, 0.0),
    ]),
    ("Wells", 4326, WKB25D | 1, [
        ("POINT Z (-105.123456789012 40.987654321098 1620.5)", "north", -4, 1e-300),
        ("POINT Z (0.1 -0.2 0)", "été", 2 ** 40, -3.25),
    ]),
    ("mixed", 3857, 7, [
        ("GEOMETRYCOLLECTION (POINT (1 2),LINESTRING (0 0,1 1,2 0),POLYGON ((0 0,4 0,4 4,0 0)))", "gc", 0, 0.0),
    ]),
]


def write(path):
    if os.path.exists(path):
        os.remove(path)
    drv = G.GDALGetDriverByName(b"GPKG")
    ds = G.GDALCreate(drv, path.encode(), 0, 0, 0, 0, None)
    if not ds:
        raise SystemExit(f"OGR cannot create {path}")
    for name, epsg, gtype, rows in LAYERS:
        srs = G.OSRNewSpatialReference(None)
        G.OSRImportFromEPSG(srs, epsg)
        layer = G.GDALDatasetCreateLayer(ds, name.encode(), srs, gtype, None)
        G.OSRRelease(srs)
        for fname, ftype in ((b"name", OFT_STRING), (b"count", OFT_INTEGER64), (b"area", OFT_REAL)):
            fld = G.OGR_Fld_Create(fname, ftype)
            G.OGR_L_CreateField(layer, fld, 1)
            G.OGR_Fld_Destroy(fld)
        for wkt, label, count, area in rows:
            feat = G.OGR_F_Create(G.OGR_L_GetLayerDefn(layer))
            if wkt is not None:
                geom = c_void_p()
                text = c_char_p(wkt.encode())
                if G.OGR_G_CreateFromWkt(ctypes.byref(text), None, ctypes.byref(geom)) != 0:
                    raise SystemExit(f"bad WKT {wkt}")
                G.OGR_F_SetGeometry(feat, geom)
                G.OGR_G_DestroyGeometry(geom)
            G.OGR_F_SetFieldString(feat, 0, label.encode("utf-8"))
            if count is None:
                G.OGR_F_SetFieldNull(feat, 1)
            else:
                G.OGR_F_SetFieldInteger64(feat, 1, count)
            if area is None:
                G.OGR_F_SetFieldNull(feat, 2)
            else:
                G.OGR_F_SetFieldDouble(feat, 2, area)
            if G.OGR_L_CreateFeature(layer, feat) != 0:
                raise SystemExit(f"cannot write a feature of {name}")
            G.OGR_F_Destroy(feat)
    G.GDALClose(ds)
    print(json.dumps({"layers": [name for name, *_ in LAYERS]}))


def main():
    cmd, *args = sys.argv[1:]
    if cmd == "read":
        read(*args)
    elif cmd == "write":
        write(*args)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
