"""How fast can `early` learn ShapesWorld `binding`? Trains by the binding recipe with each setting's changes
(`train_recipe(method, "binding", seed=s, **changes)`: steps, lr, schedule, bs, model and data knobs) and prints a
table of setting, method, seed, validation accuracy and the CPU seconds (user + sys of this process) of the run.

    OMP_NUM_THREADS=1 python scripts/binding_speed.py [SETTING ...] [--seeds 0 1 2] [--method early] [--curve]

With no SETTING it runs all of them (many minutes); `--list` prints the settings. Run one process at a time on a
shared machine: the CPU seconds are of one core, the accuracy does not depend on the load.

The `cur ...` settings are curricula on the training "no"s (`Negatives`): a share p of them is a random absent pair
(`ShapesWorld(negatives=p)`, a first-order signal) and the rest unbound; validation always asks the recipe's unbound
"no"s, so its accuracy is held to the same bag-of-attributes bound (nb10, which tabulates the measured runs)."""
import argparse, time
from mmworkbench.learner import Callback
from mmworkbench.recipes import recipe, train_recipe


class Negatives(Callback):
    """Set the training set's `negatives` share before every step: `p` for the first `until` steps (all of them when
    None), then 0 (unbound); `anneal=True` lowers it linearly from `p` to 0 over those steps instead."""
    def __init__(self, p: float, until: int | None = None, anneal: bool = False):
        self.p, self.until, self.anneal = p, until, anneal
    def share(self, t: int) -> float:
        if self.until is None: return self.p
        return max(0.0, self.p * (1 - t / self.until)) if self.anneal else (self.p if t < self.until else 0.0)
    def _set(self): self.learn.train_dl.dataset.negatives = self.share(self.learn.step)   # the batch of this step is
    def before_fit(self): self._set()                                                       # drawn after it is set
    def after_step(self): self._set()

def cur(p: float, until: int | None = None, anneal: bool = False):
    "A `Recipe.cbs` factory of `Negatives(p, until, anneal)`."
    return lambda: Negatives(p, until, anneal)

FEW = dict(scene=dict(n_min=2, n_max=3))                  # fewer objects per scene (the recipe: 3-5)
SETTINGS = {                                              # name: changes to recipe("early", "binding")
    "recipe": {},
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
    changes = dict(SETTINGS[name]); cbs = changes.pop("cbs", ()) + ((Curve,) if curve else ())
    learn = train_recipe(method, "binding", seed=seed, cbs=cbs, **changes)
    acc = float(learn.validate()["accuracy"])
    if curve: print()
    return acc, time.process_time() - t0


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("settings", nargs="*"); p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--method", default="early"); p.add_argument("--list", action="store_true")
    p.add_argument("--curve", action="store_true", help="also print the training loss every 50 steps")
    a = p.parse_args()
    if a.list:
        for k, v in SETTINGS.items(): print(f"{k:22s} {recipe('early', 'binding', **v)}")
        raise SystemExit
    print(f"| setting | method | seed | accuracy | CPU s |\n|---|---|---|---|---|", flush=True)
    for name in a.settings or SETTINGS:
        for s in a.seeds:
            acc, cpu = run(name, a.method, s, a.curve)
            print(f"| {name} | {a.method} | {s} | {acc:.3f} | {cpu:.1f} |", flush=True)
