"""Replays the reference's parity fixtures through headroom._core.

Each fixture records one call of a reference transform ({transform, input,
config, output}); the test makes the same call through the Python API, with
the fixture's config as keyword arguments, and compares the result with the
recorded output field by field, types included (True is not 1, 1.0 is not 1).

Fixtures are read from $HEADROOM_PARITY_FIXTURES, else
../shared/parity/fixtures next to the repository. A missing directory skips
these tests (saying where it looked), or fails them when
HEADROOM_REQUIRE_PARITY=1.
"""

import glob
import json
import math
import os
import unittest

from headroom import _core

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FIXTURES = os.environ.get("HEADROOM_PARITY_FIXTURES") or os.path.join(REPO_ROOT, "..", "shared", "parity", "fixtures")


def first_difference(expected, actual, path="$"):
    """The path of the first place actual departs from expected, or None.

    Unlike ==, it tells bool from int and int from float, as the reference's
    JSON output does."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            return "%s: keys %s != %s" % (path, sorted(expected), sorted(actual))
        for k in expected:
            d = first_difference(expected[k], actual[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if type(expected) is not type(actual):
        return "%s: %r (%s) != %r (%s)" % (path, expected, type(expected).__name__, actual, type(actual).__name__)
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return "%s: length %d != %d" % (path, len(expected), len(actual))
        for i, (e, a) in enumerate(zip(expected, actual)):
            d = first_difference(e, a, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(expected, float):
        same = expected == actual and math.copysign(1, expected) == math.copysign(1, actual)
        return None if same else "%s: %r != %r" % (path, expected, actual)
    if expected != actual:
        if isinstance(expected, str):
            i = next((i for i, (x, y) in enumerate(zip(expected, actual)) if x != y), min(len(expected), len(actual)))
            return "%s: strings differ at index %d: %r != %r" % (path, i, expected[i : i + 40], actual[i : i + 40])
        return "%s: %r != %r" % (path, expected, actual)
    return None


class ParityTestCase(unittest.TestCase):
    transform = ""

    def fixtures(self):
        root = os.path.abspath(FIXTURES)
        if not os.path.isdir(root):
            msg = "no parity fixtures at %s (set HEADROOM_PARITY_FIXTURES)" % root
            if os.environ.get("HEADROOM_REQUIRE_PARITY") == "1":
                self.fail(msg + " and HEADROOM_REQUIRE_PARITY=1")
            self.skipTest(msg)
        paths = sorted(glob.glob(os.path.join(root, self.transform, "*.json")))
        # A parity test that compares nothing must not pass.
        self.assertTrue(paths, "no %s fixtures in %s" % (self.transform, root))
        for p in paths:
            with open(p, encoding="utf-8") as fh:
                fx = json.load(fh)
            self.assertEqual(fx["transform"], self.transform, p)
            yield os.path.basename(p), fx

    def check(self, run):
        n = 0
        for name, fx in self.fixtures():
            with self.subTest(fixture=name):
                got = run(fx["input"], fx.get("config"))
                diff = first_difference(fx["output"], got)
                self.assertIsNone(diff, "%s/%s: %s" % (self.transform, name, diff))
                n += 1
        self.assertGreater(n, 0)


class SmartCrusherParity(ParityTestCase):
    transform = "smart_crusher"

    def test_fixtures(self):
        def run(inp, config):
            # The fixtures were recorded with SmartCrusher.without_compaction.
            crusher = _core.SmartCrusher.without_compaction(_core.SmartCrusherConfig(**config))
            return crusher.crush(**inp)

        self.check(run)


class DiffCompressorParity(ParityTestCase):
    transform = "diff_compressor"

    def test_fixtures(self):
        self.check(lambda inp, config: _core.DiffCompressor(_core.DiffCompressorConfig(**config)).compress(inp))


class LogCompressorParity(ParityTestCase):
    transform = "log_compressor"

    def test_fixtures(self):
        self.check(lambda inp, config: _core.LogCompressor(_core.LogCompressorConfig(**config)).compress(inp))


class TextCrusherParity(ParityTestCase):
    transform = "text_crusher"

    def test_fixtures(self):
        def run(inp, config):
            self.assertFalse(config, "text_crusher fixtures carry no config")
            return _core.TextCrusher().compress(**inp)

        self.check(run)


class ContentDetectorParity(ParityTestCase):
    transform = "content_detector"

    def test_fixtures(self):
        def run(inp, config):
            self.assertFalse(config, "content_detector fixtures carry no config")
            return _core.detect_content_type(inp)

        self.check(run)


class TokenizerParity(ParityTestCase):
    transform = "tokenizer"

    def test_fixtures(self):
        def run(inp, config):
            self.assertFalse(config, "tokenizer fixtures carry no config")
            # The recorder counted with the OpenAI counter built for gpt-4o-mini.
            return _core.count_tokens(inp, "gpt-4o-mini")

        self.check(run)


if __name__ == "__main__":
    unittest.main()
