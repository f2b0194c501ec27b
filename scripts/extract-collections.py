"""Extract named collections from the `ansible` community bundle wheel into a collections path.

Usage: extract-collections.py WHEEL DEST NAMESPACE.NAME [...]
"""

import shutil
import sys
import zipfile
from pathlib import Path


def main(wheel, dest, names):
    dest = Path(dest)
    prefixes = ["ansible_collections/%s/" % name.replace(".", "/") for name in names]
    for prefix in prefixes:
        shutil.rmtree(dest / prefix, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if any(m.startswith(p) for p in prefixes)]
        archive.extractall(dest, members)
    missing = [p for p in prefixes if not (dest / p).is_dir()]
    if missing:
        sys.exit("not in the bundle: %s" % ", ".join(missing))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
