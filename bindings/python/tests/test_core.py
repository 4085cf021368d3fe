"""Behaviour of headroom._core as installed from the wheel: loading, the
result and config types, errors on bad input, CCR retrieval and concurrent
use."""

import ctypes
import json
import os
import re
import sys
import sysconfig
import threading
import unittest

import headroom
from headroom import _core

from test_parity import first_difference


def log_rows(n):
    """A JSON array of n log records, every seventh a warning."""
    rows = [{"id": i, "level": "warn" if i % 7 == 0 else "info", "message": "seq %d" % i} for i in range(n)]
    return rows, json.dumps(rows)


class LoadingTest(unittest.TestCase):
    def test_hello(self):
        self.assertEqual(_core.hello(), "headroom-core")

    def test_imported_from_the_installed_package(self):
        # run_tests.sh installs the wheel into a fresh virtualenv; the
        # source tree's copy must not be what runs.
        site = os.path.realpath(sysconfig.get_paths()["platlib"])
        for path in (headroom.__file__, _core.__file__, _core.LIBRARY_PATH):
            self.assertTrue(
                os.path.realpath(path).startswith(site + os.sep),
                "%s is not under the virtualenv's site-packages %s" % (path, site),
            )
        self.assertNotEqual(sys.prefix, sys.base_prefix, "tests must run inside a virtualenv")

    def test_version_is_reported(self):
        self.assertIsInstance(_core.version(), str)
        self.assertTrue(_core.version())


class ResultTypesTest(unittest.TestCase):
    def test_results_are_dicts_with_attribute_access(self):
        r = _core.detect_content_type('[{"a": 1}, {"a": 2}]')
        self.assertIsInstance(r, dict)
        self.assertIsInstance(r, _core.DetectionResult)
        self.assertEqual(r.content_type, "json_array")
        self.assertEqual(r.content_type, r["content_type"])
        self.assertIs(r.metadata["is_dict_array"], True)
        with self.assertRaisesRegex(AttributeError, "no field 'nope'"):
            r.nope

    def test_config_fills_defaults_and_keeps_given_values(self):
        cfg = _core.SmartCrusherConfig(max_items_after_crush=7)
        self.assertEqual(cfg.max_items_after_crush, 7)
        default = _core.SmartCrusherConfig()
        self.assertNotEqual(cfg, default)
        self.assertEqual(set(cfg.to_dict()), set(default.to_dict()))
        self.assertEqual(_core.SmartCrusherConfig(**cfg.to_dict()), cfg)
        with self.assertRaises(AttributeError):
            cfg.max_items_after_crush = 3

    def test_config_reaches_the_transform(self):
        _, content = log_rows(100)
        few = _core.SmartCrusher.without_compaction(_core.SmartCrusherConfig(max_items_after_crush=5)).crush(content)
        many = _core.SmartCrusher.without_compaction(_core.SmartCrusherConfig(max_items_after_crush=40)).crush(content)
        self.assertLess(len(json.loads(few.compressed)), len(json.loads(many.compressed)))

    def test_smart_crush_content_is_the_tuple_form(self):
        _, content = log_rows(50)
        c = _core.SmartCrusher()
        r = c.crush(content)
        self.assertEqual(c.smart_crush_content(content), (r.compressed, r.was_modified, r.strategy))

    def test_diff_result_helpers(self):
        r = _core.DiffCompressionResult(original_line_count=100, compressed_line_count=25)
        self.assertEqual(r.compression_ratio(), 0.25)
        self.assertEqual(r.tokens_saved_estimate(), 750)

    def test_first_difference_tells_types_apart(self):
        self.assertIsNotNone(first_difference({"a": True}, {"a": 1}))
        self.assertIsNotNone(first_difference({"a": 1.0}, {"a": 1}))
        self.assertIsNotNone(first_difference({"a": "xy"}, {"a": "xz"}))
        self.assertIsNone(first_difference({"a": [1, 0.5, None]}, {"a": [1, 0.5, None]}))


