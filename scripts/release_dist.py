#!/usr/bin/env python3
"""Writes the release files of scripts/release.sh: one reproducible zip per platform, the
manifest, and SHA256SUMS (the layout goreleaser produces and the Terraform registry and
provider mirrors expect).

Python's zipfile is used rather than the `zip` command or a Rust crate: it ships with every
Python 3 (already needed by scripts/install-terraform.sh), works offline, and lets us fix every
header field that would otherwise vary between builds (timestamp, creator OS, permissions,
entry order, compression level), so the same binary and version give the same bytes.

  release_dist.py zip BINARY ENTRY_NAME OUT_ZIP
  release_dist.py checksums DIST_DIR VERSION
"""
import hashlib
import json
import os
import sys
import zipfile

PROJECT = "terraform-provider-genesys"
# The simulator ships beside the provider (genesys-sim_VERSION_OS_ARCH.zip), for users' own CI.
SIMULATOR = "genesys-sim"
# DOS time cannot go before 1980; every entry carries this instant.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MANIFEST = {"version": 1, "metadata": {"protocol_versions": ["5.0"]}}


def write_zip(binary, entry_name, out_zip):
    info = zipfile.ZipInfo(entry_name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so that the mode below is honoured when unpacked
    info.external_attr = (0o100755 & 0xFFFF) << 16  # regular file, rwxr-xr-x
    tmp = out_zip + ".tmp"
    with open(binary, "rb") as src, zipfile.ZipFile(tmp, "w") as zf:
        with zf.open(info, "w") as dst:  # streams: the debug binary is large
            for chunk in iter(lambda: src.read(1 << 20), b""):
                dst.write(chunk)
    os.replace(tmp, out_zip)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checksums(dist, version):
    prefix = f"{PROJECT}_{version}"
    manifest = os.path.join(dist, f"{prefix}_manifest.json")
    with open(manifest, "w", encoding="utf-8") as f:
        json.dump(MANIFEST, f)
        f.write("\n")
    def zips_of(p):
        return [n for n in os.listdir(dist) if n.startswith(p + "_") and n.endswith(".zip")]

    zips = zips_of(prefix)
    if not zips:
        sys.exit(f"release_dist.py: no {prefix}_*.zip in {dist}: build an archive first")
    zips += zips_of(f"{SIMULATOR}_{version}")
    names = sorted(zips + [os.path.basename(manifest)])
    lines = "".join(f"{sha256_file(os.path.join(dist, n))}  {n}\n" for n in names)
    with open(os.path.join(dist, f"{prefix}_SHA256SUMS"), "w", encoding="utf-8") as f:
        f.write(lines)


def main(argv):
    if len(argv) == 5 and argv[1] == "zip":
        write_zip(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "checksums":
        write_checksums(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
