"""Run a notebook's fast path (cells flagged slow/gpu skipped, like nbdev_test) with every `seed=0` replaced by
another seed, so a teaching claim asserted on seed 0 can be checked on other seeds without editing the notebook.

    OMP_NUM_THREADS=1 python scripts/seed_check.py nbs/10_methods.early.ipynb 1 [2 ...]

Prints each seed's cell outputs that contain a number, the CPU seconds (user + sys) of every cell that took over 1 s,
and `ok`/the failing assert; exit code 1 if any seed fails.
Run it one process at a time on a shared machine. On x86-64 it pins the CPU kernels to AVX2 as the test command does
(export ATEN_CPU_CAPABILITY etc. yourself to override): an AVX-512 CPU otherwise trains to different weights."""
import json, os, platform, re, resource, sys, time
from pathlib import Path
def _has_avx2() -> bool:
    try: return " avx2" in Path("/proc/cpuinfo").read_text()
    except OSError: return False
if platform.machine() == "x86_64" and _has_avx2():   # the test command's pin (scripts/dev pin_kernels), same condition
    for k, v in (("ATEN_CPU_CAPABILITY", "avx2"), ("MKL_ENABLE_INSTRUCTIONS", "AVX2"), ("ONEDNN_MAX_CPU_ISA", "AVX2")):
        os.environ.setdefault(k, v)
from execnb.shell import CaptureShell

def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime


SKIP = re.compile(r"^#\|\s*(slow|gpu|eval:\s*false)", re.M)


def run(path: str, seed: int) -> bool:
    nb = json.loads(Path(path).read_text())
    sh = CaptureShell(path)
    sh.run_cell("import matplotlib; matplotlib.use('Agg')")
    t0, c0, ok = time.time(), cpu(), True
    for i, c in enumerate(nb["cells"]):
        src = "".join(c["source"])
        if c["cell_type"] != "code" or SKIP.search(src) or "default_exp" in src: continue
        src = re.sub(r"\bseed=0\b", f"seed={seed}", src)
        src = re.sub(r"torch\.manual_seed\(0\)", f"torch.manual_seed({seed})", src)
        c1 = cpu(); out = sh.run_cell(src); dc = cpu() - c1
        exc, text = out["exception"], re.sub(r"\x1b\[[0-9;]*m", "", out["stdout"])
        if exc is not None: text = text.split("-" * 20)[0]        # the cell's own prints, not the traceback
        if text.strip(): print(f"  [{i}] " + text.strip().replace("\n", "\n      "))
        if dc > 1: print(f"  [{i}] {dc:.1f} s CPU")
        if exc is not None:
            print(f"  [{i}] FAILED on seed {seed}: {type(exc).__name__}: {exc}"); ok = False; break
    print(f"{path} seed {seed}: {'ok' if ok else 'FAILED'} ({time.time() - t0:.0f} s wall, {cpu() - c0:.0f} s CPU)", flush=True)
    return ok


if __name__ == "__main__":
    path, seeds = sys.argv[1], [int(s) for s in sys.argv[2:]] or [1, 2]
    sys.exit(0 if all([run(path, s) for s in seeds]) else 1)
