"""The exercise classifier: window features in, probabilities of the eight exercises and ``other`` out.

A small neural network (one hidden layer) in plain numpy, so the shipped model is a few hundred
kilobytes of arrays (``.npz``) that load without pickle, on any platform, with no extra dependency.
It is trained by ``training.py`` on pose sequences the project generates (``synth``), optionally
with a user's labelled clips; training is deterministic for a given seed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .window_features import FEATURE_NAMES

EXERCISES = ("squat", "pushup", "lunge", "jumping_jack", "plank", "situp", "bicep_curl", "pullup")
OTHER = "other"
CLASSES = EXERCISES + (OTHER,)
MODEL_FORMAT = 2  # 2: an ensemble (weights stacked per member), input clipping
SHIPPED_MODEL = Path(__file__).with_name("model") / "exercise_model.npz"


@dataclass(frozen=True)
class TrainConfig:
    hidden: int = 64  # enough for ~10 classes over ~100 features; 5 members stay well under 1 MB
    epochs: int = 150
    learning_rate: float = 0.01
    weight_decay: float = 1e-4  # keeps weights small: smoother decisions on unseen cameras
    batch_size: int = 512
    # robustness to the gap between generated and real poses: each batch sees its features jittered
    # (in standard deviations) and some of them dropped to "unseen" (the training mean), as real
    # footage hides limbs and MediaPipe's estimates wander more than any generator's noise
    input_noise: float = 0.8
    feature_dropout: float = 0.3
    # standardised features are clipped to +-input_clip: a measurement far outside anything generated
    # (legs flailing out of frame, a grip wider than any modelled) counts as "very high", not as a
    # reason for an extreme answer
    input_clip: float = 2.0
    # members of the ensemble, each from its own seed: a single network's answers on real footage move
    # with its seed (dev clips: rep MAE 0.14 to 0.18 across two seeds); the average does not
    members: int = 5
    seed: int = 0


@dataclass
class ExerciseModel:
    """Standardisation + an ensemble of one-hidden-layer networks (weights stacked on a first axis,
    one per member, probabilities averaged); ``classes`` names the output columns."""

    classes: tuple[str, ...]
    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    provenance: dict[str, Any] = field(default_factory=dict)
    input_clip: float | None = None

    def _prepare(self, x: np.ndarray) -> np.ndarray:
        x = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)  # missing = the training mean
        return x if self.input_clip is None else np.clip(x, -self.input_clip, self.input_clip)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(W, len(classes)) probabilities; rows with no features at all get NaN."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None]
        xs = self._prepare(x)
        p = np.mean([_softmax(np.tanh(xs @ w1 + b1) @ w2 + b2)
                     for w1, b1, w2, b2 in zip(self.w1, self.b1, self.w2, self.b2)], axis=0)
        p[~np.isfinite(x).any(axis=1)] = np.nan
        return p

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"format": MODEL_FORMAT, "classes": list(self.classes), "feature_names": list(self.feature_names),
                "provenance": self.provenance, "input_clip": self.input_clip}
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                            mean=self.mean.astype(np.float32), scale=self.scale.astype(np.float32),
                            w1=self.w1.astype(np.float32), b1=self.b1.astype(np.float32),
                            w2=self.w2.astype(np.float32), b2=self.b2.astype(np.float32))
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> "ExerciseModel":
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"exercise model not found: {path}")
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != MODEL_FORMAT:
                raise ValueError(f"{path}: model format {meta.get('format')!r}, this version reads {MODEL_FORMAT}")
            if tuple(meta["feature_names"]) != FEATURE_NAMES:
                raise ValueError(f"{path}: trained on other window features than this version computes; retrain it "
                                 "(batchproc fitness-train)")
            arrays = {k: z[k].astype(np.float64) for k in ("mean", "scale", "w1", "b1", "w2", "b2")}
        return cls(tuple(meta["classes"]), tuple(meta["feature_names"]), provenance=meta.get("provenance", {}),
                   input_clip=meta.get("input_clip"), **arrays)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


_cache: dict[str, ExerciseModel] = {}


def load_model(path: str | Path | None = None) -> ExerciseModel:
    """The model at ``path`` (default: the shipped one), loaded once per process."""
    key = str(Path(path or SHIPPED_MODEL).resolve())
    if key not in _cache:
        _cache[key] = ExerciseModel.load(key)
    return _cache[key]


def fit(x: np.ndarray, y: np.ndarray, classes: tuple[str, ...] = CLASSES, cfg: TrainConfig | None = None,
        sample_weight: np.ndarray | None = None, provenance: dict[str, Any] | None = None) -> ExerciseModel:
    """Train on (n, F) features and (n,) class indices. Classes are balanced by weight (a class with
    few examples counts as much as a common one); full determinism from ``cfg.seed``."""
    cfg = cfg or TrainConfig()
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=int)
    keep = np.isfinite(x).any(axis=1)
    x, y = x[keep], y[keep]
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[keep]
    k = len(classes)
    counts = np.bincount(y, minlength=k).astype(np.float64)
    w = w * (len(y) / (k * np.maximum(counts[y], 1.0)))
    mean = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0)
    scale = np.where(np.isfinite(scale) & (scale > 1e-6), scale, 1.0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    model = ExerciseModel(classes, FEATURE_NAMES, mean, scale, *[np.zeros(0)] * 4, provenance or {}, cfg.input_clip)
    xs = model._prepare(x)
    onehot = np.eye(k)[y]
    members = [_fit_member(xs, onehot, w, cfg, np.random.default_rng(cfg.seed + m)) for m in range(cfg.members)]
    model.w1, model.b1, model.w2, model.b2 = (np.stack([mb[i] for mb in members]) for i in range(4))
    return model


def _fit_member(xs: np.ndarray, onehot: np.ndarray, w: np.ndarray, cfg: TrainConfig,
                rng: np.random.Generator) -> list[np.ndarray]:
    """One network, trained with Adam on jittered and partly dropped features (see ``TrainConfig``)."""
    n, f = xs.shape
    k = onehot.shape[1]
    params = [rng.normal(0, 1 / np.sqrt(f), (f, cfg.hidden)), np.zeros(cfg.hidden),
              rng.normal(0, 1 / np.sqrt(cfg.hidden), (cfg.hidden, k)), np.zeros(k)]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    step = 0
    for _ in range(cfg.epochs):
        order = rng.permutation(n)
        for s in range(0, n, cfg.batch_size):
            idx = order[s:s + cfg.batch_size]
            xb, tb, wb = xs[idx], onehot[idx], w[idx][:, None]
            xb = xb + rng.normal(0.0, cfg.input_noise, xb.shape)
            xb = np.where(rng.random(xb.shape) < cfg.feature_dropout, 0.0, xb)
            w1, b1, w2, b2 = params
            h = np.tanh(xb @ w1 + b1)
            p = _softmax(h @ w2 + b2)
            dz = (p - tb) * wb / wb.sum()
            dh = (dz @ w2.T) * (1 - h * h)
            grads = [xb.T @ dh + cfg.weight_decay * w1, dh.sum(axis=0), h.T @ dz + cfg.weight_decay * w2, dz.sum(axis=0)]
            step += 1
            for i, (prm, g) in enumerate(zip(params, grads)):
                m1[i] = beta1 * m1[i] + (1 - beta1) * g
                m2[i] = beta2 * m2[i] + (1 - beta2) * g * g
                prm -= cfg.learning_rate * (m1[i] / (1 - beta1 ** step)) / (np.sqrt(m2[i] / (1 - beta2 ** step)) + eps)
    return params
