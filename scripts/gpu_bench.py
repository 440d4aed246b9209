"""Reproduce the GPU table of docs/benchmarks.md: the jobs of `mmworkbench.bench.run_bench`, each in its own process.

    python scripts/gpu_bench.py --out DIR            # the recorded run: base preset, batch 256, compiled, on CUDA
    python scripts/gpu_bench.py --size tiny --batch 4 --device cpu --repeats 1 --methods late --out DIR   # smoke run

The parent process never touches the device. One child measures the matmul peak (the MFU denominator); then one child
per job (`bench_jobs`: each method, then the plain-stack ceiling and the open_clip towers) runs `run_job` and hands its
row back as JSON. A job that crashes the process or runs past --timeout becomes an error row instead of ending the run,
and the parent writes bench.json, bench.md and bench.png (`save_bench`) exactly as `mmwb bench` does."""
import argparse, json, subprocess, sys, time
from pathlib import Path

RECORDED = ["early", "late", "concat", "tensor", "contrastive", "cross_attn", "co_attn", "cls_exchange",
            "bottleneck_attn"]

def parse(argv=None):
    p = argparse.ArgumentParser(prog="gpu_bench.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", default=",".join(RECORDED), help="comma-separated methods; default: the recorded nine")
    p.add_argument("--size", default="base", choices=["tiny", "small", "base"], help="preset; default: %(default)s")
    p.add_argument("--batch", type=int, default=256, help="train-step batch; default: %(default)s")
    p.add_argument("--device", default="cuda", help="default: %(default)s")
    p.add_argument("--no-compile", dest="compile", action="store_false", help="eager (the recorded run compiles)")
    p.add_argument("--no-refs", action="store_true", help="skip the plain-stack ceiling and the open_clip references")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per measurement; default: %(default)s")
    p.add_argument("--timeout", type=float, default=1800, help="seconds one job may run; default: %(default)s")
    p.add_argument("--out", required=True, help="folder for bench.json, bench.md, bench.png and the per-job rows")
    p.add_argument("--job", help=argparse.SUPPRESS)    # child: 'peak' or a job name
    p.add_argument("--peak", type=float, help=argparse.SUPPRESS)
    return p.parse_args(argv)

def child(a) -> int:
    from mmworkbench import bench
    out = Path(a.out) / "jobs" / f"{a.job}.json"
    if a.job == "peak":   # the run's header, with the peak measured now
        peak = bench.matmul_peak(a.device)
        out.write_text(json.dumps(bench.bench_info(a.device, a.size, a.batch, a.compile, peak))); return 0
    jobs = dict(bench.bench_jobs(a.methods.split(","), a.size, a.batch, a.device, a.compile, a.peak, a.repeats,
                                 not a.no_refs))
    out.write_text(json.dumps(bench.run_job(a.job, jobs[a.job], a.device, a.compile)))
    return 0

def spawn(a, job: str, argv: list, peak=None) -> dict:
    "Run `job` in a child process; its JSON, or an error row naming what went wrong."
    cmd = [sys.executable, __file__, *argv, "--job", job] + ([] if peak is None else ["--peak", repr(peak)])
    t0 = time.time()
    try: r = subprocess.run(cmd, timeout=a.timeout, capture_output=True, text=True)
    except subprocess.TimeoutExpired: return {"name": job, "error": f"timed out after {a.timeout:.0f} s"}
    print(f"  {job}: {time.time() - t0:.0f} s", flush=True)
    f = Path(a.out) / "jobs" / f"{job}.json"
    if r.returncode != 0 or not f.exists():
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"name": job, "error": f"exit {r.returncode}: {tail[0][:300]}"}
    return json.loads(f.read_text())

def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    a = parse(argv)
    if a.job: return child(a)
    from mmworkbench.bench import bench_jobs, save_bench, to_markdown   # imports torch; only children use the device
    (Path(a.out) / "jobs").mkdir(parents=True, exist_ok=True)
    names = [n for n, _ in bench_jobs(a.methods.split(","), a.size, a.batch, a.device, a.compile, 0.0, a.repeats,
                                      not a.no_refs)]   # building the jobs runs nothing
    print(f"gpu_bench: {len(names)} jobs, one process each (timeout {a.timeout:.0f} s)", flush=True)
    info = spawn(a, "peak", argv)
    if "error" in info:
        print(f"gpu_bench: measuring the matmul peak failed: {info['error']}", file=sys.stderr); return 1
    res = {"info": info, "results": [spawn(a, n, argv, info["peak"]["tflops"]) for n in names]}
    save_bench(res, a.out)
    print(to_markdown(res)); print(f"wrote {a.out}/bench.json, bench.md, bench.png")
    return 0 if not any("error" in r for r in res["results"]) else 1

if __name__ == "__main__": sys.exit(main())
