"""Entry point of a sandbox process (``python -m batchproc._sandbox_main FD``); see sandbox.py."""
import sys

from batchproc.sandbox import child_main

if __name__ == "__main__":
    child_main(int(sys.argv[1]))