class SearchCompressorTest(unittest.TestCase):
    def test_drops_matches_and_says_so(self):
        lines = ["src/mod%d.py:%d:    value_%d = compute(%d)" % (i % 3, i + 1, i, i) for i in range(60)]
        lines[30] = "src/mod0.py:31:    raise ValueError('error: bad input')"
        content = "\n".join(lines)
        r = _core.SearchCompressor().compress(content, context="compute")
        self.assertEqual(r.original_match_count, 60)
        self.assertLess(r.compressed_match_count, r.original_match_count)
        self.assertEqual(r.original, content)
        kept = [l for l in r.compressed.splitlines() if re.match(r"src/mod\d\.py:\d+:", l)]
        self.assertEqual(len(kept), r.compressed_match_count)
        for line in kept:
            self.assertIn(line, lines)
        self.assertIn(lines[30], kept, "the error line must survive")
        self.assertTrue(set(r.summaries) <= {"src/mod0.py", "src/mod1.py", "src/mod2.py"})
        self.assertTrue(r.summaries)


class TokenCountTest(unittest.TestCase):
    def test_openai_models_count_exactly_and_others_estimate(self):
        self.assertEqual(_core.count_tokens("", "gpt-4o"), 0)
        self.assertEqual(_core.count_tokens("hello world", "gpt-4o"), 2)
        # 35 characters at 3.5 per token.
        self.assertEqual(_core.count_tokens("a" * 35, "claude-3-5-sonnet-20241022"), 10)


class CCRTest(unittest.TestCase):
    def test_smart_crusher_marker_resolves_to_the_original_rows(self):
        rows, content = log_rows(60)
        c = _core.SmartCrusher.without_compaction()
        r = c.crush(content)
        m = re.search(r"<<ccr:([0-9a-f]+)", r.compressed)
        self.assertIsNotNone(m, r.compressed)
        self.assertEqual(json.loads(c.ccr_get(m.group(1))), rows)
        self.assertGreaterEqual(_core.ccr_len(), 1)

    def test_diff_cache_key_resolves_byte_for_byte(self):
        body = "".join(" context %d\n" % i for i in range(30))
        content = "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,61 +1,61 @@\n" + body + "-old\n+new\n" + body
        r = _core.DiffCompressor().compress(content)
        self.assertIsNotNone(r.cache_key)
        self.assertIn(r.cache_key, r.compressed)
        self.assertEqual(_core.ccr_get(r.cache_key), content)

    def test_unknown_key_is_none(self):
        self.assertIsNone(_core.ccr_get("0" * 24))


class CompressTest(unittest.TestCase):
    def test_large_array_is_offloaded_and_markers_resolve(self):
        rows = [{"id": i, "level": "error" if i % 50 == 0 else "info", "ms": i % 17} for i in range(300)]
        content = json.dumps(rows)
        r = _core.compress(content)
        self.assertIsInstance(r, _core.CompressResult)
        self.assertEqual(r.outcome, "compressed", r)
        self.assertEqual(r.content_type, "json_array")
        self.assertLess(r.tokens_after, r.tokens_before)
        self.assertEqual(r.tokens_saved, r.tokens_before - r.tokens_after)
        self.assertEqual(r.bytes_after, len(r.text.encode("utf-8")))
        self.assertTrue(r.markers)
        for key in r.markers:
            self.assertIsNotNone(_core.ccr_get(key), key)

    def test_short_text_comes_back_unchanged(self):
        r = _core.compress("just a short note")
        self.assertEqual(r.text, "just a short note")
        self.assertNotIn(r.outcome, ("compressed", "failed"))


