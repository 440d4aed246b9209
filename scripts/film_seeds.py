"""nb15's FiLM (PEA) experiment on several seeds: a `film` model pretrained by its recipe (both modalities present),
then one modality absent (`present=False`) at test: frozen vs retrained from scratch per pattern vs PEA (γ/β alone
trained on the frozen model). Prints per seed and pattern the three accuracies, the gap closed, and PEA's lift over
the frozen model; an untrained γ/β (zeros) is the frozen model, so its gap closed is 0 by construction.

    OMP_NUM_THREADS=1 python scripts/film_seeds.py [--seeds 0 1 2] [--steps N] [--destroy P] [--adapt-destroy P]
        [--pea-steps N] [--pea-lr LR]

With no options it is nb15's cell. `--steps`/`--destroy` change the pretraining recipe (default: the
registered `film`/`redundant` recipe); `--adapt-destroy` is the `destroy` option of the data the retrained models
and PEA train on and all are tested on (default 0, as nb15: nothing destroyed); `--pea-steps` its size in steps
(default: the registered recipe's steps, whatever `--steps` says). Run it one process at a time on a shared machine."""
import argparse, resource, time
import torch
from mmworkbench.learner import Learner
from mmworkbench.model import create_model
from mmworkbench.recipes import recipe, recipe_loaders, train_recipe
from mmworkbench.methods.gating import adapter_only

ONLY = {"image only": "audio", "audio only": "image"}      # pattern -> the modality that is missing


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime


def present_as(batches, drop=None, cycle=False):
    "As nb15's `present_as`: `drop` a modality everywhere, or `cycle` samples through both / image only / audio only."
    out = []
    for b in batches:
        n = len(b["y"]); k = torch.arange(n) % 3
        p = ({"image": k != 2, "audio": k != 1} if cycle
             else {m: torch.full((n,), m != drop) for m in ("image", "audio")})
        out.append({**b, "present": p})
    return out


def accuracy(model, batches) -> float:
    return float(Learner(model, None, batches, progress=False).validate()["accuracy"])


def fit(model, tr, va, lr, seed):
    learn = Learner(model, tr, va, lr=lr, progress=False, seed=seed); learn.fit(steps=len(tr))
    return model.cpu().eval()


def run(seed: int, a) -> dict:
    pre = {k: v for k, v in (("steps", a.steps), ("data", {"options": {"destroy": a.destroy}} if a.destroy is not None
                                                         else None)) if v is not None}
    RF = recipe("film", "redundant", **pre)
    RA = RF.but(data={"options": {"destroy": a.adapt_destroy}})
    RA = RA.but(steps=a.pea_steps or recipe("film", "redundant").steps)   # the adapting data: the recipe's size
    tr, va = map(list, recipe_loaders("redundant", RA, seed=seed))
    vmiss = {k: present_as(va, drop=d) for k, d in ONLY.items()}
    learn = train_recipe("film", "redundant", seed=seed, **pre)
    base, both = learn.model.cpu().eval(), float(learn.history[-1]["accuracy"])
    frozen = {k: accuracy(base, v) for k, v in vmiss.items()} | {"both": accuracy(base, va)}
    retrained = {k: accuracy(fit(create_model("film", "redundant", seed=seed, **RF.model), present_as(tr, drop=d),
                                 vmiss[k], RF.lr, seed), vmiss[k]) for k, d in ONLY.items()}
    pea = create_model("film", "redundant", seed=seed, **RF.model); pea.load_state_dict(base.state_dict())
    share = adapter_only(pea)
    fit(pea, present_as(tr, cycle=True), va, a.pea_lr, seed)
    adapted = {k: accuracy(pea, v) for k, v in vmiss.items()} | {"both": accuracy(pea, va)}
    mean = lambda d: sum(d[k] for k in ONLY) / len(ONLY)
    closed = (mean(adapted) - mean(frozen)) / (mean(retrained) - mean(frozen))
    return dict(both=both, frozen=frozen, retrained=retrained, pea=adapted, closed=closed,
                lift=mean(adapted) - mean(frozen), gap=mean(retrained) - mean(frozen), fraction=share["fraction"])


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2]); p.add_argument("--steps", type=int)
    p.add_argument("--destroy", type=float); p.add_argument("--adapt-destroy", type=float, default=0.0)
    p.add_argument("--pea-steps", type=int); p.add_argument("--pea-lr", type=float, default=0.2)
    a = p.parse_args(); print(vars(a), flush=True)
    rows = []
    for s in a.seeds:
        t0, c0 = time.time(), cpu(); r = run(s, a); rows.append(r)
        f = lambda d: " ".join(f"{k} {v:.3f}" for k, v in d.items())
        print(f"seed {s}: pretrained (both, its valid) {r['both']:.3f} | frozen {f(r['frozen'])} | retrained "
              f"{f(r['retrained'])} | PEA {f(r['pea'])} | gap {r['gap']:.3f} lift {r['lift']:.3f} closed "
              f"{r['closed']:.2f} | share {r['fraction']:.2%} | {time.time() - t0:.0f} s wall {cpu() - c0:.0f} s CPU",
              flush=True)
    for k in ("closed", "lift", "gap"):
        print(f"{k}: min {min(r[k] for r in rows):.3f} max {max(r[k] for r in rows):.3f}")
