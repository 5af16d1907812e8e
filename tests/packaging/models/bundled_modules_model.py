"""A model file importing what a model author may reach for in the packaged app's own
interpreter: standard library modules the workbench itself never imports, numpy's
submodules and Pillow. Inspecting it in the frozen binary proves they are bundled."""

import bisect  # noqa: F401
import fractions  # noqa: F401
import statistics
import xml.dom.minidom  # noqa: F401
from collections import Counter  # noqa: F401
from concurrent.futures import ThreadPoolExecutor  # noqa: F401

import numpy as np
import numpy.fft
import numpy.linalg
import numpy.random
from PIL import Image, ImageOps  # noqa: F401

from rafiki.constants import TaskType  # noqa: F401
from rafiki.model import BaseModel, FixedKnob, IntegerKnob, dataset_utils  # noqa: F401

CHECKS = (statistics.mean([1, 2, 3]), float(numpy.linalg.det(np.eye(2))),
          float(numpy.fft.fft(np.ones(4))[0].real), numpy.random.default_rng(0).integers(9))


class BundledModulesModel(BaseModel):
    """Knows its knobs; never trained: only inspected."""

    @staticmethod
    def get_knob_config():
        return {"width": IntegerKnob(1, 8), "mode": FixedKnob("plain")}
