"""Planners that turn a request into a tool graph over any tool set (TaskBench format)."""
