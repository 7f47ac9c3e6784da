"""A PEP 517 build backend in the standard library only, so that `pip install ./python`
works offline: pip's isolated build environment gets no package from an index to build with.

It builds a pure-Python wheel of the coreflow/ package (and an editable wheel, a .pth file
pointing at this folder, for `pip install -e`), and an sdist. Metadata comes from the
[project] table of pyproject.toml, read line by line: keep its values simple strings.
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "coreflow"
TAG = "py3-none-any"
# Fixed times make the same sources give the same archive.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _project():
    """name, version, description, requires-python and license text of [project]."""
    fields, section = {}, None
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[project]":
                match = re.match(r'([\w-]+)\s*=\s*(?:\{\s*text\s*=\s*)?"([^"]*)"', line)
                if match:
                    fields[match.group(1)] = match.group(2)
    return fields


def _metadata():
    p = _project()
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n"
            "Requires-Python: %s\nLicense: %s\n" % (p["name"], p["version"], p["description"],
                                                    p["requires-python"], p["license"]))


def _dist_info():
    p = _project()
    return "%s-%s.dist-info" % (p["name"], p["version"])


def _sources():
    """(path in the archive, path on disk) of the package's Python files."""
    folder = os.path.join(HERE, PACKAGE)
    return [(PACKAGE + "/" + name, os.path.join(folder, name))
            for name in sorted(os.listdir(folder)) if name.endswith(".py")]


def _write_wheel(directory, files):
    """Writes a wheel of files ({archive path: bytes}) plus its dist-info; returns its name."""
    p = _project()
    info = _dist_info()
    files = dict(files)
    files[info + "/METADATA"] = _metadata().encode()
    files[info + "/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: coreflow-backend\n"
                              "Root-Is-Purelib: true\nTag: %s\n" % TAG).encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append("%s,sha256=%s,%d" % (name, digest.decode(), len(data)))
    record.append(info + "/RECORD,,")
    files[info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = "%s-%s-%s.whl" % (p["name"], p["version"], TAG)
    with zipfile.ZipFile(os.path.join(directory, wheel), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, ZIP_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(entry, data)
    return wheel


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_sdist = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = os.path.join(metadata_directory, _dist_info())
    os.makedirs(info, exist_ok=True)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return _dist_info()


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, {name: _read(path) for name, path in _sources()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, {PACKAGE + ".pth": (HERE + "\n").encode()})


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = "%s-%s" % (p["name"], p["version"])
    members = [("pyproject.toml", os.path.join(HERE, "pyproject.toml")),
               ("_build/backend.py", os.path.abspath(__file__))] + _sources()
    with tarfile.open(os.path.join(sdist_directory, base + ".tar.gz"), "w:gz") as tar:
        for name, data in [(n, _read(path)) for n, path in members] + [
                ("PKG-INFO", _metadata().encode())]:
            entry = tarfile.TarInfo(base + "/" + name)
            entry.size, entry.mode, entry.mtime = len(data), 0o644, 315532800
            tar.addfile(entry, io.BytesIO(data))
    return base + ".tar.gz"
