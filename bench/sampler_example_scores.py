"""Precompute scores of the bundled examples over their PROD knob spaces, for bench_samplers.

Trains and evaluates each example in this process (no child, no store: only the score
matters) at N knob configurations drawn at random from its PROD knob config (log-uniform for
``is_exp`` knobs), and writes them to ``bench/data/sampler_example_scores.json``. The sampler
suite then scores a proposal by its nearest precomputed neighbours, so comparing samplers on
the examples' real spaces costs nothing per trial.

    RAFIKI_APP_MODE=PROD python bench/sampler_example_scores.py --configs 40
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "data" / "sampler_example_scores.json"
EXAMPLES = {
    "image_classifier": ("ImageClassifier", "image_train.zip", "image_test.zip"),
    "pos_tagger": ("PosTagger", "pos_train.zip", "pos_test.zip"),
}


def random_knobs(knob_config: dict, rng: random.Random) -> dict:
    from rafiki.model.knob import CategoricalKnob, FixedKnob, FloatKnob, IntegerKnob

    knobs = {}
    for name, knob in knob_config.items():
        if isinstance(knob, FixedKnob):
            knobs[name] = knob.value
        elif isinstance(knob, CategoricalKnob):
            knobs[name] = rng.choice(list(knob.values))
        elif isinstance(knob, (IntegerKnob, FloatKnob)):
            low, high = float(knob.value_min), float(knob.value_max)
            if knob.is_exp:
                value = math.exp(rng.uniform(math.log(low), math.log(high)))
            else:
                value = rng.uniform(low, high)
            if isinstance(knob, IntegerKnob):
                value = min(int(high), max(int(low), round(value)))
            knobs[name] = value
    return knobs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", type=int, default=40, help="configurations per example")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", nargs="*", default=list(EXAMPLES))
    args = parser.parse_args()
    if os.environ.get("RAFIKI_APP_MODE") != "PROD":
        print("run with RAFIKI_APP_MODE=PROD (the examples' full knob ranges)", file=sys.stderr)
        return 2
    from rafiki.model import logger
    from rafiki.model.knob import serialize_knob_config
    from rafiki.model.loader import load_model_module

    logger._sinks = []  # the scores only; the curves are not wanted here
    found = json.loads(OUT.read_text()) if OUT.exists() else {}
    for example in args.examples:
        class_name, train, test = EXAMPLES[example]
        path = ROOT / "resources" / "examples" / f"{example}.py"
        module = load_model_module(path.read_bytes(), example, str(path))
        model_class = getattr(module, class_name)
        knob_config = model_class.get_knob_config()
        rng = random.Random(args.seed)
        rows = []
        started = time.monotonic()
        for index in range(args.configs):
            knobs = random_knobs(knob_config, rng)
            model = model_class(**knobs)
            t0 = time.monotonic()
            model.train(str(ROOT / "resources" / "datasets" / train))
            score = float(model.evaluate(str(ROOT / "resources" / "datasets" / test)))
            rows.append({"knobs": knobs, "score": score,
                         "seconds": round(time.monotonic() - t0, 3)})
            print(f"{example} {index + 1}/{args.configs}: {score:.4f} "
                  f"({time.monotonic() - t0:.1f} s) {knobs}", flush=True)
        found[example] = {"knob_config": serialize_knob_config(knob_config), "scores": rows,
                          "seconds": round(time.monotonic() - started, 1)}
        OUT.parent.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(found, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
