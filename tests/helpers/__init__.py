"""Helpers for pyinit's black-box tests: build helper programs, run pyinit as a real PID 1."""
