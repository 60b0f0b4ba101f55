"""Movements: the registry of everything the generated body can do, by name.

Why a registry: the dataset, the session builder and the tests ask for movements by label; this is
the one place that says which labels exist and which of them are exercises (with reps) and which are
the "other" activities a classifier must tell apart from them.
"""
from __future__ import annotations

import numpy as np

from . import activities as A
from . import exercises as E
from .body import BodyShape
from .posture import Motion, MotionOptions, MovementFn

EXERCISES = ("squat", "pushup", "lunge", "jumping_jack", "plank", "situp", "bicep_curl", "pullup")
NON_EXERCISES = ("standing", "walking", "marching", "stretching", "dancing", "burpee", "mountain_climber", "yoga",
                 "boxing", "arm_circles", "sitting", "lying")
MOVEMENTS = EXERCISES + NON_EXERCISES
REST = "rest"  # standing or walking about between sets (sessions only)

REGISTRY: dict[str, MovementFn] = {
    "squat": E.squat, "pushup": E.pushup, "lunge": E.lunge, "jumping_jack": E.jumping_jack, "plank": E.plank,
    "situp": E.situp, "bicep_curl": E.bicep_curl, "pullup": E.pullup,
    "standing": A.standing, "walking": A.walking, "marching": A.marching, "stretching": A.stretching,
    "dancing": A.dancing, "burpee": A.burpee, "mountain_climber": A.mountain_climber, "yoga": A.yoga,
    "boxing": A.boxing, "arm_circles": A.arm_circles, "sitting": A.sitting, "lying": A.lying,
    REST: A.rest,
}
assert set(REGISTRY) == set(MOVEMENTS) | {REST}


def check_label(label: str) -> str:
    if label not in REGISTRY:
        raise ValueError(f"unknown movement {label!r}; known: {', '.join(MOVEMENTS)}")
    return label


def perform(label: str, t: np.ndarray, rng: np.random.Generator, shape: BodyShape,
            opts: MotionOptions | None = None) -> Motion:
    """The body ``shape`` performing ``label`` at times ``t`` (s); reps only for exercises."""
    motion = REGISTRY[check_label(label)](np.asarray(t, dtype=np.float64), rng, shape, opts or MotionOptions())
    if label not in EXERCISES:
        motion.rep_times, motion.rep_starts = [], []
    return motion
