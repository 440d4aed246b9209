"""Rebuild the demo's shipped checkpoints, mmworkbench/demo_models/<method>/ (model.safetensors + model.json), from
`mmworkbench.defaults.RECIPE`: exactly RECIPE["steps"] optimizer steps per model on one CPU thread, so a rebuild gives
the same weights. Run from the repository root:  python scripts/build_demo_models.py [--methods early concat]
Prints each model's validation accuracy, with the image and with the image marked missing."""
import argparse, shutil, sys, time
import torch


def main(argv=None) -> int:
    from mmworkbench.defaults import DEFAULT_METHODS, RECIPE, shipped_dir, train_default
    from mmworkbench.data import ShapesWorld
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS))
    p.add_argument("--out", default=str(shipped_dir()), help="default: %(default)s")
    a = p.parse_args(argv)
    torch.set_num_threads(1)                    # one thread: the same float reductions on every machine
    n = RECIPE["n_valid"]
    vb = {k: v for k, v in ShapesWorld(RECIPE["task"], n, seed=RECIPE["seed"], split="valid").batch(range(n)).items() if k[0] != "_"}
    blind = dict(vb, present={**vb["present"], "image": torch.zeros(n, dtype=torch.bool)})
    for m in a.methods:
        out = f"{a.out}/{m}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.time(); model = train_default(m, out, progress=False)
        with torch.no_grad():
            acc = [float((model.eval()(b).logits.argmax(-1) == vb["y"]).float().mean()) for b in (vb, blind)]
        print(f"{m}: {RECIPE['steps']} steps in {time.time() - t0:.0f}s; validation accuracy {acc[0]:.3f} with the image, "
              f"{acc[1]:.3f} with it marked missing -> {out}", flush=True)
    return 0


if __name__ == "__main__": sys.exit(main())