class BadInputTest(unittest.TestCase):
    """Bad arguments raise a Python exception that names the problem; the
    interpreter survives and the core keeps working."""

    def tearDown(self):
        self.assertEqual(_core.hello(), "headroom-core")

    def test_unknown_config_keyword(self):
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument \"max_item\""):
            _core.SmartCrusherConfig(max_item=3)

    def test_config_values_out_of_range(self):
        with self.assertRaisesRegex(ValueError, "max_items_after_crush must be a non-negative integer"):
            _core.SmartCrusherConfig(max_items_after_crush=-1)
        with self.assertRaisesRegex(ValueError, "invalid config"):
            _core.DiffCompressorConfig(max_hunks_per_file=1)
        with self.assertRaisesRegex(ValueError, "invalid config"):
            _core.TextCrusherConfig(target_ratio=0)
        with self.assertRaisesRegex(TypeError, "enable_ccr must be a boolean"):
            _core.LogCompressorConfig(enable_ccr=1)

    def test_config_of_the_wrong_class(self):
        with self.assertRaisesRegex(TypeError, "config must be DiffCompressorConfig or None, not dict"):
            _core.DiffCompressor({"max_files": 1})

    def test_content_that_is_not_str(self):
        with self.assertRaisesRegex(TypeError, "content must be str, not bytes"):
            _core.SmartCrusher().crush(b"[1, 2]")
        with self.assertRaisesRegex(TypeError, "content must be str, not NoneType"):
            _core.detect_content_type(None)

    def test_bad_numbers(self):
        with self.assertRaisesRegex(ValueError, "bias must be non-negative"):
            _core.LogCompressor().compress("x", bias=-1)
        with self.assertRaisesRegex(ValueError, "Out of range float"):
            _core.SmartCrusher().crush("[]", bias=float("nan"))
        with self.assertRaisesRegex(TypeError, "bias must be a number, not bool"):
            _core.SearchCompressor().compress("a:1:b", bias=True)
        with self.assertRaisesRegex(TypeError, "target_ratio must be a number, not str"):
            _core.TextCrusher().compress("x", target_ratio="half")

    def test_compress_arguments(self):
        with self.assertRaisesRegex(ValueError, "bias must be non-negative"):
            _core.compress("x", bias=-1)
        with self.assertRaisesRegex(TypeError, "compress_search must be bool"):
            _core.compress("x", compress_search="yes")

    def test_unknown_compaction_format(self):
        with self.assertRaisesRegex(ValueError, "unknown compaction format \"csv\"; expected one of: csv-schema, json"):
            _core.SmartCrusher.with_compaction_format(format_name="csv")

    def test_lone_surrogate(self):
        with self.assertRaisesRegex(ValueError, "not valid Unicode.*lone surrogate"):
            _core.detect_content_type("abc\ud800def")

    def test_invalid_ccr_key(self):
        with self.assertRaisesRegex(ValueError, "invalid key"):
            _core.ccr_get("")

    def test_raw_abi_misuse_is_refused(self):
        lib = _core._lib
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        # NULL out parameters: nothing to report through, so a bare status.
        self.assertEqual(lib.headroom_call(b"hello", 5, b"{}", 2, None, None), -1)
        # A NULL buffer with a non-zero length is reported, not read.
        status = lib.headroom_call(None, 5, b"{}", 2, ctypes.byref(out), ctypes.byref(n))
        try:
            self.assertEqual(status, 1)
            self.assertIn(b"method is NULL", ctypes.string_at(out.value, n.value))
        finally:
            lib.headroom_free(out)
        # Arguments that are not UTF-8 JSON.
        status = lib.headroom_call(b"hello", 5, b"\xff", 1, ctypes.byref(out), ctypes.byref(n))
        try:
            self.assertEqual(status, 1)
            self.assertIn(b"not valid UTF-8", ctypes.string_at(out.value, n.value))
        finally:
            lib.headroom_free(out)

    def test_unknown_method(self):
        with self.assertRaisesRegex(ValueError, "no_such_method: unknown method"):
            _core._call("no_such_method", {})


class ConcurrencyTest(unittest.TestCase):
    def test_threads_get_the_same_answers(self):
        _, content = log_rows(80)
        want = _core.SmartCrusher().crush(content)
        errors, results = [], []

        def work():
            try:
                for _ in range(20):
                    results.append(_core.SmartCrusher().crush(content))
            except Exception as exc:  # reported below, on the main thread
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 160)
        for r in results:
            self.assertEqual(r, want)


if __name__ == "__main__":
    unittest.main()
