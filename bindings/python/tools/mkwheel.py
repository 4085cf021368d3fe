#!/usr/bin/env python3
"""Assemble the headroom-go wheel from the pure-Python package and a prebuilt
C-shared library, with the standard library only (no pip, setuptools or
network).

A wheel is a zip archive holding the package files plus a
``{name}-{version}.dist-info`` directory with METADATA, WHEEL and RECORD
(PEP 427, PEP 491). The library makes the wheel platform-specific but not
Python-specific (it is loaded with ctypes), so the tag is py3-none-<platform>.

The archive is reproducible: entries come in a fixed order, stamped with
SOURCE_DATE_EPOCH (default 1980-01-01).

Usage: mkwheel.py --project DIR --library FILE --out DIR
Prints the path of the wheel it wrote.
"""

import argparse
import base64
import hashlib
import os
import re
import sys
import sysconfig
import time
import zipfile

PACKAGE = "headroom"
REQUIRED_KEYS = ("name", "version", "description", "requires-python")


def read_project(pyproject):
    """Return the plain string keys of pyproject's [project] table."""
    keys = {}
    section = None
    with open(pyproject, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("["):
                section = stripped
                continue
            if section != "[project]":
                continue
            m = re.match(r'^([A-Za-z0-9_-]+)\s*=\s*"([^"\\]*)"\s*$', stripped)
            if not m:
                sys.exit("mkwheel: %s:%d: only key = \"string\" lines are supported in [project]" % (pyproject, lineno))
            keys[m.group(1)] = m.group(2)
    missing = [k for k in REQUIRED_KEYS if k not in keys]
    if missing:
        sys.exit("mkwheel: %s: [project] lacks %s" % (pyproject, ", ".join(missing)))
    return keys


def platform_tag():
    return re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def zip_time():
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
    return time.gmtime(max(epoch, 315532800))[:6]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", required=True, help="bindings/python directory")
    ap.add_argument("--library", required=True, help="the C-shared library to ship")
    ap.add_argument("--out", required=True, help="directory for the wheel")
    args = ap.parse_args()

    meta = read_project(os.path.join(args.project, "pyproject.toml"))
    dist = re.sub(r"[-_.]+", "_", meta["name"]).lower()
    version = meta["version"]
    tag = "py3-none-" + platform_tag()
    info = "%s-%s.dist-info" % (dist, version)

    files = []  # (archive name, bytes, executable)
    pkg_dir = os.path.join(args.project, PACKAGE)
    for name in sorted(os.listdir(pkg_dir)):
        if name.endswith(".py"):
            with open(os.path.join(pkg_dir, name), "rb") as fh:
                files.append(("%s/%s" % (PACKAGE, name), fh.read(), False))
    if not any(n == PACKAGE + "/_core.py" for n, _, _ in files):
        sys.exit("mkwheel: %s has no _core.py" % pkg_dir)
    with open(args.library, "rb") as fh:
        files.append(("%s/%s" % (PACKAGE, os.path.basename(args.library)), fh.read(), True))

    metadata = (
        "Metadata-Version: 2.1\n"
        "Name: %s\n"
        "Version: %s\n"
        "Summary: %s\n"
        "Requires-Python: %s\n" % (meta["name"], version, meta["description"], meta["requires-python"])
    )
    wheel = (
        "Wheel-Version: 1.0\n"
        "Generator: headroom-go mkwheel\n"
        "Root-Is-Purelib: false\n"
        "Tag: %s\n" % tag
    )
    files.append((info + "/METADATA", metadata.encode("utf-8"), False))
    files.append((info + "/WHEEL", wheel.encode("utf-8"), False))
    files.append((info + "/top_level.txt", (PACKAGE + "\n").encode("utf-8"), False))

    record_name = info + "/RECORD"
    record = "".join("%s,%s,%d\n" % (n, record_hash(d), len(d)) for n, d, _ in files)
    record += record_name + ",,\n"
    files.append((record_name, record.encode("utf-8"), False))

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "%s-%s-%s.whl" % (dist, version, tag))
    stamp = zip_time()
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, executable in files:  # RECORD last, as PEP 427 advises
            zi = zipfile.ZipInfo(name, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = ((0o755 if executable else 0o644) | 0o100000) << 16
            zf.writestr(zi, data)
    os.replace(tmp, path)
    print(path)


if __name__ == "__main__":
    main()
