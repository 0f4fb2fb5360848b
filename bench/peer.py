"""The peer of the benchmark (bench/bench.py): markitdown, in a venv of its own (never a
project dependency), converting a sample of the corpus to text."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PEER_VENV = Path(tempfile.gettempdir()) / "policy-etl-bench-peer"

PEER_SCRIPT = r"""
import json, sys, time
from markitdown import MarkItDown
paths = [line for line in open(sys.argv[1]).read().splitlines() if line]
md = MarkItDown(enable_plugins=False)
md.convert(paths[0])  # warm-up: lazy imports
errors = 0
t0 = time.perf_counter()
chars = 0
for p in paths:
    try:
        chars += len(md.convert(p).text_content or "")
    except Exception:
        errors += 1
wall = time.perf_counter() - t0
import markitdown
print(json.dumps({"documents": len(paths), "wall_s": wall, "errors": errors, "chars": chars,
                  "version": getattr(markitdown, "__version__", "?")}))
"""


def ensure_peer(venv: Path) -> tuple[Path | None, str]:
    py = venv / "bin" / "python"
    check = [str(py), "-c", "import markitdown"]
    if py.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return py, "reused"
    uv = shutil.which("uv")
    if not uv:
        return None, "uv not found"
    steps = (
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        [uv, "pip", "install", "--quiet", "--python", str(py), "markitdown", "py-spy"],
    )
    for step in steps:
        r = subprocess.run(step, capture_output=True, text=True)
        if r.returncode != 0:
            return None, f"{' '.join(step[:3])} failed: {(r.stderr or r.stdout).strip()[-400:]}"
    if subprocess.run(check, capture_output=True).returncode != 0:
        return None, "markitdown installed but does not import"
    return py, "installed"


def peer(root: Path, sample: int, ours_per_file: dict[str, float], work: Path) -> dict[str, Any]:
    py, how = ensure_peer(PEER_VENV)
    if py is None:
        return {"status": f"markitdown unavailable: {how}"}
    paths = sorted(p for p in root.rglob("*") if p.is_file())
    step = max(1, len(paths) // sample)
    chosen = paths[::step][:sample]
    listing = work / "peer_files.txt"
    listing.write_text("\n".join(str(p) for p in chosen))
    script = work / "peer_markitdown.py"
    script.write_text(PEER_SCRIPT)
    r = subprocess.run([str(py), str(script), str(listing)], capture_output=True, text=True)
    if r.returncode != 0:
        return {"status": f"markitdown run failed: {r.stderr.strip()[-400:]}"}
    result = json.loads(r.stdout.strip().splitlines()[-1])
    ours = [ours_per_file.get(p.relative_to(root).as_posix()) for p in chosen]
    ours_s = sum(t for t in ours if t is not None)
    measured = sum(1 for t in ours if t is not None)
    result.update(
        status=f"ok ({how})",
        docs_per_s=result["documents"] / result["wall_s"],
        ours_docs_per_s=measured / ours_s if ours_s else None,
    )
    result["ours_vs_peer"] = (
        result["ours_docs_per_s"] / result["docs_per_s"] if result["ours_docs_per_s"] else None
    )
    return result
