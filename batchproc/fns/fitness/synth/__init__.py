"""Synthetic training data: a procedural 3-D body performing exercises and everyday movements, seen
by a random camera through a MediaPipe-like detector, as MediaPipe Pose 0.10 landmark arrays.

Why: the exercise classifier is trained only on data the project generates itself (no real footage
can be shipped). Layers, one job each: ``body`` (skeleton, joint angles -> 33 landmarks), ``tempo``
(when reps happen: the ground truth), ``posture`` (shared poses), ``exercises`` and ``activities``
(the movements), ``movements`` (the registry), ``camera`` (viewpoint and projection), ``noise``
(detector errors), ``dataset`` (the public entry points). numpy only.
"""
from .dataset import EXERCISES, MOVEMENTS, NON_EXERCISES, SynthSequence, generate_sequence, generate_session

__all__ = ["EXERCISES", "MOVEMENTS", "NON_EXERCISES", "SynthSequence", "generate_sequence", "generate_session"]
