"""How fast can `early` learn ShapesWorld `binding`? Trains by the binding recipe with each setting's changes
(`train_recipe(method, "binding", seed=s, **changes)`, every setting but "recipe" on top of the recipe before its
curriculum, 1,000 steps at lr 5e-4: steps, lr, schedule, bs, model and data knobs) and prints a
table of setting, method, seed, validation accuracy and the CPU seconds (user + sys of this process) of the run.

    OMP_NUM_THREADS=1 python scripts/binding_speed.py [SETTING ...] [--seeds 0 1 2] [--method early] [--curve]
    OMP_NUM_THREADS=1 python scripts/binding_speed.py --step-cost     # CPU s per step: question at 6 vs 16 tokens

With no SETTING it runs all of them (many minutes); `--list` prints the settings. Run one process at a time on a
shared machine: the CPU seconds are of one core, the accuracy does not depend on the load.

The `cur ...` settings are curricula on the training "no"s (`Negatives`): a share p of them is a random absent pair
(`ShapesWorld(negatives=p)`, a first-order signal) and the rest unbound; validation always asks the recipe's unbound
"no"s, so its accuracy is held to the same bag-of-attributes bound (nb10a, which tabulates the measured runs). The
recipe's own `Negatives` (p = 0.5 annealed to 0 over 400 of 800 steps, lr 1e-3) came out of these runs."""
import argparse, time
from mmworkbench.learner import Callback
from mmworkbench.recipes import Negatives as RecipeNegatives, recipe, train_recipe


class Negatives(RecipeNegatives):
    """The recipe's `Negatives` curriculum with two more shapes: `p` held for the first `until` steps (all of them
    when None), then 0 (unbound); `anneal=True` is the recipe's linear fall from `p` to 0 over those steps."""
    def __init__(self, p: float, until: int | None = None, anneal: bool = False):
        super().__init__(p, until or 1); self.until, self.anneal = until, anneal
    def share(self, t: int) -> float:
        if self.until is None: return self.p
        return super().share(t) if self.anneal else (self.p if t < self.until else 0.0)

def cur(p: float, until: int | None = None, anneal: bool = False):
    "A `Recipe.cbs` factory of `Negatives(p, until, anneal)`."
    return lambda: Negatives(p, until, anneal)

FEW = dict(scene=dict(n_min=2, n_max=3))                  # fewer objects per scene (the recipe: 3-5)
OLD = dict(steps=1000, lr=5e-4, cbs=(), model=dict(mlp_ratio=4.0))   # the binding recipe before nb10a's changes


def changes_of(name: str) -> dict:
    "The recipe changes of setting `name` (model knobs merged into the base's)."
    base, ch = ({} if name.startswith("recipe") else OLD), SETTINGS[name]
    return {**base, **ch, "model": {**base.get("model", {}), **ch.get("model", {})}}

SETTINGS = {                                              # name: changes to OLD ("recipe ..." rows: to the recipe now)
    "recipe": {},
    "recipe mlp4": dict(model=dict(mlp_ratio=4.0)),            # the tiny preset's MLP ratio
    "recipe mlp4 800": dict(steps=800, model=dict(mlp_ratio=4.0)),
    "old recipe": {},
    "600/5e-4": dict(steps=600),
    "300/5e-4": dict(steps=300),
    "400/3e-4": dict(steps=400, lr=3e-4),
    "400/2e-4": dict(steps=400, lr=2e-4),
    "300/1e-3 cos": dict(steps=300, lr=1e-3, schedule="cosine"),
    "300/2e-3 cos": dict(steps=300, lr=2e-3, schedule="cosine"),
    "300/3e-3 cos": dict(steps=300, lr=3e-3, schedule="cosine"),
    "300/2e-3 1cyc": dict(steps=300, lr=2e-3, schedule="onecycle"),
    "300/3e-3 1cyc": dict(steps=300, lr=3e-3, schedule="onecycle"),
    "300/1e-3 const": dict(steps=300, lr=1e-3),
    "bs64 600/5e-4": dict(steps=600, bs=64),
    "bs32 800/5e-4": dict(steps=800, bs=32),
    "bs64 600/1e-3 cos": dict(steps=600, bs=64, lr=1e-3, schedule="cosine"),
    "bs64 600/2e-3 cos": dict(steps=600, bs=64, lr=2e-3, schedule="cosine"),
    "d32 300/2e-3 cos": dict(steps=300, lr=2e-3, schedule="cosine", model=dict(d=32)),
    "d32 600/2e-3 cos": dict(steps=600, lr=2e-3, schedule="cosine", model=dict(d=32)),
    "d32 700/1e-3": dict(steps=700, lr=1e-3, model=dict(d=32)),
    "mlp2 500/5e-4": dict(steps=500, model=dict(mlp_ratio=2.0)),
    "1head 300/5e-4": dict(steps=300, model=dict(heads=1)),
    "2heads 300/5e-4": dict(steps=300, model=dict(heads=2)),
    "1layer 300/2e-3 cos": dict(steps=300, lr=2e-3, schedule="cosine", model=dict(layers=1)),
    "few 300/2e-3 cos": dict(steps=300, lr=2e-3, schedule="cosine", data=FEW),
    "few 300/5e-4": dict(steps=300, data=FEW),
    "few 300/1e-3": dict(steps=300, lr=1e-3, data=FEW),
    "400/1e-3 const": dict(steps=400, lr=1e-3),
    "cur random 100 400/5e-4": dict(steps=400, cbs=(cur(1.0, 100),)),
    "cur random 150 400/5e-4": dict(steps=400, cbs=(cur(1.0, 150),)),
    "cur random 50 400/5e-4": dict(steps=400, cbs=(cur(1.0, 50),)),
    "cur random 100 400/1e-3": dict(steps=400, lr=1e-3, cbs=(cur(1.0, 100),)),
    "cur mix .5 400/5e-4": dict(steps=400, cbs=(cur(0.5),)),
    "cur mix .5 400/1e-3": dict(steps=400, lr=1e-3, cbs=(cur(0.5),)),
    "cur mix .5 150 400/1e-3": dict(steps=400, lr=1e-3, cbs=(cur(0.5, 150),)),
    "cur mix .5 100 400/1e-3": dict(steps=400, lr=1e-3, cbs=(cur(0.5, 100),)),
    "cur mix .5 150 400/2e-3": dict(steps=400, lr=2e-3, cbs=(cur(0.5, 150),)),
    "cur anneal 1-0 200 400/1e-3": dict(steps=400, lr=1e-3, cbs=(cur(1.0, 200, True),)),
    "cur anneal 1-0 150 350/1e-3": dict(steps=350, lr=1e-3, cbs=(cur(1.0, 150, True),)),
    "cur anneal .5-0 300 400/1e-3": dict(steps=400, lr=1e-3, cbs=(cur(0.5, 300, True),)),
    "cur anneal .5-0 250 350/1e-3": dict(steps=350, lr=1e-3, cbs=(cur(0.5, 250, True),)),
    "bs64 cur mix .5 700/1e-3": dict(steps=700, bs=64, lr=1e-3, cbs=(cur(0.5),)),
    "mlp2 cur anneal .5-0 300 400/1e-3": dict(steps=400, lr=1e-3, model=dict(mlp_ratio=2.0), cbs=(cur(0.5, 300, True),)),
    "1head cur anneal .5-0 300 400/1e-3": dict(steps=400, lr=1e-3, model=dict(heads=1), cbs=(cur(0.5, 300, True),)),
    "cur anneal 1-0 300 400/1e-3": dict(steps=400, lr=1e-3, cbs=(cur(1.0, 300, True),)),
    "cur anneal .5-0 300 500/1e-3": dict(steps=500, lr=1e-3, cbs=(cur(0.5, 300, True),)),
    "cur anneal .5-0 400 500/1e-3": dict(steps=500, lr=1e-3, cbs=(cur(0.5, 400, True),)),
    "cur mix .5 500/1e-3": dict(steps=500, lr=1e-3, cbs=(cur(0.5),)),
}


