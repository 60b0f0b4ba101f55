# The project's front door. Every target sets up .venv on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
EXTRAS ?= test,dask

.PHONY: install test test-ray demo bench eval train clean samples

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	@touch $(STAMP)

install: $(STAMP)

samples: $(STAMP)
	$(PY) data_samples/generate.py

test: $(STAMP)
	$(PY) -m pytest -q -m "not ray"

test-ray: $(STAMP)
	$(PY) -m pip install -q -e '.[test,dask,ray]'
	$(PY) -m pytest -q -m ray

# The main job on the bundled samples: generates data_samples/, runs the fitness analysis on the
# rendered workout clips and prints the session report, then keyframes over every sample.
# Exit code 1 from the keyframes run is expected: the samples include broken files on purpose.
demo: samples
	$(VENV)/bin/batchproc run --csv data_samples/fitness.csv --fn fitness --output-dir demo_out/fitness \
		--workers 2 --no-progress
	$(VENV)/bin/batchproc report demo_out/fitness
	$(VENV)/bin/batchproc analyze data_samples/videos/workout_session.mp4 --fn fitness --report
	$(VENV)/bin/batchproc run --csv data_samples/videos.csv --fn keyframes --output-dir demo_out/keyframes \
		--workers 2 --param num_frames=8 --param max_side=256 --no-progress; test $$? -le 1
	$(VENV)/bin/batchproc report demo_out/keyframes

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

eval: $(STAMP)
	$(PY) benchmarks/eval_fitness.py

# Rebuilds the shipped exercise model from generated pose sequences only (fixed seeds: the same file
# every time) and writes its provenance beside it: batchproc/fns/fitness/model/exercise_model.{npz,json}
train: $(STAMP)
	$(PY) -m batchproc.fns.fitness.training

clean:
	rm -rf demo_out bench_out eval_out .pytest_cache
