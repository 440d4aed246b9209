"""Does the default demo model look at the image? Serves the default demo on loopback and, over N scenes, asks each
scene its own question through gradio_client's `/predict`, once with the image and once with the image marked
missing; prints both accuracies. Run from the repository root:  python scripts/demo_image_check.py [--method early] [--n 40]"""
import argparse, re, socket, sys


def main(argv=None) -> int:
    from gradio_client import Client
    from mmworkbench.demo import make_demo, close_demos
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--method", default="early"); p.add_argument("--n", type=int, default=40)
    a = p.parse_args(argv)
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    demo = make_demo()
    _, url, _ = demo.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        c, hits = Client(url, verbose=False), {"image": 0, "no image": 0}
        for seed in range(a.n):
            _, q, md = c.predict(a.method, seed, 0, 0.0, [], api_name="/scene")
            truth = re.search(r"answer: \*\*(\w+)\*\*", md).group(1)
            for k, missing in (("image", []), ("no image", ["image"])):
                lab = c.predict(a.method, seed, 0, 0.0, missing, None, q, api_name="/predict")[0]
                hits[k] += lab["label"] == truth
        acc = {k: v / a.n for k, v in hits.items()}
        print(f"{a.method}, {a.n} scenes, each its own question: accuracy with the image {acc['image']:.3f}, "
              f"image marked missing {acc['no image']:.3f} (difference {acc['image'] - acc['no image']:+.3f})")
    finally: demo.close(); close_demos(port)
    return 0


if __name__ == "__main__": sys.exit(main())
