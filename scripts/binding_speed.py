"""How fast can `early` learn ShapesWorld `binding`? Trains by the binding recipe with each setting's changes
(`train_recipe(method, "binding", seed=s, **changes)`: steps, lr, schedule, bs, model and data knobs) and prints a
table of setting, method, seed, validation accuracy and the CPU seconds (user + sys of this process) of the run.

    OMP_NUM_THREADS=1 python scripts/binding_speed.py [SETTING ...] [--seeds 0 1 2] [--method early] [--curve]

With no SETTING it runs all of them (many minutes); `--list` prints the settings. Run one process at a time on a
shared machine: the CPU seconds are of one core, the accuracy does not depend on the load."""
import argparse, time
from mmworkbench.learner import Callback
from mmworkbench.recipes import recipe, train_recipe

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
}


class Curve(Callback):
    "Print the mean training loss of every 50 steps (the plateau at ln 2 = 0.693 and the step it leaves it)."
    def before_fit(self): self.losses = []
    def after_step(self):
        self.losses.append(float(self.learn.loss))
        if len(self.losses) % 50 == 0: print(f"{len(self.losses)}:{sum(self.losses[-50:]) / 50:.3f}", end=" ", flush=True)


def run(name: str, method: str, seed: int, curve: bool = False) -> tuple[float, float]:
    t0 = time.process_time()
    learn = train_recipe(method, "binding", seed=seed, cbs=(Curve,) if curve else (), **SETTINGS[name])
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
