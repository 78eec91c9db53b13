"""Measuring planners: TaskBench data, metrics and the evaluation runner."""
