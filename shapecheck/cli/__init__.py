"""The ``shapecheck`` command line: config, discovery, suppressions, baseline, cache, reporters.

Importing this package imports nothing heavy (no libcst, TensorFlow or NumPy); the
subcommands import what they need when they run.
"""
