"""Reproduce the GPU table of docs/benchmarks.md: the jobs of `mmworkbench.bench.run_bench`, each in its own process.

    python scripts/gpu_bench.py --out DIR     # the recorded run: base, batch 256, bf16, compiled train steps, <= 8 min
    python scripts/gpu_bench.py --smoke --out DIR                     # the same jobs on CPU at tiny, batch 4, 1 repeat

The parent process never touches the device. One child measures the matmul peak (the MFU denominator); then one child
per job (`bench_jobs`: the plain-stack ceiling first, each method, the open_clip towers) runs `run_job` and hands its
row back as JSON. A job that crashes the process or runs past its time becomes an error row instead of ending the run,
and the parent writes bench.json, bench.md and bench.png (`save_bench`) exactly as `mmwb bench` does. Every row says
how its train step ran (`mode`: eager or compiled:<torch.compile mode>) and, compiled, how many graphs and graph
breaks dynamo made of it; the header holds the GPU's name, the torch version and the compile mode.

Fitting --budget (480 s by default): compiling a base model takes most of a job's time, so with --warm N (3 by
default when compiling on CUDA) a first pass runs every job once, N at a time, untimed, which fills torch.compile's
on-disk caches (FX graph and AOTAutograd caches; TORCHINDUCTOR_CACHE_DIR when set); the timed pass then runs the jobs
one at a time, so no two timed steps share the GPU. The jobs time the train step alone (--latency adds inference
latency and capture overhead, which recompile in eval mode). A job still waiting when the budget is spent becomes an
error row that says so."""
import argparse, json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RECORDED = ["early", "late", "concat", "tensor", "contrastive", "cross_attn", "co_attn", "cls_exchange",
            "bottleneck_attn"]

def parse(argv=None):
    p = argparse.ArgumentParser(prog="gpu_bench.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", default=",".join(RECORDED), help="comma-separated methods; default: the recorded nine")
    p.add_argument("--size", default="base", choices=["tiny", "small", "base", "large"],
                   help="preset; default: %(default)s")
    p.add_argument("--batch", type=int, default=256, help="train-step batch; default: %(default)s")
    p.add_argument("--device", default="cuda", help="default: %(default)s")
    p.add_argument("--no-compile", dest="compile", action="store_false", help="eager (the recorded run compiles)")
    p.add_argument("--mode", default="default", help="torch.compile mode: default, reduce-overhead, "
                   "max-autotune-no-cudagraphs, max-autotune; default: %(default)s")
    p.add_argument("--no-refs", action="store_true", help="skip the plain-stack ceiling and the open_clip references")
    p.add_argument("--latency", action="store_true", help="also inference latency and capture overhead per method")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats per measurement; default: %(default)s")
    p.add_argument("--timeout", type=float, default=1800, help="seconds one job may run; default: %(default)s")
    p.add_argument("--budget", type=float, default=480,
                   help="seconds for the whole run, 0 = none; default: %(default)s")
    p.add_argument("--warm", type=int, default=None, help="concurrent untimed compile pass first (0 = none); "
                   "default: 3 when compiling on CUDA, else 0")
    p.add_argument("--smoke", action="store_true", help="CPU check of the driver: --size tiny --batch 4 --device cpu "
                   "--repeats 1 --budget 0 --warm 0 (compiled unless --no-compile)")
    p.add_argument("--out", required=True, help="folder for bench.json, bench.md, bench.png and the per-job rows")
    p.add_argument("--job", help=argparse.SUPPRESS)    # child: 'peak' or a job name
    p.add_argument("--peak", type=float, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.smoke: a.size, a.batch, a.device, a.repeats, a.budget, a.warm = "tiny", 4, "cpu", 1, 0, 0
    if a.warm is None: a.warm = 3 if a.compile and a.device.startswith("cuda") else 0
    a.compile_arg = (a.mode if a.mode != "default" else True) if a.compile else False
    return a

def _child_argv(a) -> list:
    "The settings a child needs, as flags (the parent's --smoke already applied)."
    argv = ["--methods", a.methods, "--size", a.size, "--batch", str(a.batch), "--device", a.device, "--mode", a.mode,
            "--repeats", str(a.repeats), "--out", a.out]
    return argv + (["--no-compile"] if not a.compile else []) + (["--no-refs"] if a.no_refs else []) + \
        (["--latency"] if a.latency else [])

def child(a) -> int:
    from mmworkbench import bench
    out = Path(a.out) / "jobs" / f"{a.job}.json"
    if a.job == "peak":   # the run's header, with the peak measured now
        peak = bench.matmul_peak(a.device)
        out.write_text(json.dumps(bench.bench_info(a.device, a.size, a.batch, a.compile_arg, peak))); return 0
    name = a.job.removeprefix("warm:")
    jobs = dict(bench.bench_jobs(a.methods.split(","), a.size, a.batch, a.device, a.compile_arg, a.peak or 1.0,
                                 1 if name != a.job else a.repeats, not a.no_refs, latency=a.latency))
    out.write_text(json.dumps(bench.run_job(name, jobs[name], a.device, a.compile_arg)))
    return 0

def spawn(a, job: str, argv: list, peak=None, deadline=None) -> dict:
    "Run `job` in a child process (within --timeout and the budget's `deadline`); its JSON, or an error row."
    limit = a.timeout if deadline is None else min(a.timeout, deadline - time.time())
    if limit <= 0: return {"name": job, "error": f"not run: the {a.budget:.0f} s budget was spent"}
    cmd = [sys.executable, __file__, *argv, "--job", job] + ([] if peak is None else ["--peak", repr(peak)])
    t0 = time.time()
    # a bench measures the native kernels: drop the test command's CPU-kernel pin (scripts/dev pin_kernels), under which
    # torch.compile's CPU code also crashes on an AVX-512 CPU (torch 2.14.1, measured)
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA")}
    try: r = subprocess.run(cmd, timeout=limit, capture_output=True, text=True, env=env)
    except subprocess.TimeoutExpired: return {"name": job, "error": f"timed out after {limit:.0f} s"}
    print(f"  {job}: {time.time() - t0:.0f} s", flush=True)
    f = Path(a.out) / "jobs" / f"{job}.json"
    if r.returncode != 0 or not f.exists():
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"name": job, "error": f"exit {r.returncode}: {tail[0][:300]}"}
    return json.loads(f.read_text())

