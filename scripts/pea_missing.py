"""PEA in nb18's setting: `film` pretrained by its recipe (one modality destroyed per sample), frozen; only its
γ/β trained on nb18's clean `redundant` batches with the audio marked absent. Prints, per seed and PEA step count,
the accuracy without the audio: frozen, PEA; and the CPU seconds of each stage.

    OMP_NUM_THREADS=1 python scripts/pea_missing.py [--seeds 0 1 2] [--steps 20 40 80] [--lr 0.2] [--cycle]"""
import argparse, time
import torch
from mmworkbench.data import dataloaders
from mmworkbench.learner import Learner
from mmworkbench.methods.gating import adapter_only
from mmworkbench.model import create_model
from mmworkbench.recipes import recipe, train_recipe
from mmworkbench.robust import evaluate

p = argparse.ArgumentParser()
p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2]); p.add_argument("--steps", type=int, nargs="+", default=[20, 40, 80])
p.add_argument("--lr", type=float, default=0.2); p.add_argument("--cycle", action="store_true")
a = p.parse_args()


def without(batches, m):
    return [{**b, "present": {**b["present"], m: torch.zeros_like(b["present"][m])}} for b in batches]


def cycle(batches):
    out = []
    for b in batches:
        k = torch.arange(len(b["y"])) % 3
        out.append({**b, "present": {"image": k != 2, "audio": k != 1}})
    return out


for seed in a.seeds:
    tr, va = (list(dl) for dl in dataloaders("redundant", n_train=max(a.steps) * 64, n_valid=512, bs=64, seed=seed,
                                              options=dict(destroy=0.0)))
    t = time.process_time(); base = train_recipe("film", "redundant", seed=seed).model.cpu().eval(); tp = time.process_time() - t
    frozen = evaluate(base, without(va, "audio"))["accuracy"]; both0 = evaluate(base, va)["accuracy"]
    for n in a.steps:
        m = create_model("film", "redundant", seed=seed, **recipe("film", "redundant").model); m.load_state_dict(base.state_dict())
        share = adapter_only(m)
        batches = cycle(tr[:n]) if a.cycle else without(tr[:n], "audio")
        t = time.process_time(); Learner(m, batches, None, lr=a.lr, progress=False, seed=seed).fit(steps=n); ta = time.process_time() - t
        m.eval()
        print(f"seed {seed} steps {n:3d}: frozen no-audio {frozen:.3f} both {both0:.3f} | PEA no-audio "
              f"{evaluate(m, without(va, 'audio'))['accuracy']:.3f} both {evaluate(m, va)['accuracy']:.3f} | "
              f"pretrain {tp:.1f} s, PEA {ta:.1f} s CPU, {share['fraction']:.2%} trained", flush=True)
