"""headroom-go for Python.

The compression core lives in :mod:`headroom._core`, a thin ctypes layer over
the Go library shipped inside this package. It is imported on first use, not
here, so that ``import headroom`` never loads native code by itself.
"""