class Curve(Callback):
    "Print the mean training loss of every 50 steps (the plateau at ln 2 = 0.693 and the step it leaves it)."
    def before_fit(self): self.losses = []
    def after_step(self):
        self.losses.append(float(self.learn.loss))
        n = len(self.losses)
        if n % 50 == 0: print(f"{n}:{sum(self.losses[-50:]) / 50:.3f}", end=" ", flush=True)


def run(name: str, method: str, seed: int, curve: bool = False) -> tuple[float, float]:
    t0 = time.process_time()
    changes = changes_of(name)
    cbs = changes.pop("cbs", recipe(method, "binding").cbs) + ((Curve,) if curve else ())
    learn = train_recipe(method, "binding", seed=seed, cbs=cbs, **changes)
    acc = float(learn.validate()["accuracy"])
    if curve: print()
    return acc, time.process_time() - t0


def step_cost(method: str, length: int, n: int = 10) -> float:
    "CPU seconds of one AdamW step of 128 binding samples with the question padded (with id 0) to `length` tokens."
    import torch
    from mmworkbench.core import TaskSpec, get_task
    from mmworkbench.model import create_model
    from mmworkbench.data import ShapesWorld
    d = get_task("binding").to_dict(); d["modalities"]["text"]["shape"] = (length,)
    b = ShapesWorld("binding", 128, **recipe(method, "binding").data).batch(range(128))
    b["text"] = torch.nn.functional.pad(b["text"], (0, length - b["text"].shape[1]))
    m = create_model(method, TaskSpec.from_dict(d), "tiny", seed=0, patch=8)
    opt = torch.optim.AdamW(m.parameters(), 1e-3, foreach=True)
    for i in range(n + 3):
        if i == 3: t0 = time.process_time()
        torch.nn.functional.cross_entropy(m(b).logits, b["y"]).backward(); opt.step(); opt.zero_grad()
    return (time.process_time() - t0) / n


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("settings", nargs="*"); p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--method", default="early"); p.add_argument("--list", action="store_true")
    p.add_argument("--curve", action="store_true", help="also print the training loss every 50 steps")
    p.add_argument("--step-cost", action="store_true", help="CPU s per training step of 128, question at 6 vs 16 tokens")
    a = p.parse_args()
    if a.step_cost:
        for m in (a.method, "late"): print(m, {L: round(step_cost(m, L), 4) for L in (6, 16)})
        raise SystemExit
    if a.list:
        for k, v in SETTINGS.items(): print(f"{k:22s} {recipe('early', 'binding', **changes_of(k))}")
        raise SystemExit
    print(f"| setting | method | seed | accuracy | CPU s |\n|---|---|---|---|---|", flush=True)
    for name in a.settings or SETTINGS:
        for s in a.seeds:
            acc, cpu = run(name, a.method, s, a.curve)
            print(f"| {name} | {a.method} | {s} | {acc:.3f} | {cpu:.1f} |", flush=True)
