"""The libcst shape analyser. Never imports TensorFlow, NumPy or the code it checks.

The CLI talks to :mod:`shapecheck.static.api` only.
"""