def main(argv=None) -> int:
    a = parse(sys.argv[1:] if argv is None else list(argv))
    if a.job: return child(a)
    t0 = time.time(); deadline = t0 + a.budget if a.budget else None
    from mmworkbench.bench import bench_jobs, save_bench, to_markdown   # imports torch; only children use the device
    (Path(a.out) / "jobs").mkdir(parents=True, exist_ok=True)
    names = [n for n, _ in bench_jobs(a.methods.split(","), a.size, a.batch, a.device, a.compile_arg, 0.0, a.repeats,
                                      not a.no_refs)]   # building the jobs runs nothing
    names.sort(key=lambda n: n != "ceiling")   # the ceiling first: a short budget still measures it
    argv = _child_argv(a)
    print(f"gpu_bench: {len(names)} jobs, one process each (budget {a.budget:.0f} s, warm pass x{a.warm})", flush=True)
    info = spawn(a, "peak", argv, deadline=deadline)
    if "error" in info:
        print(f"gpu_bench: measuring the matmul peak failed: {info['error']}", file=sys.stderr); return 1
    if a.warm:   # untimed, concurrent: fills the compile caches the timed jobs then read
        with ThreadPoolExecutor(a.warm) as ex:
            warm = list(ex.map(lambda n: spawn(a, f"warm:{n}", argv, 1.0, deadline), names))
        print(f"gpu_bench: warm pass {time.time() - t0:.0f} s, "
              f"{sum('error' not in w for w in warm)}/{len(warm)} jobs compiled", flush=True)
    res = {"info": {**info, "driver": {"budget_s": a.budget, "warm": a.warm, "latency": a.latency}},
           "results": [spawn(a, n, argv, info["peak"]["tflops"], deadline) for n in names]}
    res["info"]["driver"]["wall_s"] = round(time.time() - t0, 1)
    save_bench(res, a.out)
    print(to_markdown(res)); print(f"wrote {a.out}/bench.json, bench.md, bench.png")
    return 0 if not any("error" in r for r in res["results"]) else 1

if __name__ == "__main__": sys.exit(main())
