"""Opening a trained-model file whose parameters are a compression bomb, and a big own file.

A ~200 KB file holding 200 MB of zero bytes as parameters: each reading runs in a fresh child
process (peak RSS from ``ru_maxrss``, time, bytes left on disk). Baseline in the same script:
the naive reading the workbench had before (the whole member read into memory, then written
out). Then the same 200 MB in a file this user's workbench signed (allowed to expand, so it is
streamed to disk) against the same naive reading.

Run: python bench/bench_trained_model_files.py [megabytes]
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rafiki.params_bundle import export_bundle  # noqa: E402

_READ = r"""
import json, os, resource, sys, time, zipfile
sys.path.insert(0, sys.argv[4])
from rafiki.params_bundle import BundleError, import_bundle
path, folder, how = sys.argv[1], sys.argv[2], sys.argv[3]
started = time.perf_counter()
outcome = "read"
if how == "naive":  # what the workbench did before: the member whole in memory
    with zipfile.ZipFile(path) as archive:
        data = archive.read("parameters.pkl")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "p.pkl"), "wb") as out:
        out.write(data)
else:
    try:
        import_bundle(path, folder)
    except BundleError as exc:
        outcome = "refused: " + str(exc).split(": ", 1)[1][:60]
elapsed = time.perf_counter() - started
left = sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder)) \
    if os.path.isdir(folder) else 0
print(json.dumps({"seconds": elapsed, "peak_mb": resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss / 1024, "left_mb": left / 2**20, "outcome": outcome}))
"""


def _read(path: Path, how: str, home: Path) -> dict:
    folder = tempfile.mkdtemp(prefix="bench-imported-")
    env = {**os.environ, "RAFIKI_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", _READ, str(path), folder, how, str(ROOT)],
                         capture_output=True, text=True, env=env, check=True).stdout
    subprocess.run(["rm", "-rf", folder], check=True)
    return json.loads(out)


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        home = work / "home"
        os.environ["RAFIKI_HOME"] = str(home)
        blob = work / "zeros.pkl"
        digest = hashlib.sha256()  # chunk by chunk: Linux's ru_maxrss of a child counts
        with open(blob, "wb") as out:  # the parent's RSS at the fork, so keep it small
            for _ in range(megabytes):
                out.write(bytes(2**20))
                digest.update(bytes(2**20))
        digest = digest.hexdigest()
        model = work / "m.py"
        model.write_text("# model\n")
        own = export_bundle(str(work / "own.rafiki-model"), model_file_path=str(model),
                            model_class="M", task="IMAGE_CLASSIFICATION", knobs={},
                            params_path=str(blob), params_sha256=digest)
        foreign = work / "foreign.rafiki-model"
        import zipfile

        with zipfile.ZipFile(own) as source, \
                zipfile.ZipFile(foreign, "w", zipfile.ZIP_DEFLATED) as target:
            manifest = json.loads(source.read("manifest.json"))
            manifest.pop("signature")
            target.writestr("manifest.json", json.dumps(manifest))
            with source.open("parameters.pkl") as member, \
                    target.open("parameters.pkl", "w", force_zip64=True) as copy:
                for chunk in iter(lambda: member.read(2**20), b""):
                    copy.write(chunk)
        print(f"{megabytes} MB of parameters; file sizes: own {own.stat().st_size / 1024:.0f} "
              f"KB, foreign {foreign.stat().st_size / 1024:.0f} KB")
        print("| file | reading | time | peak RSS | left on disk | outcome |")
        print("| --- | --- | --- | --- | --- | --- |")
        for label, path in (("from elsewhere", foreign), ("own (signed)", own)):
            for how in ("naive", "import_bundle"):
                r = _read(path, how, home)
                print(f"| {label} | {how} | {r['seconds']:.2f} s | {r['peak_mb']:.0f} MB | "
                      f"{r['left_mb']:.0f} MB | {r['outcome']} |")


if __name__ == "__main__":
    main()
